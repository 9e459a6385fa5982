"""What the resilience tests share: a private redis-server (broker and rate limiter), real
worker processes pointed at it, a sandbox, and the checks that end every test: the job is
done, nothing failed, and the sandbox made every account exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.test import override_settings
from django_scopes import scope, scopes_disabled

from integrations.models import Job, JobItem, Plan
from sandbox.process import start_sandbox
from tests.factories import make_world
from tests.integration.conftest import ROOT, _database_url, wait_for
from tests.integration.test_apply_resilience import _free_port, _redis, _use_broker
from tests.integrations.conftest import make_plan, roster

__all__ = ["Stack", "stack", "wait_for"]


class Stack:
    def __init__(self, tmp_path: Path, port: int, sandbox):
        self.tmp_path, self.port, self.sandbox = tmp_path, port, sandbox
        self.url = f"redis://127.0.0.1:{port}/0"
        self.redis = None
        self.workers: list[subprocess.Popen] = []
        self.log = tmp_path / "workers.log"
        self.log.touch()

    # --- processes ------------------------------------------------------------------------------
    def start_redis(self) -> None:
        self.redis = _redis(self.port)

    def stop_redis(self) -> None:
        self.redis.kill()
        self.redis.wait(timeout=10)

    def env(self, **extra) -> dict:
        return {**os.environ, "DATABASE_URL": _database_url(), "SANDBOX_URL": self.sandbox.base_url,
                "SANDBOX_STATE_DIR": str(self.sandbox.state_dir), "CELERY_BROKER_URL": self.url,
                "REDIS_URL": self.url, "JOB_ITEM_STUCK_SECONDS": "5", "WORKER_HEARTBEAT_SECONDS": "1",
                **extra}  # fmt: skip

    def start_worker(self, name: str, *, pool: str = "solo", concurrency: int = 1, **env) -> subprocess.Popen:
        with open(self.log, "a") as log:
            process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", pool,
                 "--concurrency", str(concurrency), "--loglevel", "INFO", "--without-gossip",
                 "--without-mingle", "--hostname", f"{name}-{os.getpid()}@%h"],
                cwd=ROOT, env=self.env(**env), stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.workers.append(process)
        return process

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    # --- the portal -----------------------------------------------------------------------------
    def prepare(self, client_for, people: int, provider: str = "google"):
        """A world, a roster of ``people``, the sandbox connected, a plan made: (world, client, plan)."""
        world = make_world()
        with scopes_disabled():
            world.a.connection.delete()
        roster(world, [(f"Иван{n}", f"Петров{n}") for n in range(people)])
        slug = world.a.municipality.slug
        client = client_for(world.a.users["it_admin"])
        for _attempt in range(20):  # a stormy sandbox may refuse the one-click setup: click again
            client.post(f"/m/{slug}/connections/sandbox/{provider}/")
            with scope(municipality=world.a.municipality.pk):
                if self._connected(provider):
                    break
            time.sleep(0.5)  # as a person would, and past the provider's outage
        for _attempt in range(20):  # reading the provider can meet the storm too: make another
            plan = make_plan(client, slug, provider)
            if plan.status != Plan.Status.FAILED:
                break
            time.sleep(0.5)
        with scope(municipality=world.a.municipality.pk):
            assert self._connected(provider), "the sandbox could not be connected"
            assert plan.operation_count >= people, f"no plan could be made: {plan.failure}"
            return world, client, plan

    def apply(self, world, client, plan: Plan, attempts: int = 20) -> Job:
        """ "Apply" in the page, the worker's check of the provider awaited; asked again when the
        provider could not be read (a storm). A worker must be running."""
        slug = world.a.municipality.slug
        with scope(municipality=world.a.municipality.pk):
            for _attempt in range(attempts):
                client.post(f"/m/{slug}/plans/{plan.pk}/apply/")
                settled = wait_for(lambda: Plan.objects.get(pk=plan.pk).status != Plan.Status.APPLYING, 120)
                assert settled, self.tail()
                job = Job.objects.filter(plan=plan).first()
                if job is not None:
                    return job
                time.sleep(0.5)
        raise AssertionError(f"the plan could not be applied: {Plan.objects.get(pk=plan.pk).failure}")

    @staticmethod
    def _connected(provider: str) -> bool:
        from integrations.models import Connection

        return Connection.objects.filter(provider=provider).exists()

    def finish(self, world, job: Job, timeout: float = 240) -> None:
        """Wait for the job, running the reconciler as beat would; then nothing may have failed."""
        from integrations.tasks import reconcile_jobs

        with scope(municipality=world.a.municipality.pk):

            def done():
                reconcile_jobs.delay()
                return Job.objects.filter(pk=job.pk, status="done").exists()

            assert wait_for(done, timeout=timeout, interval=3), self.tail()
            failed = list(JobItem.objects.filter(job=job, status="failed").values_list("key", "error")[:5])
            assert not failed, failed

    def assert_every_account_once(self, people: int) -> dict:
        stats = self.sandbox.control("GET", "stats")
        created = stats["created"]
        made = {key.split(":")[-1].split("@")[0] for key in created}
        missing = {f"ivan{n}.petrov{n}" for n in range(people)} - made
        assert not missing, (sorted(missing)[:10], sorted(created)[:10])  # none lost
        twice = {key: count for key, count in created.items() if count != 1}
        assert not twice, twice  # none made twice
        return stats


@contextmanager
def stack(tmp_path: Path, *, profile: str = "realistic", time_scale: float = 20, **settings_overrides):
    """Redis, a sandbox and this process's Celery app pointed at that Redis, for one test."""
    from config.celery import app

    port = _free_port()
    sandbox = start_sandbox(tmp_path / "sandbox", profile=profile, time_scale=time_scale)
    running = Stack(tmp_path, port, sandbox)
    old_broker = app.conf.broker_url
    _use_broker(app, running.url)
    try:
        running.start_redis()
        with override_settings(
            SANDBOX_URL=sandbox.base_url, SANDBOX_CA_FILE=sandbox.ca, **settings_overrides
        ):
            yield running
    finally:
        _use_broker(app, old_broker)
        for process in running.workers:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if running.redis is not None and running.redis.poll() is None:
            running.stop_redis()
        sandbox.stop()
