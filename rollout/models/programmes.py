"""A municipality's programme: stages with date windows, activities, and one task per covered
school (or one for the whole programme) carrying the status, evidence and comments."""

from __future__ import annotations

import os
from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from infra.uploads import validate_upload_size
from rollout.models.files import upload_to
from schools.models import LANGUAGE_CHOICES, Municipality, School


class ProgrammeTemplate(models.Model):
    """A municipality's own template, saved from one of its programmes (shipped templates are
    data files in ``rollout/programme_templates.py``). ``data`` has the same shape."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    data = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["name"]
        verbose_name = _("programme template")
        verbose_name_plural = _("programme templates")

    def __str__(self) -> str:
        return self.name


class Programme(models.Model):
    class Coverage(models.TextChoices):
        ALL = "all", _("All schools and kindergartens")
        PILOT = "pilot", _("A pilot group")
        CHOSEN = "chosen", _("A chosen set of schools")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language of the programme"), max_length=8, choices=LANGUAGE_CHOICES)
    source = models.CharField(_("made from"), max_length=100, blank=True)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    coverage = models.CharField(
        _("schools covered"), max_length=8, choices=Coverage.choices, default=Coverage.ALL
    )
    # The surveys app's PilotGroup, when that app is installed (kept as an id: no hard dependency).
    pilot_group_id = models.PositiveIntegerField(_("pilot group"), null=True, blank=True)
    schools = models.ManyToManyField(School, verbose_name=_("schools"), blank=True, related_name="+")
    snapshot_months = models.PositiveSmallIntegerField(
        _("monitoring period (months)"),
        default=3,
        help_text=_("Every school's indicators are frozen once per period (3 = every quarter)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="stages")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=255)
    expected_result = models.TextField(_("expected result"), blank=True)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["programme", "order", "starts_on"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    class Responsible(models.TextChoices):
        OFFICER = "officer", _("Municipal education officer")
        IT_ADMIN = "it_admin", _("IT administrator")
        DIRECTOR = "director", _("School director")
        TRAINER = "trainer", _("Trainer")
        COORDINATOR = "coordinator", _("Regional coordinator")
        OTHER = "other", _("Someone else (named below)")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="activities")
    stage = models.ForeignKey(
        Stage,
        verbose_name=_("stage"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("activity"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    per_school = models.BooleanField(
        _("done by each school"), default=False, help_text=_("Each covered school has its own task.")
    )
    responsible_role = models.CharField(
        _("responsible role"), max_length=16, choices=Responsible.choices, default=Responsible.OFFICER
    )
    responsible_label = models.CharField(
        _("responsible (as written in the plan)"), max_length=300, blank=True
    )
    responsible_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("responsible people"), blank=True, related_name="+"
    )
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    due_on = models.DateField(_("deadline"), null=True, blank=True)
    fact_kind = models.CharField(_("ticks itself when"), max_length=32, blank=True)
    fact_params = models.JSONField(default=dict, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["programme", "stage__order", "order", "pk"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.title

    @property
    def fact_period(self):
        """(start, end) a self-ticking fact is counted over (``schools.facts.FactSubject``): the
        activity's dates, else the programme's."""
        start = self.starts_on or self.programme.starts_on
        return start, self.due_on or self.programme.ends_on or start


class TaskStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    BLOCKED = "blocked", _("Blocked")
    OVERDUE = "overdue", _("Overdue")  # shown, never stored: a past deadline on an open task


class Task(models.Model):
    """An activity for one school (``school`` set) or for the whole programme (``school`` empty)."""

    STORED_STATUSES = [c for c in TaskStatus.choices if c[0] != TaskStatus.OVERDUE]

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="tasks")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(
        School, verbose_name=_("school"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=STORED_STATUSES, default=TaskStatus.PLANNED)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Self-ticking: the fact as last seen, and whether a human decided instead of the fact.
    fact_met = models.BooleanField(null=True, blank=True)
    fact_text = models.CharField(_("fact"), max_length=300, blank=True)
    fact_checked_at = models.DateTimeField(null=True, blank=True)
    auto_done = models.BooleanField(default=False)
    override = models.BooleanField(_("set by hand"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["activity", "school__name"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.UniqueConstraint(fields=["activity", "school"], name="task_unique_per_school"),
            models.UniqueConstraint(
                fields=["activity"], condition=models.Q(school=None), name="task_unique_programme_level"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.school}" if self.school_id else str(self.activity)

    def display_status(self, today: date) -> str:
        """Overdue is computed: a deadline before today (in the municipality's time zone)."""
        due = self.activity.due_on
        if self.status != TaskStatus.DONE and due is not None and due < today:
            return TaskStatus.OVERDUE
        return self.status


class Evidence(models.Model):
    class Kind(models.TextChoices):
        FILE = "file", _("File")
        LINK = "link", _("Link")
        NOTE = "note", _("Note")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="evidence")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=upload_to, blank=True, validators=[validate_upload_size])
    url = models.URLField(_("link"), blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.filename or self.url or self.note[:60]

    @property
    def filename(self) -> str:
        return os.path.basename(self.file.name) if self.file else ""


class Comment(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.body[:60]
