"""Choices and posted ids are limited to the tenant (and to a director's own schools)."""

import pytest
from django_scopes import scopes_disabled

from tests.trainings.objects import training_objects
from trainings.models import Enrolment, TrainingSession

pytestmark = pytest.mark.django_db


def test_a_session_cannot_point_at_another_municipalitys_curriculum_or_trainer(world, client_for):
    ours, theirs = training_objects(world.a), training_objects(world.b)
    client = client_for(world.a.users["officer"])
    data = {
        "curriculum": theirs["curriculum"].pk,
        "mode": "in_person",
        "place": "Зала",
        "capacity": 10,
        "trainer": world.b.users["trainer"].pk,
        "starts_at": "2030-01-10T09:00",
        "ends_at": "2030-01-10T12:00",
        "meetings": 1,
    }
    response = client.post(f"/m/{world.a.municipality.slug}/trainings/sessions/new/", data)
    assert response.status_code == 200
    assert {"curriculum", "trainer"} <= set(response.context["form"].errors)
    data |= {"curriculum": ours["curriculum"].pk, "trainer": world.a.users["trainer"].pk}
    assert client.post(f"/m/{world.a.municipality.slug}/trainings/sessions/new/", data).status_code == 302
    with scopes_disabled():
        created = TrainingSession.objects.filter(municipality=world.a.municipality).latest("pk")
    assert created.starts_at.hour == 7  # 09:00 in Sofia is 07:00 UTC in January


def test_a_director_enrols_only_people_of_their_schools(world, client_for):
    ours, theirs = training_objects(world.a), training_objects(world.b)
    director = client_for(world.a.users["director"])
    url = f"/m/{world.a.municipality.slug}/trainings/sessions/{ours['session'].pk}/enrol/"
    assert director.post(url, {"person": theirs["person"].pk}).status_code == 404
    with scopes_disabled():
        elsewhere = world.a.person.__class__.objects.create(
            municipality=world.a.municipality, first_name="Иван", last_name="Колев"
        )
        elsewhere.schools.add(world.a.other_school)  # not the director's school
    assert director.post(url, {"person": elsewhere.pk}).status_code == 404
    assert director.post(url, {"person": world.a.person.pk}).status_code == 302
    with scopes_disabled():
        assert Enrolment.objects.filter(person=world.a.person).exists()


def test_only_the_sessions_trainer_marks_attendance(world, client_for):
    ours = training_objects(world.a)
    url = f"/m/{world.a.municipality.slug}/trainings/sessions/{ours['session'].pk}/attendance/"
    data = {"meeting": 1, "present": [ours["enrolment"].pk]}
    with scopes_disabled():
        other_trainer = world.a.users["teacher"].__class__.objects.create_user("t2@alpha.example", "x" * 12)
        other_trainer.memberships.create(municipality=world.a.municipality, role="trainer")
    assert client_for(world.a.users["teacher"]).post(url, data).status_code == 404
    assert client_for(other_trainer).post(url, data).status_code == 404
    assert client_for(world.a.users["trainer"]).post(url, data).status_code == 302
