"""Each pytest-xdist worker (``make test`` runs two) gets its own var/ folder and Redis keys.

Loaded with ``-p tests.parallel`` (pyproject's addopts), before pytest-django reads the settings,
so everything the settings derive from ``VAR_DIR`` (broker folder, file cache, media, e-mails,
sandbox state, rate-limit files, the SQLite file) and every Redis key (cache, provider rate
limits, broker queues: ``REDIS_KEY_PREFIX``) is the worker's own — in this process and in the
processes its tests start (Celery workers, sandboxes), which inherit the environment.
pytest-django gives each worker its own test database already (``test_<name>_gw0``).
Without xdist (``-p no:xdist``, ``-n 0``) nothing changes.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def isolate_worker(environ=os.environ) -> None:
    worker = environ.get("PYTEST_XDIST_WORKER")  # set by xdist before the worker's config is made
    if not worker:
        return
    environ["VAR_DIR"] = str(Path(environ.get("VAR_DIR") or ROOT / "var") / worker)
    prefix = environ.get("REDIS_KEY_PREFIX")
    environ["REDIS_KEY_PREFIX"] = f"{prefix}:{worker}" if prefix else worker


isolate_worker()
