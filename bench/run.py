#!/usr/bin/env python
"""`make bench`: page latency and query counts for the tenant pages on the full demo data.

Runs in its own var/ (VAR_DIR, set by the Makefile), on SQLite unless DATABASE_URL is set.
Writes bench/results/pages.json. Provisioning throughput is bench/provision.py.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

settings.ALLOWED_HOSTS = ["testserver"]
REPEATS = int(os.environ.get("BENCH_REPEATS", "30"))
PAGES = [
    "",
    "schools/",
    "people/",
    "people/?q=ов",
    "members/",
    "audit/",
    "surveys/",
    "programmes/",
    "my-tasks/",
    "trainings/",
    "trainings/certifications/",
    "trainings/events/",
    "trainings/quotas/",
]


def measure(client: Client, path: str) -> dict:
    client.get(path)  # warm-up
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    timings.sort()
    return {
        "path": path,
        "requests": REPEATS,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "max_ms": round(timings[-1], 2),
        "queries": len(queries),
    }


def main() -> None:
    call_command("migrate", "--no-input", verbosity=0)
    call_command("seed_demo", "--quiet-logins", verbosity=0)
    from schools.models import User

    client = Client()
    client.force_login(User.objects.get(email="officer@haskovo.example"))
    session = client.session
    session["portal_mfa_ok"] = True  # the benchmark measures pages, not the enrolment step
    session.save()
    results = [measure(client, f"/m/haskovo/{page}") for page in PAGES]
    report = {
        "benchmark": "tenant pages on the demo data (Haskovo officer)",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "pages": results,
    }
    out = ROOT / "bench" / "results" / "pages.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for row in results:
        timing = f"p50 {row['p50_ms']:>7} ms  p95 {row['p95_ms']:>7} ms"
        print(f"{row['path']:<32} {timing}  {row['queries']} queries")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
