"""``joinedup create-admin``: the first partnership administrator of a new installation.

After that, administrators add everyone (including other administrators) under Users.
Django's ``createsuperuser`` is not the way in: it skips the agency, the audit and the
set-password email.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from joinedup.accounts.services import first_admin_create


class Command(BaseCommand):
    help = "Create the first partnership administrator and email them a link to choose a password."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True, help="their full name")
        parser.add_argument("--agency", required=True, help="the partnership's own agency, e.g. 'Harbourside SCP'")
        parser.add_argument("--base-url", default="", help="the site's address, for the link in the email")

    def handle(self, *args, email, name, agency, base_url, **options):
        try:
            user = first_admin_create(email=email, full_name=name, agency_name=agency, base_url=base_url)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Created {user.email} as partnership administrator of {user.agency}.")
        self.stdout.write("We have emailed them a link to choose a password.")
