"""The broker is down when the IT admin applies a plan: the page does not crash, the job is
stored, and once Redis is back the reconciler (beat's task) starts it; it then finishes with
every account made once. The same for the other work queued from a page (a council report, an
invitation): saved in the outbox in the same transaction, the page answers, and beat's flush
hands it over once the broker is back."""

import os

import pytest
from django.db.models import F
from django.test import override_settings
from django_scopes import scope, scopes_disabled

from integrations.models import Job, JobItem, Plan
from integrations.tasks import reconcile_plans
from reporting.tasks import REPORT_STALE, requeue_reports
from rollout.models import Report
from schools.models import Invitation, OutboxMessage
from schools.tasks import UNSENT_AFTER, flush_outbox, send_unsent_invitations
from tests.factories import make_world
from tests.integration.resilience import stack, wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists("/usr/bin/redis-server"), reason="needs redis-server"),
]

PEOPLE = 40


def test_a_plan_applied_while_the_broker_is_down_runs_when_it_is_back(tmp_path, client_for):
    with stack(tmp_path, JOB_PARALLEL_TASKS=2) as running:
        world, client, plan = running.prepare(client_for, PEOPLE)
        slug = world.a.municipality.slug
        running.start_worker("broker-down")
        running.stop_redis()  # the broker (and the shared rate limiter) are gone
        response = client.post(f"/m/{slug}/plans/{plan.pk}/apply/")
        assert response.status_code == 302  # not a server error
        with scope(municipality=world.a.municipality.pk):
            # Stored, waiting for the broker: the check of the provider and the job come after.
            assert Plan.objects.get(pk=plan.pk).status == Plan.Status.APPLYING
        page = client.get(response["Location"], follow=True)
        assert page.status_code == 200
        running.start_redis()  # back, empty

        def started():
            reconcile_plans()  # what beat runs every minute (here: it only queues)
            with scope(municipality=world.a.municipality.pk):
                return Job.objects.filter(plan=plan).first()

        with override_settings(PLAN_REQUEUE_SECONDS=0):
            job = wait_for(started, timeout=120, interval=3)
        assert job is not None, running.tail()
        with scope(municipality=world.a.municipality.pk):
            assert JobItem.objects.filter(job=job).count() >= PEOPLE
        running.finish(world, job)
        assert all(process.poll() is None for process in running.workers)  # the worker reconnected
        running.assert_every_account_once(PEOPLE)


def test_a_report_and_an_invitation_asked_for_while_the_broker_is_down_go_out_when_it_is_back(
    tmp_path, client_for
):
    with stack(tmp_path) as running:
        world = make_world()
        running.start_worker("broker-down-pages")
        running.stop_redis()
        officer = client_for(world.a.users["officer"])
        slug = world.a.municipality.slug
        assert officer.post(f"/m/{slug}/reports/", {"period": "2026-Q4"}).status_code == 302
        invited = {"email": "new.teacher@example.org", "role": "teacher", "language": "bg"}
        assert officer.post(f"/m/{slug}/members/invite/", invited).status_code == 302
        with scopes_disabled():
            report = Report.objects.get(municipality=world.a.municipality)
            invitation = Invitation.objects.get(municipality=world.a.municipality, email=invited["email"])
            assert report.status == Report.Status.QUEUED and invitation.sent_at is None
            # Nothing was queued: the sweeps leave fresh requests to the queue, so age these.
            Report.objects.filter(pk=report.pk).update(created_at=F("created_at") - REPORT_STALE)
            Invitation.objects.filter(pk=invitation.pk).update(created_at=F("created_at") - UNSENT_AFTER)
            # Both asked for while the broker was down: kept in the outbox, not lost.
            pending = OutboxMessage.objects.filter(sent_at__isnull=True)
            assert set(pending.values_list("task", flat=True)) == {
                "reporting.tasks.build_report",
                "schools.tasks.send_invitation",
            }
        running.start_redis()  # back, empty
        assert flush_outbox() == 2  # what beat runs every minute

        def delivered() -> bool:
            with scopes_disabled():
                report.refresh_from_db()
                invitation.refresh_from_db()
            return report.status == Report.Status.DONE and invitation.sent_at is not None

        assert wait_for(delivered, timeout=120), running.tail()
        assert requeue_reports() == 0 and send_unsent_invitations() == 0  # nothing sent twice
        assert flush_outbox() == 0
