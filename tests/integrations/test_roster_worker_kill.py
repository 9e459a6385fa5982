"""A worker killed in the middle of a roster import: the roster stays as it was (the import is
one transaction), and the import, confirmed again once a worker is up, is imported once, whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone
from django_scopes import scope

from integrations.models import RosterImport
from tests.factories import make_world
from tests.integration.conftest import ROOT, _database_url, wait_for
from tests.integrations.test_roster_worker import (
    confirm,
    csv_file,
    make_schools,
    people,
    people_rows,
    settled,
    the_import,
    upload,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _worker(log_path):
    env = {**os.environ, "DATABASE_URL": _database_url(), "WORKER_HEARTBEAT_SECONDS": "1"}
    log = open(log_path, "a")  # noqa: SIM115 (the child keeps it)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO",
         "--without-gossip", "--without-mingle", "--hostname", f"roster-{os.getpid()}-{log_path.stat().st_size}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    log.close()
    return process


def _being_applied(world, url) -> bool:
    """True while a transaction holds the import's row: the worker is inside the import."""
    with scope(municipality=world.a.municipality.pk):
        try:
            with transaction.atomic():
                RosterImport.objects.select_for_update(nowait=True).filter(
                    pk=the_import(world, url).pk
                ).exists()
        except DatabaseError:
            return True
    return False


def test_a_worker_killed_mid_import_leaves_the_roster_as_it_was(tmp_path, client_for):
    from config.celery import app

    world = make_world()
    schools = make_schools(world, 20)
    client = client_for(world.a.users["it_admin"])
    log_path = tmp_path / "worker.log"
    log_path.touch()
    app.control.purge()
    workers = [_worker(log_path)]
    try:
        url = upload(client, world, csv_file(people_rows(schools, 8000)))
        assert settled(world, url, timeout=300).status == "preview", log_path.read_text()[-3000:]
        before = people(world).count()
        assert confirm(client, url).status_code == 302
        assert wait_for(lambda: _being_applied(world, url), timeout=120, interval=0.02), log_path.read_text()[
            -3000:
        ]
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=30)
        assert people(world).count() == before  # rolled back with the worker
        assert the_import(world, url).status == "applying"
        # A minute later the page offers to start it again; started (a new worker is up): imported once, whole.
        with scope(municipality=world.a.municipality.pk):
            RosterImport.objects.filter(pk=the_import(world, url).pk).update(
                progress_at=timezone.now() - timedelta(minutes=2)
            )
        assert 'name="apply"' in client.get(url).content.decode()
        workers.append(_worker(log_path))
        assert client.post(url, {"apply": "1"}).status_code == 302
        assert settled(world, url, timeout=300).status == "applied", log_path.read_text()[-3000:]
        assert people(world).count() == before + 8000
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=30)
