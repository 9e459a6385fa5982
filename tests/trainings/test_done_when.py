"""Done when: a trainer runs a session with 20 enrolled, marks 18 present; 15 give feedback;
completers receive certificates whose codes verify on the public page."""

import pytest
from django.core import mail
from django.test import Client
from django_scopes import scopes_disabled

from schools.access import municipality_scope
from tests.trainings.conftest import make_teachers
from trainings import queries
from trainings.models import Certificate, Enrolment, FeedbackQuestion

pytestmark = pytest.mark.django_db


def test_twenty_enrolled_eighteen_present_fifteen_feedback(
    world, client_for, course, eager_tasks, django_capture_on_commit_callbacks
):
    curriculum, session = course
    slug = world.a.municipality.slug
    base = f"/m/{slug}/trainings/sessions/{session.pk}/"
    teachers = make_teachers(world, 21)

    director = client_for(world.a.users["director"])
    for person in teachers:
        assert director.post(f"{base}enrol/", {"person": person.pk}).status_code == 302
    with municipality_scope(world.a.municipality):
        statuses = list(Enrolment.objects.filter(session=session).values_list("status", flat=True))
    assert statuses.count("enrolled") == 20 and statuses.count("waiting") == 1

    # One cancels: the first on the waiting list gets the place and an e-mail... once the address is known.
    with municipality_scope(world.a.municipality):
        first = Enrolment.objects.get(session=session, person=teachers[0])
        waiting = Enrolment.objects.get(session=session, status="waiting")
        waiting.person.personal_email = "waiting@example.org"
        waiting.person.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert director.post(f"/m/{slug}/trainings/enrolments/{first.pk}/cancel/").status_code == 302
    with municipality_scope(world.a.municipality):
        waiting.refresh_from_db()
        enrolled = list(Enrolment.objects.filter(session=session, status="enrolled").select_related("person"))
    assert waiting.status == "enrolled" and len(enrolled) == 20
    assert [m.to for m in mail.outbox] == [["waiting@example.org"]]

    trainer = client_for(world.a.users["trainer"])
    present = enrolled[:18]
    response = trainer.post(f"{base}attendance/", {"meeting": 1, "present": [e.pk for e in present]})
    assert response.status_code == 302

    # 15 of the 18 give feedback, each as themselves.
    with scopes_disabled():
        questions = list(FeedbackQuestion.objects.filter(curriculum=curriculum))
    scores = [5, 5, 4, 4, 5, 3, 5, 4, 5, 5, 2, 4, 5, 4, 5]
    for enrolment, score in zip(present[:15], scores, strict=True):
        user = world.a.users["all"].__class__.objects.create_user(f"t{enrolment.pk}@alpha.example", "x" * 12)
        with scopes_disabled():
            enrolment.person.user = user
            enrolment.person.save()
            user.memberships.create(municipality=world.a.municipality, role="teacher")
        client = client_for(user)
        data = {f"q{q.pk}": score for q in questions} | {"comment": "Добре"}
        response = client.post(f"/m/{slug}/trainings/enrolments/{enrolment.pk}/feedback/", data)
        assert response.status_code == 302

    with municipality_scope(world.a.municipality):
        certificates = list(Certificate.objects.filter(enrolment__session=session))
        share = queries.positive_feedback("session", [session.pk])[session.pk]
    assert len(certificates) == 15
    positive = sum(1 for s in scores if s >= 4)
    assert share == {"positive": 2 * positive, "answers": 30, "percent": round(100 * positive / 15, 1)}

    anonymous = Client()
    for certificate in certificates:
        page = anonymous.get(f"/verify/{certificate.code}/")
        assert page.status_code == 200
        assert 'data-result="valid"' in page.content.decode()
        assert certificate.holder_name in page.content.decode()
