"""What the management commands share: the user an ``--as EMAIL`` names, and the file an import reads."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from joinedup.accounts.selectors import active_users_with_email

COMMAND_LINE_ACTOR = "command line"


def active_user(email: str):
    """The active user with this email address; a CommandError if there is none."""
    user = active_users_with_email(email).first()
    if user is None:
        raise CommandError(f"No active user has the email address {email}")
    return user


def import_actor(as_email: str | None) -> tuple[object | None, str]:
    """The ``actor`` and ``actor_label`` an import audits: the ``--as`` user, or else "command line"."""
    if as_email:
        return active_user(as_email), ""
    return None, COMMAND_LINE_ACTOR


def existing_file(file: str) -> Path:
    """The path to a file to import; a CommandError if there is no file there."""
    path = Path(file)
    if not path.is_file():
        raise CommandError(f"There is no file at {file}")
    return path
