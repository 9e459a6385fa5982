"""A job's counters, kept by the worker as it records outcomes, are its items' counts: after a
run through a real Celery worker where some operations fail, the page's figures are exact."""

import os

import pytest
from django.test import override_settings
from django_scopes import scope, scopes_disabled

from integrations import planning
from integrations.actions import connect_sandbox
from integrations.models import Connection, Job, JobItem, PlanOperation
from integrations.operations import Op
from integrations.providers import client_for
from integrations.provisioning import jobs
from integrations.provisioning.progress import progress
from sandbox.process import start_sandbox
from schools.audit import ActionContext
from tests.factories import make_world
from tests.integration.conftest import _database_url, wait_for
from tests.integration.test_apply_worker import _worker
from tests.integrations.conftest import roster

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_counters_equal_the_items_after_a_run_with_failures(tmp_path):
    from config.celery import app

    sandbox = start_sandbox(tmp_path / "sandbox", profile="fast")
    worker = None
    try:
        with override_settings(SANDBOX_URL=sandbox.base_url, SANDBOX_CA_FILE=sandbox.ca):
            world = make_world()
            with scopes_disabled():
                world.a.connection.delete()
            roster(world, [(f"Иван{n}", f"Петров{n}") for n in range(40)])
            municipality = world.a.municipality
            ctx = ActionContext(municipality)
            with scope(municipality=municipality.pk):
                connect_sandbox(ctx, "google")
                plan = planning.make_plan(ctx, "google")
                # Three of the planned addresses are taken at Google by someone else's accounts
                # after the plan was made: their accounts fail, and so do their memberships.
                creates = PlanOperation.objects.filter(plan=plan, op=Op.CREATE_USER).order_by("seq")
                taken = list(creates.values("key", "details")[:3])
                direct = client_for(Connection.objects.get(provider="google"))
                for item in taken:
                    direct.apply(
                        Op.CREATE_USER,
                        item["key"],
                        {**item["details"], "ou": "/"},  # the units are not made yet
                        password="Other-pass-1x",
                        external_id="x",
                    )
                direct.close()
                app.control.purge()
                env = {**os.environ, "DATABASE_URL": _database_url(), "SANDBOX_URL": sandbox.base_url,
                       "SANDBOX_STATE_DIR": str(sandbox.state_dir)}  # fmt: skip
                log_path = tmp_path / "worker.log"
                log_path.touch()
                worker = _worker(env, log_path)
                job = jobs.start_job(ctx, plan)  # not "Apply": the provider changed since the plan
            with scopes_disabled():
                assert wait_for(lambda: Job.objects.filter(pk=job.pk, status="done").exists(), timeout=180), (
                    log_path.read_text()[-3000:]
                )
                job.refresh_from_db()
                items = JobItem.objects.filter(job=job)
                failed = items.filter(status="failed").count()
                assert failed >= 3 * 2  # the accounts and at least one membership each
                assert (job.items_total, job.items_done, job.items_failed) == (
                    items.count(),
                    items.filter(status="done").count(),
                    failed,
                )
                shown = progress(job)
                assert (shown["done"], shown["failed"], shown["remaining"]) == (
                    job.items_done,
                    failed,
                    0,
                )
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait()
        sandbox.stop()
