"""In-app notifications, the weekly digest's send log, and frozen monitoring snapshots."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from rollout.models.programmes import Programme, Task
from schools.models import Municipality, School


class Notification(models.Model):
    """Shown in the portal; the text is made in the reader's language from ``kind``."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("You are responsible for an activity")
        OVERDUE = "overdue", _("An activity is overdue")
        COMMENT = "comment", _("New comment")
        DONE = "done", _("An activity was done")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.task}"


class DigestLog(models.Model):
    """One row per person, municipality and ISO week: the digest is sent at most once a week."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week = models.DateField()  # the Monday of the ISO week
    items = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "user", "week"], name="digest_once_a_week")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.week}"


class Snapshot(models.Model):
    """A school's indicators frozen at the end of a monitoring period; never changed afterwards."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="snapshots")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("period"), max_length=16)  # e.g. 2026-Q4 or 2026-M11
    taken_on = models.DateField(_("taken"))
    stage_name = models.CharField(_("stage"), max_length=255, blank=True)
    tasks_total = models.PositiveIntegerField(default=0)
    tasks_done = models.PositiveIntegerField(default=0)
    teachers = models.PositiveIntegerField(_("teachers"), default=0)
    accounts = models.PositiveIntegerField(_("teacher accounts"), default=0)
    trained_teachers = models.PositiveIntegerField(_("trained teachers"), null=True, blank=True)
    events_held = models.PositiveIntegerField(_("events held"), null=True, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-taken_on", "school__name"]
        verbose_name = _("monitoring snapshot")
        verbose_name_plural = _("monitoring snapshots")
        constraints = [
            models.UniqueConstraint(fields=["programme", "school", "period"], name="snapshot_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.period}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Snapshots are frozen.")
        super().save(*args, **kwargs)

    @property
    def share_done(self) -> int:
        return round(100 * self.tasks_done / self.tasks_total) if self.tasks_total else 0
