"""Writes to the directory. Each is atomic and audited in the same transaction (DESIGN §4).

Validation uses the models' own rules (``full_clean``), so a form, an import and the API
all refuse the same things with the same plain-English messages.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from joinedup.platform.access import ensure_capability, has_capability
from joinedup.platform.audit import audit_record

from .models import (
    Action,
    ActionStatus,
    Agency,
    AgendaItem,
    AgendaItemKind,
    Attendance,
    AttendanceStatus,
    Contact,
    Decision,
    DistributionList,
    DistributionListMember,
    Forum,
    ForumMembership,
    ForumRole,
    Meeting,
    MeetingStatus,
    Need,
    Service,
    long_date,
    review_date_default,
    slug_validator,
)
from .selectors import (
    action_can_update,
    action_list_for,
    action_view_for,
    agenda_item_view_for,
    meeting_page_for,
    panel_reviews_due_for,
)

AGENCY_FIELDS = ("name", "code", "kind", "description", "website", "email", "phone", "is_active")
SERVICE_FIELDS = (
    "agency",
    "code",
    "name",
    "remit",
    "audience",
    "min_age",
    "max_age",
    "threshold",
    "referral_route",
    "ends_at_age",
    "max_extension_days",
    "default_weight",
    "contact_email",
    "contact_phone",
    "is_public",
    "is_active",
)
_NEED_SEPARATORS = re.compile(r"[\s_]+")


# --- needs -----------------------------------------------------------------------------


def need_slugs_parse(text: str | None) -> list[str]:
    """'Mental health; exploitation' -> ['exploitation', 'mental-health'] (sorted, no repeats)."""
    if not text:
        return []
    return need_slugs_normalise(text.split(";"))


def need_slugs_normalise(values: Iterable[str]) -> list[str]:
    """Lower-case each need, turn spaces and underscores into hyphens, and check what is left."""
    slugs: set[str] = set()
    bad: list[str] = []
    for value in values:
        slug = _NEED_SEPARATORS.sub("-", value.strip().lower()).strip("-")
        if not slug:
            continue
        if len(slug) > 50:
            bad.append(f"“{value.strip()}” is longer than 50 characters")
            continue
        try:
            slug_validator(slug)
        except ValidationError:
            bad.append(f"“{value.strip()}”")
            continue
        slugs.add(slug)
    if bad:
        raise ValidationError(
            "Needs must use letters, numbers and hyphens only, separated by semicolons. Check " + ", ".join(bad),
            code="invalid_need",
        )
    return sorted(slugs)


def _needs_get_or_create(slugs: Iterable[str]) -> dict[str, Need]:
    wanted = set(slugs)
    if not wanted:
        return {}
    found = {need.slug: need for need in Need.objects.filter(slug__in=wanted)}
    missing = sorted(wanted - found.keys())
    if missing:
        Need.objects.bulk_create([Need(slug=slug) for slug in missing], ignore_conflicts=True)
        found.update({need.slug: need for need in Need.objects.filter(slug__in=missing)})
    return found


# --- audit detail ----------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A value as it goes into the audit trail's JSON."""
    if isinstance(value, models.Model):
        return getattr(value, "code", None) or str(value.pk)
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    return value


def _values(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value differs."""
    changed = {}
    for name, new in after.items():
        old = before.get(name)
        if _comparable(old) != _comparable(new):
            changed[name] = [_plain(old), _plain(new)]
    return changed


def _comparable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return (type(value), value.pk)
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def _check_actor(actor) -> None:
    """A named user must be allowed to manage the directory; None is the command line or the demo."""
    if actor is not None:
        ensure_capability(actor, "directory.manage")


def _create_audited(obj, fields: Sequence[str], *, actor, actor_label: str, action: str, then=None):
    """Validate, then in one transaction save the new row, run ``then(obj)`` for anything
    that must be created with it, and audit every field it was created with."""
    obj.full_clean()
    with transaction.atomic():
        obj.save()
        if then is not None:
            then(obj)
        audit_record(
            actor=actor,
            actor_label=actor_label,
            action=action,
            obj=obj,
            detail={name: _plain(value) for name, value in _values(obj, fields).items()},
        )
    return obj


def _locked_change(model: type[models.Model], pk: int, fields: Mapping[str, Any]):
    """Inside a transaction: lock the row as stored (not an instance a form may have
    changed), apply the fields, validate, and return it with what changed, {field: [old, new]}."""
    current = model.objects.select_for_update().get(pk=pk)
    before = _values(current, fields)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    return current, _changes(before, _values(current, fields))


def _check_fields(fields: Mapping[str, Any], allowed: Sequence[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown field(s): {', '.join(sorted(unknown))}")


# --- agencies --------------------------------------------------------------------------


def agency_create(*, actor, actor_label: str = "", **fields) -> Agency:
    _check_actor(actor)
    _check_fields(fields, AGENCY_FIELDS)
    return _create_audited(
        Agency(**fields), AGENCY_FIELDS, actor=actor, actor_label=actor_label, action="directory.agency.create"
    )


def agency_update(*, actor, agency: Agency, actor_label: str = "", **fields) -> Agency:
    _check_actor(actor)
    _check_fields(fields, AGENCY_FIELDS)
    with transaction.atomic():
        current, changed = _locked_change(Agency, agency.pk, fields)
        if changed:
            current.save()
            audit_record(
                actor=actor, actor_label=actor_label, action="directory.agency.update", obj=current, detail=changed
            )
    return current


# --- services --------------------------------------------------------------------------


def _service_clean(service: Service, *, validate_unique: bool = True) -> None:
    # The agency is always an instance we hold, and min <= max is in Service.clean(), so the
    # database round-trips for the foreign key and the check constraint are not needed.
    service.full_clean(exclude=["agency"], validate_unique=validate_unique, validate_constraints=False)
    if service.agency_id is None:
        raise ValidationError({"agency": "Select the agency that runs the service"})


def service_create(*, actor, needs: Iterable[str] = (), actor_label: str = "", **fields) -> Service:
    _check_actor(actor)
    _check_fields(fields, SERVICE_FIELDS)
    slugs = need_slugs_normalise(needs)
    service = Service(**fields)
    _service_clean(service)
    with transaction.atomic():
        service.save()
        service.needs.set(_needs_get_or_create(slugs).values())
        detail = {name: _plain(value) for name, value in _values(service, SERVICE_FIELDS).items()}
        detail["needs"] = slugs
        audit_record(
            actor=actor, actor_label=actor_label, action="directory.service.create", obj=service, detail=detail
        )
    return service


def service_update(
    *, actor, service: Service, needs: Iterable[str] | None = None, actor_label: str = "", **fields
) -> Service:
    """Change a service. ``needs=None`` leaves its needs as they are."""
    _check_actor(actor)
    _check_fields(fields, SERVICE_FIELDS)
    slugs = need_slugs_normalise(needs) if needs is not None else None
    with transaction.atomic():
        current = Service.objects.select_for_update().get(pk=service.pk)
        before = _values(current, fields)
        for name, value in fields.items():
            setattr(current, name, value)
        _service_clean(current)
        changed = _changes(before, _values(current, fields))
        if slugs is not None:
            old_slugs = sorted(current.needs.values_list("slug", flat=True))
            if old_slugs != slugs:
                changed["needs"] = [old_slugs, slugs]
                current.needs.set(_needs_get_or_create(slugs).values())
        if changed:
            current.save()
            audit_record(
                actor=actor, actor_label=actor_label, action="directory.service.update", obj=current, detail=changed
            )
    return current


# --- bulk import -----------------------------------------------------------------------


@dataclass(frozen=True)
class ServicesImportResult:
    created: int
    updated: int
    unchanged: int


@dataclass
class _Planned:
    service: Service
    is_new: bool
    changed: dict[str, list[Any]]
    needs: list[str] | None


def _plan(rows: Sequence[Mapping[str, Any]]) -> tuple[list[_Planned | None], dict[int, ValidationError]]:
    """Match each row to a stored service by code, apply it, and validate it. No writes.

    Each row is ``{field: value}`` with model field names, ``agency`` an ``Agency`` and
    ``needs`` a list of need names; a field left out is left as it is (or its default).
    """
    codes = [row.get("code") for row in rows if row.get("code")]
    existing: dict[str, Service] = {}
    for start in range(0, len(codes), 1000):
        chunk = codes[start : start + 1000]
        for service in Service.objects.filter(code__in=chunk).select_related("agency"):
            existing[service.code] = service
    current_needs: dict[int, list[str]] = {}
    ids = [service.pk for service in existing.values()]
    for start in range(0, len(ids), 1000):
        through = Service.needs.through.objects.filter(service_id__in=ids[start : start + 1000])
        for service_id, slug in through.values_list("service_id", "need__slug"):
            current_needs.setdefault(service_id, []).append(slug)

    plans: list[_Planned | None] = []
    errors: dict[int, ValidationError] = {}
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        fields = {name: value for name, value in row.items() if name != "needs"}
        try:
            _check_fields(fields, SERVICE_FIELDS)
            code = fields.get("code") or ""
            if code in seen:
                raise ValidationError({"code": f"Service ID “{code}” is used more than once in the file"})
            if code:
                seen[code] = index
            slugs = None
            if row.get("needs") is not None:
                try:
                    slugs = need_slugs_normalise(row["needs"])
                except ValidationError as error:
                    raise ValidationError({"needs": error.messages}) from None
            stored = existing.get(code)
            if stored is None:
                service = Service(**fields)
                _service_clean(service, validate_unique=False)
                plan = _Planned(service, True, {}, slugs or [])
            else:
                # ``stored`` was fetched for this plan alone, so it can take the new values.
                service = stored
                before = _values(service, fields)
                for name, value in fields.items():
                    setattr(service, name, value)
                _service_clean(service, validate_unique=False)
                changed = _changes(before, _values(service, fields))
                old_slugs = sorted(current_needs.get(stored.pk, []))
                if slugs is not None and slugs != old_slugs:
                    changed["needs"] = [old_slugs, slugs]
                plan = _Planned(service, False, changed, slugs)
        except ValidationError as error:
            errors[index] = error
            plans.append(None)
            continue
        plans.append(plan)
    return plans, errors


class ServicesImportInvalid(ValidationError):
    """Some rows are invalid; ``row_errors`` maps each bad row's position to its errors."""

    def __init__(self, rows: Sequence[Mapping[str, Any]], row_errors: dict[int, ValidationError]):
        self.row_errors = row_errors
        messages = []
        for index, error in sorted(row_errors.items()):
            label = rows[index].get("code") or "no service ID"
            messages.extend(f"Service {index + 1} ({label}): {message}" for message in error.messages)
        super().__init__(messages)


def services_import_check(rows: Sequence[Mapping[str, Any]]) -> dict[int, ValidationError]:
    """What is wrong with each row (by position), without writing anything."""
    return _plan(rows)[1]


def services_import(*, actor, rows: Sequence[Mapping[str, Any]], actor_label: str = "") -> ServicesImportResult:
    """Create or update many services, matched by code, all or nothing.

    One audit event records the import: the codes created and, for each service changed,
    its changed fields as [old, new]. Unchanged rows write nothing, so importing the same
    rows twice changes nothing (and audits nothing) the second time.
    """
    _check_actor(actor)
    with transaction.atomic():
        plans, errors = _plan(rows)
        if errors:
            raise ServicesImportInvalid(rows, errors)
        new = [plan for plan in plans if plan is not None and plan.is_new]
        changed = [plan for plan in plans if plan is not None and not plan.is_new and plan.changed]
        unchanged = len(plans) - len(new) - len(changed)

        Service.objects.bulk_create([plan.service for plan in new], batch_size=500)
        stored_ids = dict(Service.objects.filter(code__in=[p.service.code for p in new]).values_list("code", "pk"))
        for plan in new:
            plan.service.pk = stored_ids[plan.service.code]
        for plan in changed:
            fields = [name for name in plan.changed if name != "needs"]
            if fields:
                plan.service.save(update_fields=[*fields, "updated_at"])

        needs_by_slug = _needs_get_or_create(
            {slug for plan in (*new, *changed) if plan.needs is not None for slug in plan.needs}
        )
        through = Service.needs.through
        replaced = [plan.service.pk for plan in changed if "needs" in plan.changed]
        for start in range(0, len(replaced), 1000):
            through.objects.filter(service_id__in=replaced[start : start + 1000]).delete()
        links = [
            through(service_id=plan.service.pk, need_id=needs_by_slug[slug].pk)
            for plan in (*new, *changed)
            if plan.needs is not None and (plan.is_new or "needs" in plan.changed)
            for slug in plan.needs
        ]
        through.objects.bulk_create(links, batch_size=1000)

        if new or changed:
            # One event for the whole import: per-service events would make a large import
            # take minutes. It names every service created and every change made.
            audit_record(
                actor=actor,
                actor_label=actor_label,
                action="directory.service.import",
                object_type="directory.service",
                detail={
                    "created": [plan.service.code for plan in new],
                    "updated": {plan.service.code: plan.changed for plan in changed},
                    "unchanged": unchanged,
                },
            )
    return ServicesImportResult(created=len(new), updated=len(changed), unchanged=unchanged)


# --- forums ----------------------------------------------------------------------------

FORUM_FIELDS = ("name", "code", "kind", "purpose", "terms_of_reference", "frequency", "chair_agency", "is_active")
DISTRIBUTION_LIST_FIELDS = ("name", "purpose", "forum")


def _check_forums_actor(actor) -> None:
    """A named user must be allowed to manage forums and lists; None is the command line or the demo."""
    if actor is not None:
        ensure_capability(actor, "directory.forums.manage")


def _membership_detail(membership: ForumMembership) -> dict[str, Any]:
    return {"forum": membership.forum.code, "agency": membership.agency.code, "role": membership.role_in_forum}


def forum_create(*, actor, actor_label: str = "", **fields) -> Forum:
    """Add a forum; its chair agency becomes its first member, as chair."""
    _check_forums_actor(actor)
    _check_fields(fields, FORUM_FIELDS)

    def seat_the_chair(forum: Forum) -> None:
        ForumMembership.objects.create(forum=forum, agency=forum.chair_agency, role_in_forum=ForumRole.CHAIR)

    return _create_audited(
        Forum(**fields),
        FORUM_FIELDS,
        actor=actor,
        actor_label=actor_label,
        action="directory.forum.create",
        then=seat_the_chair,
    )


def forum_update(*, actor, forum: Forum, actor_label: str = "", **fields) -> Forum:
    """Change a forum. A new chair agency takes the chair's seat (joining if it was not a
    member); the old chair agency stays on as a member."""
    _check_forums_actor(actor)
    _check_fields(fields, FORUM_FIELDS)
    with transaction.atomic():
        current, changed = _locked_change(Forum, forum.pk, fields)
        if changed:
            current.save()
            if "chair_agency" in changed:
                current.memberships.filter(role_in_forum=ForumRole.CHAIR).exclude(agency=current.chair_agency).update(
                    role_in_forum=ForumRole.MEMBER
                )
                ForumMembership.objects.update_or_create(
                    forum=current, agency=current.chair_agency, defaults={"role_in_forum": ForumRole.CHAIR}
                )
            audit_record(
                actor=actor, actor_label=actor_label, action="directory.forum.update", obj=current, detail=changed
            )
    return current


@dataclass(frozen=True)
class MembershipAdded:
    """A new member agency, the forum's distribution list (if it has one), and the agency's
    people who could be added to that list."""

    membership: ForumMembership
    distribution_list: DistributionList | None
    contacts: list[Contact]


def forum_membership_add(
    *, actor, forum: Forum, agency: Agency, role_in_forum: str = ForumRole.MEMBER, actor_label: str = ""
) -> MembershipAdded:
    _check_forums_actor(actor)
    membership = ForumMembership(forum=forum, agency=agency, role_in_forum=role_in_forum)
    membership.full_clean()
    with transaction.atomic():
        membership.save()
        audit_record(
            actor=actor,
            actor_label=actor_label,
            action="directory.forum_membership.add",
            obj=forum,
            detail=_membership_detail(membership),
        )
    distribution_list = forum.distribution_lists.first()
    contacts = distribution_list.contacts_to_offer(agency) if distribution_list else []
    return MembershipAdded(membership, distribution_list, contacts)


def forum_membership_remove(*, actor, membership: ForumMembership, actor_label: str = "") -> None:
    _check_forums_actor(actor)
    forum = membership.forum
    if membership.agency_id == forum.chair_agency_id:
        raise ValidationError(f"{membership.agency} chairs {forum}. Choose another chair before removing it.")
    with transaction.atomic():
        detail = _membership_detail(membership)
        membership.delete()
        audit_record(
            actor=actor, actor_label=actor_label, action="directory.forum_membership.remove", obj=forum, detail=detail
        )


# --- distribution lists ----------------------------------------------------------------


def distribution_list_create(*, actor, actor_label: str = "", **fields) -> DistributionList:
    _check_forums_actor(actor)
    _check_fields(fields, DISTRIBUTION_LIST_FIELDS)
    return _create_audited(
        DistributionList(**fields),
        DISTRIBUTION_LIST_FIELDS,
        actor=actor,
        actor_label=actor_label,
        action="directory.distribution_list.create",
    )


def distribution_list_update(
    *, actor, distribution_list: DistributionList, actor_label: str = "", **fields
) -> DistributionList:
    _check_forums_actor(actor)
    _check_fields(fields, DISTRIBUTION_LIST_FIELDS)
    with transaction.atomic():
        current, changed = _locked_change(DistributionList, distribution_list.pk, fields)
        if changed:
            current.save()
            audit_record(
                actor=actor,
                actor_label=actor_label,
                action="directory.distribution_list.update",
                obj=current,
                detail=changed,
            )
    return current


def distribution_list_member_add(
    *,
    actor,
    distribution_list: DistributionList,
    name: str,
    email: str,
    agency: Agency,
    role: str = "",
    actor_label: str = "",
) -> DistributionListMember:
    _check_forums_actor(actor)
    member = DistributionListMember(
        distribution_list=distribution_list,
        name=(name or "").strip(),
        role=(role or "").strip(),
        agency=agency,
        email=(email or "").strip().lower(),
    )
    member.full_clean()
    with transaction.atomic():
        member.save()
        audit_record(
            actor=actor,
            actor_label=actor_label,
            action="directory.distribution_list_member.add",
            obj=distribution_list,
            detail={"email": member.email, "agency": agency.code},
        )
    return member


def distribution_list_contacts_add(
    *, actor, distribution_list: DistributionList, agency: Agency, user_ids: Iterable[int], actor_label: str = ""
) -> list[DistributionListMember]:
    """Add some of an agency's people (offered by ``forum_membership_add``) to a list, all or nothing."""
    _check_forums_actor(actor)
    offered = {contact.user_id: contact for contact in distribution_list.contacts_to_offer(agency)}
    wanted = list(dict.fromkeys(int(pk) for pk in user_ids))
    unknown = [pk for pk in wanted if pk not in offered]
    if unknown:
        raise ValidationError("Select people from the list offered")
    with transaction.atomic():
        return [
            distribution_list_member_add(
                actor=actor,
                actor_label=actor_label,
                distribution_list=distribution_list,
                name=offered[pk].name,
                role=offered[pk].job_title,
                agency=agency,
                email=offered[pk].email,
            )
            for pk in wanted
        ]


def distribution_list_member_remove(*, actor, member: DistributionListMember, actor_label: str = "") -> None:
    _check_forums_actor(actor)
    distribution_list = member.distribution_list
    with transaction.atomic():
        detail = {"email": member.email, "agency": member.agency.code}
        member.delete()
        audit_record(
            actor=actor,
            actor_label=actor_label,
            action="directory.distribution_list_member.remove",
            obj=distribution_list,
            detail=detail,
        )


# --- meetings ----------------------------------------------------------------------------------
# Recorded by those who manage forums. A young person's item also needs "people.search" (the
# coordinator: administrators see no records). Audit details name young people by reference
# only and never hold what was said about them (outcomes, decisions, actions' words).

MEETING_FIELDS = ("date", "location", "online", "status", "notes")
ACTION_FIELDS = ("title", "owner_agency", "lead", "due_date", "status", "evidence", "completed_on")
ACTION_PROGRESS_FIELDS = ("status", "evidence", "completed_on")


def _check_young_person_actor(actor) -> None:
    if actor is not None:
        ensure_capability(actor, "people.search")


def _meeting_has_happened(meeting: Meeting, what: str) -> None:
    if meeting.date > dt.date.today():
        raise ValidationError(f"The meeting on {long_date(meeting.date)} has not happened yet: {what} after it")


def _mark_held(actor, actor_label: str, meeting: Meeting) -> None:
    """Attendance or an outcome shows a planned meeting took place."""
    if meeting.status != MeetingStatus.HELD:
        Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.HELD)
        meeting.status = MeetingStatus.HELD
        audit_record(
            actor=actor,
            actor_label=actor_label,
            action="directory.meeting.update",
            obj=meeting,
            detail={"status": [MeetingStatus.PLANNED, MeetingStatus.HELD]},
        )


def meeting_create(*, actor, forum: Forum, actor_label: str = "", **fields) -> Meeting:
    _check_forums_actor(actor)
    _check_fields(fields, MEETING_FIELDS)
    meeting = Meeting(forum=forum, **fields)
    meeting.full_clean()
    with transaction.atomic():
        meeting.save()
        detail = {name: _plain(value) for name, value in _values(meeting, MEETING_FIELDS).items() if name != "notes"}
        audit_record(
            actor=actor,
            actor_label=actor_label,
            action="directory.meeting.create",
            obj=meeting,
            detail={"forum": forum.code, **detail},
        )
    return meeting


def meeting_update(*, actor, meeting: Meeting, actor_label: str = "", **fields) -> Meeting:
    _check_forums_actor(actor)
    _check_fields(fields, MEETING_FIELDS)
    with transaction.atomic():
        current, changed = _locked_change(Meeting, meeting.pk, fields)
        if changed:
            current.save()
            if "notes" in changed:
                changed["notes"] = "changed"
            audit_record(
                actor=actor, actor_label=actor_label, action="directory.meeting.update", obj=current, detail=changed
            )
    return current


def agenda_item_add(
    *,
    actor,
    meeting: Meeting,
    kind: str,
    young_person=None,
    context: str = "",
    topic: str = "",
    presenter_agency: Agency | None = None,
    review_date: dt.date | None = None,
    actor_label: str = "",
) -> AgendaItem:
    """Put a young person (by reference), a context or a topic on a meeting's agenda, last.

    A young person's item is reviewed 12 weeks after the meeting unless another date is given.
    Any young person the partnership knows may be put on a panel's agenda: the coordinator
    finds them by reference (``people.selectors.young_person_by_ref``), which shows the
    signpost only; putting them on the agenda shows nothing more."""
    _check_forums_actor(actor)
    if kind == AgendaItemKind.YOUNG_PERSON:
        _check_young_person_actor(actor)
        if young_person is not None and review_date is None:
            review_date = review_date_default(meeting.date)
    item = AgendaItem(
        meeting=meeting,
        kind=kind,
        young_person=young_person if kind == AgendaItemKind.YOUNG_PERSON else None,
        context=context or "",
        topic=topic or "",
        presenter_agency=presenter_agency,
        review_date=review_date,
    )
    item.full_clean(exclude=["order"])
    with transaction.atomic():
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        item.order = (meeting.agenda_items.aggregate(last=models.Max("order"))["last"] or 0) + 1
        item.save()
        audit_record(
            actor=actor,
            actor_label=actor_label,
            action="directory.agenda_item.add",
            obj=meeting,
            detail={
                "item": item.pk,
                "order": item.order,
                "kind": item.kind,
                "young_person": young_person.ref if item.young_person_id else None,
                "presenter_agency": _plain(presenter_agency),
                "review_date": review_date,
            },
        )
    return item


def agenda_item_outcome_record(
    *,
    actor,
    item: AgendaItem,
    outcome: str,
    review_date: dt.date | None = None,
    no_review: bool = False,
    actions: Sequence[Mapping[str, Any]] = (),
    actor_label: str = "",
) -> AgendaItem:
    """Record what the meeting concluded on an item, its review date and any actions, together.

    A young person's item is reviewed 12 weeks after the meeting unless another date is given,
    or ``no_review`` (the panel closed its involvement). Each action is ``{title, owner_agency,
    due_date, lead}``."""
    _check_forums_actor(actor)
    is_person = item.kind == AgendaItemKind.YOUNG_PERSON
    if is_person:
        _check_young_person_actor(actor)
    meeting = item.meeting
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": "Enter what the meeting concluded"})
    _meeting_has_happened(meeting, "record the outcome")
    if no_review:
        review_date = None
    elif review_date is None and is_person:
        review_date = review_date_default(meeting.date)
    with transaction.atomic():
        current = AgendaItem.objects.select_for_update().select_related("meeting__forum").get(pk=item.pk)
        was_recorded = bool(current.outcome)
        current.outcome = outcome
        current.review_date = review_date
        current.outcome_recorded_on = dt.date.today()
        current.full_clean()
        current.save()
        created = [
            action_create(actor=actor, actor_label=actor_label, agenda_item=current, **fields) for fields in actions
        ]
        _mark_held(actor, actor_label, meeting)
        audit_record(
            actor=actor,
            actor_label=actor_label,
            action="directory.agenda_item.outcome",
            obj=meeting,
            detail={
                "item": current.pk,
                "young_person": current.young_person.ref if is_person else None,
                "replaced": was_recorded,
                "review_date": review_date,
                "actions": [action.pk for action in created],
            },
        )
    return current


def attendance_record(
    *, actor, meeting: Meeting, rows: Sequence[tuple[Agency, str, str]], actor_label: str = ""
) -> list[Attendance]:
    """Record who came: ``(agency, status, attendees)`` for each agency. An empty status removes
    what was recorded for that agency. At least one agency must be recorded."""
    _check_forums_actor(actor)
    _meeting_has_happened(meeting, "record attendance")
    valid = set(AttendanceStatus.values)
    errors = []
    seen: set[int] = set()
    for agency, status, attendees in rows:
        if agency.pk in seen:
            errors.append(f"{agency} is listed twice")
        seen.add(agency.pk)
        if status and status not in valid:
            errors.append(f"Select whether {agency} attended, sent apologies or did not attend")
        if not status and (attendees or "").strip():
            errors.append(f"Select whether {agency} attended before saying who came")
        if len((attendees or "").strip()) > 300:
            errors.append(f"Keep the names of who came from {agency} to 300 characters")
    if errors:
        raise ValidationError(errors)
    if not any(status for _, status, _ in rows):
        raise ValidationError("Record attendance for at least one agency")
    with transaction.atomic():
        saved = []
        for agency, status, attendees in rows:
            if not status:
                meeting.attendance.filter(agency=agency).delete()
                continue
            row, _ = Attendance.objects.update_or_create(
                meeting=meeting, agency=agency, defaults={"status": status, "attendees": (attendees or "").strip()}
            )
            saved.append(row)
        _mark_held(actor, actor_label, meeting)
        audit_record(
            actor=actor,
            actor_label=actor_label,
            action="directory.attendance.record",
            obj=meeting,
            detail={agency.code: status or None for agency, status, _ in rows},
        )
    return saved


def decision_record(
    *, actor, meeting: Meeting, text: str, agenda_item: AgendaItem | None = None, actor_label: str = ""
) -> Decision:
    _check_forums_actor(actor)
    is_person = agenda_item is not None and agenda_item.kind == AgendaItemKind.YOUNG_PERSON
    if is_person:
        _check_young_person_actor(actor)
    decision = Decision(meeting=meeting, agenda_item=agenda_item, text=text or "")
    decision.full_clean()
    with transaction.atomic():
        decision.save()
        detail = {"decision": decision.pk, "item": agenda_item.pk if agenda_item else None}
        if is_person:
            detail["young_person"] = agenda_item.young_person.ref
        else:
            detail["text"] = decision.text
        audit_record(
            actor=actor, actor_label=actor_label, action="directory.decision.record", obj=meeting, detail=detail
        )
    return decision


# --- actions -----------------------------------------------------------------------------------


def _action_audit(action: Action, values: Mapping[str, Any]) -> dict[str, Any]:
    """Fields for the trail; the words of an action about a young person stay out of it."""
    detail = {}
    for name, value in values.items():
        if name in ("title", "lead", "evidence") and (action.young_person_id or name == "evidence"):
            detail[name] = "changed" if isinstance(value, list) else bool(value)
        else:
            detail[name] = value
    return detail


def _action_repr(action: Action) -> str:
    return f"Action {action.pk}" if action.young_person_id else action.title[:200]


def action_create(
    *,
    actor,
    title: str,
    owner_agency: Agency | None,
    due_date: dt.date | None,
    lead: str = "",
    meeting: Meeting | None = None,
    agenda_item: AgendaItem | None = None,
    source: str = "",
    actor_label: str = "",
) -> Action:
    """Raise an action. From a meeting (or one of its agenda items) it says so in ``source``;
    other parts of the system (the strategy plan) give their own ``source`` and link."""
    _check_forums_actor(actor)
    if agenda_item is not None and agenda_item.kind == AgendaItemKind.YOUNG_PERSON:
        _check_young_person_actor(actor)
    if agenda_item is not None and meeting is None:
        meeting = agenda_item.meeting
    if not source and meeting is not None:
        source = f"{meeting.forum}, {long_date(meeting.date)}"
    action = Action(
        title=title or "",
        owner_agency=owner_agency,
        lead=lead or "",
        due_date=due_date,
        meeting=meeting,
        agenda_item=agenda_item,
        source=source[:300],
    )
    action.full_clean()
    with transaction.atomic():
        action.save()
        values = {name: _plain(getattr(action, name)) for name in ("title", "owner_agency", "lead", "due_date")}
        audit_record(
            actor=actor,
            actor_label=actor_label,
            action="directory.action.create",
            obj=action,
            object_repr=_action_repr(action),
            detail={
                **_action_audit(action, values),
                "meeting": meeting.pk if meeting else None,
                "item": agenda_item.pk if agenda_item else None,
                "young_person": action.young_person.ref if action.young_person_id else None,
            },
        )
    return action


def action_update(*, actor, action: Action, actor_label: str = "", **fields) -> Action:
    """Change an action. Its progress (status, evidence, the date it was done) may be updated by
    its owner agency's people and by those who manage forums; what it is, who leads it, which
    agency owns it and when it is due, by those who manage forums only."""
    _check_fields(fields, ACTION_FIELDS)
    if actor is not None:
        ensure_capability(actor, "directory.actions.update")
        if set(fields) - set(ACTION_PROGRESS_FIELDS) and not has_capability(actor, "directory.forums.manage"):
            raise PermissionDenied(
                "Only those who manage forums can change what an action is, its owner or its due date"
            )
        if not action_can_update(actor, action):
            raise PermissionDenied("You can update only your own agency’s actions")
    compared = (*fields, "completed_on") if "completed_on" not in fields else tuple(fields)
    with transaction.atomic():
        current = Action.objects.select_for_update().get(pk=action.pk)
        before = _values(current, compared)
        for name, value in fields.items():
            setattr(current, name, value)
        current.full_clean()
        changed = _changes(before, _values(current, compared))
        if changed:
            current.save()
            audit_record(
                actor=actor,
                actor_label=actor_label,
                action="directory.action.update",
                obj=current,
                object_repr=_action_repr(current),
                detail=_action_audit(current, changed),
            )
    return current


def action_complete(
    *, actor, action: Action, evidence: str, completed_on: dt.date | None = None, actor_label: str = ""
) -> Action:
    """Mark an action done, saying what was done (the evidence) and when (today if not given)."""
    return action_update(
        actor=actor,
        action=action,
        actor_label=actor_label,
        status=ActionStatus.DONE,
        evidence=evidence,
        completed_on=completed_on or dt.date.today(),
    )


# --- reads that are audited --------------------------------------------------------------------


def meeting_open(*, actor, meeting: Meeting):
    """The meeting page as ``actor`` may see it. Showing young people's references (and what the
    panel said about them) is a view of their records: audited, by reference, with the level."""
    page = meeting_page_for(actor, meeting)
    if page.people_shown:
        audit_record(
            actor=actor, action="directory.meeting.view", obj=meeting, detail={"young_people": page.people_shown}
        )
    return page


def panel_reviews_open(*, actor):
    """The panels' "due for review" list, audited when it shows any young person."""
    panels = panel_reviews_due_for(actor)
    refs = {row.person.ref: row.person.level for panel in panels for row in panel.rows}
    if refs:
        audit_record(
            actor=actor,
            action="directory.panel_reviews.view",
            object_type="directory.agendaitem",
            detail={"young_people": refs},
        )
    return panels


def agenda_item_open(*, actor, item):
    """One agenda item as ``actor`` may see it (the outcome form shows the panel's note):
    audited, by reference and level, when it is about a young person shown to them."""
    view = agenda_item_view_for(actor, item)
    if view.person is not None and view.person.shown:
        # the same levels as the meeting page: seeing the panel's note without the record is its own
        level = "panel_outcome" if view.sees_outcome and view.person.level != "full" else view.person.level
        audit_record(
            actor=actor,
            action="directory.agenda_item.view",
            obj=item,
            detail={"young_people": {view.person.ref: level}},
        )
    return view


def action_open(*, actor, action):
    """One action as ``actor`` may see it: audited when it names a young person."""
    row = action_view_for(actor, action)
    if row.ref:
        audit_record(actor=actor, action="directory.action.view", obj=action, detail={"young_people": [row.ref]})
    return row


def action_list_open(*, actor, **filters):
    """The actions list, audited when it shows an action about a young person."""
    rows = action_list_for(actor, **filters)
    refs = sorted({row.ref for row in rows if row.ref})
    if refs:
        audit_record(
            actor=actor, action="directory.action.list", object_type="directory.action", detail={"young_people": refs}
        )
    return rows
