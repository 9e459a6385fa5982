"""iCal feeds (checked line by line against RFC 5545), reminders sent once, the dashboard
figures and the query counts of the pages."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from schools.access import municipality_scope
from schools.audit import ActionContext
from tests.factories import PersonFactory, SchoolFactory
from tests.trainings.objects import training_objects
from trainings import actions, queries, tasks
from trainings.calendar import calendar
from trainings.models import CertificationTarget, ExternalCertification, NetworkEvent

pytestmark = pytest.mark.django_db


def parse_ics(text: str) -> list[dict]:
    """A strict reader: CRLF only, lines ≤ 75 octets, folded lines unfolded, BEGIN/END nested,
    the properties RFC 5545 requires present. Returns the VEVENTs as dicts."""
    assert text.endswith("\r\n")
    raw = text[:-2].split("\r\n")
    assert all("\n" not in line and "\r" not in line for line in raw)
    assert all(len(line.encode("utf-8")) <= 75 for line in raw)
    lines = []
    for line in raw:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    stack, events, current = [], [], None
    for line in lines:
        name, sep, value = line.partition(":")
        assert sep, line
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                current = {}
        elif name == "END":
            assert stack.pop() == value
            if value == "VEVENT":
                events.append(current)
                current = None
        elif current is not None:
            current[name.split(";")[0]] = value
    assert stack == []
    assert (
        lines[0] == "BEGIN:VCALENDAR"
        and "VERSION:2.0" in lines
        and any(x.startswith("PRODID:") for x in lines)
    )
    for event in events:
        assert {"UID", "DTSTAMP", "DTSTART"} <= event.keys()
    return events


def unescape(value: str) -> str:
    return value.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")


def test_calendar_text_is_valid_and_escaped():
    now = timezone.now()
    summary = "Уебинар: „Облак“, част 1; Google Classroom — " + "дълго заглавие " * 8
    text = calendar("Хасково", [{"uid": "x-1", "start": now, "end": None, "summary": summary}], now)
    [event] = parse_ics(text)
    assert unescape(event["SUMMARY"]) == summary
    assert event["DTSTART"].endswith("Z")


def test_personal_and_municipal_feeds(world, client_for):
    objects = training_objects(world.a)
    slug = world.a.municipality.slug
    holder = client_for(world.a.users["all"])
    page = holder.get(f"/m/{slug}/trainings/me/").content.decode()
    with scopes_disabled():
        from trainings.models import CalendarFeed

        mine = CalendarFeed.objects.get(user=world.a.users["all"])
        municipal = CalendarFeed.objects.get(municipality=world.a.municipality, user=None)
    assert mine.token in page and municipal.token in page
    anonymous = Client()
    response = anonymous.get(f"/calendar/{mine.token}.ics")
    assert response["Content-Type"].startswith("text/calendar")
    events = parse_ics(response.content.decode())
    uids = {e["UID"].split("@")[0] for e in events}
    assert f"session-{objects['session'].pk}" in uids  # enrolled
    assert f"event-{objects['event'].pk}" in uids  # an event of the person's school
    municipal_events = parse_ics(anonymous.get(f"/calendar/{municipal.token}.ics").content.decode())
    assert len(municipal_events) >= 2
    assert anonymous.get("/calendar/not-a-token.ics").status_code == 404
    # A new address: the old one stops working.
    holder.post(f"/m/{slug}/trainings/me/calendar/renew/")
    assert anonymous.get(f"/calendar/{mine.token}.ics").status_code == 404


def test_reminders_are_sent_once(world):
    objects = training_objects(world.a)
    with scopes_disabled():
        session = objects["session"]
        session.starts_at = timezone.now() + timedelta(hours=3)
        session.save()
        certification = objects["certification"]
        certification.expires_on = timezone.localdate() + timedelta(days=10)
        certification.save()
        event = objects["event"]
        event.starts_at = timezone.now() + timedelta(hours=5)
        event.created_by = world.a.users["director"]
        event.save()
    first = tasks.send_reminders.apply().get()
    assert first == {"sessions": 1, "events": 1, "certifications": 1}
    assert tasks.send_reminders.apply().get() == {"sessions": 0, "events": 0, "certifications": 0}
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([world.a.users["all"].email] * 2 + [world.a.users["director"].email])


def test_indicators_and_targets(world):
    objects = training_objects(world.a)
    municipality = world.a.municipality
    with scopes_disabled():
        CertificationTarget.objects.create(municipality=municipality, audience="teachers", target=50)
        CertificationTarget.objects.create(municipality=municipality, audience="trainers", target=3)
        ExternalCertification.objects.create(
            municipality=municipality,
            person=objects["person"],
            kind="google_trainer",
            obtained_on=timezone.localdate(),
        )
        expired = PersonFactory(municipality=municipality)
        ExternalCertification.objects.create(
            municipality=municipality,
            person=expired,
            kind="google_educator_1",
            obtained_on=timezone.localdate() - timedelta(days=1200),
            expires_on=timezone.localdate() - timedelta(days=1),
        )
        enrolment = objects["enrolment"]
        enrolment.completed_at = timezone.now()
        enrolment.save()
        objects["person"].role = "teacher"
        objects["person"].save()
    figures = queries.municipality_indicators(municipality)
    assert figures["certified_teachers"] == {"current": 1, "target": 50}  # the expired one does not count
    assert figures["certified_trainers"] == {"current": 1, "target": 3}
    assert figures["trained_teachers"] == 1
    assert queries.teachers_trained(world.a.school) == 1
    assert queries.teachers_trained(world.a.other_school) == 0
    assert queries.teachers_trained(world.a.school, objects["curriculum"]) == 1
    assert figures["event_quotas"]["quota_set"] == objects["quota_set"].name


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def test_indicators_query_count_is_flat(world):
    objects = training_objects(world.a)
    municipality = world.a.municipality
    before = _count(lambda: queries.municipality_indicators(municipality))
    with scopes_disabled():
        for _ in range(8):
            school = SchoolFactory(municipality=municipality)
            person = PersonFactory(municipality=municipality)
            person.schools.add(school)
            with municipality_scope(municipality):
                enrolment = actions.enrol(ActionContext(municipality), objects["session"], person)
            NetworkEvent.objects.create(
                municipality=municipality, school=school, kind="webinar", title="w", starts_at=timezone.now()
            )
            ExternalCertification.objects.create(
                municipality=municipality,
                person=person,
                kind="microsoft_mie",
                obtained_on=timezone.localdate(),
            )
            enrolment.completed_at = timezone.now()
            enrolment.save()
    assert _count(lambda: queries.municipality_indicators(municipality)) == before


@pytest.mark.parametrize(
    "page", ["trainings/", "trainings/me/", "trainings/certifications/", "trainings/events/", "session"]
)
def test_page_query_count_is_flat(world, client_for, page):
    objects = training_objects(world.a)
    municipality = world.a.municipality
    if page == "session":
        page = f"trainings/sessions/{objects['session'].pk}/"
    client = client_for(world.a.users["all"])
    path = f"/m/{municipality.slug}/{page}"
    client.get(path)
    before = _count(lambda: client.get(path))
    with scopes_disabled():
        for _ in range(6):
            school = SchoolFactory(municipality=municipality)
            person = PersonFactory(municipality=municipality)
            person.schools.add(school)
            with municipality_scope(municipality):
                actions.enrol(ActionContext(municipality), objects["session"], person)
            NetworkEvent.objects.create(
                municipality=municipality, school=school, kind="webinar", title="w", starts_at=timezone.now()
            )
            ExternalCertification.objects.create(
                municipality=municipality,
                person=person,
                kind="microsoft_mie",
                obtained_on=timezone.localdate(),
            )
    assert _count(lambda: client.get(path)) == before
