"""The broker is down when the IT admin applies a plan: the page does not crash, the job is
stored, and once Redis is back the reconciler (beat's task) starts it; it then finishes with
every account made once."""

import os

import pytest
from django_scopes import scope

from integrations.models import Job, JobItem
from tests.integration.resilience import stack

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
            job = Job.objects.get(plan=plan)  # stored, waiting for the broker
            assert job.status == Job.Status.QUEUED
            assert JobItem.objects.filter(job=job).count() >= PEOPLE
        page = client.get(response["Location"], follow=True)
        assert page.status_code == 200
        running.start_redis()  # back, empty
        running.finish(world, job)
        assert all(process.poll() is None for process in running.workers)  # the worker reconnected
        running.assert_every_account_once(PEOPLE)
