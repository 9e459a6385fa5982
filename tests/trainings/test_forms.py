"""The pages that configure things: curricula with modules, quota sets, events, certifications."""

import pytest
from django_scopes import scopes_disabled

from schools.access import municipality_scope
from tests.trainings.objects import training_objects
from trainings.models import Curriculum, ExternalCertification, NetworkEvent, QuotaSet

pytestmark = pytest.mark.django_db


def test_a_trainer_writes_a_curriculum_with_modules_and_questions(world, client_for):
    client = client_for(world.a.users["trainer"])
    url = f"/m/{world.a.municipality.slug}/trainings/curricula/new/"
    data = {
        "title": "Комуникация и организация",
        "language": "bg",
        "target_roles": ["teacher", "director"],
        "min_attendance_percent": 75,
        "feedback_required": "on",
        "modules_text": "2 | Групи и е-поща\n1,5 | Общи календари\n",
        "questions_text": "Полезно ли беше?\nЯсно ли беше?",
    }
    bad = client.post(url, data | {"modules_text": "Групи без часове"})
    assert bad.status_code == 200 and "modules_text" in bad.context["form"].errors
    assert client.post(url, data).status_code == 302
    with municipality_scope(world.a.municipality):
        curriculum = Curriculum.objects.get(title="Комуникация и организация")
        assert [(m.title, float(m.hours)) for m in curriculum.modules.all()] == [
            ("Групи и е-поща", 2.0),
            ("Общи календари", 1.5),
        ]
        assert [q.text for q in curriculum.questions.all()] == ["Полезно ли беше?", "Ясно ли беше?"]
        assert curriculum.target_roles == ["teacher", "director"]
    # A teacher may not.
    assert client_for(world.a.users["teacher"]).post(url, data).status_code == 403


def test_an_officer_configures_a_named_quota_set(world, client_for):
    client = client_for(world.a.users["officer"])
    data = {
        "name": "Алтайская модель",
        "is_default": "on",
        "rules-TOTAL_FORMS": 3,
        "rules-INITIAL_FORMS": 0,
        "rules-0-kind": "webinar",
        "rules-0-minimum": 1,
        "rules-0-period": "quarter",
        "rules-1-kind": "master_class",
        "rules-1-minimum": 1,
        "rules-1-period": "year",
        "rules-2-kind": "",
        "rules-2-minimum": "",
        "rules-2-period": "year",
    }
    response = client.post(f"/m/{world.a.municipality.slug}/trainings/quotas/new/", data)
    assert response.status_code == 302
    with municipality_scope(world.a.municipality):
        quota_set = QuotaSet.objects.get(name="Алтайская модель")
        rules = sorted((r.kind, r.minimum, r.period) for r in quota_set.rules.all())
    assert rules == [("master_class", 1, "year"), ("webinar", 1, "quarter")]
    assert f"set={quota_set.pk}" in response["Location"]
    assert (
        client_for(world.a.users["director"])
        .get(f"/m/{world.a.municipality.slug}/trainings/quotas/new/")
        .status_code
        == 403
    )


def test_a_director_records_events_of_their_own_schools_only(world, client_for):
    client = client_for(world.a.users["director"])
    url = f"/m/{world.a.municipality.slug}/trainings/events/new/"
    data = {
        "kind": "webinar",
        "title": "Вебинар за Classroom",
        "audience": "teachers",
        "reach": "municipality",
        "starts_at": "2026-03-10T15:00",
        "participants": 34,
    }
    assert "school" in client.post(url, data | {"school": world.a.other_school.pk}).context["form"].errors
    assert "school" in client.post(url, data | {"school": world.b.school.pk}).context["form"].errors
    assert client.post(url, data | {"school": world.a.school.pk}).status_code == 302
    with scopes_disabled():
        event = NetworkEvent.objects.get(title="Вебинар за Classroom")
        other = NetworkEvent.objects.create(
            municipality=world.a.municipality,
            school=world.a.other_school,
            kind="webinar",
            title="x",
            starts_at=event.starts_at,
        )
    assert event.school == world.a.school and event.participants == 34
    # Another school of the same municipality: visible in the list, not editable (403, as for people).
    assert client.get(f"/m/{world.a.municipality.slug}/trainings/events/{other.pk}/edit/").status_code == 403


def test_a_teacher_records_their_own_certification(world, client_for):
    objects = training_objects(world.a)  # links a person to the "all roles" user
    with scopes_disabled():
        person = objects["person"]
        person.user = world.a.users["teacher"]
        person.save()
    client = client_for(world.a.users["teacher"])
    url = f"/m/{world.a.municipality.slug}/trainings/certifications/new/"
    data = {"person": person.pk, "kind": "custom", "obtained_on": "2026-05-01", "expires_on": "2025-01-01"}
    errors = client.post(url, data).context["form"].errors
    assert {"custom_name", "expires_on"} <= set(errors)
    assert "person" in client.post(url, data | {"person": world.a.person.pk}).context["form"].errors
    data |= {"custom_name": "Apple Teacher", "expires_on": ""}
    assert client.post(url, data).status_code == 302
    with scopes_disabled():
        assert ExternalCertification.objects.get(custom_name="Apple Teacher").person == person


@pytest.mark.parametrize("language", ["en", "bg", "pl", "ru"])
def test_the_shipped_example_curricula_can_be_added_once(world, client_for, language):
    client = client_for(world.a.users["officer"])
    url = f"/m/{world.a.municipality.slug}/trainings/curricula/examples/"
    assert client.post(url, {"language": language}).status_code == 302
    with municipality_scope(world.a.municipality):
        titles = list(Curriculum.objects.filter(language=language).values_list("title", flat=True))
        assert titles and all(c.modules.exists() and c.questions.exists() for c in Curriculum.objects.all())
    client.post(url, {"language": language})  # twice: nothing doubled
    with municipality_scope(world.a.municipality):
        assert Curriculum.objects.count() == len(titles)
    assert client.post(url, {"language": "xx"}).status_code == 404
