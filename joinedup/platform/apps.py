from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "joinedup.platform"
    label = "platform"
    verbose_name = "Platform"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (sign-in auditing)
