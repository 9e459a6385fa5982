"""Curricula, sessions, enrolment and waiting list, attendance, feedback and certificates."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from schools.models import LANGUAGE_CHOICES, Municipality, Person
from schools.roles import PersonRole


class Curriculum(models.Model):
    """A course the municipality offers (e.g. "School in the Cloud: introduction")."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="curricula"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES, default="en")
    target_roles = models.JSONField(
        _("for"), default=list, blank=True, help_text=_("Roster roles this curriculum is meant for.")
    )
    min_attendance_percent = models.PositiveSmallIntegerField(
        _("attendance needed for completion (%)"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    feedback_required = models.BooleanField(_("feedback needed for completion"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["title"]
        verbose_name = _("curriculum")
        verbose_name_plural = _("curricula")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "title"], name="curriculum_title_unique")
        ]

    def __str__(self) -> str:
        return self.title

    def target_role_labels(self) -> list[str]:
        labels = dict(PersonRole.choices)
        return [str(labels.get(role, role)) for role in self.target_roles]


class CurriculumModule(models.Model):
    curriculum = models.ForeignKey(
        Curriculum, verbose_name=_("curriculum"), on_delete=models.CASCADE, related_name="modules"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, default=1)

    objects = ScopedManager(municipality="curriculum__municipality")

    class Meta:
        ordering = ["curriculum", "position", "pk"]
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def __str__(self) -> str:
        return self.title


class FeedbackQuestion(models.Model):
    """A question answered on a 1–5 scale after every session of the curriculum."""

    curriculum = models.ForeignKey(
        Curriculum, verbose_name=_("curriculum"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("question"), max_length=300)

    objects = ScopedManager(municipality="curriculum__municipality")

    class Meta:
        ordering = ["curriculum", "position", "pk"]
        verbose_name = _("feedback question")
        verbose_name_plural = _("feedback questions")

    def __str__(self) -> str:
        return self.text


class TrainingSession(models.Model):
    """One run of a curriculum: in person (place, capacity) or online (meeting link)."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    curriculum = models.ForeignKey(
        Curriculum, verbose_name=_("curriculum"), on_delete=models.PROTECT, related_name="sessions"
    )
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.IN_PERSON)
    place = models.CharField(_("place"), max_length=255, blank=True)
    meeting_link = models.URLField(_("meeting link"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=20, validators=[MinValueValidator(1)])
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trainer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    meetings = models.PositiveSmallIntegerField(
        _("meetings"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("How many times the group meets; attendance is marked for each meeting."),
    )
    self_enrolment = models.BooleanField(_("teachers may enrol themselves"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")

    def __str__(self) -> str:
        return f"{self.curriculum.title} · {self.starts_at:%Y-%m-%d}"


class Enrolment(models.Model):
    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        WAITING = "waiting", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    session = models.ForeignKey(
        TrainingSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="enrolments"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="enrolments"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ENROLLED)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The waiting list is served in this order: (re)joining puts you at its end.
    queued_at = models.DateTimeField(_("joined"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["queued_at", "pk"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="enrolment_once_per_session")
        ]
        indexes = [models.Index(fields=["session", "status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.session}"


class Attendance(models.Model):
    class Method(models.TextChoices):
        TRAINER = "trainer", _("Marked by the trainer")
        QR = "qr", _("Scanned code")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="attendances"
    )
    meeting = models.PositiveSmallIntegerField(_("meeting"), default=1)
    method = models.CharField(_("how"), max_length=16, choices=Method.choices, default=Method.TRAINER)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(_("marked"), auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "meeting"], name="attendance_once_per_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}#{self.meeting}"


class Feedback(models.Model):
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    enrolment = models.OneToOneField(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="feedback"
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("given"), auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")

    def __str__(self) -> str:
        return f"{self.enrolment_id}"


class FeedbackAnswer(models.Model):
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(FeedbackQuestion, on_delete=models.CASCADE, related_name="answers")
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    objects = ScopedManager(municipality="municipality")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["feedback", "question"], name="feedback_answer_once"),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="feedback_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.score}"


class Certificate(models.Model):
    """Issued on completion. What the public verification page shows is copied here when issued."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    enrolment = models.OneToOneField(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="certificate"
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    holder_name = models.CharField(_("name"), max_length=300)
    course = models.CharField(_("course"), max_length=200)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, default=0)
    issued_on = models.DateField(_("date"))
    issuer = models.CharField(_("issuer"), max_length=200)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason"), max_length=300, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.code

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
