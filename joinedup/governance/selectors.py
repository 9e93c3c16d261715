"""Reads of the audit trail. Every read takes the user and returns nothing to anyone whose
role cannot see the trail, so a view that forgets its decorator still leaks nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from joinedup.platform.access import has_capability
from joinedup.platform.models import AuditEvent

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class AuditFilters:
    """What the viewer filters by. Dates are days in Europe/London, both ends included."""

    actor: str = ""
    action: str = ""
    outcome: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def used(self) -> dict[str, str]:
        """The filters that were set, as text (for the audit event that records the view)."""
        return {
            name: value.isoformat() if isinstance(value, date) else value
            for name, value in self.__dict__.items()
            if value not in ("", None)
        }


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON)


def audit_events_for(user, filters: AuditFilters | None = None) -> QuerySet[AuditEvent]:
    """The trail, newest first, narrowed by the filters."""
    if not has_capability(user, "governance.audit.view"):
        return AuditEvent.objects.none()
    qs = AuditEvent.objects.order_by("-seq")
    f = filters or AuditFilters()
    if f.actor:
        qs = qs.filter(actor_label__icontains=f.actor)
    if f.action:
        qs = qs.filter(action__startswith=f.action)
    if f.outcome:
        qs = qs.filter(outcome=f.outcome)
    if f.object_type:
        qs = qs.filter(object_type=f.object_type)
    if f.object_id:
        qs = qs.filter(object_id=f.object_id)
    if f.date_from:
        qs = qs.filter(occurred_at__gte=_start_of_day(f.date_from))
    if f.date_to:
        qs = qs.filter(occurred_at__lt=_start_of_day(f.date_to + timedelta(days=1)))
    return qs


def audit_event_for(user, seq: int) -> AuditEvent | None:
    """One event by its sequence number, or None when it does not exist or the user may not see it."""
    if not has_capability(user, "governance.audit.view"):
        return None
    return AuditEvent.objects.filter(seq=seq).first()


def audit_neighbours_for(user, event: AuditEvent) -> tuple[int | None, int | None]:
    """The sequence numbers of the events just before and after this one, if they exist."""
    if not has_capability(user, "governance.audit.view"):
        return None, None
    before = AuditEvent.objects.filter(seq__lt=event.seq).order_by("-seq").values_list("seq", flat=True).first()
    after = AuditEvent.objects.filter(seq__gt=event.seq).order_by("seq").values_list("seq", flat=True).first()
    return before, after
