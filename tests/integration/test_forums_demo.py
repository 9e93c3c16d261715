"""The Harbourside demo's forums: every kind, a list per forum, and the silo the report describes."""

from __future__ import annotations

from itertools import combinations

import pytest

from joinedup.demo import harbourside
from joinedup.demo.services import demo_partnership_load
from joinedup.directory.models import DistributionList, Forum, ForumKind, ForumMembership, ForumRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def built():
    return demo_partnership_load(seed=1)


def forums_of(code: str) -> set[str]:
    return set(ForumMembership.objects.filter(agency__code=code).values_list("forum__code", flat=True))


def test_the_forums_are_there_with_chairs_and_lists(built):
    assert Forum.objects.count() == len(harbourside.FORUMS) == 6
    assert set(Forum.objects.values_list("kind", flat=True)) == set(ForumKind.values)
    for forum in Forum.objects.all():
        forum.full_clean()
        chair = forum.memberships.get(role_in_forum=ForumRole.CHAIR)
        assert chair.agency_id == forum.chair_agency_id
        distribution_list = DistributionList.objects.get(forum=forum)
        listed = set(distribution_list.members.values_list("agency_id", flat=True))
        assert listed == set(forum.memberships.values_list("agency_id", flat=True))
        for member in distribution_list.members.all():
            member.full_clean()
            assert member.email.endswith(".example")


def test_camhs_and_youth_justice_share_no_forum(built):
    camhs, yjs = forums_of("harbourside-camhs"), forums_of("harbourside-yjs")
    assert camhs and yjs
    assert not camhs & yjs
    # ... while the statutory partners meet each other somewhere.
    for a, b in combinations(["harbourside-police", "harbourside-csc", "harbourside-nhs"], 2):
        assert forums_of(a) & forums_of(b)


def test_rebuilding_replaces_the_forums(built):
    demo_partnership_load(seed=1, replace=True)
    assert Forum.objects.count() == 6
    assert DistributionList.objects.count() == 6
