from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """Young people, who is involved, involvements, transitions and sharing decisions."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "joinedup.people"
    label = "people"
    verbose_name = "People and transitions"
