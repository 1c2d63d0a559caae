from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class TenantOwnedModel(TimeStampedModel):
    """A row that belongs to one tenant.

    Its default manager is scoped: outside `scope(tenant=...)` (entered by every tenant API
    view, task and command) a query raises ScopeError instead of reading every tenant.
    """

    tenant = models.ForeignKey("orgs.Tenant", on_delete=models.CASCADE, related_name="+")

    objects = ScopedManager(tenant="tenant")

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """Who changed what, when, and how it looked before and after."""

    tenant = models.ForeignKey("orgs.Tenant", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ScopedManager(tenant="tenant")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["tenant", "-created_at"])]

    def __str__(self):
        return f"{self.action} {self.target_type}#{self.target_id}"


@dataclass(frozen=True)
class RetryStatuses:
    """The words one kind of retry row uses for the four states `core.tasks` moves it through,
    so that each app keeps the vocabulary its admin and API show (an email is "sending", then
    "sent"; a Stripe event is "processed")."""

    waiting: str  # due at `next_attempt_at`: new, or to be tried again after a failed attempt
    running: str  # claimed by one worker until `claimed_until`
    done: str  # finished: nothing more happens to it
    failed: str  # given up: the last attempt failed, or retrying could not help


class RetryRow(models.Model):
    """Work that must not be lost (a Stripe event, an outgoing email, an emailed export): the
    row carries its own attempts, so a lost task, a worker killed mid-run or an outage of an
    outside service delays the work but never drops it. `core.tasks` claims a row, records its
    success, or schedules its next attempt (`retry_delay`) until `max_attempts()`;
    `manage.py run_due_work` runs the due rows of every kind registered with
    `core.tasks.register_retry_kind`.

    A concrete model redeclares `status` with its own choices (default: its waiting status),
    names them in `retry_statuses` and says how many attempts it gets in `max_attempts()`.
    """

    status = models.CharField(max_length=16)
    attempts = models.PositiveIntegerField(default=0)
    # When a waiting row is due; empty while it runs and once it is finished.
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    # Until when the worker that claimed it holds it: past that, its worker is taken for dead
    # and another may claim the row again.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    retry_statuses: ClassVar[RetryStatuses]
    # Far above the longest attempt (every outside call times out within a minute), so a
    # running row is only taken over from a worker that really died.
    retry_lease: ClassVar[timedelta] = timedelta(minutes=15)

    class Meta:
        abstract = True

    @classmethod
    def max_attempts(cls) -> int:
        """Attempts before the row is given up (marked failed)."""
        raise NotImplementedError
