"""External certifications (Google, Microsoft, custom) and the municipality's targets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from schools.models import Municipality, Person


class ExternalCertification(models.Model):
    class Kind(models.TextChoices):
        GOOGLE_EDUCATOR_1 = "google_educator_1", _("Google Certified Educator Level 1")
        GOOGLE_EDUCATOR_2 = "google_educator_2", _("Google Certified Educator Level 2")
        GOOGLE_TRAINER = "google_trainer", _("Google Certified Trainer")
        GOOGLE_INNOVATOR = "google_innovator", _("Google Certified Innovator")
        MICROSOFT_MIE = "microsoft_mie", _("Microsoft Innovative Educator")
        MICROSOFT_MIE_EXPERT = "microsoft_mie_expert", _("Microsoft Innovative Educator Expert")
        MICROSOFT_MIE_TRAINER = "microsoft_mie_trainer", _("Microsoft Innovative Educator Trainer")
        CUSTOM = "custom", _("Other (name it)")

    # Certifications that make their holder a certified trainer (the "3 certified trainers" target).
    TRAINER_KINDS = frozenset({Kind.GOOGLE_TRAINER, Kind.MICROSOFT_MIE_TRAINER})

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="certifications"
    )
    kind = models.CharField(_("certification"), max_length=32, choices=Kind.choices)
    custom_name = models.CharField(_("name (other)"), max_length=200, blank=True)
    obtained_on = models.DateField(_("obtained"))
    expires_on = models.DateField(_("expires"), null=True, blank=True)
    evidence_url = models.URLField(_("evidence (link)"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expiry_reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-obtained_on", "-pk"]
        verbose_name = _("external certification")
        verbose_name_plural = _("external certifications")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.custom_name if self.kind == self.Kind.CUSTOM else str(self.get_kind_display())

    @property
    def is_trainer(self) -> bool:
        return self.kind in self.TRAINER_KINDS


class CertificationTarget(models.Model):
    """How many certified people the municipality aims for (Haskovo: 50 teachers, 3 trainers)."""

    class Audience(models.TextChoices):
        TEACHERS = "teachers", _("Certified teachers")
        TRAINERS = "trainers", _("Certified trainers")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    audience = models.CharField(_("what"), max_length=16, choices=Audience.choices)
    target = models.PositiveIntegerField(_("target"))
    deadline = models.DateField(_("deadline"), null=True, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["audience"]
        verbose_name = _("certification target")
        verbose_name_plural = _("certification targets")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "audience"], name="certification_target_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_audience_display()}: {self.target}"
