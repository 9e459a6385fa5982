"""Celery tasks refuse an object whose municipality is not the one they were given.

Every task that takes object ids next to ``municipality_id`` runs on ``schools.tasks.TenantTask``;
called with the other municipality's ids it logs a warning and does nothing: no e-mail, no row
changed.
"""

import inspect
import logging

import pytest
from celery import Task
from django.core import mail
from django.utils.module_loading import autodiscover_modules
from django_scopes import scopes_disabled

from config.celery import app
from schools.tasks import TenantTask
from tests.isolation import OBJECT_KWARGS

pytestmark = pytest.mark.django_db


def our_tasks() -> list[tuple[str, Task]]:
    """Every task of the project in the app's registry (Celery's own left out)."""
    autodiscover_modules("tasks")  # what the worker's autodiscovery imports
    return sorted((name, task) for name, task in app.tasks.items() if not name.startswith("celery."))


def object_ids(task: Task) -> list[str]:
    """The object-id parameters of a task that also takes a municipality id."""
    params = list(inspect.signature(task.run).parameters)
    if "municipality_id" not in params:
        return []
    return [p for p in params if p.endswith("_id") and p != "municipality_id"]


def tenant_tasks() -> list[tuple[str, Task, list[str]]]:
    """(name, task, object-id parameters) of every task on the tenant base."""
    return [(name, task, object_ids(task)) for name, task in our_tasks() if isinstance(task, TenantTask)]


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
    # Each declares exactly its object-id arguments, and every task taking them is on the base.
    assert [name for name, task, ids in tasks if set(task.tenant_objects) != set(ids) or not ids] == []
    unguarded = [name for name, task in our_tasks() if object_ids(task) and not isinstance(task, TenantTask)]
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
