"""Reads for the home pages: what each role can get to, with counts it is entitled to see."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from joinedup.accounts.selectors import user_count_for
from joinedup.directory.selectors import agency_list_for, service_list_for
from joinedup.platform.access import has_capability


@dataclass(frozen=True)
class HomeCard:
    title: str
    url: str
    description: str


def home_cards_for(user) -> list[HomeCard]:
    cards: list[HomeCard] = []
    if has_capability(user, "people.search"):
        cards.append(
            HomeCard(
                "Young people",
                reverse("people:search"),
                "Find a young person, see who is involved, and open the records of those your agency works with.",
            )
        )
    if has_capability(user, "people.break_glass.report"):
        cards.append(
            HomeCard(
                "Break-glass access report",
                reverse("people:break-glass-report"),
                "Who opened a record their agency is not involved in, why, and until when.",
            )
        )
    if has_capability(user, "people.import"):
        cards.append(
            HomeCard(
                "Import young people and involvements",
                reverse("people:import"),
                "Add or update many records at once from a CSV file; their cliff-edge forecasts update with them.",
            )
        )
    if has_capability(user, "directory.view"):
        cards.append(
            HomeCard(
                "Partnership directory",
                reverse("directory:agency-list"),
                f"{agency_list_for(user).count()} agencies and {service_list_for(user).count()} services: "
                "what each does, for whom, and how to refer.",
            )
        )
    if has_capability(user, "directory.manage"):
        cards.append(
            HomeCard(
                "Import services",
                reverse("directory:service-import"),
                "Add or update many services at once from a CSV file.",
            )
        )
    if has_capability(user, "accounts.manage"):
        cards.append(
            HomeCard(
                "Users", reverse("accounts:user-list"), f"{user_count_for(user)} users: roles, agencies and access."
            )
        )
    if has_capability(user, "governance.audit.view"):
        cards.append(
            HomeCard(
                "Audit trail",
                reverse("governance:audit-list"),
                "Who did what, when: every sign-in, change and refusal.",
            )
        )
    if has_capability(user, "api.tokens"):
        cards.append(HomeCard("API tokens", reverse("accounts:token-list"), "Personal tokens for the JSON API."))
    return cards
