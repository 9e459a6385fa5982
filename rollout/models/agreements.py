"""Partnership agreements between schools, kindergartens and outside partners (seed 004)."""

from __future__ import annotations

import os

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from infra.uploads import validate_upload_size
from rollout.models.files import upload_to
from rollout.models.programmes import Programme
from schools.models import Municipality, School


class Agreement(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=255)
    subject = models.TextField(_("subject"))
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    signed_document = models.FileField(
        _("signed agreement"), upload_to=upload_to, blank=True, validators=[validate_upload_size]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-starts_on", "title"]
        verbose_name = _("partnership agreement")
        verbose_name_plural = _("partnership agreements")

    def __str__(self) -> str:
        return self.title

    @property
    def filename(self) -> str:
        return os.path.basename(self.signed_document.name) if self.signed_document else ""


class AgreementParty(models.Model):
    class Kind(models.TextChoices):
        SCHOOL = "school", _("School or kindergarten of the municipality")
        CENTRE = "centre", _("Extra-curricular centre")
        MUSEUM = "museum", _("Museum")
        LIBRARY = "library", _("Library")
        OTHER = "other", _("Other organisation")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.SCHOOL)
    school = models.ForeignKey(
        School, verbose_name=_("school"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("organisation"), max_length=255, blank=True)
    resources = models.TextField(_("resources it brings"), blank=True)
    responsibilities = models.TextField(_("responsibilities"), blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["agreement", "pk"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return self.school.name if self.school_id else self.name


class AgreementPlanItem(models.Model):
    """The yearly joint plan: network events and network projects."""

    class Kind(models.TextChoices):
        EVENT = "event", _("Network event")
        PROJECT = "project", _("Network project")
        PROGRAMME = "programme", _("Joint programme")
        EQUIPMENT = "equipment", _("Shared equipment")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="plan_items")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.EVENT)
    title = models.CharField(_("what"), max_length=255)
    when = models.CharField(_("when"), max_length=100, blank=True)
    done = models.BooleanField(_("held"), default=False)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["agreement", "year", "pk"]
        verbose_name = _("joint plan item")
        verbose_name_plural = _("joint plan items")

    def __str__(self) -> str:
        return self.title


class AgreementReview(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="reviews")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    text = models.TextField(_("year-end review"))

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["agreement", "year"]
        verbose_name = _("year-end review")
        verbose_name_plural = _("year-end reviews")
        constraints = [models.UniqueConstraint(fields=["agreement", "year"], name="one_review_a_year")]

    def __str__(self) -> str:
        return f"{self.agreement} {self.year}"
