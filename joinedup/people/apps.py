from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """Young people, who is involved, involvements, transitions and sharing decisions."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "joinedup.people"
    label = "people"
    verbose_name = "People and transitions"

    def ready(self) -> None:
        from joinedup.platform.csv_import import register_importer

        from .importers import InvolvementsImporter, YoungPeopleImporter

        register_importer("young-people", YoungPeopleImporter())
        register_importer("involvements", InvolvementsImporter())
