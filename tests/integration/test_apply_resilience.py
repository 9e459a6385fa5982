"""A job survives its broker: two real workers race for the same items while Redis (broker and
shared rate limiter) is killed and started again, empty, in the middle of the job. The reconciler
(Celery beat's task) puts the lost work back; the sandbox's creation counts show every account
made exactly once."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from django.test import override_settings
from django_scopes import scope, scopes_disabled

from integrations.models import Job, JobItem
from sandbox.process import start_sandbox
from tests.factories import make_world
from tests.integration.conftest import ROOT, _database_url, wait_for
from tests.integrations.conftest import make_plan, roster

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert wait_for(lambda: subprocess.run(  # noqa: S603
        ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True).stdout.strip() == "PONG", 20)  # fmt: skip
    return process


def _worker(env, log_path, name):
    log = open(log_path, "a")  # noqa: SIM115 (the child keeps it)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO",
         "--without-gossip", "--without-mingle", "--hostname", f"{name}-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    log.close()
    return process


def _use_broker(app, url: str) -> None:
    """Point this process's Celery app (and its cached connection and producer pools) at a broker."""
    app.conf.broker_url = app.conf.broker_write_url = app.conf.broker_read_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.skipif(not os.path.exists("/usr/bin/redis-server"), reason="needs redis-server")
def test_two_workers_and_a_redis_restart_make_every_account_once(tmp_path, client_for):
    from config.celery import app

    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    redis = _redis(port)
    sandbox = start_sandbox(tmp_path / "sandbox", profile="realistic", time_scale=20)
    workers = []
    old_broker = app.conf.broker_url
    _use_broker(app, url)  # this test's own Redis: the machine's stays untouched
    try:
        with override_settings(
            SANDBOX_URL=sandbox.base_url, SANDBOX_CA_FILE=sandbox.ca, JOB_PARALLEL_TASKS=4
        ):
            world = make_world()
            with scopes_disabled():
                world.a.connection.delete()
            roster(world, [(f"Иван{n}", f"Петров{n}") for n in range(120)])
            slug = world.a.municipality.slug
            client = client_for(world.a.users["it_admin"])
            client.post(f"/m/{slug}/connections/sandbox/google/")
            plan = make_plan(client, slug, "google")
            env = {**os.environ, "DATABASE_URL": _database_url(), "SANDBOX_URL": sandbox.base_url,
                   "SANDBOX_STATE_DIR": str(sandbox.state_dir), "CELERY_BROKER_URL": url, "REDIS_URL": url,
                   "PROVIDER_QUOTA_TIME_SCALE": "20", "JOB_ITEM_STUCK_SECONDS": "5"}  # fmt: skip
            log_path = tmp_path / "workers.log"
            workers = [_worker(env, log_path, "one"), _worker(env, log_path, "two")]
            assert client.post(f"/m/{slug}/plans/{plan.pk}/apply/").status_code == 302
            with scope(municipality=world.a.municipality.pk):
                job = wait_for(
                    lambda: Job.objects.filter(plan=plan).first(), timeout=90
                )  # the worker starts it
                assert job is not None, log_path.read_text()[-3000:]

                def done_count():
                    return JobItem.objects.filter(job=job, status="done").count()

                assert wait_for(lambda: done_count() >= 40, timeout=120), log_path.read_text()[-3000:]
                redis.send_signal(signal.SIGKILL)  # the broker and the limiter's windows are gone
                redis.wait(timeout=10)
                time.sleep(1)
                redis = _redis(port)  # back, empty: the queued tasks were lost with it
                from integrations.tasks import reconcile_jobs

                restarted = []

                def finished():
                    # A worker whose consumer crashed on the lost connection (a known kombu
                    # failure, now and then) is started again, as docker-compose's
                    # "restart: unless-stopped" or systemd does in production.
                    for index, process in enumerate(workers):
                        if process.poll() is not None:
                            restarted.append(index)
                            workers[index] = _worker(env, log_path, f"again{len(restarted)}")
                    reconcile_jobs.delay()  # what beat does every minute
                    return Job.objects.filter(pk=job.pk, status="done").exists()

                assert wait_for(finished, timeout=240, interval=3), log_path.read_text()[-3000:]
                assert not JobItem.objects.filter(job=job, status="failed").exists()
            assert len(restarted) <= len(workers)  # each at most once: no crash loop
        created = sandbox.control("GET", "stats")["created"]
        made = {key.split(":")[-1].split("@")[0] for key in created}
        assert {f"ivan{n}.petrov{n}" for n in range(120)} <= made  # none missing
        assert all(count == 1 for count in created.values()), created  # none twice
    finally:
        _use_broker(app, old_broker)
        for process in workers:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        redis.kill()
        redis.wait(timeout=10)
        sandbox.stop()
