"""Survey templates (versioned, shipped or custom), campaigns, school responses, anonymous
teacher self-assessments and the pilot groups chosen from the results.

A template version is an immutable JSON definition (sections, questions, criteria; every text
in several languages): a campaign points at one version and keeps it when a newer one ships.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from infra.dates import clamp
from schools.models import Municipality, School


def localized(texts, language: str | None = None) -> str:
    """A text of the definition (``{"en": …, "ru": …}`` or a plain string) in a language, else English."""
    if not isinstance(texts, dict):
        return str(texts or "")
    language = language or get_language() or "en"
    return texts.get(language) or texts.get(language.split("-")[0]) or texts.get("en") or ""


class SurveyTemplate(models.Model):
    """One version of a survey, shared by every municipality (not tenant-owned: it holds no one's
    data). Shipped versions are installed after ``migrate``; a row is never changed once written,
    a change ships as a new version, and a campaign keeps the version it was launched with."""

    class Audience(models.TextChoices):
        SCHOOL = "school", _("Schools (answered by the director)")
        TEACHER = "teacher", _("Teachers (anonymous personal links)")

    slug = models.SlugField(_("short name"), max_length=64)
    version = models.PositiveIntegerField(_("version"), default=1)
    audience = models.CharField(_("answered by"), max_length=16, choices=Audience.choices)
    definition = models.JSONField(_("definition"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["slug", "-version"]
        verbose_name = _("survey template")
        verbose_name_plural = _("survey templates")
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="template_version_unique")]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def title(self) -> str:
        return localized(self.definition.get("title"))

    @property
    def description(self) -> str:
        return localized(self.definition.get("description"))

    @property
    def has_criteria(self) -> bool:
        """A survey with criteria gives a score; one without (a self-reflection) only answers."""
        return bool(self.definition.get("criteria"))

    @property
    def companion_slug(self) -> str:
        """The teacher self-assessment whose per-school shares feed this template's staff criteria."""
        return self.definition.get("teacher_survey", "")


class Campaign(models.Model):
    """A template version sent by an officer to all or chosen schools, with a deadline."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    template = models.ForeignKey(
        SurveyTemplate, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="campaigns"
    )
    teacher_template = models.ForeignKey(
        SurveyTemplate,
        verbose_name=_("teacher self-assessment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=200)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("launched by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("launched"), auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")

    def __str__(self) -> str:
        return self.name

    @property
    def deadline_ends_at(self) -> datetime:
        """The end of the deadline day in the municipality's time zone."""
        zone = ZoneInfo(self.municipality.time_zone)
        return datetime.combine(clamp(self.deadline) + timedelta(days=1), time.min, tzinfo=zone)

    @property
    def is_overdue(self) -> bool:
        return timezone.now() >= self.deadline_ends_at


class Response(models.Model):
    """One school's answers in a campaign: a draft saved as the director types, then submitted."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("not started")
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="responses"
    )
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="survey_responses"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NOT_STARTED)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("last saved"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Each e-mail goes out once: the task claims the row by setting the time with a conditional UPDATE.
    invited_at = models.DateTimeField(_("invitation sent"), null=True, blank=True)
    reminded_before_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    reminded_overdue_at = models.DateTimeField(_("overdue reminder sent"), null=True, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["school__name"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [models.UniqueConstraint(fields=["campaign", "school"], name="one_response_per_school")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.school}"


def evidence_path(instance: Evidence, filename: str) -> str:
    return (
        f"surveys/{instance.municipality_id}/{instance.response_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"
    )


class Evidence(models.Model):
    """A file a director attached as evidence to a question."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="evidence"
    )
    question = models.CharField(_("question"), max_length=64)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=255)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size"), default=0)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["question", "-uploaded_at"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.name


class TeacherLink(models.Model):
    """A personal link for one person on the roster. It records only *that* it was used: the
    answers (``TeacherResponse``) carry the school, never the person or the link."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="teacher_links"
    )
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        "schools.Person", verbose_name=_("person"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    nonce = models.CharField(max_length=64, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    used_at = models.DateTimeField(_("answered"), null=True, blank=True)  # the day only (anonymity)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        verbose_name = _("teacher link")
        verbose_name_plural = _("teacher links")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="one_teacher_link_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.school}"


class TeacherResponse(models.Model):
    """An anonymous self-assessment: the school, the answers and the level; nobody's name."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="teacher_responses"
    )
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+")
    answers = models.JSONField(_("answers"), default=dict)
    level = models.CharField(_("level"), max_length=2, blank=True)
    submitted_on = models.DateField(_("submitted"))  # a day, not a time: times could identify people

    objects = ScopedManager(municipality="municipality")

    class Meta:
        verbose_name = _("teacher self-assessment")
        verbose_name_plural = _("teacher self-assessments")
        indexes = [models.Index(fields=["campaign", "school"])]

    def __str__(self) -> str:
        return f"{self.school} · {self.level}"


class PilotGroup(models.Model):
    """The schools an officer picked from the results; rollout programmes start with them."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="pilot_groups"
    )
    name = models.CharField(_("name"), max_length=200)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("chosen from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pilot_groups",
    )
    schools = models.ManyToManyField(School, verbose_name=_("schools"), related_name="pilot_groups")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chosen by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("chosen"), auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pilot group")
        verbose_name_plural = _("pilot groups")

    def __str__(self) -> str:
        return self.name
