"""Network events (webinars, master classes, distance events…) and per-school quotas."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from schools.models import Municipality, School


class EventKind(models.TextChoices):
    WEBINAR = "webinar", _("Webinar")
    MASTER_CLASS = "master_class", _("Master class")
    DISTANCE_EVENT = "distance_event", _("Distance event")
    OPEN_LESSON = "open_lesson", _("Open lesson")
    CONFERENCE = "conference", _("Conference")


class NetworkEvent(models.Model):
    class Audience(models.TextChoices):
        TEACHERS = "teachers", _("Teachers")
        STUDENTS = "students", _("Students")

    class Reach(models.TextChoices):
        SCHOOL = "school", _("School")
        MUNICIPALITY = "municipality", _("Municipality")
        REGION = "region", _("Region")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    school = models.ForeignKey(
        School, verbose_name=_("organising school"), on_delete=models.CASCADE, related_name="network_events"
    )
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.TEACHERS
    )
    reach = models.CharField(_("reach"), max_length=16, choices=Reach.choices, default=Reach.MUNICIPALITY)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    link = models.URLField(_("link"), blank=True)
    materials_url = models.URLField(_("materials"), blank=True)
    participants = models.PositiveIntegerField(_("participants"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("network event")
        verbose_name_plural = _("network events")
        indexes = [models.Index(fields=["municipality", "kind", "starts_at"])]

    def __str__(self) -> str:
        return self.title


class QuotaSet(models.Model):
    """A named set of per-school obligations (e.g. the Altai model) a programme can point at."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    is_default = models.BooleanField(_("default for the municipality"), default=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("quota set")
        verbose_name_plural = _("quota sets")
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="quota_set_name_unique")]

    def __str__(self) -> str:
        return self.name


class QuotaRule(models.Model):
    class Period(models.TextChoices):
        QUARTER = "quarter", _("per quarter")
        HALF_YEAR = "half_year", _("per half-year")
        YEAR = "year", _("per year")

    MONTHS = {"quarter": 3, "half_year": 6, "year": 12}

    quota_set = models.ForeignKey(
        QuotaSet, verbose_name=_("quota set"), on_delete=models.CASCADE, related_name="rules"
    )
    kind = models.CharField(_("event kind"), max_length=16, choices=EventKind.choices)
    minimum = models.PositiveSmallIntegerField(_("at least"), default=1, validators=[MinValueValidator(1)])
    period = models.CharField(_("period"), max_length=16, choices=Period.choices)

    objects = ScopedManager(municipality="quota_set__municipality")

    class Meta:
        ordering = ["quota_set", "pk"]
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        constraints = [
            models.UniqueConstraint(fields=["quota_set", "kind", "period"], name="quota_rule_unique")
        ]

    def __str__(self) -> str:
        return f"≥ {self.minimum} {self.get_kind_display()} {self.get_period_display()}"
