"""Applying a plan with real Celery worker processes: a worker killed mid-job, then restarted,
finishes the job with no account created twice and none missing."""

import os
import signal
import subprocess
import sys

import pytest
from django.test import override_settings
from django_scopes import scope, scopes_disabled

from integrations.models import Job, JobItem, Plan
from sandbox.process import start_sandbox
from tests.factories import make_world
from tests.integration.conftest import ROOT, _database_url, wait_for
from tests.integrations.conftest import roster

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _worker(env, log_path):
    log = open(log_path, "a")  # noqa: SIM115 (the child keeps it; closed when the test ends)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO",
         "--without-gossip", "--without-mingle", "--hostname", f"apply-{os.getpid()}-{log_path.stat().st_size}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    log.close()
    return process


def test_a_killed_worker_is_replaced_and_nothing_is_made_twice(tmp_path, client_for):
    from config.celery import app

    sandbox = start_sandbox(tmp_path / "sandbox", profile="realistic", time_scale=20)
    workers = []
    try:
        with override_settings(SANDBOX_URL=sandbox.base_url, SANDBOX_CA_FILE=sandbox.ca):
            world = make_world()
            with scopes_disabled():
                world.a.connection.delete()
            roster(world, [(f"Иван{n}", f"Петров{n}") for n in range(60)])
            slug = world.a.municipality.slug
            client = client_for(world.a.users["it_admin"])
            client.post(f"/m/{slug}/connections/sandbox/google/")
            app.control.purge()
            env = {**os.environ, "DATABASE_URL": _database_url(), "SANDBOX_URL": sandbox.base_url,
                   "SANDBOX_STATE_DIR": str(sandbox.state_dir), "WORKER_HEARTBEAT_SECONDS": "1"}  # fmt: skip
            log_path = tmp_path / "worker.log"
            log_path.touch()
            # "Make a plan": the page answers at once and follows the plan until a worker made it.
            response = client.post(f"/m/{slug}/plans/new/google/")
            with scope(municipality=world.a.municipality.pk):
                plan = Plan.objects.latest("pk")
            assert response["Location"].endswith(f"/plans/{plan.pk}/") and plan.status == "making"
            page = client.get(response["Location"]).content.decode()
            assert f'hx-get="/m/{slug}/plans/{plan.pk}/progress/"' in page
            progress_url = f"/m/{slug}/plans/{plan.pk}/progress/"
            assert client.get(progress_url).status_code == 200
            workers.append(_worker(env, log_path))
            with scope(municipality=world.a.municipality.pk):
                assert wait_for(lambda: Plan.objects.get(pk=plan.pk).status == "ready", timeout=90), (
                    log_path.read_text()[-3000:]
                )
            assert client.get(progress_url)["HX-Refresh"] == "true"  # the page shows the plan now
            ready = client.get(response["Location"])
            plan.refresh_from_db()
            assert ready.context["details"].paginator.count == plan.operation_count >= 60
            # "Apply": the worker reads the provider again, then starts the job; the page follows.
            assert client.post(f"/m/{slug}/plans/{plan.pk}/apply/").status_code == 302
            with scope(municipality=world.a.municipality.pk):
                job = wait_for(lambda: Job.objects.filter(plan=plan).first(), timeout=90)
                assert job is not None, log_path.read_text()[-3000:]
            assert client.get(progress_url)["HX-Redirect"] == f"/m/{slug}/jobs/{job.pk}/"
            with scope(municipality=world.a.municipality.pk):

                def done_count():
                    return JobItem.objects.filter(job=job, status="done").count()

                assert wait_for(lambda: done_count() >= 10, timeout=90), list(
                    JobItem.objects.filter(job=job).values_list("op", "status", "attempts", "error")[:5]
                )
                workers[0].send_signal(signal.SIGKILL)  # mid-job, no goodbye
                workers[0].wait(timeout=30)
                stalled = done_count()
                # Items the dead worker held are released after JOB_ITEM_STUCK_SECONDS; make that now.
                JobItem.objects.filter(job=job, status="claimed").update(claimed_at="2000-01-01T00:00:00Z")
                workers.append(_worker(env, log_path))
                from integrations.tasks import work_job

                work_job.delay(job.pk, world.a.municipality.pk)  # what "resume" does in the page
                assert wait_for(lambda: Job.objects.filter(pk=job.pk, status="done").exists(), timeout=180), (
                    log_path.read_text()[-3000:]
                )
                assert done_count() > stalled
                assert not JobItem.objects.filter(job=job, status="failed").exists()
                # The page's counters, kept by the workers, count each item once despite the kill.
                job.refresh_from_db()
                assert (job.items_total, job.items_done, job.items_failed) == (
                    JobItem.objects.filter(job=job).count(),
                    done_count(),
                    0,
                )
        created = sandbox.control("GET", "stats")["created"]
        people = {f"ivan{n}.petrov{n}" for n in range(60)}
        made = {key.split(":")[-1].split("@")[0] for key in created}
        assert people <= made  # none missing
        assert all(count == 1 for count in created.values()), created  # none twice
    finally:
        for process in workers:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        sandbox.stop()
