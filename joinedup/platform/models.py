"""Platform tables: the append-only, hash-chained audit trail."""

from __future__ import annotations

from django.db import models


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"
    DENIED = "denied", "Denied"


class AuditEvent(models.Model):
    """One thing that happened, by whom, to what. Rows are never updated or deleted.

    Each row carries the SHA-256 of the previous row's hash plus its own content, so a
    changed, deleted or out-of-order row breaks the chain (``joinedup audit verify``).
    Actor and agency are copied in as they were at the time, not linked, so deleting a
    user or renaming an agency never touches the trail.
    """

    seq = models.BigIntegerField(unique=True, help_text="1, 2, 3, ... with no gaps")
    occurred_at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=254, blank=True)
    agency_id = models.BigIntegerField(null=True, blank=True)
    agency_label = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=100, db_index=True, help_text="app.entity.verb")
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=10, choices=AuditOutcome.choices, default=AuditOutcome.SUCCESS)
    request_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):
        # The database triggers are the real guard; this one gives a clear message sooner.
        if not self._state.adding or kwargs.get("force_update"):
            raise TypeError("The audit trail is append-only: an AuditEvent cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit trail is append-only: an AuditEvent cannot be deleted")
