"""A real Celery worker process, talking to the test database and the configured broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    settings = connection.settings_dict  # points at the test database once it is set up
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    host = settings["HOST"] or "127.0.0.1"
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{settings['NAME']}"


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """Start `celery worker` as its own process; yield a handle with the mail folder and log."""
    from config.celery import app

    mail_dir = tmp_path_factory.mktemp("worker-mail")
    log_path = tmp_path_factory.mktemp("worker-log") / "worker.log"
    with django_db_blocker.unblock():
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            "WORKER_HEARTBEAT_SECONDS": "1",
            "SITE_URL": "http://testserver",
        }
    app.control.purge()  # nothing left over from an earlier run
    log = open(log_path, "w")  # noqa: SIM115 (closed at teardown)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"test-worker-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    handle = type("Worker", (), {"process": process, "mail_dir": mail_dir, "log_path": log_path})
    try:
        yield handle
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.25):
    """Poll until predicate() is truthy; return its value (or the last falsy one)."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value
