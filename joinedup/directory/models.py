"""The partnership directory: agencies, the services they run, and the needs services meet."""

from __future__ import annotations

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
