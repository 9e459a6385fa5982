"""SIGKILL mid-job, of one prefork pool child (the worker's master stays and replaces it) and of
the whole worker (master and children at once; a new worker takes over). Each ends with the
job done, every account made once and none missing. (tests/integration/test_apply_worker.py
kills a solo-pool worker; here the pool is the production one, prefork.)"""

import os
import signal
from pathlib import Path

import pytest
from django_scopes import scope

from integrations.models import JobItem
from tests.integration.resilience import stack, wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists("/usr/bin/redis-server"), reason="needs redis-server"),
]

PEOPLE = 80


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _started(running, client_for):
    world, client, plan = running.prepare(client_for, PEOPLE)
    worker = running.start_worker("prefork", pool="prefork", concurrency=2)
    assert wait_for(lambda: len(children(worker.pid)) == 2, timeout=60), running.tail()
    job = running.apply(world, client, plan)
    return world, job, worker


def _done(world, job) -> int:
    with scope(municipality=world.a.municipality.pk):
        return JobItem.objects.filter(job=job, status="done").count()


def _claimed(world, job) -> int:
    with scope(municipality=world.a.municipality.pk):
        return JobItem.objects.filter(job=job, status="claimed").count()


def test_sigkill_of_a_pool_child_mid_job(tmp_path, client_for):
    # The provider's real latency (time scale 1): each batch keeps its items claimed for a few
    # hundred milliseconds, long enough to be seen (at 20 the whole job can finish between polls).
    with stack(tmp_path, time_scale=1, JOB_PARALLEL_TASKS=2) as running:
        world, job, worker = _started(running, client_for)
        assert wait_for(lambda: _done(world, job) >= 15, timeout=120), running.tail()
        # Both pool processes work on the job (two tasks side by side): kill one while items are held.
        assert wait_for(lambda: _claimed(world, job) > 0, timeout=60, interval=0.05)
        child = children(worker.pid)[0]
        os.kill(child, signal.SIGKILL)
        assert wait_for(
            lambda: child not in children(worker.pid) and len(children(worker.pid)) == 2, timeout=60
        )
        running.finish(world, job)
        assert worker.poll() is None  # the master survived and replaced its child
        running.assert_every_account_once(PEOPLE)


def test_sigkill_of_the_whole_worker_mid_job(tmp_path, client_for):
    # Real latency here too: at time scale 20 the rest of the job can finish before the kill.
    with stack(tmp_path, time_scale=1, JOB_PARALLEL_TASKS=2) as running:
        world, job, worker = _started(running, client_for)
        assert wait_for(lambda: _done(world, job) >= 15, timeout=120), running.tail()
        pool = children(worker.pid)
        worker.send_signal(signal.SIGKILL)  # the master, no goodbye
        for child in pool:  # its children die with it, as a machine that loses power
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        worker.wait(timeout=30)
        stalled = _done(world, job)
        with scope(municipality=world.a.municipality.pk):
            assert stalled < JobItem.objects.filter(job=job).count()  # killed mid-job, not after it
        running.start_worker("replacement", pool="prefork", concurrency=2)
        running.finish(world, job)
        assert _done(world, job) > stalled
        running.assert_every_account_once(PEOPLE)
