"""Demo data for the reference municipalities: curricula, sessions with attendance and feedback
(about 91% positive in Haskovo), certificates, certifications with targets, Altai's events and
quotas. Safe to run twice: a municipality that has curricula already is left alone."""

from __future__ import annotations

import random
import zoneinfo
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from schools.access import municipality_scope
from schools.audit import ActionContext
from schools.models import Municipality, Person, School
from schools.roles import PersonRole
from trainings import actions, demo_content
from trainings.models import (
    Attendance,
    Certificate,
    CertificationTarget,
    Curriculum,
    Enrolment,
    ExternalCertification,
    Feedback,
    FeedbackAnswer,
    NetworkEvent,
    QuotaRule,
    QuotaSet,
    TrainingSession,
)

# Scores drawn with these weights: 4 and 5 make about 91% of the answers.
SCORES = [5] * 60 + [4] * 31 + [3] * 7 + [2] * 2


def seed() -> dict:
    """Called by schools.demo.seed inside its escape hatch."""
    counts = {"curricula": 0, "sessions": 0, "events": 0}
    for municipality in Municipality.objects.filter(slug__in=demo_content.MUNICIPALITY_LANGUAGE):
        with municipality_scope(municipality):
            if Curriculum.objects.exists():
                continue
            _seed_municipality(municipality, counts)
    return counts


def _user(email):
    return get_user_model().objects.filter(email=email).first()


def _link(person: Person, email: str) -> None:
    user = _user(email)
    if user is not None and not Person.objects.filter(user=user).exists():
        person.user = user
        person.save(update_fields=["user"])


def _seed_municipality(municipality: Municipality, counts: dict) -> None:
    language = demo_content.MUNICIPALITY_LANGUAGE[municipality.slug]
    rng = random.Random(f"trainings-{municipality.slug}")
    curricula = []
    for title, description, roles, modules, questions in demo_content.CURRICULA[language]:
        curricula.append(
            actions.create_curriculum(
                municipality,
                title=title,
                description=description,
                language=language,
                target_roles=roles,
                modules=[(t, h) for h, t in modules],
                questions=questions,
            )
        )
        counts["curricula"] += 1
    teachers = list(Person.objects.filter(role=PersonRole.TEACHER).order_by("pk"))
    staff = list(Person.objects.exclude(role=PersonRole.STUDENT).order_by("pk"))
    if not teachers:
        return
    slug = municipality.slug
    _link(teachers[0], f"teacher@{slug}.example")
    _link(staff[0] if staff[0] != teachers[0] else staff[1], f"director@{slug}.example")
    trainer = _user(f"trainer@{slug}.example")
    now = timezone.now()
    place = demo_content.PLACES[language]
    full = municipality.slug == "haskovo"
    plan = [(curricula[0], -75, 20), (curricula[0], -40, 20)] if full else [(curricula[0], -30, 16)]
    if full and len(curricula) > 2:
        plan.append((curricula[2], -20, 12))
    pool = teachers[1:]
    rng.shuffle(pool)
    for index, (curriculum, days, enrolled) in enumerate(plan):
        session = _session(municipality, curriculum, trainer, now + timedelta(days=days), place, enrolled)
        counts["sessions"] += 1
        people = ([teachers[0]] if index == 0 else []) + pool[index * 20 : index * 20 + enrolled]
        _run_past_session(session, people[:enrolled], rng)
    upcoming = _session(
        municipality, curricula[1 if len(curricula) > 1 else 0], trainer, now + timedelta(days=9), place, 20
    )
    counts["sessions"] += 1
    for person in pool[60:72]:
        actions.enrol(ActionContext(municipality), upcoming, person)
    online = _session(municipality, curricula[0], trainer, now + timedelta(days=23), "", 25)
    online.mode = TrainingSession.Mode.ONLINE
    online.meeting_link = "https://meet.example/cloud-intro"
    online.save(update_fields=["mode", "meeting_link"])
    counts["sessions"] += 1
    if full:
        _certifications(municipality, teachers, rng)
        schools = list(School.objects.order_by("name"))
        for days, kind, title in demo_content.HASKOVO_EVENTS:
            NetworkEvent.objects.create(
                municipality=municipality,
                kind=kind,
                title=title,
                school=rng.choice(schools),
                starts_at=(now + timedelta(days=days)).replace(hour=12, minute=0, second=0, microsecond=0),
                participants=rng.randint(15, 60) if days < 0 else None,
            )
            counts["events"] += 1
    if municipality.slug == "barnaul":
        counts["events"] += _altai_events(municipality, rng, now)


def _session(municipality, curriculum, trainer, start, place, capacity) -> TrainingSession:
    return TrainingSession.objects.create(
        municipality=municipality,
        curriculum=curriculum,
        mode=TrainingSession.Mode.IN_PERSON,
        place=place,
        capacity=capacity,
        trainer=trainer,
        starts_at=start.replace(hour=7, minute=0, second=0, microsecond=0),
        ends_at=start.replace(hour=11, minute=0, second=0, microsecond=0),
    )


def _run_past_session(session, people, rng) -> None:
    """Everyone enrolled; 90% present; of those, five in six give feedback; completers certified."""
    questions = list(session.curriculum.questions.all())
    for person in people:
        enrolment = Enrolment.objects.create(
            municipality=session.municipality, session=session, person=person, queued_at=session.starts_at
        )
        if rng.random() > 0.9 and person.user_id is None:
            continue
        Attendance.objects.create(municipality=session.municipality, enrolment=enrolment, meeting=1)
        if rng.random() < 0.84 or person.user_id is not None:
            feedback = Feedback.objects.create(municipality=session.municipality, enrolment=enrolment)
            FeedbackAnswer.objects.bulk_create(
                FeedbackAnswer(
                    municipality=session.municipality, feedback=feedback, question=q, score=rng.choice(SCORES)
                )
                for q in questions
            )
        if actions.update_completion(enrolment):  # completed (and certified) on the last day, not today
            Enrolment.objects.filter(pk=enrolment.pk).update(completed_at=session.ends_at)
            Certificate.objects.filter(enrolment=enrolment).update(
                issued_on=timezone.localtime(
                    session.ends_at, zoneinfo.ZoneInfo(session.municipality.time_zone)
                ).date()
            )


def _certifications(municipality, teachers, rng) -> None:
    CertificationTarget.objects.create(municipality=municipality, audience="teachers", target=50)
    CertificationTarget.objects.create(municipality=municipality, audience="trainers", target=3)
    today = timezone.localdate()
    kinds = ["google_educator_1"] * 9 + ["google_educator_2"] * 3 + ["microsoft_mie"] * 4 + ["google_trainer"]
    for person, kind in zip(teachers[: len(kinds)], kinds, strict=False):
        obtained = today - timedelta(days=rng.randint(30, 900))
        ExternalCertification.objects.create(
            municipality=municipality,
            person=person,
            kind=kind,
            obtained_on=obtained,
            expires_on=obtained + timedelta(days=36 * 30) if kind.startswith("google") else None,
            evidence_url="https://edu.example/certificates/" + str(rng.randint(100000, 999999)),
        )


def _altai_events(municipality, rng, now) -> int:
    quota_set = QuotaSet.objects.create(municipality=municipality, name=demo_content.QUOTA_SET["name"])
    for kind, minimum, period in demo_content.QUOTA_SET["rules"]:
        QuotaRule.objects.create(quota_set=quota_set, kind=kind, minimum=minimum, period=period)
    tz = zoneinfo.ZoneInfo(municipality.time_zone)
    local_now = now.astimezone(tz)
    schools = list(School.objects.order_by("name"))
    created = 0
    months = {"webinar": 3, "distance_event": 6, "master_class": 12}
    chance = {"webinar": 0.7, "distance_event": 0.65, "master_class": 0.6}
    for year in (local_now.year - 1, local_now.year):
        for school in schools:
            for kind, length in months.items():
                for first in range(1, 13, length):
                    start = datetime(year, first, 1, 10, tzinfo=tz)
                    if start > local_now or rng.random() > chance[kind]:
                        continue
                    at = start + timedelta(days=rng.randint(3, length * 28), hours=rng.randint(0, 6))
                    if at > now:
                        at = start + timedelta(days=1)
                    NetworkEvent.objects.create(
                        municipality=municipality,
                        kind=kind,
                        title=rng.choice(demo_content.EVENT_TITLES[kind]),
                        school=school,
                        audience="students" if kind == "distance_event" else "teachers",
                        reach="region" if kind == "webinar" else "municipality",
                        starts_at=at,
                        link="https://webinar.example/" + str(rng.randint(1000, 9999)),
                        participants=rng.randint(12, 80),
                    )
                    created += 1
    return created
