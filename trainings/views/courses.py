"""Curricula, sessions, enrolment, attendance (by the trainer or a scanned code), feedback, certificates."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infra.links import signed_download
from infra.numbers import int_param
from infra.qr import qr_svg
from schools.access import get_for
from schools.audit import context_from, record
from schools.forms import edit_from
from schools.permissions import has_perm, require
from schools.roles import Role
from trainings import actions, certificates, queries
from trainings.demo_content import CURRICULA
from trainings.forms import CurriculumForm, EnrolForm, FeedbackForm, RevokeForm, SessionForm
from trainings.models import Certificate, Curriculum, Enrolment, TrainingSession
from trainings.views.base import training_view


def _slug(request) -> str:
    return request.tenant.municipality.slug


def can_run(request, session) -> bool:
    return has_perm(request.tenant, "run_session", (session, request.user))


@training_view("view_trainings")
def overview(request):
    now = timezone.now()
    curricula = list(
        Curriculum.objects.annotate(
            hours=Sum("modules__hours"), session_count=Count("sessions", distinct=True)
        )
    )
    feedback = queries.positive_feedback("curriculum")
    for curriculum in curricula:
        curriculum.feedback = feedback.get(curriculum.pk)
    upcoming = list(
        TrainingSession.objects.filter(ends_at__gte=now).select_related("curriculum", "trainer")[:50]
    )
    upcoming.reverse()
    past = list(TrainingSession.objects.filter(ends_at__lt=now).select_related("curriculum", "trainer")[:20])
    sessions = upcoming + past
    counts = queries.enrolment_counts(s.pk for s in sessions)
    session_feedback = queries.positive_feedback("session", [s.pk for s in past])
    for session in sessions:
        session.counts = counts.get(session.pk, {"enrolled": 0, "waiting": 0, "completed": 0})
        session.feedback = session_feedback.get(session.pk)
    return render(
        request,
        "trainings/overview.html",
        {
            "curricula": curricula,
            "upcoming": upcoming,
            "past": past,
            "overall": queries.positive_feedback_overall(),
            "trainer_feedback": _trainer_feedback(),
            "example_languages": [(code, name) for code, name in settings.LANGUAGES if code in CURRICULA],
        },
    )


def _trainer_feedback():
    shares = queries.positive_feedback("trainer")
    users = get_user_model().objects.in_bulk([pk for pk in shares if pk])
    return [{"trainer": users[pk], **share} for pk, share in shares.items() if pk in users]


@training_view("manage_trainings")
def curriculum_edit(request, curriculum_id=None):
    curriculum = get_for(request, Curriculum.objects.all(), pk=curriculum_id) if curriculum_id else None
    form = CurriculumForm(request.POST or None, instance=curriculum)
    if not curriculum and not form.is_bound:
        form.initial["language"] = request.tenant.municipality.language
    if request.method == "POST" and form.is_valid():
        saved = actions.save_curriculum(
            context_from(request),
            edit_from(form),
            form.cleaned_data["modules_text"],
            form.cleaned_data["questions_text"],
        )
        messages.success(request, _("The curriculum was saved."))
        return redirect("schools:curriculum", municipality_slug=_slug(request), curriculum_id=saved.pk)
    return render(request, "trainings/curriculum_form.html", {"form": form, "curriculum": curriculum})


@require_POST
@training_view("manage_trainings")
def curriculum_examples(request):
    language = request.POST.get("language", "")
    if language not in CURRICULA:
        raise Http404
    added = actions.add_example_curricula(context_from(request), language)
    if added:
        messages.success(request, _("Example curricula added: %(count)s.") % {"count": len(added)})
    else:
        messages.info(request, _("These examples are here already."))
    return redirect("schools:trainings", municipality_slug=_slug(request))


@training_view("view_trainings")
def curriculum_detail(request, curriculum_id):
    curriculum = get_for(
        request, Curriculum.objects.prefetch_related("modules", "questions"), pk=curriculum_id
    )
    sessions = list(curriculum.sessions.select_related("trainer"))
    counts = queries.enrolment_counts(s.pk for s in sessions)
    feedback = queries.positive_feedback("session", [s.pk for s in sessions])
    for session in sessions:
        session.counts = counts.get(session.pk, {"enrolled": 0, "waiting": 0, "completed": 0})
        session.feedback = feedback.get(session.pk)
    return render(
        request,
        "trainings/curriculum_detail.html",
        {
            "curriculum": curriculum,
            "hours": sum(m.hours for m in curriculum.modules.all()),
            "sessions": sessions,
            "feedback": queries.positive_feedback("curriculum", [curriculum.pk]).get(curriculum.pk),
        },
    )


@training_view("manage_trainings")
def session_edit(request, session_id=None):
    session = get_for(request, TrainingSession.objects.all(), pk=session_id) if session_id else None
    if session is not None and not can_run(request, session):
        raise Http404  # a trainer edits only their own sessions
    form = SessionForm(request.POST or None, instance=session, municipality=request.tenant.municipality)
    if session is None and not form.is_bound:
        if (curriculum := int_param(request.GET.get("curriculum"))) is not None:
            form.initial["curriculum"] = curriculum
        if Role.TRAINER in request.tenant.roles:
            form.initial["trainer"] = request.user.pk
    if request.method == "POST" and form.is_valid():
        saved = actions.save_session(context_from(request), edit_from(form))
        messages.success(request, _("The session was saved."))
        return redirect("schools:training_session", municipality_slug=_slug(request), session_id=saved.pk)
    return render(request, "trainings/session_form.html", {"form": form, "session": session})


@training_view("view_trainings")
def session_detail(request, session_id):
    session = get_for(request, TrainingSession.objects.select_related("curriculum", "trainer"), pk=session_id)
    runner = can_run(request, session)
    enrolments = list(
        Enrolment.objects.filter(session=session)
        .exclude(status=Enrolment.Status.CANCELLED)
        .select_related("person", "certificate", "feedback")
        .prefetch_related("person__schools", Prefetch("attendances"))
        .order_by("status", "queued_at", "pk")
    )
    directors_schools = request.tenant.school_ids if Role.DIRECTOR in request.tenant.roles else frozenset()
    for enrolment in enrolments:
        enrolment.meetings_attended = {a.meeting for a in enrolment.attendances.all()}
        enrolment.visible = (
            runner
            or has_perm(request.tenant, "enrol_others")
            and (
                Role.OFFICER in request.tenant.roles
                or any(s.pk in directors_schools for s in enrolment.person.schools.all())
            )
        )
    me = queries.person_for(request.user)
    mine = next((e for e in enrolments if me and e.person_id == me.pk), None)
    enrolled = [e for e in enrolments if e.status == Enrolment.Status.ENROLLED]
    waiting = [e for e in enrolments if e.status == Enrolment.Status.WAITING]
    meeting = _current_meeting(request, session)
    context = {
        "session": session,
        "runner": runner,
        "enrolled": enrolled,
        "waiting": waiting,
        "visible_enrolled": [e for e in enrolled if e.visible],
        "me": me,
        "mine": mine,
        "mine_status": actions.completion_status(mine) if mine else None,
        "can_self_enrol": (
            me is not None and mine is None and session.self_enrolment and session.ends_at > timezone.now()
        ),
        "enrol_form": _enrol_form(request) if has_perm(request.tenant, "enrol_others") else None,
        "feedback": queries.positive_feedback("session", [session.pk]).get(session.pk),
        "meetings": range(1, session.meetings + 1),
        "meeting": meeting,
        "is_future": session.ends_at > timezone.now(),
    }
    if runner:
        path = reverse("schools:session_checkin", args=[_slug(request), session.pk])
        url = request.build_absolute_uri(f"{path}?code={actions.checkin_code(session, meeting)}")
        context["checkin_url"] = url
        context["checkin_qr"] = qr_svg(url)
    return render(request, "trainings/session_detail.html", context)


def _current_meeting(request, session) -> int:
    value = request.GET.get("meeting", "")
    if value.isdigit() and 1 <= int(value) <= session.meetings:
        return int(value)
    return 1


def _enrol_form(request, data=None):
    school_ids = None if Role.OFFICER in request.tenant.roles else request.tenant.school_ids
    return EnrolForm(data, school_ids=school_ids)


@require_POST
@training_view("view_trainings")
def session_enrol(request, session_id):
    session = get_for(request, TrainingSession.objects.all(), pk=session_id)
    if "person" in request.POST:
        require(request.tenant, "enrol_others")
        form = _enrol_form(request, request.POST)
        if not form.is_valid():
            raise Http404
        person = form.cleaned_data["person"]
    else:
        person = queries.person_for(request.user)
        if person is None or not session.self_enrolment:
            messages.error(request, _("Your account is not on the municipality's roster; ask your director."))
            return redirect(
                "schools:training_session", municipality_slug=_slug(request), session_id=session.pk
            )
    try:
        enrolment = actions.enrol(context_from(request), session, person)
    except actions.EnrolmentError as error:
        if str(error) == "already":
            messages.info(request, _("Already enrolled or on the waiting list."))
        else:
            messages.error(request, _("This session has ended."))
    else:
        if enrolment.status == Enrolment.Status.WAITING:
            messages.warning(request, _("The session is full: on the waiting list."))
        else:
            messages.success(request, _("Enrolled."))
    return redirect("schools:training_session", municipality_slug=_slug(request), session_id=session.pk)


@require_POST
@training_view("view_trainings")
def enrolment_cancel(request, enrolment_id):
    enrolment = get_for(request, Enrolment.objects.select_related("person", "session"), pk=enrolment_id)
    own = enrolment.person.user_id == request.user.pk
    director = Role.DIRECTOR in request.tenant.roles and any(
        s.pk in request.tenant.school_ids for s in enrolment.person.schools.all()
    )
    if not (own or director or Role.OFFICER in request.tenant.roles or can_run(request, enrolment.session)):
        raise Http404
    if enrolment.completed_at is not None:
        messages.error(
            request, _("A completed training cannot be cancelled; revoke the certificate instead.")
        )
    else:
        actions.cancel_enrolment(context_from(request), enrolment)
        messages.success(request, _("The enrolment was cancelled."))
    return redirect(
        "schools:training_session", municipality_slug=_slug(request), session_id=enrolment.session_id
    )


@require_POST
@training_view("view_trainings")
def session_attendance(request, session_id):
    session = get_for(request, TrainingSession.objects.select_related("curriculum"), pk=session_id)
    if not can_run(request, session):
        raise Http404
    meeting = request.POST.get("meeting", "")
    if not meeting.isdigit() or not 1 <= int(meeting) <= session.meetings:
        raise Http404
    present = [pk for pk in request.POST.getlist("present") if pk.isdigit()]
    count = actions.mark_attendance(context_from(request), session, int(meeting), present)
    messages.success(
        request,
        _("Attendance saved: %(count)s present at meeting %(meeting)s.")
        % {"count": count, "meeting": meeting},
    )
    url = reverse("schools:training_session", args=[_slug(request), session.pk])
    return redirect(f"{url}?meeting={meeting}")


@training_view("view_trainings")
def session_checkin(request, session_id):
    """The page a scanned code opens: a signed-in, enrolled teacher confirms being present."""
    session = get_for(request, TrainingSession.objects.select_related("curriculum"), pk=session_id)
    code = request.GET.get("code", "") or request.POST.get("code", "")
    meeting = actions.meeting_from_code(session, code)
    me = queries.person_for(request.user)
    enrolment = (
        Enrolment.objects.filter(session=session, person=me, status=Enrolment.Status.ENROLLED).first()
        if me
        else None
    )
    done = False
    if request.method == "POST" and meeting and enrolment:
        actions.check_in(context_from(request), enrolment, meeting)
        done = True
    return render(
        request,
        "trainings/checkin.html",
        {"session": session, "meeting": meeting, "enrolment": enrolment, "code": code, "done": done},
    )


@training_view("view_trainings")
def enrolment_feedback(request, enrolment_id):
    enrolment = get_for(
        request, Enrolment.objects.select_related("session__curriculum", "person"), pk=enrolment_id
    )
    if enrolment.person.user_id != request.user.pk:
        raise Http404  # feedback is given by the participant only
    if hasattr(enrolment, "feedback") or not enrolment.attendances.exists():
        messages.info(request, _("Feedback is given once, after attending."))
        return redirect(
            "schools:training_session", municipality_slug=_slug(request), session_id=enrolment.session_id
        )
    form = FeedbackForm(request.POST or None, questions=enrolment.session.curriculum.questions.all())
    if request.method == "POST" and form.is_valid():
        actions.give_feedback(context_from(request), enrolment, form.scores(), form.cleaned_data["comment"])
        messages.success(request, _("Thank you for your feedback."))
        return redirect(
            "schools:training_session", municipality_slug=_slug(request), session_id=enrolment.session_id
        )
    return render(request, "trainings/feedback_form.html", {"form": form, "enrolment": enrolment})


def _certificate_for(request, certificate_id) -> Certificate:
    certificate = get_for(
        request,
        Certificate.objects.select_related(
            "enrolment__person", "enrolment__session__curriculum", "municipality"
        ),
        pk=certificate_id,
    )
    holder = certificate.enrolment.person.user_id == request.user.pk
    if not (
        holder or has_perm(request.tenant, "manage_trainings") or has_perm(request.tenant, "enrol_others")
    ):
        raise Http404
    return certificate


@training_view("view_trainings")
@signed_download
def certificate_pdf(request, certificate_id):
    certificate = _certificate_for(request, certificate_id)
    pdf = certificates.render_pdf(certificate)
    record(context_from(request), "certificate.download", certificate)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    return response


@training_view("view_trainings")
def certificate_badge(request, certificate_id):
    certificate = _certificate_for(request, certificate_id)
    body = json.dumps(certificates.open_badge(certificate), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/ld+json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="badge-{certificate.code}.json"'
    return response


@training_view("manage_trainings")
def certificate_revoke(request, certificate_id):
    certificate = _certificate_for(request, certificate_id)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and "reinstate" in request.POST:
        actions.reinstate_certificate(context_from(request), certificate)
        messages.success(request, _("The certificate is valid again."))
    elif request.method == "POST" and form.is_valid():
        actions.revoke_certificate(context_from(request), certificate, form.cleaned_data["reason"])
        messages.success(request, _("The certificate was revoked; its page now says so."))
    else:
        return render(
            request, "trainings/certificate_revoke.html", {"form": form, "certificate": certificate}
        )
    return redirect(
        "schools:training_session",
        municipality_slug=_slug(request),
        session_id=certificate.enrolment.session_id,
    )
