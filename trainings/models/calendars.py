"""Secret-token iCal feeds: one per person (their sessions and events) or per municipality."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from schools.models import Municipality


class CalendarFeed(models.Model):
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    # Empty user: the municipality's public calendar of sessions and events.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "user"], name="calendar_feed_once"),
            models.UniqueConstraint(
                fields=["municipality"], condition=models.Q(user=None), name="calendar_feed_municipal_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}/{self.user_id or '-'}"
