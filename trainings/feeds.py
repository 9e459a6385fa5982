"""What goes into a calendar feed: a person's sessions (as participant or trainer) and their
schools' network events, or everything of the municipality."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation

from trainings.calendar import calendar
from trainings.models import CalendarFeed, Enrolment, NetworkEvent, TrainingSession
from trainings.queries import person_for

HISTORY = timedelta(days=180)


def render_feed(feed: CalendarFeed) -> str:
    now = timezone.now()
    since = now - HISTORY
    municipality = feed.municipality
    sessions = TrainingSession.objects.filter(ends_at__gte=since).select_related("curriculum")
    events = NetworkEvent.objects.filter(starts_at__gte=since).select_related("school")
    language = municipality.language
    if feed.user is not None:
        language = feed.user.language or language
        person = person_for(feed.user)
        mine = Q(trainer=feed.user)
        if person is not None:
            mine |= Q(
                pk__in=Enrolment.objects.filter(person=person, status=Enrolment.Status.ENROLLED).values(
                    "session_id"
                )
            )
            events = events.filter(school__in=person.schools.all())
        else:
            events = events.none()
        sessions = sessions.filter(mine)
    base = f"{settings.SITE_URL}/m/{municipality.slug}/trainings"
    items = []
    with translation.override(language):
        for session in sessions:
            items.append(
                {
                    "uid": f"session-{session.pk}",
                    "start": session.starts_at,
                    "end": session.ends_at,
                    "summary": session.curriculum.title,
                    "description": session.meeting_link or "",
                    "location": session.place or session.meeting_link,
                    "url": f"{base}/sessions/{session.pk}/",
                }
            )
        for event in events:
            items.append(
                {
                    "uid": f"event-{event.pk}",
                    "start": event.starts_at,
                    "end": event.ends_at,
                    "summary": f"{event.get_kind_display()}: {event.title}",
                    "description": f"{event.school.name}\n{event.description}".strip(),
                    "location": event.link,
                    "url": event.link,
                }
            )
    return calendar(municipality.name, items, now)
