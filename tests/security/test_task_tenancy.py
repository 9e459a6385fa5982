"""Celery tasks refuse an object whose municipality is not the one they were given.

Every task that takes object ids next to ``municipality_id`` is guarded by
``schools.tasks.tenant_task``; called with the other municipality's ids it logs a warning and
does nothing: no e-mail, no row changed.
"""

import importlib
import inspect
import logging

import pytest
from celery import Task
from django.core import mail
from django_scopes import scopes_disabled

from tests.isolation import OBJECT_KWARGS

pytestmark = pytest.mark.django_db

TASK_MODULES = [
    "schools.tasks",
    "integrations.tasks",
    "rollout.tasks",
    "reporting.tasks",
    "surveys.tasks",
    "trainings.tasks",
]


def tenant_tasks() -> list[tuple[str, Task, list[str]]]:
    """(name, task, object-id parameters) of every task that takes ids with a municipality id."""
    found = []
    for module_name in TASK_MODULES:
        module = importlib.import_module(module_name)
        for name, task in vars(module).items():
            if not isinstance(task, Task) or task.__module__ != module_name:
                continue
            params = list(inspect.signature(task.run).parameters)
            ids = [p for p in params if p.endswith("_id") and p != "municipality_id"]
            if "municipality_id" in params and ids:
                found.append((f"{module_name}.{name}", task, ids))
    return found


def rows_snapshot() -> list:
    """Every row a task could touch, of both municipalities."""
    from integrations.models import Job, JobItem
    from schools.models import Invitation
    from surveys.models import Response, TeacherLink
    from trainings.models import Certificate, Enrolment, ExternalCertification, NetworkEvent

    models = [Invitation, Job, JobItem, Response, TeacherLink, Enrolment, Certificate, ExternalCertification]
    with scopes_disabled():
        return [sorted(map(str, model.objects.values_list())) for model in [*models, NetworkEvent]]


def test_every_task_with_object_ids_is_guarded():
    tasks = tenant_tasks()
    assert len(tasks) >= 10  # the walk finds the tasks
    unguarded = [
        name for name, task, ids in tasks if set(getattr(task.run, "tenant_objects", ())) != set(ids)
    ]
    assert unguarded == []


def test_the_tasks_refuse_the_other_municipalitys_objects(world, caplog):
    tasks = tenant_tasks()
    ours = world.a.municipality.pk
    # The other municipality's objects (made on first use, so before the snapshot).
    foreign = {name: {param: OBJECT_KWARGS[param](world.b) for param in ids} for name, _task, ids in tasks}
    before = rows_snapshot()
    failures = []
    for name, task, _ids in tasks:
        caplog.clear()
        kwargs = foreign[name]
        with caplog.at_level(logging.WARNING, logger="schools.tasks"):
            result = task.apply(kwargs={**kwargs, "municipality_id": ours}, throw=True).get()
        if result not in (None, False):
            failures.append(f"{name} returned {result!r}")
        if not any("refused" in record.getMessage() for record in caplog.records):
            failures.append(f"{name} did not log its refusal")
    assert failures == []
    assert mail.outbox == []
    assert rows_snapshot() == before


def test_one_foreign_id_among_own_ids_is_enough_to_refuse(world, caplog):
    from surveys.tasks import send_teacher_links
    from tests.surveys.fixtures import survey_objects

    campaign = survey_objects(world.a).campaign
    with caplog.at_level(logging.WARNING, logger="schools.tasks"):
        send_teacher_links.apply(args=[campaign.pk, world.b.school.pk, world.a.municipality.pk], throw=True)
    assert any("refused schools.School" in record.getMessage() for record in caplog.records)


def test_the_same_tasks_run_for_their_own_municipality(world, caplog):
    """The control: with matching ids the guard lets each task through (an invitation goes out)."""
    ours = world.a.municipality.pk
    for name, task, ids in tenant_tasks():
        caplog.clear()
        kwargs = {param: OBJECT_KWARGS[param](world.a) for param in ids}
        with caplog.at_level(logging.WARNING, logger="schools.tasks"):
            task.apply(kwargs={**kwargs, "municipality_id": ours}, throw=True)
        assert not any("refused" in record.getMessage() for record in caplog.records), name
    assert any(message.to == [world.a.invitation.email] for message in mail.outbox)
