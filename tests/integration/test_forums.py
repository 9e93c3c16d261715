"""Forums, memberships and distribution lists: services (audited, atomic), validation messages,
access, the CSV and vCard exports, and the 'add their people to the list?' offer."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from joinedup.accounts.models import User
from joinedup.directory import services as directory
from joinedup.directory.exports import members_vcard
from joinedup.directory.models import DistributionListMember, Forum, ForumMembership, ForumRole
from joinedup.platform.access import Role
from joinedup.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

MANAGERS = [Role.ADMIN.value, Role.COORDINATOR.value]
READERS = [r.value for r in Role if r not in (Role.ADMIN, Role.COORDINATOR)]


@pytest.fixture
def forum(agency):
    return directory.forum_create(
        actor=None,
        actor_label="test",
        name="MACE panel",
        code="mace-panel",
        kind="mace_panel",
        purpose="Plans for young people at risk of exploitation.",
        terms_of_reference="Meets monthly; reviews within 12 weeks.",
        frequency="monthly",
        chair_agency=agency,
    )


@pytest.fixture
def mace_list(forum):
    return directory.distribution_list_create(actor=None, actor_label="test", name="MACE panel list", forum=forum)


@pytest.fixture
def nurse(other_agency):
    return User.objects.create_user(
        email="nia.nurse@example.org",
        password=None,
        full_name="Nia Nurse",
        job_title="CAMHS nurse",
        role=Role.PRACTITIONER,
        agency=other_agency,
    )


def forum_post(agency, **overrides):
    data = {
        "name": "Transitions panel",
        "code": "transitions",
        "kind": "transitions_panel",
        "purpose": "Plans moves to adult services.",
        "terms_of_reference": "",
        "frequency": "6_weekly",
        "chair_agency": str(agency.pk),
        "is_active": "on",
    }
    data.update(overrides)
    return data


# --- services ------------------------------------------------------------------------------


def test_creating_a_forum_seats_its_chair_and_is_audited(admin_user, agency):
    forum = directory.forum_create(
        actor=admin_user,
        name="Board",
        code="board",
        kind="board",
        purpose="Priorities.",
        frequency="quarterly",
        chair_agency=agency,
    )
    assert list(forum.memberships.values_list("agency__code", "role_in_forum")) == [("harbourside-police", "chair")]
    event = AuditEvent.objects.get(action="directory.forum.create")
    assert event.actor_id == admin_user.pk
    assert event.detail["chair_agency"] == "harbourside-police"
    assert event.detail["frequency"] == "quarterly"


def test_changing_the_chair_moves_the_chair_seat(forum, agency, other_agency, make_user):
    coordinator = make_user(Role.COORDINATOR)
    directory.forum_update(actor=coordinator, forum=forum, chair_agency=other_agency)
    roles = dict(forum.memberships.values_list("agency__code", "role_in_forum"))
    assert roles == {"harbourside-police": "member", "harbourside-camhs": "chair"}
    event = AuditEvent.objects.get(action="directory.forum.update")
    assert event.detail == {"chair_agency": ["harbourside-police", "harbourside-camhs"]}
    directory.forum_update(actor=coordinator, forum=forum, chair_agency=other_agency)
    assert AuditEvent.objects.filter(action="directory.forum.update").count() == 1  # no change, no event


@pytest.mark.parametrize("role", READERS)
def test_services_refuse_roles_that_may_not_manage_forums(make_user, agency, forum, mace_list, role):
    actor = make_user(role)
    with pytest.raises(PermissionDenied):
        directory.forum_create(
            actor=actor, name="X", code="x", kind="board", purpose="x", frequency="monthly", chair_agency=agency
        )
    with pytest.raises(PermissionDenied):
        directory.distribution_list_member_add(
            actor=actor, distribution_list=mace_list, name="A", email="a@example.org", agency=agency
        )
    assert Forum.objects.count() == 1 and not DistributionListMember.objects.exists()


def test_validation_messages_are_plain_english(agency, other_agency, forum, mace_list):
    with pytest.raises(ValidationError) as caught:
        directory.forum_create(actor=None, name="MACE panel", code="Bad Code", kind="board", purpose="", frequency="x",
                               chair_agency=agency)  # fmt: skip
    errors = caught.value.message_dict
    assert errors["name"] == ["A forum with this name already exists"]
    assert errors["code"] == ["Use lower-case letters, numbers and hyphens only, starting with a letter or number"]
    assert errors["purpose"] == ["Enter the forum’s purpose"]

    with pytest.raises(ValidationError) as caught:
        directory.forum_membership_add(actor=None, forum=forum, agency=other_agency, role_in_forum=ForumRole.CHAIR)
    assert caught.value.message_dict["role_in_forum"] == [
        "Only the chair agency (Harbourside Police) can chair MACE panel"
    ]
    directory.forum_membership_add(actor=None, forum=forum, agency=other_agency)
    with pytest.raises(ValidationError) as caught:
        directory.forum_membership_add(actor=None, forum=forum, agency=other_agency, role_in_forum=ForumRole.OBSERVER)
    assert caught.value.messages == ["Harbourside CAMHS is already a member of MACE panel"]

    with pytest.raises(ValidationError) as caught:
        directory.forum_membership_remove(actor=None, membership=forum.memberships.get(agency=agency))
    assert caught.value.messages == ["Harbourside Police chairs MACE panel. Choose another chair before removing it."]

    with pytest.raises(ValidationError) as caught:
        directory.distribution_list_create(actor=None, name="Another", forum=forum)
    assert caught.value.message_dict["forum"] == ["MACE panel already has a distribution list"]

    directory.distribution_list_member_add(
        actor=None, distribution_list=mace_list, name="Pat", email="Pat@Example.org", agency=agency
    )
    with pytest.raises(ValidationError) as caught:
        directory.distribution_list_member_add(
            actor=None, distribution_list=mace_list, name="Pat again", email="pat@example.org", agency=agency
        )
    assert caught.value.messages == ["pat@example.org is already on MACE panel list"]
    with pytest.raises(ValidationError) as caught:
        directory.distribution_list_member_add(
            actor=None, distribution_list=mace_list, name=" ", email="not-an-email", agency=agency
        )
    assert caught.value.message_dict == {
        "name": ["Enter the person’s name"],
        "email": ["Enter an email address in the correct format, like name@example.org"],
    }
    assert mace_list.members.count() == 1


def test_a_failed_audit_rolls_the_write_back(monkeypatch, forum, other_agency):
    def broken(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(directory, "audit_record", broken)
    with pytest.raises(RuntimeError):
        directory.forum_membership_add(actor=None, forum=forum, agency=other_agency)
    assert forum.memberships.count() == 1
    with pytest.raises(RuntimeError):
        directory.distribution_list_create(actor=None, name="Lost", forum=None)
    assert not directory.DistributionList.objects.filter(name="Lost").exists()


def test_adding_a_member_offers_its_people_for_the_forums_list(forum, mace_list, other_agency, nurse):
    User.objects.create_user(email="gone@example.org", password=None, full_name="Gone", role="practitioner",
                             agency=other_agency, is_active=False)  # fmt: skip
    added = directory.forum_membership_add(actor=None, actor_label="t", forum=forum, agency=other_agency)
    assert added.distribution_list == mace_list
    assert [(c.name, c.job_title, c.email) for c in added.contacts] == [
        ("Nia Nurse", "CAMHS nurse", "nia.nurse@example.org")
    ]
    members = directory.distribution_list_contacts_add(
        actor=None, actor_label="t", distribution_list=mace_list, agency=other_agency, user_ids=[nurse.pk]
    )
    assert [(m.name, m.role, m.agency.code, m.email) for m in members] == [
        ("Nia Nurse", "CAMHS nurse", "harbourside-camhs", "nia.nurse@example.org")
    ]
    assert mace_list.contacts_to_offer(other_agency) == []
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["directory.forum_membership.add", "directory.distribution_list_member.add"]


def test_a_forum_without_a_list_offers_nobody(forum, other_agency, nurse):
    added = directory.forum_membership_add(actor=None, actor_label="t", forum=forum, agency=other_agency)
    assert added.distribution_list is None and added.contacts == []


# --- pages ---------------------------------------------------------------------------------


def test_anonymous_visitors_never_see_forums_or_lists(client, forum, mace_list):
    for url in [
        reverse("directory:forum-list"),
        reverse("directory:forum-detail", args=[forum.pk]),
        reverse("directory:distribution-list-detail", args=[mace_list.pk]),
        reverse("directory:distribution-list-csv", args=[mace_list.pk]),
        reverse("directory:distribution-list-vcard", args=[mace_list.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login")), url


@pytest.mark.parametrize("role", READERS)
def test_other_roles_read_forums_and_lists_but_cannot_change_them(client, make_user, agency, forum, mace_list, role):
    client.force_login(make_user(role))
    page = client.get(reverse("directory:forum-list")).content.decode()
    assert "MACE panel" in page and "Add a forum" not in page
    detail = client.get(reverse("directory:forum-detail", args=[forum.pk])).content.decode()
    assert "Meets monthly; reviews within 12 weeks." in detail and "Add a member agency" not in detail
    assert client.get(reverse("directory:distribution-list-detail", args=[mace_list.pk])).status_code == 200
    assert client.post(reverse("directory:forum-create"), forum_post(agency)).status_code == 403
    assert client.post(reverse("directory:forum-member-add", args=[forum.pk]), {}).status_code == 403
    assert Forum.objects.count() == 1


@pytest.mark.parametrize("role", MANAGERS)
def test_managers_create_a_forum_and_see_errors_first(client, make_user, agency, role):
    client.force_login(make_user(role))
    response = client.post(reverse("directory:forum-create"), forum_post(agency, purpose="", frequency=""))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter the forum’s purpose" in page and "Select how often the forum meets" in page
    response = client.post(reverse("directory:forum-create"), forum_post(agency))
    forum = Forum.objects.get(code="transitions")
    assert response.url == reverse("directory:forum-detail", args=[forum.pk])
    listing = client.get(reverse("directory:forum-list")).content.decode()
    assert "Transitions panel" in listing and "Every 6 weeks" in listing


def test_the_offer_flow_through_the_pages(client, make_user, forum, mace_list, other_agency, nurse):
    client.force_login(make_user(Role.COORDINATOR))
    response = client.post(
        reverse("directory:forum-member-add", args=[forum.pk]),
        {"agency": str(other_agency.pk), "role_in_forum": "adviser"},
    )
    membership = ForumMembership.objects.get(forum=forum, agency=other_agency)
    assert membership.role_in_forum == "adviser"
    offer_url = reverse("directory:forum-member-added", args=[forum.pk, membership.pk])
    assert response.url == offer_url
    page = client.get(offer_url).content.decode()
    assert "Nia Nurse, CAMHS nurse, nia.nurse@example.org" in page
    assert "Select at least one person to add" in client.post(offer_url, {}).content.decode()
    response = client.post(offer_url, {"people": [str(nurse.pk)]})
    assert response.url == reverse("directory:forum-detail", args=[forum.pk])
    assert list(mace_list.members.values_list("email", flat=True)) == ["nia.nurse@example.org"]
    # Nobody left to offer: the page sends you back to the forum.
    assert client.get(offer_url).url == reverse("directory:forum-detail", args=[forum.pk])


def test_removing_a_member_asks_first(client, admin_user, forum, other_agency):
    added = directory.forum_membership_add(actor=None, actor_label="t", forum=forum, agency=other_agency)
    client.force_login(admin_user)
    url = reverse("directory:forum-member-remove", args=[forum.pk, added.membership.pk])
    assert "Remove Harbourside CAMHS from MACE panel?" in client.get(url).content.decode()
    assert forum.memberships.count() == 2
    client.post(url)
    assert forum.memberships.count() == 1
    chair_url = reverse("directory:forum-member-remove", args=[forum.pk, forum.memberships.get().pk])
    assert "Choose another chair before removing it" in client.post(chair_url).content.decode()


def test_list_member_add_and_remove_pages(client, admin_user, agency, mace_list):
    client.force_login(admin_user)
    url = reverse("directory:distribution-list-member-add", args=[mace_list.pk])
    page = client.post(url, {"name": "", "email": "x", "agency": str(agency.pk)}).content.decode()
    assert "Enter the person’s name" in page and "Enter an email address in the correct format" in page
    client.post(url, {"name": "Pat Police", "role": "DS", "email": "pat@example.org", "agency": str(agency.pk)})
    page = client.post(url, {"name": "Pat", "email": "PAT@example.org", "agency": str(agency.pk)}).content.decode()
    assert "pat@example.org is already on MACE panel list" in page
    member = mace_list.members.get()
    client.post(reverse("directory:distribution-list-member-remove", args=[mace_list.pk, member.pk]))
    assert not mace_list.members.exists()
    assert AuditEvent.objects.filter(action="directory.distribution_list_member.remove").count() == 1


# --- exports -------------------------------------------------------------------------------


@pytest.fixture
def awkward_list(mace_list, agency, other_agency):
    directory.distribution_list_member_add(actor=None, actor_label="t", distribution_list=mace_list,
                                           name="Smith, Jo", role="Lead; exploitation", agency=agency,
                                           email="jo@example.org")  # fmt: skip
    directory.distribution_list_member_add(actor=None, actor_label="t", distribution_list=mace_list,
                                           name="Ana Évora", role="", agency=other_agency,
                                           email="ana@example.org")  # fmt: skip
    directory.distribution_list_member_add(actor=None, actor_label="t", distribution_list=mace_list,
                                           name="=HYPERLINK(1)", role="-1", agency=agency,
                                           email="z@example.org")  # fmt: skip
    return mace_list


def test_csv_export(client, make_user, awkward_list):
    client.force_login(make_user(Role.ANALYST))
    response = client.get(reverse("directory:distribution-list-csv", args=[awkward_list.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="mace-panel-list-members.csv"'
    body = response.content.decode("utf-8")
    assert body == (
        "name,role,agency,email\r\n"
        "'=HYPERLINK(1),'-1,Harbourside Police,z@example.org\r\n"
        "Ana Évora,,Harbourside CAMHS,ana@example.org\r\n"
        '"Smith, Jo",Lead; exploitation,Harbourside Police,jo@example.org\r\n'
    )
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows[2] == {"name": "Smith, Jo", "role": "Lead; exploitation", "agency": "Harbourside Police",
                       "email": "jo@example.org"}  # fmt: skip


def parse_vcards(text: str) -> list[dict[str, str]]:
    """A small vCard 3.0 reader: unfold, split on the first unescaped colon, unescape."""
    assert "\n" not in text.replace("\r\n", "")
    unfolded = text.replace("\r\n ", "")
    cards, card = [], None
    for line in unfolded.split("\r\n"):
        if not line:
            continue
        key, value = line.split(":", 1)
        if key == "BEGIN":
            card = {}
        elif key == "END":
            cards.append(card)
        else:
            card[key] = value.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")
    return cards


def test_vcard_export(client, make_user, awkward_list):
    client.force_login(make_user(Role.PRACTITIONER))
    response = client.get(reverse("directory:distribution-list-vcard", args=[awkward_list.pk]))
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="mace-panel-list-members.vcf"'
    body = response.content.decode("utf-8")
    assert body.endswith("END:VCARD\r\n")
    assert "FN:Smith\\, Jo\r\n" in body and "TITLE:Lead\\; exploitation\r\n" in body
    cards = parse_vcards(body)
    assert cards == [
        {"VERSION": "3.0", "N": "=HYPERLINK(1);;;;", "FN": "=HYPERLINK(1)", "ORG": "Harbourside Police",
         "TITLE": "-1", "EMAIL;TYPE=INTERNET": "z@example.org"},
        {"VERSION": "3.0", "N": "Évora;Ana;;;", "FN": "Ana Évora", "ORG": "Harbourside CAMHS",
         "EMAIL;TYPE=INTERNET": "ana@example.org"},
        {"VERSION": "3.0", "N": "Jo;Smith,;;;", "FN": "Smith, Jo", "ORG": "Harbourside Police",
         "TITLE": "Lead; exploitation", "EMAIL;TYPE=INTERNET": "jo@example.org"},
    ]  # fmt: skip


def test_long_vcard_lines_fold_at_75_octets(agency):
    class Member:
        name = "Ana " + "É" * 60
        role = "x" * 200
        agency = None
        email = "a@example.org"

    Member.agency = agency
    text = members_vcard([Member])
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    assert parse_vcards(text)[0]["TITLE"] == "x" * 200
    assert parse_vcards(text)[0]["FN"] == Member.name
