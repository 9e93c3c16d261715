"""The partnership directory: agencies, the services they run, and the needs services meet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

slug_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]*$", "Use lower-case letters, numbers and hyphens only, starting with a letter or number"
)


def duration_text(days: int) -> str:
    """A number of days as a person would say it: '2 weeks', '6 months', '1 year', '10 days'."""
    if days <= 0:
        return "0 days"
    if days % 365 == 0:
        years = days // 365
        return f"{years} year{'s' if years != 1 else ''}"
    if days < 28:
        if days % 7 == 0:
            weeks = days // 7
            return f"{weeks} week{'s' if weeks != 1 else ''}"
        return f"{days} day{'s' if days != 1 else ''}"
    months = round(days / 30.44)
    if months and abs(months * 30.44 - days) <= 3:
        return f"{months} month{'s' if months != 1 else ''}"
    return f"{days} days"


class AgencyKind(models.TextChoices):
    POLICE = "police", "Police"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    YOUTH_JUSTICE = "youth_justice", "Youth justice"
    HOUSING = "housing", "Housing"
    VOLUNTARY = "voluntary", "Voluntary sector"
    COMMUNITY = "community", "Community"
    OTHER = "other", "Other"


class Audience(models.TextChoices):
    CHILD = "child", "Children and young people"
    ADULT = "adult", "Adults"
    ALL_AGE = "all_age", "All ages"


ADULT_AGE = 18
AGE_LIMIT = 120
_age_validator = MaxValueValidator(AGE_LIMIT, "Ages must be %(limit_value)s or under")


class Agency(models.Model):
    """An organisation in the partnership."""

    name = models.CharField(
        max_length=200, unique=True, error_messages={"unique": "An agency with this name already exists"}
    )
    code = models.CharField(
        max_length=50,
        unique=True,
        validators=[slug_validator],
        help_text="Short reference",
        error_messages={"unique": "An agency with this code already exists"},
    )
    kind = models.CharField(max_length=32, choices=AgencyKind.choices)
    description = models.TextField(blank=True, help_text="What the agency does, in plain English")
    website = models.URLField(blank=True)
    email = models.EmailField(blank=True, help_text="General contact address")
    phone = models.CharField(max_length=40, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Need(models.Model):
    """A need a service meets and a young person may have, such as 'mental-health'."""

    slug = models.CharField(max_length=50, unique=True, validators=[slug_validator])
    label = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.label or self.slug.replace("-", " ")


class Service(models.Model):
    """A service an agency runs: for whom, its threshold, how to refer, and when it ends."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="services")
    code = models.CharField(
        max_length=50,
        unique=True,
        validators=[slug_validator],
        help_text="The service_id used in files and the API",
        error_messages={"unique": "A service with this service ID already exists"},
    )
    name = models.CharField(max_length=200)
    # Blank is allowed so a forecast services file (which has no remit) can be imported;
    # the service form still asks for it.
    remit = models.TextField(blank=True, help_text="What the service does, in plain English")
    audience = models.CharField(max_length=10, choices=Audience.choices)
    min_age = models.PositiveSmallIntegerField(null=True, blank=True, validators=[_age_validator])
    max_age = models.PositiveSmallIntegerField(null=True, blank=True, validators=[_age_validator])
    needs = models.ManyToManyField(Need, blank=True, related_name="services")
    threshold = models.TextField(blank=True, help_text="Who meets the threshold, in words")
    referral_route = models.TextField(blank=True, help_text="How to refer")
    ends_at_age = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[_age_validator], help_text="Support ends on this birthday"
    )
    max_extension_days = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(3650, "The most an ending can be put back is %(limit_value)s days (10 years)")],
        help_text="How far an ending may be put back, in days",
    )
    default_weight = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[
            MinValueValidator(Decimal("0.01"), "Weight must be more than 0"),
            MaxValueValidator(Decimal("100"), "Weight must be 100 or less"),
        ],
        help_text="How much support one involvement gives",
    )
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    is_public = models.BooleanField(default=True, help_text="Shown in the public directory")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_age__isnull=True)
                | models.Q(max_age__isnull=True)
                | models.Q(min_age__lte=models.F("max_age")),
                name="service_min_age_not_above_max_age",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Rules across fields. Messages name the field they are about, so forms and imports
        can show them next to it."""
        errors: dict[str, list[str]] = {}

        def add(field: str, message: str) -> None:
            errors.setdefault(field, []).append(message)

        low, high, ends = self.min_age, self.max_age, self.ends_at_age
        if low is not None and high is not None and low > high:
            add("min_age", "Minimum age must be the same as or lower than maximum age")
        if ends is not None:
            if low is not None and ends <= low:
                add("ends_at_age", "The age support ends must be above the minimum age")
            if high is not None and ends > high + 1:
                add(
                    "ends_at_age",
                    f"The age support ends must be no more than {high + 1}, one year above the maximum age",
                )
        if self.audience == Audience.ADULT:
            if high is not None and high < ADULT_AGE:
                add("max_age", f"An adult service must have a maximum age of {ADULT_AGE} or over")
            if ends is not None and ends <= ADULT_AGE:
                add("ends_at_age", f"An adult service cannot end at or before {ADULT_AGE}")
        if self.audience == Audience.CHILD and low is not None and low >= ADULT_AGE:
            add("min_age", f"A children's service must have a minimum age under {ADULT_AGE}")
        if errors:
            raise ValidationError(errors)

    @property
    def ending_text(self) -> str:
        """When support ends, in words: 'Ends at 18, can be extended by up to 6 months'."""
        extension = duration_text(self.max_extension_days) if self.max_extension_days else ""
        if self.ends_at_age is not None:
            text = f"Ends at {self.ends_at_age}"
            return f"{text}, can be extended by up to {extension}" if extension else f"{text}, cannot be extended"
        if extension:
            return f"No set age; a planned ending can be put back by up to {extension}"
        return "No set age"

    @property
    def age_range_text(self) -> str:
        if self.min_age is None and self.max_age is None:
            return "Any age"
        if self.max_age is None:
            return f"{self.min_age} and over"
        if self.min_age is None:
            return f"Up to {self.max_age}"
        return f"{self.min_age} to {self.max_age}"


# --- forums and distribution lists -------------------------------------------------------


class ForumKind(models.TextChoices):
    BOARD = "board", "Board"
    SUBGROUP = "subgroup", "Subgroup"
    MACE_PANEL = "mace_panel", "MACE panel"
    TRANSITIONS_PANEL = "transitions_panel", "Transitions panel"
    COMMUNITY_FORUM = "community_forum", "Community forum"


class ForumFrequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Every 2 weeks"
    MONTHLY = "monthly", "Monthly"
    SIX_WEEKLY = "6_weekly", "Every 6 weeks"
    BIMONTHLY = "bimonthly", "Every 2 months"
    QUARTERLY = "quarterly", "Quarterly"
    AS_NEEDED = "as_needed", "When needed"


class ForumRole(models.TextChoices):
    CHAIR = "chair", "Chair"
    MEMBER = "member", "Member"
    ADVISER = "adviser", "Adviser"
    OBSERVER = "observer", "Observer"


class Forum(models.Model):
    """A board, subgroup, panel or forum where agencies meet (DESIGN §5)."""

    name = models.CharField(
        max_length=200, unique=True, error_messages={"unique": "A forum with this name already exists"}
    )
    code = models.CharField(
        max_length=50,
        unique=True,
        validators=[slug_validator],
        help_text="Short reference",
        error_messages={"unique": "A forum with this code already exists"},
    )
    kind = models.CharField(max_length=32, choices=ForumKind.choices)
    purpose = models.TextField(
        help_text="Why the forum meets, in plain English", error_messages={"blank": "Enter the forum’s purpose"}
    )
    terms_of_reference = models.TextField(blank=True)
    frequency = models.CharField(max_length=20, choices=ForumFrequency.choices)
    chair_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="forums_chaired")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ForumMembership(models.Model):
    """An agency's seat at a forum, and the part it plays there."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="forum_memberships")
    role_in_forum = models.CharField(max_length=20, choices=ForumRole.choices, default=ForumRole.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__name"]
        constraints = [models.UniqueConstraint(fields=["forum", "agency"], name="forum_membership_once_per_agency")]

    def __str__(self) -> str:
        return f"{self.agency} at {self.forum}"

    def unique_error_message(self, model_class, unique_check):
        if tuple(unique_check) == ("forum", "agency"):
            return ValidationError(f"{self.agency} is already a member of {self.forum}", code="unique_together")
        return super().unique_error_message(model_class, unique_check)

    def clean(self) -> None:
        if self.forum_id is None or self.agency_id is None:
            return
        is_chair_agency = self.agency_id == self.forum.chair_agency_id
        if self.role_in_forum == ForumRole.CHAIR and not is_chair_agency:
            raise ValidationError(
                {"role_in_forum": f"Only the chair agency ({self.forum.chair_agency}) can chair {self.forum}"}
            )
        if is_chair_agency and self.role_in_forum != ForumRole.CHAIR:
            raise ValidationError(
                {"role_in_forum": f"{self.agency} chairs {self.forum}: its role must be Chair until the chair changes"}
            )


@dataclass(frozen=True)
class Contact:
    """Someone who could be added to a distribution list: a user of a member agency."""

    user_id: int
    name: str
    job_title: str
    email: str


class DistributionList(models.Model):
    """People to send things to, often everyone who sits at one forum."""

    name = models.CharField(
        max_length=200, unique=True, error_messages={"unique": "A distribution list with this name already exists"}
    )
    purpose = models.TextField(blank=True, help_text="What the list is for")
    forum = models.ForeignKey(
        Forum, on_delete=models.SET_NULL, null=True, blank=True, related_name="distribution_lists"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["forum"], name="distribution_list_one_per_forum")]

    def __str__(self) -> str:
        return self.name

    def unique_error_message(self, model_class, unique_check):
        if tuple(unique_check) == ("forum",):
            return ValidationError(f"{self.forum} already has a distribution list", code="unique")
        return super().unique_error_message(model_class, unique_check)

    def contacts_to_offer(self, agency: Agency) -> list[Contact]:
        """The agency's active users who are not on this list yet (matched by email)."""
        from django.contrib.auth import get_user_model

        on_list = {email.lower() for email in self.members.values_list("email", flat=True)}
        users = get_user_model().objects.filter(agency=agency, is_active=True).order_by("full_name", "email")
        return [
            Contact(user_id=user.pk, name=user.full_name or user.email, job_title=user.job_title, email=user.email)
            for user in users
            if user.email.lower() not in on_list
        ]


class DistributionListMember(models.Model):
    """One person on a list: who they are, what they do, where, and how to reach them."""

    distribution_list = models.ForeignKey(DistributionList, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(max_length=200, error_messages={"blank": "Enter the person’s name"})
    role = models.CharField(max_length=200, blank=True, help_text="Job title or role")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="distribution_list_members")
    email = models.EmailField(
        error_messages={
            "blank": "Enter the person’s email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        }
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "email"]
        constraints = [
            models.UniqueConstraint(fields=["distribution_list", "email"], name="distribution_list_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def unique_error_message(self, model_class, unique_check):
        if tuple(unique_check) == ("distribution_list", "email"):
            return ValidationError(f"{self.email} is already on {self.distribution_list}", code="unique_together")
        return super().unique_error_message(model_class, unique_check)


# --- meetings, agenda items, attendance, decisions and actions ---------------------------
# A forum's meetings (DESIGN §5). Young people appear on an agenda by reference only; who may
# see what about them is decided by the selectors (ADR 0009), never by these tables.

REVIEW_WEEKS = 12


def review_date_default(meeting_date: dt.date) -> dt.date:
    """A young person discussed at a panel is reviewed within 12 weeks (the MACE terms of reference)."""
    return meeting_date + dt.timedelta(weeks=REVIEW_WEEKS)


def long_date(day: dt.date | None) -> str:
    """'3 March 2025' (no leading zero), as GOV.UK writes dates."""
    return f"{day.day} {day:%B %Y}" if day else ""


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"


class Meeting(models.Model):
    """One meeting of a forum: when and where, its agenda, who came, what was decided."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField(error_messages={"null": "Enter the date of the meeting"})
    location = models.CharField(max_length=200, blank=True, help_text="Where it meets, like Harbourside Town Hall")
    online = models.BooleanField(default=False, help_text="People can join online")
    status = models.CharField(max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    notes = models.TextField(blank=True, help_text="Anything else about the meeting, like papers to read first")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "forum__name"]
        constraints = [models.UniqueConstraint(fields=["forum", "date"], name="meeting_once_per_forum_day")]
        indexes = [models.Index(fields=["forum", "date"])]

    def __str__(self) -> str:
        return f"{self.forum} on {long_date(self.date)}" if self.forum_id else f"Meeting on {long_date(self.date)}"

    @property
    def title(self) -> str:
        return f"Meeting on {long_date(self.date)}"

    @property
    def where(self) -> str:
        """'Town Hall', 'Online' or 'Town Hall and online'."""
        if self.location and self.online:
            return f"{self.location} and online"
        return self.location or ("Online" if self.online else "")

    def unique_error_message(self, model_class, unique_check):
        if tuple(unique_check) == ("forum", "date"):
            return ValidationError(
                f"{self.forum} already has a meeting on {long_date(self.date)}", code="unique_together"
            )
        return super().unique_error_message(model_class, unique_check)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.location = (self.location or "").strip()
        if not self.location and not self.online:
            errors["location"] = "Enter where the meeting is, or say that it is online"
        if self.status == MeetingStatus.HELD and self.date is not None and self.date > dt.date.today():
            errors["status"] = "A meeting on a date still to come cannot have been held: choose Planned"
        if errors:
            raise ValidationError(errors)


class AgendaItemKind(models.TextChoices):
    YOUNG_PERSON = "young_person", "A young person"
    CONTEXT = "context", "A context"
    TOPIC = "topic", "A topic"


# Forums that discuss individual young people. Boards, subgroups and community forums discuss
# contexts and topics: young people are never put on their agendas (ADR 0009).
PANEL_KINDS = frozenset({ForumKind.MACE_PANEL, ForumKind.TRANSITIONS_PANEL})


class AgendaItem(models.Model):
    """Something a meeting discusses: a young person (by reference), a context (a place, school,
    online space or peer group, peers by initials only) or a topic; and what came of it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    order = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(max_length=20, choices=AgendaItemKind.choices)
    # A young person's record may be removed (retention): what the panel said about them goes too.
    young_person = models.ForeignKey(
        "people.YoungPerson", on_delete=models.CASCADE, null=True, blank=True, related_name="agenda_items"
    )
    context = models.CharField(
        max_length=200, blank=True, help_text="A place, school, online space or peer group (peers by initials only)"
    )
    topic = models.CharField(max_length=300, blank=True)
    presenter_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items_presented"
    )
    outcome = models.TextField(blank=True, help_text="What the meeting concluded")
    outcome_recorded_on = models.DateField(null=True, blank=True)
    review_date = models.DateField(null=True, blank=True, help_text="When the panel looks at this again")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["meeting", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "young_person"],
                condition=models.Q(young_person__isnull=False),
                name="agenda_item_young_person_once_per_meeting",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="young_person", young_person__isnull=False)
                | (~models.Q(kind="young_person") & models.Q(young_person__isnull=True)),
                name="agenda_item_young_person_only_for_that_kind",
            ),
        ]
        indexes = [models.Index(fields=["young_person", "review_date"])]

    def __str__(self) -> str:
        return f"Item {self.order}: {self.subject}"

    @property
    def subject(self) -> str:
        """What the item is about, as everyone may see it: a young person's item is not named here."""
        if self.kind == AgendaItemKind.YOUNG_PERSON:
            return "A young person"
        return self.context if self.kind == AgendaItemKind.CONTEXT else self.topic

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.context = (self.context or "").strip()
        self.topic = (self.topic or "").strip()
        self.outcome = (self.outcome or "").strip()
        if self.kind == AgendaItemKind.YOUNG_PERSON:
            if self.young_person_id is None:
                errors["young_person"] = "Enter the young person’s reference, like YP-7F3K2"
            elif self.meeting_id is not None and self.meeting.forum.kind not in PANEL_KINDS:
                errors["kind"] = (
                    f"Young people are discussed only at a MACE or transitions panel. {self.meeting.forum} "
                    "can discuss a context or a topic"
                )
            self.context = self.topic = ""
        else:
            self.young_person = None
            if self.kind == AgendaItemKind.CONTEXT and not self.context:
                errors["context"] = "Enter the context: a place, school, online space or peer group"
            if self.kind == AgendaItemKind.TOPIC and not self.topic:
                errors["topic"] = "Enter the topic"
            if self.kind == AgendaItemKind.CONTEXT:
                self.topic = ""
            if self.kind == AgendaItemKind.TOPIC:
                self.context = ""
        if self.review_date is not None and self.meeting_id is not None and self.review_date <= self.meeting.date:
            errors["review_date"] = f"The review date must be after the meeting ({long_date(self.meeting.date)})"
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            if self.young_person_id is not None and "agenda_item_young_person_once_per_meeting" in str(error):
                raise ValidationError(
                    {"young_person": f"{self.young_person} is already on the agenda of this meeting"}
                ) from None
            raise


class AttendanceStatus(models.TextChoices):
    ATTENDED = "attended", "Attended"
    APOLOGIES = "apologies", "Sent apologies"
    ABSENT = "absent", "Did not attend"


class Attendance(models.Model):
    """Whether an agency came to a meeting, and (optionally) who came."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField(max_length=10, choices=AttendanceStatus.choices)
    attendees = models.CharField(max_length=300, blank=True, help_text="Who came, like Sam Shah, Pat Reid")

    class Meta:
        ordering = ["agency__name"]
        constraints = [models.UniqueConstraint(fields=["meeting", "agency"], name="attendance_once_per_agency")]

    def __str__(self) -> str:
        return f"{self.agency}: {self.get_status_display()}"


class Decision(models.Model):
    """Something a meeting decided, on an agenda item or in general."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, null=True, blank=True, related_name="decisions"
    )
    text = models.TextField(error_messages={"blank": "Enter the decision"})
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "pk"]

    def __str__(self) -> str:
        return self.text[:80]

    def clean(self) -> None:
        self.text = (self.text or "").strip()
        item_elsewhere = self.agenda_item_id is not None and self.agenda_item.meeting_id != self.meeting_id
        if item_elsewhere and self.meeting_id is not None:
            raise ValidationError({"agenda_item": "Choose an item from this meeting’s agenda"})


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ActionQuerySet(models.QuerySet):
    def overdue(self, today: dt.date | None = None):
        return self.filter(status__in=ACTIVE_ACTION_STATUSES, due_date__lt=today or dt.date.today())


class Action(models.Model):
    """Something an agency has promised to do, by a date (DESIGN §5: one model for meetings and plans).

    Where it came from is a nullable link (a meeting, an agenda item; later a strategy plan adds
    its own nullable link) plus ``source``, a description in words, so an action survives the
    removal of what created it and any part of the system can raise one."""

    title = models.CharField(
        max_length=300,
        error_messages={"blank": "Enter what needs to be done", "max_length": "Keep the action to 300 characters"},
    )
    owner_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="actions",
        error_messages={"null": "Select the agency that owns the action"},
    )
    lead = models.CharField(max_length=200, blank=True, help_text="The person who leads it, like Sam Shah")
    due_date = models.DateField(error_messages={"null": "Enter the date the action is due"})
    status = models.CharField(max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    evidence = models.TextField(blank=True, help_text="What has been done, and how we know")
    completed_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=300, blank=True, help_text="Where the action came from, in words")
    meeting = models.ForeignKey(Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    # Set while the action is about a young person (it came from their agenda item). Kept when
    # the agenda item goes, so the action stays protected; cleared only with their record.
    young_person = models.ForeignKey(
        "people.YoungPerson", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["owner_agency", "status", "due_date"]),
            models.Index(fields=["status", "due_date"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_ACTION_STATUSES

    def is_overdue_on(self, today: dt.date) -> bool:
        return self.is_active and self.due_date is not None and self.due_date < today

    @property
    def is_overdue(self) -> bool:
        """Open or in progress and due before today."""
        return self.is_overdue_on(dt.date.today())

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.title = (self.title or "").strip()
        self.lead = (self.lead or "").strip()
        self.evidence = (self.evidence or "").strip()
        if self.agenda_item_id is not None:
            item = self.agenda_item
            if self.meeting_id is None:
                self.meeting_id = item.meeting_id
            elif item.meeting_id != self.meeting_id:
                errors["agenda_item"] = "Choose an item from this meeting’s agenda"
            self.young_person_id = item.young_person_id
        if self.meeting_id is not None and self.due_date is not None and self.due_date < self.meeting.date:
            errors["due_date"] = f"The due date must be on or after the meeting ({long_date(self.meeting.date)})"
        if self.status == ActionStatus.DONE:
            if not self.evidence:
                errors["evidence"] = "Say what was done before marking the action done"
            if self.completed_on is None:
                self.completed_on = dt.date.today()
            elif self.completed_on > dt.date.today():
                errors["completed_on"] = "The date it was done must be today or in the past"
        else:
            self.completed_on = None
        if self.status == ActionStatus.CANCELLED and not self.evidence:
            errors["evidence"] = "Say why the action was cancelled"
        if errors:
            raise ValidationError(errors)
