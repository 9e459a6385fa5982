"""The budget of a programme and the municipality's document library."""

from __future__ import annotations

import os

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from infra.uploads import validate_upload_size
from rollout.models.files import upload_to
from rollout.models.programmes import Programme
from schools.models import LANGUAGE_CHOICES, Municipality


class BudgetLine(models.Model):
    """Planned and actual amounts for one line in one year, in the municipality's currency."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    line = models.CharField(_("budget line"), max_length=200)
    planned = models.DecimalField(_("planned"), max_digits=14, decimal_places=2, default=0)
    actual = models.DecimalField(_("actual"), max_digits=14, decimal_places=2, default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)
    document = models.FileField(
        _("document"), upload_to=upload_to, blank=True, validators=[validate_upload_size]
    )

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["year", "line"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")

    def __str__(self) -> str:
        return f"{self.year} {self.line}"

    @property
    def filename(self) -> str:
        return os.path.basename(self.document.name) if self.document else ""


class LibraryDocument(models.Model):
    """A procedure or template shared with the municipality's schools, and optionally with every
    municipality on the portal."""

    class Category(models.TextChoices):
        PROCEDURE = "procedure", _("Procedure or rules")
        TEMPLATE = "template", _("Template")
        GUIDE = "guide", _("Guide or training material")
        OTHER = "other", _("Other")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(
        _("kind"), max_length=16, choices=Category.choices, default=Category.PROCEDURE
    )
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    file = models.FileField(_("file"), upload_to=upload_to, blank=True, validators=[validate_upload_size])
    url = models.URLField(_("link"), blank=True)
    shared_with_all = models.BooleanField(
        _("share with every municipality"),
        default=False,
        help_text=_("Other municipalities on the portal can read and download it."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["category", "title"]
        verbose_name = _("library document")
        verbose_name_plural = _("library documents")

    def __str__(self) -> str:
        return self.title

    @property
    def filename(self) -> str:
        return os.path.basename(self.file.name) if self.file else ""
