"""The task base (``schools.tasks.TenantTask`` on ``infra.tasks.PortalTask``) and the named queues.

Every task is routed to one of the four queues (``CELERY_TASK_ROUTES``); the base refuses an
object of another municipality before the body runs, runs the body in the municipality's scope
and language, queues only once the transaction commits and logs how long a task took.
"""

import logging
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import translation
from django.utils.module_loading import autodiscover_modules
from django_scopes import get_scope

from config.celery import app
from infra.tasks import PortalTask
from schools.models import School
from schools.tasks import TenantTask, send_invitation
from tests.isolation import OBJECT_KWARGS
from trainings.tasks import remind_session

QUEUES = {"provisioning", "reports", "mail", "default"}


def registered() -> dict:
    autodiscover_modules("tasks")  # what the worker's autodiscovery imports
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def queue_of(name: str) -> str:
    return app.amqp.router.route({}, name)["queue"].name


def test_the_four_queues_are_declared_so_a_worker_without_q_consumes_them_all():
    assert {queue.name for queue in app.conf.task_queues} == QUEUES
    assert app.conf.task_default_queue == "default"


def test_every_task_goes_to_one_of_the_named_queues():
    tasks = registered()
    assert len(tasks) >= 20
    assert {name: queue_of(name) for name in tasks if queue_of(name) not in QUEUES} == {}
    # A route for a task that no longer exists (renamed, moved) would silently send it to "default".
    assert set(settings.CELERY_TASK_ROUTES) - set(tasks) == set()
    assert queue_of("integrations.tasks.work_job") == "provisioning"
    assert queue_of("reporting.tasks.build_report") == "reports"
    assert queue_of("schools.tasks.purge_personal_data") == "default"


@pytest.mark.parametrize(
    "name",
    [
        "schools.tasks.send_invitation",
        "integrations.tasks.notify_job_finished",
        "surveys.tasks.send_invitations",
        "surveys.tasks.send_teacher_links",
        "surveys.tasks.send_reminders",
        "trainings.tasks.notify_promoted",
        "trainings.tasks.notify_certificate",
        "trainings.tasks.send_reminders",
        "rollout.tasks.send_weekly_digests",
    ],
)
def test_the_tasks_that_send_e_mail_go_to_the_mail_queue(name):
    assert queue_of(name) == "mail"


def test_every_task_runs_on_the_portal_base():
    assert [name for name, task in registered().items() if not isinstance(task, PortalTask)] == []


class Probe(TenantTask):
    """A tenant task that only reports where it ran (bound to the app, not registered in it)."""

    name = "tests.probe"
    tenant_objects = {"school_id": School}
    refused_result = "refused"

    def run(self, school_id, municipality_id):
        return get_scope()["municipality"], translation.get_language()


Probe.bind(app)
probe = Probe()


@pytest.mark.django_db
def test_the_base_refuses_another_municipalitys_object_and_does_not_run(world, caplog):
    ours = world.a.municipality
    with caplog.at_level(logging.WARNING, logger="schools.tasks"):
        assert probe(world.b.school.pk, ours.pk) == "refused"
    refusals = [r.getMessage() for r in caplog.records if "refused schools.School" in r.getMessage()]
    assert len(refusals) == 1
    assert f"belongs to municipality {world.b.municipality.pk}, not {ours.pk}" in refusals[0]


@pytest.mark.django_db
def test_the_base_refuses_a_municipality_that_does_not_exist(world, caplog):
    with caplog.at_level(logging.WARNING, logger="schools.tasks"):
        assert probe(world.a.school.pk, 999_999) == "refused"
    assert any("municipality 999999 does not exist" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_the_base_runs_the_body_in_the_municipalitys_scope_and_language(world, caplog):
    municipality = world.b.municipality
    assert municipality.language != translation.get_language()
    with caplog.at_level(logging.INFO, logger="infra.tasks"):
        assert probe(world.b.school.pk, municipality.pk) == (municipality.pk, municipality.language)
    assert get_scope().get("municipality") != municipality.pk  # left behind when the task ends
    assert any("task tests.probe took" in r.getMessage() for r in caplog.records)  # its duration


@pytest.mark.django_db
def test_real_tasks_refuse_with_their_refused_result(world):
    foreign_enrolment_id = OBJECT_KWARGS["enrolment_id"](world.b)
    assert remind_session.apply(args=[foreign_enrolment_id, world.a.municipality.pk]).get() is False
    assert send_invitation.apply(args=[world.b.invitation.pk, world.a.municipality.pk]).get() is None
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_delay_on_commit_queues_only_after_the_commit():
    with mock.patch.object(Probe, "delay") as delay:
        with transaction.atomic():
            probe.delay_on_commit(1, 2)
            assert delay.call_count == 0
        delay.assert_called_once_with(1, 2)
        with transaction.atomic():
            probe.delay_on_commit(3, 4)
            transaction.set_rollback(True)
        assert delay.call_count == 1  # a rolled-back change queues nothing
