"""Make the audit trail append-only in the database itself: UPDATE and DELETE are refused."""

from django.db import migrations

from joinedup.platform.db_triggers import install_append_only_triggers, remove_append_only_triggers


def forward(apps, schema_editor):
    install_append_only_triggers(schema_editor.connection)


def reverse(apps, schema_editor):
    remove_append_only_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("platform", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
