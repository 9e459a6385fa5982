"""A sandbox in a child process, for tests and benchmarks: start it, talk to its control API over
HTTPS (trusting its own CA), stop it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]  # the folder that holds the sandbox package
COMMAND = (sys.executable, "-m", "sandbox")


@dataclass
class RunningSandbox:
    process: subprocess.Popen | None
    base_url: str
    ca: Path
    state_dir: Path | None
    log: Path | None

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
    state_dir: Path,
    profile: str = "fast",
    time_scale: float = 1.0,
    port: int = 0,
    command: tuple[str, ...] = COMMAND,
) -> RunningSandbox:
    """Start ``command`` (``python -m sandbox``, or the portal's ``manage.py run_sandbox``) on
    ``port`` (0: any free one) and return once it listens."""
    state_dir.mkdir(parents=True, exist_ok=True)
    log = state_dir / "sandbox.log"
    arguments = ["--port", str(port), "--state-dir", str(state_dir), "--profile", profile]
    with open(log, "w") as log_file:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and options)
            [*command, *arguments, "--time-scale", str(time_scale)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
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
    base_url = f"https://127.0.0.1:{found.group(2)}"
    return RunningSandbox(process, base_url, state_dir / "ca.pem", state_dir, log)
