"""Young people and the services around them (DESIGN §5 "people").

The hub is an index, not a case file (DESIGN §3.4): a pseudonymous reference, initials, birth
month, area and who is involved. A full name is optional and stored only encrypted
(``name_encrypted``); nothing here decrypts it — reading it is ``young_person_name_reveal``,
which audits the reveal.

Reads of these tables go through ``joinedup.people.selectors``, which scope them by the user
(DESIGN §7). The model managers are deliberately plain; the CI lint forbids ``Model.objects``
in views, API routers and commands.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from joinedup.directory.models import Agency, Need, Service

REF_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed by hand
REF_PATTERN = re.compile(r"^YP-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{5,8}$")
ref_validator = RegexValidator(
    REF_PATTERN, "A reference is YP- followed by 5 to 8 capital letters and numbers (not 0, O, 1 or I), like YP-7F3K2"
)
birth_month_validator = RegexValidator(
    r"^\d{4}-(0[1-9]|1[0-2])$", "Enter the birth month as a year and month, like 2008-03"
)
initials_validator = RegexValidator(r"^[A-Z]{1,4}$", "Initials are 1 to 4 capital letters, like JS")


# Said instead of the birth or age-range message to a user whose agency is not yet involved:
# the precise message would give away the birth month (DESIGN §3.2).
NOT_THEIR_AGE = (
    "The start date or the service does not fit this young person’s recorded age. Ask their lead contact to check it"
)


def new_ref() -> str:
    """A fresh random reference such as YP-7F3K2 (uniqueness is checked by the caller)."""
    return "YP-" + "".join(secrets.choice(REF_ALPHABET) for _ in range(5))


def birthday(birth_month: str) -> dt.date:
    """DESIGN §6: the birthday is taken as the 1st of the birth month."""
    year, month = (int(part) for part in birth_month.split("-"))
    return dt.date(year, month, 1)


def age_date(birth_month: str, age: int) -> dt.date:
    """The day a young person born in ``birth_month`` is taken to turn ``age``."""
    born = birthday(birth_month)
    return dt.date(born.year + age, born.month, 1)


def age_on(birth_month: str, day: dt.date) -> int:
    born = birthday(birth_month)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def months_later(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (clamped to the month's end)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NON_BINARY = "non_binary", "Non-binary"
    OTHER = "other", "Describes themselves another way"
    NOT_KNOWN = "not_known", "Not known or not recorded"


class YoungPerson(models.Model):
    """A young person the partnership is working with, by pseudonymous reference."""

    ref = models.CharField(
        max_length=12,
        unique=True,
        validators=[ref_validator],
        error_messages={"unique": "A young person with this reference already exists"},
    )
    initials = models.CharField(
        max_length=4, validators=[initials_validator], error_messages={"blank": "Enter the young person’s initials"}
    )
    birth_month = models.CharField(
        max_length=7,
        validators=[birth_month_validator],
        help_text="Year and month only, like 2008-03",
        error_messages={"blank": "Enter the birth month"},
    )
    gender = models.CharField(max_length=20, choices=Gender.choices, default=Gender.NOT_KNOWN)
    area = models.CharField(max_length=100, blank=True, help_text="Neighbourhood or locality, not an address")
    needs = models.ManyToManyField(Need, blank=True, related_name="young_people")
    lead_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="young_people_led")
    lead_contact_name = models.CharField(max_length=200, blank=True, help_text="Whom other agencies should contact")
    lead_contact_email = models.EmailField(blank=True)
    lead_contact_phone = models.CharField(max_length=40, blank=True)
    # A Fernet token, never plain text (joinedup.platform.encryption). Empty = no name recorded.
    name_encrypted = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ref"]
        verbose_name_plural = "young people"
        indexes = [models.Index(fields=["lead_agency"]), models.Index(fields=["birth_month"])]

    def __str__(self) -> str:
        return self.ref

    @property
    def has_name(self) -> bool:
        return bool(self.name_encrypted)

    @property
    def born(self) -> dt.date:
        return birthday(self.birth_month)

    def age_on(self, day: dt.date) -> int:
        return age_on(self.birth_month, day)

    def turns(self, age: int) -> dt.date:
        return age_date(self.birth_month, age)

    def clean(self) -> None:
        if self.birth_month and birth_month_validator.regex.match(self.birth_month):
            born = birthday(self.birth_month)
            if born > dt.date.today():
                raise ValidationError({"birth_month": "The birth month must be in the past"})
            if born.year < dt.date.today().year - 30:
                raise ValidationError({"birth_month": "The birth month must be within the last 30 years"})


class AgencyReference(models.Model):
    """An agency's own case reference for a young person: the "who is involved" index."""

    young_person = models.ForeignKey(YoungPerson, on_delete=models.CASCADE, related_name="agency_references")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="young_person_references")
    local_id = models.CharField(
        max_length=100, help_text="The agency’s own case number", error_messages={"blank": "Enter the case reference"}
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__name", "local_id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "local_id"], name="agency_reference_once_per_agency"),
        ]
        indexes = [models.Index(fields=["young_person", "agency"])]

    def __str__(self) -> str:
        return f"{self.agency}: {self.local_id}"

    def unique_error_message(self, model_class, unique_check):
        if tuple(unique_check) == ("agency", "local_id"):
            return ValidationError(
                f"{self.agency} already uses case reference {self.local_id} for another young person", code="unique"
            )
        return super().unique_error_message(model_class, unique_check)


class Involvement(models.Model):
    """A young person's time with one service: when it started and when it ends (DESIGN §6)."""

    young_person = models.ForeignKey(YoungPerson, on_delete=models.CASCADE, related_name="involvements")
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        related_name="involvements",
        error_messages={"null": "Select a service", "invalid": "Select a service from the directory"},
    )
    start = models.DateField(error_messages={"null": "Enter the date the involvement started"})
    planned_end = models.DateField(null=True, blank=True, help_text="When it is planned to end, if known")
    actual_end = models.DateField(null=True, blank=True, help_text="When it ended, once it has")
    weight = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(0, "Weight must be 0 or more"),
            MaxValueValidator(100, "Weight must be 100 or less"),
        ],
        help_text="How much support this gives; empty uses the service’s default",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "service__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["young_person", "service", "start"], name="involvement_once_per_service_start"
            ),
            models.CheckConstraint(
                condition=models.Q(planned_end__isnull=True) | models.Q(planned_end__gte=models.F("start")),
                name="involvement_planned_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=models.Q(actual_end__isnull=True) | models.Q(actual_end__gte=models.F("start")),
                name="involvement_actual_end_not_before_start",
            ),
        ]
        indexes = [models.Index(fields=["service", "young_person"])]

    def __str__(self) -> str:
        return f"{self.young_person} with {self.service}"

    def unique_error_message(self, model_class, unique_check):
        if tuple(unique_check) == ("young_person", "service", "start"):
            return ValidationError(
                f"{self.young_person} already has an involvement with {self.service} starting on "
                f"{self.start:%-d %B %Y}",
                code="unique_together",
            )
        return super().unique_error_message(model_class, unique_check)

    @property
    def effective_end(self) -> dt.date | None:
        """DESIGN §6: actual end, else planned end, else the service's age limit, else open-ended."""
        if self.actual_end is not None:
            return self.actual_end
        if self.planned_end is not None:
            return self.planned_end
        if self.service.ends_at_age is not None:
            return self.young_person.turns(self.service.ends_at_age)
        return None

    def is_active_on(self, day: dt.date) -> bool:
        end = self.effective_end
        return self.start <= day and (end is None or day < end)

    @property
    def resolved_weight(self):
        return self.weight if self.weight is not None else self.service.default_weight

    def clean(self) -> None:
        """The rules a practitioner sees, each in their words."""
        errors: dict[str, list[str]] = {}

        def add(field: str, message: str) -> None:
            errors.setdefault(field, []).append(message)

        if self.start is not None:
            if self.planned_end is not None and self.planned_end < self.start:
                add("planned_end", "The planned end must be the same as or after the start date")
            if self.actual_end is not None and self.actual_end < self.start:
                add("actual_end", "The end date must be the same as or after the start date")
        person = self.young_person if self.young_person_id else None
        service = self.service if self.service_id else None
        if person is not None and self.start is not None and person.birth_month:
            if self.start < person.born:
                add("start", f"The start date must be after {person.ref} was born ({person.born:%B %Y})")
            elif service is not None:
                age = person.age_on(self.start)
                low, high = service.min_age, service.max_age
                if (low is not None and age < low) or (high is not None and age > high):
                    add(
                        "service",
                        f"{service.name} is for ages {service.age_range_text.lower()}; "
                        f"{person.ref} was {age} on the start date",
                    )
        if service is not None and not service.is_active and self._service_is_new():
            add("service", f"{service.name} is no longer offered: choose a current service")
        if person is not None and service is not None and self.start is not None and not errors:
            overlapping = self._overlapping()
            if overlapping is not None:
                add(
                    "start",
                    f"{person.ref} is already involved with {service.name} from {overlapping.start:%-d %B %Y}: "
                    "end that involvement first or change it",
                )
        if errors:
            raise ValidationError(errors)

    def _service_is_new(self) -> bool:
        """A new involvement, or one moved to another service (an existing one with a service that
        has since closed can still be changed and ended)."""
        if self._state.adding or self.pk is None:
            return True
        return not Involvement.objects.filter(pk=self.pk, service_id=self.service_id).exists()

    def _overlapping(self) -> Involvement | None:
        """Another involvement of the same person with the same service whose time overlaps this one."""
        mine_end = self.actual_end or self.planned_end
        others = Involvement.objects.filter(young_person_id=self.young_person_id, service_id=self.service_id)
        if self.pk:
            others = others.exclude(pk=self.pk)
        for other in others.select_related("service", "young_person"):
            if other.start == self.start:
                continue  # reported by the uniqueness check with its own message
            other_end = other.effective_end
            starts_before_other_ends = other_end is None or self.start < other_end
            ends_after_other_starts = mine_end is None or mine_end > other.start
            if starts_before_other_ends and ends_after_other_starts:
                return other
        return None


class VoiceEntry(models.Model):
    """The young person's own voice: what is working, worries, what they want, and a 0–10 scale."""

    young_person = models.ForeignKey(YoungPerson, on_delete=models.CASCADE, related_name="voice_entries")
    recorded_on = models.DateField(default=dt.date.today)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    working_well = models.TextField(blank=True, help_text="What is working well, in their words")
    worries = models.TextField(blank=True, help_text="What worries them")
    wants = models.TextField(blank=True, help_text="What they want to happen")
    scale = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(10, "The scale goes from 0 to 10")],
        help_text="0 means things are really bad, 10 means everything is fine",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.young_person} in their words, {self.recorded_on:%-d %B %Y}"

    def clean(self) -> None:
        if not (self.working_well.strip() or self.worries.strip() or self.wants.strip()) and self.scale is None:
            raise ValidationError("Record at least one of what is working well, worries, what they want or the scale")


class LawfulBasis(models.TextChoices):
    """The UK GDPR and Data Protection Act 2018 conditions safeguarding partners commonly rely on."""

    PUBLIC_TASK = "public_task", "Public task (UK GDPR Article 6(1)(e))"
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation (UK GDPR Article 6(1)(c))"
    VITAL_INTERESTS = "vital_interests", "Vital interests (UK GDPR Article 6(1)(d))"
    CONSENT = "consent", "Consent (UK GDPR Article 6(1)(a))"
    LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests (UK GDPR Article 6(1)(f))"
    SAFEGUARDING = "safeguarding", "Safeguarding of children and individuals at risk (DPA 2018 Sch. 1 para 18)"
    NOT_APPLICABLE = "not_applicable", "Not applicable: nothing was shared"


class SharingDecision(models.Model):
    """A decision to share, or not to share, information about a young person (DESIGN §3.3)."""

    young_person = models.ForeignKey(YoungPerson, on_delete=models.CASCADE, related_name="sharing_decisions")
    decided_on = models.DateField(default=dt.date.today)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="sharing_decisions_made")
    shared = models.BooleanField(help_text="Whether the information was shared")
    what = models.TextField(error_messages={"blank": "Say what information the decision is about"})
    with_whom = models.ManyToManyField(Agency, related_name="sharing_decisions_received", blank=True)
    with_whom_other = models.CharField(max_length=200, blank=True, help_text="Anyone not in the directory")
    why = models.TextField(error_messages={"blank": "Say why you decided this"})
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-pk"]

    def __str__(self) -> str:
        return f"{'Shared' if self.shared else 'Not shared'}: {self.young_person}, {self.decided_on:%-d %B %Y}"

    def clean(self) -> None:
        if self.shared and self.lawful_basis == LawfulBasis.NOT_APPLICABLE:
            raise ValidationError({"lawful_basis": "Information was shared: choose the lawful basis for sharing it"})


class TransitionPlan(models.Model):
    """An agreed plan for one cliff edge: new end dates, bridging referrals and a review date."""

    class Status(models.TextChoices):
        AGREED = "agreed", "Agreed"
        SUPERSEDED = "superseded", "Replaced by a later plan"

    young_person = models.ForeignKey(YoungPerson, on_delete=models.CASCADE, related_name="transition_plans")
    edge_start = models.DateField(help_text="The first day of the cliff edge the plan is for")
    edge_end = models.DateField(help_text="The day after the cliff edge's window ends")
    agreed_on = models.DateField(default=dt.date.today)
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    review_date = models.DateField(error_messages={"null": "Enter a review date"})
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AGREED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-agreed_on", "-pk"]

    def __str__(self) -> str:
        return f"Transition plan for {self.young_person} from {self.edge_start:%-d %B %Y}"

    def clean(self) -> None:
        if self.review_date is not None and self.agreed_on is not None and self.review_date <= self.agreed_on:
            raise ValidationError({"review_date": "The review date must be after the day the plan is agreed"})


class PlannedEnd(models.Model):
    """One agreed change in a transition plan: an involvement's end put back."""

    plan = models.ForeignKey(TransitionPlan, on_delete=models.CASCADE, related_name="planned_ends")
    involvement = models.ForeignKey(Involvement, on_delete=models.CASCADE, related_name="planned_ends")
    from_date = models.DateField()
    to_date = models.DateField()

    class Meta:
        ordering = ["to_date"]

    def __str__(self) -> str:
        return f"{self.involvement.service} to end {self.to_date:%-d %B %Y}"


class BridgingReferral(models.Model):
    """A referral to an adult or all-age service to bridge a cliff edge, and how it is going."""

    class Status(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        REFERRED = "referred", "Referred"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    plan = models.ForeignKey(TransitionPlan, on_delete=models.CASCADE, related_name="bridging_referrals")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="bridging_referrals")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUGGESTED)
    reason = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["service__name"]
        constraints = [models.UniqueConstraint(fields=["plan", "service"], name="bridging_referral_once_per_plan")]

    def __str__(self) -> str:
        return f"{self.service}: {self.get_status_display()}"


class BreakGlassAccess(models.Model):
    """Emergency access by a coordinator to a record their agency is not involved in.

    It needs a reason, ends by itself, is audited when opened and when used, and is reported to
    the coordinators (DESIGN §7)."""

    young_person = models.ForeignKey(YoungPerson, on_delete=models.CASCADE, related_name="break_glass")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass")
    reason = models.TextField(error_messages={"blank": "Give the reason you need to see this record"})
    opened_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["user", "young_person", "expires_at"])]

    # --- stored forecasts ------------------------------------------------------------------

    def __str__(self) -> str:
        return f"Break-glass to {self.young_person} until {self.expires_at:%-d %B %Y %H:%M}"


class ForecastRun(models.Model):
    """One run of the engine over the whole cohort (nightly or on demand)."""

    as_of = models.DateField()
    parameters = models.JSONField(default=dict)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    people = models.PositiveIntegerField(default=0)
    edges = models.PositiveIntegerField(default=0)
    engine_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Forecast as of {self.as_of:%-d %B %Y}"


class StoredEdge(models.Model):
    """A cliff edge as last forecast for one young person. The dashboard reads these."""

    young_person = models.ForeignKey(YoungPerson, on_delete=models.CASCADE, related_name="stored_edges")
    as_of = models.DateField()
    start = models.DateField()
    end = models.DateField(help_text="Exclusive: the first day after the edge")
    support_before = models.DecimalField(max_digits=12, decimal_places=6)
    support_after = models.DecimalField(max_digits=12, decimal_places=6)
    age_driven = models.BooleanField()
    bridged = models.BooleanField()
    resolved_by_plan = models.BooleanField(null=True, help_text="Whether extensions alone can remove it")
    extension_days = models.PositiveIntegerField(default=0)
    bridging_needed = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    detail = models.JSONField(help_text="The edge as JSON (docs/formats.md): exits, suggestions, plan")
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "young_person__ref"]
        indexes = [models.Index(fields=["start"]), models.Index(fields=["young_person", "start"])]

    def __str__(self) -> str:
        return f"Cliff edge for {self.young_person} from {self.start:%-d %B %Y}"


class StoredExit(models.Model):
    """One exit inside a stored edge, by service and agency (for filters and capacity planning)."""

    edge = models.ForeignKey(StoredEdge, on_delete=models.CASCADE, related_name="exits")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    reason = models.CharField(max_length=20)

    class Meta:
        ordering = ["date"]
        indexes = [models.Index(fields=["agency", "date"])]

    def __str__(self) -> str:
        return f"{self.service} ends {self.date:%-d %B %Y}"
