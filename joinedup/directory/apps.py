from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "joinedup.directory"
    label = "directory"
    verbose_name = "Partnership directory"

    def ready(self) -> None:
        from joinedup.platform.csv_import import register_importer

        from .importers import ServicesImporter

        register_importer("services", ServicesImporter())
