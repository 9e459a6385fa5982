"""Officers assign owners and dates; only the tenant's people can be named; facts from the
trainings app tick activities once that app provides its query function."""

import pytest
from django_scopes import scope, scopes_disabled

from rollout import facts
from rollout.actions import notifications, tasks
from rollout.models import Activity, Notification, Task
from schools.models import AuditEvent
from tests.rollout.helpers import bg, start, task_of
from tests.trainings.conftest import course  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _form(activity, **changes):
    data = {
        "title": activity.title,
        "stage": activity.stage_id or "",
        "description": activity.description,
        "responsible_role": activity.responsible_role,
        "responsible_label": activity.responsible_label,
        "starts_on": activity.starts_on.isoformat(),
        "due_on": activity.due_on.isoformat(),
        "fact_kind": activity.fact_kind,
    }
    if activity.per_school:
        data["per_school"] = "on"
    data.update(changes)
    return data


def test_officer_assigns_owner_and_dates_and_the_owner_is_notified(world, client_for):
    programme = start(world.a, schools=[world.a.school])
    task = task_of(programme, "Обучение на администратори")
    it_admin = world.a.users["it_admin"]
    url = f"/m/{world.a.municipality.slug}/activities/{task.activity_id}/edit/"
    officer = client_for(world.a.users["officer"])
    response = officer.post(url, _form(task.activity, due_on="2026-12-15", responsible_users=[it_admin.pk]))
    assert response.status_code == 302
    with scope(municipality=world.a.municipality.pk):
        activity = Activity.objects.get(pk=task.activity_id)
        assert activity.due_on.isoformat() == "2026-12-15"
        assert list(activity.responsible_users.all()) == [it_admin]
        assert Notification.objects.filter(user=it_admin, kind="assigned").count() == 1
    # The named person may now work on it, though the activity's role is the trainer's.
    status = client_for(it_admin).post(
        f"/m/{world.a.municipality.slug}/tasks/{task.pk}/status/", {"status": "in_progress"}
    )
    assert status.status_code == 302
    # Someone of another municipality cannot be named.
    outsider = world.b.users["officer"]
    response = officer.post(url, _form(activity, responsible_users=[outsider.pk]))
    assert response.status_code == 200
    with scope(municipality=world.a.municipality.pk):
        assert list(Activity.objects.get(pk=activity.pk).responsible_users.all()) == [it_admin]
    assert client_for(world.a.users["director"]).get(url).status_code == 403


def test_read_only_roles_cannot_change_tasks(world, client_for):
    programme = start(world.a, schools=[world.a.school])
    task = task_of(programme, "Подпомагане на училищата", world.a.school)
    path = f"/m/{world.a.municipality.slug}/tasks/{task.pk}/status/"
    for who in (client_for(world.a.users["teacher"]), client_for(world.coordinator)):
        assert who.get(f"/m/{world.a.municipality.slug}/tasks/{task.pk}/").status_code == 200
        assert who.post(path, {"status": "done"}).status_code == 403


def test_switching_an_activity_to_per_school_makes_a_task_for_each_school(world, client_for):
    programme = start(world.a, schools=[world.a.school, world.a.other_school])
    task = task_of(programme, "Обучение на администратори")
    response = client_for(world.a.users["officer"]).post(
        f"/m/{world.a.municipality.slug}/activities/{task.activity_id}/edit/",
        _form(task.activity, per_school="on"),
    )
    assert response.status_code == 302
    with scope(municipality=world.a.municipality.pk):
        schools = set(Task.objects.filter(activity_id=task.activity_id).values_list("school_id", flat=True))
    assert schools == {world.a.school.pk, world.a.other_school.pk}


def test_training_facts_tick_from_completed_trainings(world, course):  # noqa: F811 (the fixture)
    from django.utils import timezone

    from tests.factories import PersonFactory
    from trainings.models import Enrolment

    programme = start(world.a, schools=[world.a.school, world.a.other_school])
    with scope(municipality=world.a.municipality.pk):
        training = Activity.objects.get(programme=programme, title__contains="въведение")
    _curriculum, session = course
    now = timezone.now()
    with scopes_disabled():  # six teachers of one school completed the training, two of the other
        for school, n in ((world.a.school, 6), (world.a.other_school, 2)):
            for _ in range(n):
                person = PersonFactory(municipality=world.a.municipality, role="teacher")
                person.schools.add(school)
                Enrolment.objects.create(
                    municipality=world.a.municipality,
                    session=session,
                    person=person,
                    queued_at=now,
                    completed_at=now,
                )
    assert facts.is_available("teachers_trained") and facts.is_available("event_quota")
    with scope(municipality=world.a.municipality.pk):
        Activity.objects.filter(pk=training.pk).update(fact_kind="teachers_trained", fact_params={"n": 5})
        tasks.refresh_facts(programme)
        done = dict(Task.objects.filter(activity=training).values_list("school_id", "status"))
        texts = dict(Task.objects.filter(activity=training).values_list("school_id", "fact_text"))
    assert done == {world.a.school.pk: "done", world.a.other_school.pk: "planned"}
    assert texts[world.a.other_school.pk] == bg("%(count)s of %(needed)s teachers trained", count=2, needed=5)


def test_officer_removes_an_activity_audited(world, client_for):
    programme = start(world.a, schools=[world.a.school])
    task = task_of(programme, "Обучение на администратори")
    path = f"/m/{world.a.municipality.slug}/activities/{task.activity_id}/delete/"
    assert client_for(world.a.users["director"]).post(path).status_code == 403
    assert client_for(world.a.users["officer"]).post(path).status_code == 302
    with scope(municipality=world.a.municipality.pk):
        assert not Activity.objects.filter(pk=task.activity_id).exists()
        assert AuditEvent.objects.filter(action="activity.delete", object_id=str(task.activity_id)).exists()


def test_changing_the_covered_schools_adds_and_drops_their_tasks(world, client_for):
    programme = start(world.a, schools=[world.a.school])
    response = client_for(world.a.users["officer"]).post(
        f"/m/{world.a.municipality.slug}/programmes/{programme.pk}/edit/",
        {
            "name": programme.name,
            "language": "bg",
            "starts_on": programme.starts_on.isoformat(),
            "coverage": "chosen",
            "schools": [world.a.other_school.pk],
            "snapshot_months": 6,
        },
    )
    assert response.status_code == 302
    with scope(municipality=world.a.municipality.pk):
        schools = set(
            Task.objects.filter(activity__programme=programme)
            .exclude(school=None)
            .values_list("school_id", flat=True)
        )
        assert schools == {world.a.other_school.pk}
        assert AuditEvent.objects.filter(action="programme.update").exists()


def test_unread_notifications_are_counted_in_the_menu(world, client_for):
    programme = start(world.a, schools=[world.a.school])
    task = task_of(programme, "Подпомагане на училищата", world.a.school)
    with scope(municipality=world.a.municipality.pk):
        notifications.notify([world.a.users["director"]], "comment", task, municipality=world.a.municipality)
    client = client_for(world.a.users["director"])
    page = client.get(f"/m/{world.a.municipality.slug}/my-tasks/").content.decode()
    assert 'text-bg-danger">1<' in page
    client.post(f"/m/{world.a.municipality.slug}/notifications/read/")
    page = client.get(f"/m/{world.a.municipality.slug}/my-tasks/").content.decode()
    assert 'text-bg-danger">1<' not in page
