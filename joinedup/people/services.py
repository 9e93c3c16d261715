"""Writes to young people's records. Each is atomic and audited in the same transaction.

Every service takes the acting user and checks, again, what the view checked: the role's
capability and the user's access to this young person (DESIGN §7). Audit details never hold a
name; young people appear in the trail by reference only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from joinedup.directory.models import Agency, Service
from joinedup.directory.services import (
    _changes,
    _check_fields,
    _locked_change,
    _needs_get_or_create,
    _plain,
    _values,
    need_slugs_normalise,
)
from joinedup.platform.access import ensure_capability
from joinedup.platform.audit import audit_record
from joinedup.platform.encryption import decrypt_text, encrypt_text
from joinedup.platform.models import AuditOutcome

from . import forecasting
from .models import (
    NOT_THEIR_AGE,
    AgencyReference,
    BreakGlassAccess,
    BridgingReferral,
    Involvement,
    PlannedEnd,
    SharingDecision,
    TransitionPlan,
    VoiceEntry,
    YoungPerson,
    new_ref,
)
from .selectors import (
    access_level,
    active_break_glass,
    agency_is_involved,
    young_person_by_ref,
    young_person_search_for,
)
from .tasks import forecast_all

PERSON_FIELDS = (
    "initials",
    "birth_month",
    "gender",
    "area",
    "lead_agency",
    "lead_contact_name",
    "lead_contact_email",
    "lead_contact_phone",
)
INVOLVEMENT_FIELDS = ("service", "start", "planned_end", "actual_end", "weight")


def _system_or(actor, capability: str) -> None:
    """A named user must hold the capability; ``None`` is the command line, an import or the demo."""
    if actor is not None:
        ensure_capability(actor, capability)


def _require_full_access(actor, person: YoungPerson) -> None:
    if actor is None:
        return
    if access_level(actor, person) != "full":
        raise PermissionDenied(f"Your agency is not involved with {person.ref}")


# What identifies a young person, or says something about them, never goes into the audit trail
# (administrators read it and see no records): only that a field was recorded or changed.
_NOT_AUDITED = frozenset(
    {
        "initials",
        "birth_month",
        "gender",
        "area",
        "needs",
        "lead_contact_name",
        "lead_contact_email",
        "lead_contact_phone",
    }
)


def audit_person_changes(changed: dict[str, Any]) -> dict[str, Any]:
    """``{field: [old, new]}`` for the audit trail, with identifying values replaced by "changed"."""
    return {name: "changed" if name in _NOT_AUDITED else value for name, value in changed.items()}


def _tidy_person_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Initials as capitals without spaces or dots ("j.s." -> "JS"); text fields trimmed."""
    tidy = dict(fields)
    if isinstance(tidy.get("initials"), str):
        tidy["initials"] = "".join(ch for ch in tidy["initials"].upper() if ch.isalpha())
    for name in ("area", "lead_contact_name", "lead_contact_email", "lead_contact_phone", "birth_month"):
        if isinstance(tidy.get(name), str):
            tidy[name] = tidy[name].strip()
    return tidy


# --- opening a record ------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordAccess:
    person: YoungPerson
    level: str  # "full" or "signpost"
    break_glass: BreakGlassAccess | None
    actor_id: int | None = None  # whom it was opened for


def young_person_open(*, actor, ref: str) -> RecordAccess:
    """Open a young person's page: decides full record or signpost, and audits the view."""
    person = young_person_by_ref(actor, ref)  # needs people.search, so the level is never "none"
    # access_level, asked once: involved, or else an open break-glass grant, means the full record.
    involved = agency_is_involved(getattr(actor, "agency_id", None), person)
    glass = None if involved else active_break_glass(actor, person)
    level = "full" if involved or glass is not None else "signpost"
    audit_record(
        actor=actor,
        action="people.young_person.view",
        obj=person,
        detail={"level": level, "break_glass": glass.pk if glass else None},
    )
    return RecordAccess(person=person, level=level, break_glass=glass, actor_id=getattr(actor, "pk", None))


def young_person_search(*, actor, query: str = "", birth_month: str = ""):
    """Search (selectors.young_person_search_for), audited when it finds anyone: the references
    found and how they were searched for, never the initials or birth month typed in. A run of
    searches by initials and birth month then shows in the trail."""
    results = young_person_search_for(actor, query=query, birth_month=birth_month)
    if results:
        audit_record(
            actor=actor,
            action="people.young_person.search",
            object_type="people.youngperson",
            detail={
                "by": "initials_and_birth_month" if birth_month else "reference_or_case_number",
                "found": [r.ref for r in results],
                "full": [r.ref for r in results if r.full_access],
            },
        )
    return results


def young_person_name_reveal(*, actor, young_person: YoungPerson) -> str:
    """Show the young person's full name: only to need-to-know users, and every reveal audited."""
    ensure_capability(actor, "people.search")
    _require_full_access(actor, young_person)
    if not young_person.name_encrypted:
        return ""
    with transaction.atomic():
        name = decrypt_text(young_person.name_encrypted)
        audit_record(actor=actor, action="people.young_person.reveal_name", obj=young_person)
    return name


def break_glass_open(*, actor, young_person: YoungPerson, reason: str) -> BreakGlassAccess:
    """Open a record the coordinator's agency is not involved in, for a stated reason, for a limited time."""
    ensure_capability(actor, "people.break_glass")
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError({"reason": "Give the reason you need to see this record, in at least 10 characters"})
    now = timezone.now()
    grant = BreakGlassAccess(
        young_person=young_person,
        user=actor,
        reason=reason,
        opened_at=now,
        expires_at=now + dt.timedelta(hours=settings.JOINEDUP_BREAK_GLASS_HOURS),
    )
    with transaction.atomic():
        grant.save()
        audit_record(
            actor=actor,
            action="people.break_glass.open",
            obj=young_person,
            detail={"reason": reason, "expires_at": grant.expires_at.isoformat(), "grant": grant.pk},
        )
    return grant


# --- young people ------------------------------------------------------------------------


def _unique_ref() -> str:
    for _ in range(20):
        ref = new_ref()
        if not YoungPerson.objects.filter(ref=ref).exists():
            return ref
    raise RuntimeError("Could not find a free young person reference")  # 32^5 refs: not in practice


def young_person_create(
    *,
    actor,
    needs: Iterable[str] = (),
    name: str = "",
    local_id: str = "",
    ref: str | None = None,
    actor_label: str = "",
    **fields,
) -> YoungPerson:
    """Add a young person. The user's agency must end up involved: it leads, or gives its case reference."""
    _system_or(actor, "people.record.edit")
    _check_fields(fields, PERSON_FIELDS)
    fields = _tidy_person_fields(fields)
    slugs = need_slugs_normalise(needs)
    person = YoungPerson(ref=(ref or _unique_ref()).strip().upper(), **fields)
    person.full_clean()
    local_id = (local_id or "").strip()
    agency = getattr(actor, "agency", None) if actor is not None else None
    if actor is not None and person.lead_agency_id != getattr(agency, "pk", None) and not local_id:
        raise ValidationError({"local_id": f"Give {agency}’s case reference, so your agency is recorded as involved"})
    with transaction.atomic():
        if name.strip():
            person.name_encrypted = encrypt_text(name.strip())
        person.save()
        person.needs.set(_needs_get_or_create(slugs).values())
        if local_id and agency is not None:
            reference = AgencyReference(young_person=person, agency=agency, local_id=local_id)
            reference.full_clean()
            reference.save()
        values = _values(person, PERSON_FIELDS)
        detail = {
            "lead_agency": _plain(person.lead_agency),
            "recorded": sorted(k for k, v in values.items() if k in _NOT_AUDITED and v not in ("", None))
            + (["needs"] if slugs else []),
            "name_recorded": bool(name.strip()),
            "local_id": bool(local_id),
        }
        audit_record(
            actor=actor, actor_label=actor_label, action="people.young_person.create", obj=person, detail=detail
        )
    return person


def young_person_update(
    *,
    actor,
    young_person: YoungPerson,
    needs: Iterable[str] | None = None,
    name: str | None = None,
    actor_label: str = "",
    **fields,
) -> YoungPerson:
    """Change a young person's details. ``needs=None`` and ``name=None`` leave them as they are;
    ``name=""`` removes a recorded name."""
    _system_or(actor, "people.record.edit")
    _require_full_access(actor, young_person)
    _check_fields(fields, PERSON_FIELDS)
    fields = _tidy_person_fields(fields)
    slugs = need_slugs_normalise(needs) if needs is not None else None
    with transaction.atomic():
        current, changed = _locked_change(YoungPerson, young_person.pk, fields)
        if slugs is not None:
            old = sorted(current.needs.values_list("slug", flat=True))
            if old != slugs:
                changed["needs"] = [old, slugs]
                current.needs.set(_needs_get_or_create(slugs).values())
        if name is not None:
            new_token = encrypt_text(name.strip()) if name.strip() else ""
            old_name = decrypt_text(current.name_encrypted) if current.name_encrypted else ""
            if old_name != name.strip():
                current.name_encrypted = new_token
                changed["name"] = ["recorded" if old_name else "none", "recorded" if new_token else "none"]
        if changed:
            current.save()
            audit_record(
                actor=actor,
                actor_label=actor_label,
                action="people.young_person.update",
                obj=current,
                detail=audit_person_changes(changed),
            )
            if "birth_month" in changed or "needs" in changed:
                forecasting.person_refresh(current)
    return current


def agency_reference_add(*, actor, young_person: YoungPerson, local_id: str, agency: Agency | None = None):
    """Record an agency's case reference: "we are involved too". A practitioner adds their own agency's."""
    _system_or(actor, "people.record.edit")
    if actor is not None:
        if agency is None:
            agency = actor.agency
        if agency.pk != actor.agency_id and actor.role != "coordinator":
            raise PermissionDenied("You can add only your own agency’s case reference")
        if agency.pk != actor.agency_id:
            _require_full_access(actor, young_person)
    reference = AgencyReference(young_person=young_person, agency=agency, local_id=(local_id or "").strip())
    reference.full_clean()
    with transaction.atomic():
        reference.save()
        audit_record(
            actor=actor,
            action="people.agency_reference.create",
            obj=young_person,
            detail={"agency": agency.code, "local_id": reference.local_id},
        )
    return reference


# --- involvements ------------------------------------------------------------------------


def _check_involvement_actor(actor, person: YoungPerson, service: Service | None, *, full_access: bool = False) -> None:
    """Practitioners record their own agency's involvements; coordinators any, on records they can see.

    ``full_access=True``: the caller has just found, in this request, that the actor sees the
    record in full (``young_person_open``), so it is not asked again."""
    if actor is None:
        return
    ensure_capability(actor, "people.record.edit")
    own_service = service is not None and service.agency_id == actor.agency_id
    if actor.role != "coordinator" and not own_service:
        raise PermissionDenied("You can record involvements only with your own agency’s services")
    if not own_service and not full_access:
        _require_full_access(actor, person)


def involvement_can_change(actor, involvement: Involvement, *, access: RecordAccess | None = None) -> bool:
    """Whether ``involvement_update`` and ``involvement_end`` would let this actor change it (for pages).

    ``access``: the record as ``young_person_open`` opened it for this actor in this request;
    when it is the full record of this involvement's young person, the rule is not asked of the
    database again (one query saved per involvement on the record page)."""
    full_access = (
        access is not None
        and access.level == "full"
        and access.person.pk == involvement.young_person_id
        and access.actor_id is not None
        and access.actor_id == getattr(actor, "pk", None)
    )
    try:
        _check_involvement_actor(actor, involvement.young_person, involvement.service, full_access=full_access)
    except PermissionDenied:
        return False
    return True


def involvement_create(*, actor, young_person: YoungPerson, actor_label: str = "", **fields) -> Involvement:
    """Record that a young person is working with a service. Recomputes their forecast at once."""
    _check_fields(fields, INVOLVEMENT_FIELDS)
    _check_involvement_actor(actor, young_person, fields.get("service"))
    involvement = Involvement(young_person=young_person, **fields)
    try:
        involvement.full_clean()
    except ValidationError as error:
        if actor is not None and access_level(actor, young_person) != "full":
            raise _without_age(error, actor, young_person) from None
        raise
    try:
        with transaction.atomic():
            involvement.save()
            audit_record(
                actor=actor,
                actor_label=actor_label,
                action="people.involvement.create",
                obj=involvement,
                detail={"young_person": young_person.ref}
                | {k: _plain(v) for k, v in _values(involvement, INVOLVEMENT_FIELDS).items()},
            )
            forecasting.person_refresh(young_person)
    except IntegrityError:
        involvement.validate_unique()  # the race lost: report it like the form would
        raise
    return involvement


def _without_age(error: ValidationError, actor, person: YoungPerson) -> ValidationError:
    """For an agency not yet involved: the birth and age-range messages become one that gives
    nothing away, and the refusal is audited, so repeated guessing shows in the trail."""
    messages = error.message_dict
    hidden = False
    for name in ("start", "service"):
        kept = [m for m in messages.get(name, []) if " was born (" not in m and " on the start date" not in m]
        if len(kept) != len(messages.get(name, [])):
            hidden = True
            messages[name] = kept
    if not hidden:
        return error
    messages["start"] = [*messages.get("start", []), NOT_THEIR_AGE]
    messages = {name: found for name, found in messages.items() if found}
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="people.involvement.refused",
            obj=person,
            outcome=AuditOutcome.FAILURE,
            detail={"reason": "age"},
        )
    return ValidationError(messages)


def involvement_update(*, actor, involvement: Involvement, actor_label: str = "", **fields) -> Involvement:
    _check_fields(fields, INVOLVEMENT_FIELDS)
    person = involvement.young_person
    _check_involvement_actor(actor, person, involvement.service)
    if "service" in fields and fields["service"] != involvement.service:
        _check_involvement_actor(actor, person, fields["service"])
    with transaction.atomic():
        current = (
            Involvement.objects.select_for_update().select_related("service", "young_person").get(pk=involvement.pk)
        )
        before = _values(current, fields)
        for key, value in fields.items():
            setattr(current, key, value)
        current.full_clean()
        changed = _changes(before, _values(current, fields))
        if changed:
            current.save()
            audit_record(
                actor=actor,
                actor_label=actor_label,
                action="people.involvement.update",
                obj=current,
                detail={"young_person": person.ref} | changed,
            )
            forecasting.person_refresh(person)
    return current


def involvement_end(*, actor, involvement: Involvement, actual_end: dt.date) -> Involvement:
    """Record the day an involvement ended (the first day without the service)."""
    if actual_end is None:
        raise ValidationError({"actual_end": "Enter the date the involvement ended"})
    if involvement.actual_end is not None:
        raise ValidationError({"actual_end": f"This involvement already ended on {involvement.actual_end:%-d %B %Y}"})
    return involvement_update(actor=actor, involvement=involvement, actual_end=actual_end)


# --- sharing decisions and voice -----------------------------------------------------------


def sharing_decision_record(
    *,
    actor,
    young_person: YoungPerson,
    shared: bool,
    what: str,
    why: str,
    lawful_basis: str,
    with_whom: Iterable[Agency] = (),
    with_whom_other: str = "",
    decided_on: dt.date | None = None,
) -> SharingDecision:
    """Record a decision to share, or not to share: what, with whom, why and on what lawful basis."""
    ensure_capability(actor, "people.record.edit")
    _require_full_access(actor, young_person)
    recipients = list(with_whom)
    decision = SharingDecision(
        young_person=young_person,
        decided_by=actor,
        agency=actor.agency,
        shared=shared,
        what=(what or "").strip(),
        why=(why or "").strip(),
        lawful_basis=lawful_basis or "",
        with_whom_other=(with_whom_other or "").strip(),
        decided_on=decided_on or dt.date.today(),
    )
    decision.full_clean()
    if not recipients and not decision.with_whom_other:
        raise ValidationError({"with_whom": "Say whom the information was, or was not, shared with"})
    with transaction.atomic():
        decision.save()
        decision.with_whom.set(recipients)
        audit_record(
            actor=actor,
            action="people.sharing_decision.create",
            obj=young_person,
            detail={
                "decision": decision.pk,
                "shared": shared,
                "with_whom": sorted(agency.code for agency in recipients),
                "lawful_basis": lawful_basis,
            },
        )
    return decision


def voice_record(*, actor, young_person: YoungPerson, **fields) -> VoiceEntry:
    """Record the young person's own voice: what is working, worries, what they want, the scale."""
    ensure_capability(actor, "people.record.edit")
    _require_full_access(actor, young_person)
    allowed = ("working_well", "worries", "wants", "scale", "recorded_on")
    _check_fields(fields, allowed)
    entry = VoiceEntry(young_person=young_person, recorded_by=actor, agency=actor.agency, **fields)
    entry.full_clean()
    with transaction.atomic():
        entry.save()
        audit_record(
            actor=actor,
            action="people.voice.create",
            obj=young_person,
            detail={"entry": entry.pk, "scale": entry.scale},
        )
    return entry


# --- transition plans ----------------------------------------------------------------------


@dataclass(frozen=True)
class AgreedEnd:
    involvement: Involvement
    to_date: dt.date


@dataclass(frozen=True)
class Referral:
    service: Service
    status: str = BridgingReferral.Status.SUGGESTED
    reason: str = ""


def transition_plan_agree(
    *,
    actor,
    young_person: YoungPerson,
    edge_start: dt.date,
    edge_end: dt.date,
    review_date: dt.date,
    ends: Sequence[AgreedEnd] = (),
    referrals: Sequence[Referral] = (),
    notes: str = "",
) -> TransitionPlan:
    """Agree a plan for one cliff edge: the new end dates are written to the involvements, the
    bridging referrals recorded, an earlier plan for the same edge replaced, and the forecast
    recomputed."""
    ensure_capability(actor, "people.record.edit")
    _require_full_access(actor, young_person)
    plan = TransitionPlan(
        young_person=young_person,
        edge_start=edge_start,
        edge_end=edge_end,
        agreed_by=actor,
        agency=actor.agency,
        review_date=review_date,
        notes=(notes or "").strip(),
    )
    plan.full_clean()
    errors: list[str] = []
    for end in ends:
        involvement = end.involvement
        if involvement.young_person_id != young_person.pk:
            errors.append(f"{involvement.service.name} is not one of {young_person.ref}’s involvements")
            continue
        current = involvement.effective_end
        if current is not None and end.to_date < current:
            errors.append(f"{involvement.service.name}: an agreed end cannot be earlier than {current:%-d %B %Y}")
        limit = involvement.service.max_extension_days
        # The limit counts from the end before any agreed plan moved it, so a second plan
        # cannot stretch an ending by the service's limit again.
        earlier = PlannedEnd.objects.filter(involvement=involvement).order_by("from_date").first()
        original = earlier.from_date if earlier is not None and earlier.from_date else current
        if original is not None and (end.to_date - original).days > limit:
            errors.append(
                f"{involvement.service.name} can be extended by at most {limit} days in all, "
                f"to {original + dt.timedelta(days=limit):%-d %B %Y}"
            )
    seen = set()
    for referral in referrals:
        if referral.service.pk in seen:
            errors.append(f"{referral.service.name} is listed twice")
        seen.add(referral.service.pk)
        if referral.status not in BridgingReferral.Status.values:
            errors.append(f"{referral.service.name}: choose suggested, referred, accepted or declined")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        TransitionPlan.objects.filter(
            young_person=young_person, edge_start=edge_start, status=TransitionPlan.Status.AGREED
        ).update(status=TransitionPlan.Status.SUPERSEDED)
        plan.save()
        changes = []
        for end in ends:
            involvement = Involvement.objects.select_for_update().select_related("service").get(pk=end.involvement.pk)
            old = involvement.effective_end
            if old == end.to_date:
                continue
            PlannedEnd.objects.create(plan=plan, involvement=involvement, from_date=old, to_date=end.to_date)
            involvement.planned_end = end.to_date
            if involvement.actual_end is not None and involvement.actual_end > dt.date.today():
                involvement.actual_end = None  # a future "actual" end was an intention; the plan replaces it
            involvement.save()
            changes.append(
                {"service": involvement.service.code, "from": old.isoformat(), "to": end.to_date.isoformat()}
            )
        for referral in referrals:
            BridgingReferral.objects.create(
                plan=plan, service=referral.service, status=referral.status, reason=referral.reason
            )
        audit_record(
            actor=actor,
            action="people.transition_plan.agree",
            obj=young_person,
            detail={
                "plan": plan.pk,
                "edge_start": edge_start.isoformat(),
                "review_date": review_date.isoformat(),
                "changes": changes,
                "referrals": [{"service": r.service.code, "status": r.status} for r in referrals],
            },
        )
        forecasting.person_refresh(young_person)
    return plan


def bridging_referral_update(*, actor, referral: BridgingReferral, status: str) -> BridgingReferral:
    """Move a bridging referral on: suggested → referred → accepted or declined."""
    ensure_capability(actor, "people.record.edit")
    person = referral.plan.young_person
    _require_full_access(actor, person)
    if status not in BridgingReferral.Status.values:
        raise ValidationError({"status": "Choose suggested, referred, accepted or declined"})
    with transaction.atomic():
        current = BridgingReferral.objects.select_for_update().get(pk=referral.pk)
        old = current.status
        if old != status:
            current.status = status
            current.save()
            audit_record(
                actor=actor,
                action="people.bridging_referral.update",
                obj=person,
                detail={"referral": current.pk, "service": current.service.code, "status": [old, status]},
            )
    return current


# --- keeping forecasts current ---------------------------------------------------------------


def stored_edges_export(*, actor, edges):
    """Stored edges handed out in bulk (the API): one audit event naming every reference shown,
    so a bulk read is as visible in the trail as opening each record."""
    edges = list(edges)
    if edges:
        audit_record(
            actor=actor,
            action="people.stored_edge.list",
            object_type="people.storededge",
            detail={"young_people": sorted({edge.young_person.ref for edge in edges})},
        )
    return edges


def forecast_run_request(*, actor, as_of: dt.date | None = None):
    """Ask for every young person's forecast to be recomputed now (the nightly run, on demand).

    Queues ``tasks.forecast_all`` for ``joinedup worker`` (the test settings run it at once) and
    audits the request in the same transaction as the queue entry. Returns the task's result
    (django-tasks ``TaskResult``: its ``status`` says whether it has run yet)."""
    ensure_capability(actor, "transitions.forecast.run")
    with transaction.atomic():
        # The request is recorded first: an immediate backend runs the task inside enqueue().
        audit_record(
            actor=actor, action="people.forecast.request", detail={"as_of": as_of.isoformat() if as_of else None}
        )
        result = forecast_all.enqueue(
            as_of_iso=as_of.isoformat() if as_of else None, requested_by_id=getattr(actor, "pk", None)
        )
    return result
