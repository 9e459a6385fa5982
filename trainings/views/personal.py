"""A teacher's own page: sessions, certificates, certifications, events; the calendar addresses."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schools.audit import context_from
from trainings import actions, queries
from trainings.models import Enrolment, ExternalCertification, NetworkEvent, TrainingSession
from trainings.views.base import training_view


def feed_url(request, feed) -> str:
    return request.build_absolute_uri(reverse("calendar_feed", args=[feed.token]))


@training_view("view_trainings")
def my_trainings(request):
    me = queries.person_for(request.user)
    enrolments, certifications, events = [], [], []
    if me is not None:
        enrolments = list(
            Enrolment.objects.filter(person=me)
            .exclude(status=Enrolment.Status.CANCELLED)
            .select_related("session__curriculum", "certificate", "feedback")
            .order_by("-session__starts_at")
        )
        certifications = list(ExternalCertification.objects.filter(person=me))
        events = list(
            NetworkEvent.objects.filter(school__in=me.schools.all(), starts_at__gte=timezone.now())
            .select_related("school")
            .order_by("starts_at")[:20]
        )
    for enrolment in enrolments:
        enrolment.rules = actions.completion_status(enrolment)
    teaching = list(
        TrainingSession.objects.filter(trainer=request.user, ends_at__gte=timezone.now())
        .select_related("curriculum")
        .order_by("starts_at")
    )
    feed = actions.calendar_feed(request.tenant.municipality, request.user)
    municipal_feed = actions.calendar_feed(request.tenant.municipality, None)
    return render(
        request,
        "trainings/my_trainings.html",
        {
            "me": me,
            "enrolments": enrolments,
            "certifications": certifications,
            "events": events,
            "teaching": teaching,
            "feed_url": feed_url(request, feed),
            "municipal_feed_url": feed_url(request, municipal_feed),
            "today": timezone.localdate(),
        },
    )


@require_POST
@training_view("view_trainings")
def renew_feed(request):
    actions.renew_calendar_feed(context_from(request), request.user)
    messages.success(request, _("Your calendar has a new address; the old one no longer works."))
    return redirect("schools:my_trainings", municipality_slug=request.tenant.municipality.slug)
