"""`manage.py run_sandbox` (what `make run` and docker-compose start) serves the same sandbox as
`python -m sandbox`, which the other tests start."""

import sys

from sandbox.process import ROOT, start_sandbox


def test_manage_py_run_sandbox_starts_it(tmp_path):
    running = start_sandbox(
        tmp_path / "sandbox",
        profile="lagging",
        time_scale=4,
        command=(sys.executable, str(ROOT / "manage.py"), "run_sandbox"),
    )
    try:
        health = running.control("GET", "health")
        assert (health["profile"], health["time_scale"]) == ("lagging", 4.0)
    finally:
        running.stop()
