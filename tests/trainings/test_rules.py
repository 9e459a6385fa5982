"""Completion rules, feedback shares on hand-computed data, the check-in code, the waiting list."""

from datetime import timedelta

import pytest
from django_scopes import scopes_disabled

from schools.access import municipality_scope
from schools.audit import ActionContext
from tests.trainings.conftest import make_teachers
from trainings import actions, queries
from trainings.models import Certificate, Enrolment, FeedbackQuestion, TrainingSession

pytestmark = pytest.mark.django_db


def acting(world, role: str) -> ActionContext:
    """The context of an action done by ``role`` of municipality A."""
    return ActionContext(world.a.municipality, world.a.users[role])


def _enrol(world, session, n):
    people = make_teachers(world, n)
    ctx = acting(world, "director")
    with municipality_scope(world.a.municipality):
        return [actions.enrol(ctx, session, p) for p in people]


def test_attendance_share_and_feedback_decide_completion(world, course):
    curriculum, session = course
    with municipality_scope(world.a.municipality):
        curriculum.min_attendance_percent = 60
        curriculum.save()
        TrainingSession.objects.filter(pk=session.pk).update(meetings=3)
        session.refresh_from_db()
        [enrolment] = _enrol(world, session, 1)
        trainer = acting(world, "trainer")
        actions.mark_attendance(trainer, session, 1, [enrolment.pk])
        enrolment.refresh_from_db()
        assert actions.completion_status(enrolment)["share"] == 33
        assert enrolment.completed_at is None
        actions.mark_attendance(trainer, session, 2, [enrolment.pk])  # 2 of 3 = 67% ≥ 60%
        assert not actions.completion_status(enrolment)["complete"]  # feedback still missing
        questions = FeedbackQuestion.objects.filter(curriculum=curriculum)
        actions.give_feedback(trainer, enrolment, {q.pk: 3 for q in questions}, "")
        enrolment.refresh_from_db()
        assert enrolment.completed_at is not None
        certificate = Certificate.objects.get(enrolment=enrolment)
        assert certificate.is_valid and certificate.holder_name == enrolment.person.full_name
        # The trainer corrects the list: absent at meeting 2 → no longer complete, certificate revoked.
        actions.mark_attendance(trainer, session, 2, [])
        enrolment.refresh_from_db()
        certificate.refresh_from_db()
        assert enrolment.completed_at is None and not certificate.is_valid
        # …and marked again: the same certificate (same code) is valid again.
        actions.mark_attendance(trainer, session, 3, [enrolment.pk])
        certificate.refresh_from_db()
        assert certificate.is_valid and Certificate.objects.filter(enrolment=enrolment).count() == 1


def test_no_feedback_needed_when_the_curriculum_says_so(world, course):
    curriculum, session = course
    with municipality_scope(world.a.municipality):
        curriculum.feedback_required = False
        curriculum.save()
        [enrolment] = _enrol(world, session, 1)
        actions.mark_attendance(acting(world, "trainer"), session, 1, [enrolment.pk])
        enrolment.refresh_from_db()
        assert enrolment.completed_at is not None


def test_feedback_shares_per_session_trainer_and_curriculum(world, course):
    """Hand-computed: session 1 answers 5,4,3,2 → 2/4 = 50%; session 2 (other trainer) 5,5,1,4 → 75%;
    the curriculum 5/8 = 62.5%; trainer A 50%, trainer B 75%."""
    curriculum, first = course
    with municipality_scope(world.a.municipality):
        second = TrainingSession.objects.create(
            municipality=world.a.municipality,
            curriculum=curriculum,
            place="Зала 2",
            trainer=world.a.users["officer"],
            starts_at=first.starts_at,
            ends_at=first.ends_at,
        )
        q1, q2 = FeedbackQuestion.objects.filter(curriculum=curriculum)
        ctx = acting(world, "trainer")
        for session, pairs in ((first, [(5, 4), (3, 2)]), (second, [(5, 5), (1, 4)])):
            for enrolment, (a, b) in zip(_enrol(world, session, 2), pairs, strict=True):
                actions.mark_attendance(
                    ctx, session, 1, [e.pk for e in Enrolment.objects.filter(session=session)]
                )
                actions.give_feedback(ctx, enrolment, {q1.pk: a, q2.pk: b}, "")
        by_session = queries.positive_feedback("session")
        by_trainer = queries.positive_feedback("trainer")
        by_curriculum = queries.positive_feedback("curriculum")
    assert by_session[first.pk] == {"positive": 2, "answers": 4, "percent": 50.0}
    assert by_session[second.pk] == {"positive": 3, "answers": 4, "percent": 75.0}
    assert by_trainer[world.a.users["trainer"].pk]["percent"] == 50.0
    assert by_trainer[world.a.users["officer"].pk]["percent"] == 75.0
    assert by_curriculum[curriculum.pk] == {"positive": 5, "answers": 8, "percent": 62.5}


def test_waiting_list_is_served_in_order(world, course):
    _curriculum, session = course
    with municipality_scope(world.a.municipality):
        TrainingSession.objects.filter(pk=session.pk).update(capacity=2)
        session.refresh_from_db()
        a, b, c, d = _enrol(world, session, 4)
        assert [e.status for e in (a, b, c, d)] == ["enrolled", "enrolled", "waiting", "waiting"]
        promoted = actions.cancel_enrolment(acting(world, "director"), b)
        assert promoted.pk == c.pk
        assert actions.cancel_enrolment(acting(world, "director"), d) is None  # waiting: no place freed
        counts = queries.enrolment_counts([session.pk])[session.pk]
        assert counts == {"enrolled": 2, "waiting": 0, "completed": 0}


def test_check_in_code(world, client_for, course, monkeypatch):
    _curriculum, session = course
    slug = world.a.municipality.slug
    teacher = world.a.users["teacher"]
    [enrolment] = _enrol(world, session, 1)
    with scopes_disabled():
        enrolment.person.user = teacher
        enrolment.person.save()
    client = client_for(teacher)
    url = f"/m/{slug}/trainings/sessions/{session.pk}/check-in/"
    code = actions.checkin_code(session, 1)
    assert 'data-state="confirm"' in client.get(url, {"code": code}).content.decode()
    client.post(url, {"code": code})
    with municipality_scope(world.a.municipality):
        assert enrolment.attendances.filter(meeting=1, method="qr").exists()

    # A forged code, a code of another session, an expired code: nothing is marked.
    with municipality_scope(world.a.municipality):
        other = TrainingSession.objects.create(
            municipality=world.a.municipality,
            curriculum=session.curriculum,
            place="x",
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            meetings=2,
        )
        TrainingSession.objects.filter(pk=session.pk).update(meetings=2)
        session.refresh_from_db()
    assert actions.meeting_from_code(session, code + "x") is None
    assert actions.meeting_from_code(session, actions.checkin_code(other, 2)) is None
    assert actions.meeting_from_code(session, actions.checkin_code(session, 2)) == 2
    monkeypatch.setattr(actions, "CHECKIN_MAX_AGE", timedelta(seconds=-1))  # every code is now too old
    stale = actions.checkin_code(session, 2)
    assert actions.meeting_from_code(session, stale) is None
    response = client.post(url, {"code": stale})
    assert 'data-state="expired"' in response.content.decode()
    with municipality_scope(world.a.municipality):
        assert not enrolment.attendances.filter(meeting=2).exists()


def test_someone_not_enrolled_cannot_check_in(world, client_for, course):
    _curriculum, session = course
    client = client_for(world.a.users["teacher"])
    url = f"/m/{world.a.municipality.slug}/trainings/sessions/{session.pk}/check-in/"
    response = client.post(url, {"code": actions.checkin_code(session, 1)})
    assert 'data-state="not-enrolled"' in response.content.decode()


def test_more_places_take_people_from_the_waiting_list(world, client_for, course):
    _curriculum, session = course
    with municipality_scope(world.a.municipality):
        TrainingSession.objects.filter(pk=session.pk).update(capacity=1)
        session.refresh_from_db()
        first, second, third = _enrol(world, session, 3)
    data = {
        "curriculum": session.curriculum_id,
        "mode": "in_person",
        "place": session.place,
        "capacity": 2,
        "trainer": world.a.users["trainer"].pk,
        "starts_at": "2031-01-10T09:00",
        "ends_at": "2031-01-10T12:00",
        "meetings": 1,
        "self_enrolment": "on",
    }
    url = f"/m/{world.a.municipality.slug}/trainings/sessions/{session.pk}/edit/"
    assert client_for(world.a.users["trainer"]).post(url, data).status_code == 302
    with municipality_scope(world.a.municipality):
        statuses = [Enrolment.objects.get(pk=e.pk).status for e in (first, second, third)]
    assert statuses == ["enrolled", "enrolled", "waiting"]
    # Another trainer's session cannot be edited by this trainer.
    with scopes_disabled():
        TrainingSession.objects.filter(pk=session.pk).update(trainer=world.a.users["officer"])
    assert client_for(world.a.users["trainer"]).get(url).status_code == 404
