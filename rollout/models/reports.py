"""Reports for the council (one municipality) and the region's quarterly monitoring report, built
in the background into a stored PDF."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from schools.models import LANGUAGE_CHOICES, Municipality, Region


def report_upload_to(instance, filename: str) -> str:
    owner = f"m{instance.municipality_id}" if instance.municipality_id else f"r{instance.region_id}"
    return f"reports/{owner}/{secrets.token_hex(8)}/{filename[-120:]}"


class Report(models.Model):
    """A municipal report belongs to its municipality (scoped like every tenant row); a regional
    report has no municipality and is reached only through ``reporting.reports.queries``, by the
    region's coordinators."""

    class Kind(models.TextChoices):
        COUNCIL = "council", _("Progress report for the municipal council")
        REGIONAL = "regional", _("Quarterly regional monitoring report")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        BUILDING = "building", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Step(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        FIGURES = "figures", _("Collecting the figures")
        MONITORING = "monitoring", _("Collecting the monitoring snapshots")
        CHARTS = "charts", _("Drawing the charts")
        WRITING = "writing", _("Writing the pages")
        LAYOUT = "layout", _("Laying out the pages")
        STORING = "storing", _("Storing the PDF")
        DONE = "done", _("Done")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("period"), max_length=16)  # 2026-Q4 or 2026
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    step = models.CharField(_("step"), max_length=16, choices=Step.choices, default=Step.QUEUED)
    file = models.FileField(_("file"), upload_to=report_upload_to, blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="council", municipality__isnull=False, region__isnull=True)
                    | models.Q(kind="regional", municipality__isnull=True, region__isnull=False)
                ),
                name="report_owner_matches_kind",
            )
        ]

    def __str__(self) -> str:
        owner = self.municipality or self.region
        return f"{self.get_kind_display()} {owner} {self.period}"

    @property
    def owner(self):
        return self.municipality or self.region

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def filename(self) -> str:
        return self.file.name.rsplit("/", 1)[-1] if self.file else ""
