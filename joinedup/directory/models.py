"""The partnership directory: agencies, the services they run, and the needs services meet."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

slug_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]*$", "Use lower-case letters, numbers and hyphens only, starting with a letter or number"
)


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


class Agency(models.Model):
    """An organisation in the partnership."""

    name = models.CharField(max_length=200, unique=True)
    code = models.CharField(max_length=50, unique=True, validators=[slug_validator], help_text="Short reference")
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
        max_length=50, unique=True, validators=[slug_validator], help_text="The service_id used in files and the API"
    )
    name = models.CharField(max_length=200)
    remit = models.TextField(help_text="What the service does, in plain English")
    audience = models.CharField(max_length=10, choices=Audience.choices)
    min_age = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(120)])
    max_age = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(120)])
    needs = models.ManyToManyField(Need, blank=True, related_name="services")
    threshold = models.TextField(blank=True, help_text="Who meets the threshold, in words")
    referral_route = models.TextField(blank=True, help_text="How to refer")
    ends_at_age = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(120)], help_text="Support ends on this birthday"
    )
    max_extension_days = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(3650)], help_text="How far an ending may be put back, in days"
    )
    default_weight = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
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

    @property
    def age_range_text(self) -> str:
        if self.min_age is None and self.max_age is None:
            return "Any age"
        if self.max_age is None:
            return f"{self.min_age} and over"
        if self.min_age is None:
            return f"Up to {self.max_age}"
        return f"{self.min_age} to {self.max_age}"
