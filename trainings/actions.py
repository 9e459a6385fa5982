"""Every write of the trainings app: atomic, audited, Celery work enqueued on commit."""

from __future__ import annotations

import secrets
import zoneinfo
from datetime import timedelta
from decimal import Decimal

from django.core import signing
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from schools.actions import Edit, save_for_tenant
from schools.audit import ActionContext, log_action, record
from schools.models import Person
from trainings import tasks
from trainings.demo_content import CURRICULA
from trainings.models import (
    Attendance,
    CalendarFeed,
    Certificate,
    CertificationTarget,
    Curriculum,
    CurriculumModule,
    Enrolment,
    Feedback,
    FeedbackAnswer,
    FeedbackQuestion,
    QuotaRule,
    QuotaSet,
    TrainingSession,
)

CHECKIN_SALT = "trainings.checkin"
CHECKIN_MAX_AGE = timedelta(hours=4)  # a code shown at the start of a meeting works for the meeting


class EnrolmentError(Exception):
    pass


# --- Curricula and sessions -------------------------------------------------------------------


@transaction.atomic
def save_curriculum(
    ctx: ActionContext, edit: Edit, modules: list[tuple[str, Decimal]], questions: list[str]
) -> Curriculum:
    extra = {"modules": [f"{title} ({hours})" for title, hours in modules], "questions": questions}
    curriculum = save_for_tenant(ctx, edit, audit_action="curriculum", audit_extra=extra)
    _replace_modules(curriculum, modules)
    _replace_questions(curriculum, questions)
    return curriculum


def _replace_modules(curriculum: Curriculum, modules) -> None:
    curriculum.modules.all().delete()
    CurriculumModule.objects.bulk_create(
        CurriculumModule(curriculum=curriculum, position=i, title=title, hours=hours)
        for i, (title, hours) in enumerate(modules)
    )


def _replace_questions(curriculum: Curriculum, questions: list[str]) -> None:
    """Questions already answered keep their row (and their answers); the rest is replaced."""
    existing = {q.text: q for q in curriculum.questions.all()}
    keep = []
    for position, text in enumerate(questions):
        question = existing.pop(text, None)
        if question is None:
            question = FeedbackQuestion.objects.create(curriculum=curriculum, position=position, text=text)
        elif question.position != position:
            question.position = position
            question.save(update_fields=["position"])
        keep.append(question.pk)
    for question in existing.values():
        if not question.answers.exists():
            question.delete()


def create_curriculum(
    municipality, *, title, description, language, target_roles, modules, questions, **extra
):
    """For the demo and the shipped examples (not audited): one curriculum with its modules."""
    curriculum = Curriculum.objects.create(
        municipality=municipality,
        title=title,
        description=description,
        language=language,
        target_roles=target_roles,
        **extra,
    )
    _replace_modules(curriculum, modules)
    _replace_questions(curriculum, questions)
    return curriculum


@transaction.atomic
def add_example_curricula(ctx: ActionContext, language: str) -> list[Curriculum]:
    """Copy the shipped example curricula of a language (those whose title is not taken yet)."""
    municipality = ctx.municipality
    taken = set(Curriculum.objects.values_list("title", flat=True))
    added = []
    for title, description, roles, modules, questions in CURRICULA.get(language, []):
        if title in taken:
            continue
        added.append(
            create_curriculum(
                municipality,
                title=title,
                description=description,
                language=language,
                target_roles=roles,
                modules=[(name, Decimal(str(hours))) for hours, name in modules],
                questions=questions,
            )
        )
    record(ctx, "curriculum.examples", changes={"language": language, "added": [c.title for c in added]})
    return added


@transaction.atomic
def save_session(ctx: ActionContext, edit: Edit) -> TrainingSession:
    creating = edit.instance.pk is None
    session = save_for_tenant(ctx, edit, audit_action="training_session")
    if not creating and "capacity" in edit.changes:
        _fill_from_waiting_list(session)
    return session


# --- Enrolment and the waiting list -----------------------------------------------------------


@transaction.atomic
def enrol(ctx: ActionContext, session: TrainingSession, person: Person) -> Enrolment:
    """Enrol a person; when the session is full they join the end of the waiting list."""
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.ends_at <= timezone.now():
        raise EnrolmentError("finished")
    enrolment = Enrolment.objects.filter(session=session, person=person).first()
    if enrolment is not None and enrolment.status != Enrolment.Status.CANCELLED:
        raise EnrolmentError("already")
    taken = Enrolment.objects.filter(session=session, status=Enrolment.Status.ENROLLED).count()
    status = Enrolment.Status.ENROLLED if taken < session.capacity else Enrolment.Status.WAITING
    if enrolment is None:
        enrolment = Enrolment(municipality=session.municipality, session=session, person=person)
    enrolment.status = status
    enrolment.enrolled_by = ctx.actor
    enrolment.queued_at = timezone.now()
    enrolment.save()
    record(ctx, f"enrolment.{status}", enrolment)
    return enrolment


@transaction.atomic
def cancel_enrolment(ctx: ActionContext, enrolment: Enrolment) -> Enrolment | None:
    """Cancel; a freed place goes to the first person on the waiting list (who is told by e-mail)."""
    session = TrainingSession.objects.select_for_update().get(pk=enrolment.session_id)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status == Enrolment.Status.CANCELLED:
        return None
    was_enrolled = enrolment.status == Enrolment.Status.ENROLLED
    enrolment.status = Enrolment.Status.CANCELLED
    enrolment.save(update_fields=["status"])
    record(ctx, "enrolment.cancel", enrolment)
    promoted = _fill_from_waiting_list(session) if was_enrolled else []
    return promoted[0] if promoted else None


def _fill_from_waiting_list(session: TrainingSession) -> list[Enrolment]:
    taken = Enrolment.objects.filter(session=session, status=Enrolment.Status.ENROLLED).count()
    free = session.capacity - taken
    if free <= 0:
        return []
    promoted = list(
        Enrolment.objects.select_for_update()
        .filter(session=session, status=Enrolment.Status.WAITING)
        .order_by("queued_at", "pk")[:free]
    )
    for enrolment in promoted:
        enrolment.status = Enrolment.Status.ENROLLED
        enrolment.save(update_fields=["status"])
        log_action("enrolment.promote", obj=enrolment, municipality=session.municipality)
        tasks.notify_promoted.delay_on_commit(enrolment.pk, session.municipality_id)
    return promoted


# --- Attendance ---------------------------------------------------------------------------------


@transaction.atomic
def mark_attendance(ctx: ActionContext, session: TrainingSession, meeting: int, present_ids) -> int:
    """The trainer's list for one meeting: who was there (everyone else is marked absent)."""
    if not 1 <= meeting <= session.meetings:
        raise ValueError("no such meeting")
    enrolled = {
        e.pk: e
        for e in Enrolment.objects.filter(session=session, status=Enrolment.Status.ENROLLED).select_related(
            "session__curriculum"
        )
    }
    present = {int(pk) for pk in present_ids if int(pk) in enrolled}
    before = set(
        Attendance.objects.filter(enrolment__session=session, meeting=meeting).values_list(
            "enrolment_id", flat=True
        )
    )
    Attendance.objects.filter(enrolment__session=session, meeting=meeting).exclude(
        enrolment_id__in=present
    ).delete()
    Attendance.objects.bulk_create(
        [
            Attendance(
                municipality=session.municipality,
                enrolment_id=pk,
                meeting=meeting,
                method=Attendance.Method.TRAINER,
                marked_by=ctx.actor,
            )
            for pk in sorted(present - before)
        ]
    )
    record(ctx, "training_session.attendance", session, {"meeting": meeting, "present": sorted(present)})
    for pk in present ^ before:
        update_completion(enrolled[pk])
    return len(present)


def checkin_code(session: TrainingSession, meeting: int) -> str:
    return signing.dumps({"s": session.pk, "m": meeting}, salt=CHECKIN_SALT, compress=True)


def meeting_from_code(session: TrainingSession, code: str) -> int | None:
    """The meeting a scanned code is for, or None if it is forged, expired or for another session."""
    try:
        data = signing.loads(code, salt=CHECKIN_SALT, max_age=CHECKIN_MAX_AGE)
    except signing.BadSignature:
        return None
    if data.get("s") != session.pk or not 1 <= int(data.get("m", 0)) <= session.meetings:
        return None
    return int(data["m"])


@transaction.atomic
def check_in(ctx: ActionContext, enrolment: Enrolment, meeting: int) -> bool:
    """A teacher scanned the meeting's code: present (once)."""
    _attendance, created = Attendance.objects.get_or_create(
        enrolment=enrolment,
        meeting=meeting,
        defaults={
            "municipality": enrolment.municipality,
            "method": Attendance.Method.QR,
            "marked_by": ctx.actor,
        },
    )
    if created:
        record(ctx, "enrolment.check_in", enrolment, {"meeting": meeting})
        update_completion(enrolment)
    return created


# --- Feedback and completion ------------------------------------------------------------------


@transaction.atomic
def give_feedback(ctx: ActionContext, enrolment: Enrolment, scores: dict[int, int], comment: str) -> Feedback:
    feedback = Feedback.objects.create(
        municipality=enrolment.municipality, enrolment=enrolment, comment=comment.strip()
    )
    FeedbackAnswer.objects.bulk_create(
        FeedbackAnswer(municipality=enrolment.municipality, feedback=feedback, question_id=qid, score=score)
        for qid, score in sorted(scores.items())
    )
    record(ctx, "feedback.create", enrolment)
    update_completion(enrolment)
    return feedback


def completion_status(enrolment: Enrolment) -> dict:
    """What the completion rules of the curriculum say about one enrolment."""
    session = enrolment.session
    curriculum = session.curriculum
    attended = enrolment.attendances.count()
    share = round(100 * attended / session.meetings)
    has_feedback = Feedback.objects.filter(enrolment=enrolment).exists()
    attendance_ok = share >= curriculum.min_attendance_percent
    feedback_ok = has_feedback or not curriculum.feedback_required
    return {
        "attended": attended,
        "meetings": session.meetings,
        "share": share,
        "attendance_ok": attendance_ok,
        "has_feedback": has_feedback,
        "feedback_ok": feedback_ok,
        "complete": enrolment.status == Enrolment.Status.ENROLLED and attendance_ok and feedback_ok,
    }


def update_completion(enrolment: Enrolment) -> bool:
    """Set (or clear) completion by the rules; a completer gets a certificate once."""
    status = completion_status(enrolment)
    if status["complete"] and enrolment.completed_at is None:
        enrolment.completed_at = timezone.now()
        enrolment.save(update_fields=["completed_at"])
        log_action("enrolment.complete", obj=enrolment, municipality=enrolment.municipality)
        issue_certificate(enrolment)
    elif not status["complete"] and enrolment.completed_at is not None:
        enrolment.completed_at = None
        enrolment.save(update_fields=["completed_at"])
        log_action("enrolment.uncomplete", obj=enrolment, municipality=enrolment.municipality)
        Certificate.objects.filter(enrolment=enrolment, revoked_at=None).update(
            revoked_at=timezone.now(), revoked_reason="completion withdrawn"
        )
    return status["complete"]


# --- Certificates ---------------------------------------------------------------------------------

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand


def new_certificate_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def issue_certificate(enrolment: Enrolment) -> Certificate:
    existing = Certificate.objects.filter(enrolment=enrolment).first()
    if existing is not None:
        if existing.revoked_at is not None and existing.revoked_reason == "completion withdrawn":
            existing.revoked_at = None
            existing.revoked_reason = ""
            existing.save(update_fields=["revoked_at", "revoked_reason"])
        return existing
    session = enrolment.session
    municipality = enrolment.municipality
    hours = CurriculumModule.objects.filter(curriculum=session.curriculum).aggregate(h=Sum("hours"))["h"]
    certificate = Certificate.objects.create(
        municipality=municipality,
        enrolment=enrolment,
        code=new_certificate_code(),
        holder_name=enrolment.person.full_name,
        course=session.curriculum.title,
        hours=hours or 0,
        issued_on=timezone.localdate(timezone=_zone(municipality)),
        issuer=municipality.name,
        language=municipality.language,
    )
    log_action("certificate.issue", obj=certificate, municipality=municipality)
    tasks.notify_certificate.delay_on_commit(certificate.pk, municipality.pk)
    return certificate


@transaction.atomic
def revoke_certificate(ctx: ActionContext, certificate: Certificate, reason: str) -> None:
    Certificate.objects.filter(pk=certificate.pk, revoked_at=None).update(
        revoked_at=timezone.now(), revoked_reason=reason.strip()[:300]
    )
    record(ctx, "certificate.revoke", certificate, {"reason": reason})


@transaction.atomic
def reinstate_certificate(ctx: ActionContext, certificate: Certificate) -> None:
    Certificate.objects.filter(pk=certificate.pk).update(revoked_at=None, revoked_reason="")
    record(ctx, "certificate.reinstate", certificate)


# --- External certifications, targets, events, quotas -----------------------------------------


def save_certification(ctx: ActionContext, edit: Edit):
    # A renewed certification is reminded about again.
    renewed = {"expiry_reminded_at": None} if "expires_on" in edit.changes else {}
    return save_for_tenant(ctx, edit, audit_action="certification", creator_field="recorded_by", **renewed)


@transaction.atomic
def save_targets(ctx: ActionContext, values: dict[str, tuple[int | None, object]]) -> None:
    """``{audience: (target or None, deadline)}``; None removes the target."""
    municipality = ctx.municipality
    for audience, (target, deadline) in values.items():
        if target is None:
            CertificationTarget.objects.filter(audience=audience).delete()
        else:
            CertificationTarget.objects.update_or_create(
                municipality=municipality,
                audience=audience,
                defaults={"target": target, "deadline": deadline},
            )
    record(
        ctx,
        "certification_target.update",
        changes={k: [v[0], str(v[1] or "")] for k, v in values.items()},
    )


def save_event(ctx: ActionContext, edit: Edit):
    return save_for_tenant(ctx, edit, audit_action="network_event", creator_field="created_by")


@transaction.atomic
def save_quota_set(ctx: ActionContext, edit: Edit, rules: list[tuple[str, int, str]]) -> QuotaSet:
    quota_set = save_for_tenant(
        ctx, edit, audit_action="quota_set", audit_extra={"rules": [list(rule) for rule in rules]}
    )
    if quota_set.is_default:
        QuotaSet.objects.exclude(pk=quota_set.pk).update(is_default=False)
    quota_set.rules.all().delete()
    QuotaRule.objects.bulk_create(
        QuotaRule(quota_set=quota_set, kind=kind, minimum=minimum, period=period)
        for kind, minimum, period in rules
    )
    return quota_set


def calendar_feed(municipality, user=None) -> CalendarFeed:
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        feed = CalendarFeed.objects.create(
            municipality=municipality, user=user, token=secrets.token_urlsafe(24)
        )
    return feed


@transaction.atomic
def renew_calendar_feed(ctx: ActionContext, user=None) -> CalendarFeed:
    """A new secret address of ``user``'s calendar (or the municipality's, None); the old one stops
    working (for a link that was shared too widely)."""
    CalendarFeed.objects.filter(user=user).delete()
    feed = calendar_feed(ctx.municipality, user)
    record(ctx, "calendar_feed.renew", feed)
    return feed


# --- helpers -------------------------------------------------------------------------------------


def _zone(municipality):
    return zoneinfo.ZoneInfo(municipality.time_zone)
