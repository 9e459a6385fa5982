"""The sandbox as its own process over HTTPS, as the portal and the real client libraries meet it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RunningSandbox:
    process: subprocess.Popen
    base_url: str
    ca: Path
    state_dir: Path
    log: Path

    def session(self) -> requests.Session:
        """A requests session that trusts the sandbox's CA (TLS verification stays on)."""
        session = requests.Session()
        # requests lets REQUESTS_CA_BUNDLE from the environment override session.verify, so the
        # session ignores the environment: the sandbox's CA is the one to trust here.
        session.trust_env = False
        session.verify = str(self.ca)
        return session

    def control(self, method: str, path: str, **kwargs):
        response = self.session().request(method, f"{self.base_url}/_sandbox/{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()


def start_sandbox(
    state_dir: Path, profile: str = "fast", time_scale: float = 1.0, port: int = 0
) -> RunningSandbox:
    state_dir.mkdir(parents=True, exist_ok=True)
    log = state_dir / "sandbox.log"
    with open(log, "w") as log_file:  # the child keeps its own copy of the descriptor
        process = _spawn(state_dir, profile, time_scale, port, log_file)
    deadline = time.monotonic() + 60
    line = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if "https://" in line or process.poll() is not None:
            break
    found = re.search(r"https://([\d.]+):(\d+)/", line)
    if not found:
        process.kill()
        process.stdout.close()
        raise RuntimeError(f"sandbox did not start: {line!r} {log.read_text()}")
    return RunningSandbox(
        process, f"https://127.0.0.1:{found.group(2)}", state_dir / "ca.pem", state_dir, log
    )


def _spawn(state_dir: Path, profile: str, time_scale: float, port: int, log_file) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "run_sandbox",
            "--port",
            str(port),
            "--state-dir",
            str(state_dir),
            "--profile",
            profile,
            "--time-scale",
            str(time_scale),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=log_file,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    running = start_sandbox(tmp_path_factory.mktemp("sandbox"))
    yield running
    running.stop()


@pytest.fixture
def fresh_sandbox(sandbox):
    """The module's sandbox, emptied before the test."""
    sandbox.control("POST", "reset")
    return sandbox


# --- the portal pointed at the sandbox (connections, plans, jobs) ------------------------------
@pytest.fixture
def portal_uses(fresh_sandbox, settings, world):
    """The portal's sandbox settings aimed at this test's sandbox; the world's placeholder
    Google connection of municipality A removed so that "use the sandbox" can connect."""
    from django_scopes import scopes_disabled

    from integrations.models import Connection

    settings.SANDBOX_URL = fresh_sandbox.base_url
    settings.SANDBOX_CA_FILE = fresh_sandbox.ca
    with scopes_disabled():
        Connection.objects.filter(pk=world.a.connection.pk).delete()
    return fresh_sandbox


def roster(world, names, language="bg"):
    """A layout and a school with these (first, last) names on municipality A's roster."""
    from django_scopes import scopes_disabled

    from integrations.models import Layout
    from schools.models import Person, School

    with scopes_disabled():
        Layout.objects.update_or_create(
            municipality=world.a.municipality,
            defaults={"domain": f"{world.a.municipality.slug}.sandbox.example", "name_language": language},
        )
        school = School.objects.create(
            municipality=world.a.municipality, name="СУ „Паисий Хилендарски“", code="2600300"
        )
        for first, last in names:
            Person.objects.create(
                municipality=world.a.municipality, first_name=first, last_name=last
            ).schools.add(school)
    return school
