#!/usr/bin/env python
"""Provisioning benchmarks: 10,000 teachers in 100 schools applied against the sandbox by real
Celery worker processes, the way `make run` and production do it.

- ``provision_google_10k``: users in per-school units, per-school and municipal groups, on the
  sandbox's realistic Google profile.
- ``provision_microsoft_10k``: users with a licence and one group each, on the realistic Graph
  profile; also ``writes_per_account``.
- ``provision_chaos``: both providers, 10,000 teachers, on the chaos profile (server errors, dropped
  connections, throttling storms) while the worker is killed with SIGKILL three times.
- ``provision_google_2k_realtime`` and ``provision_microsoft_2k_realtime`` (issue 17): 2,000
  teachers in 20 schools at time scale 1 (real latency, replication delay and quota). Google: the
  accounts in their units (no groups); Microsoft: accounts, licences and a group each. Reports
  ``calls`` (made, against the quota) and ``calls_needed`` (what the job's operations cost when
  none is refused: the client's ``calls_for`` over all of them) and their ratio.
- ``provision_100k``: 100,000 teachers in 500 schools with units, groups and memberships on
  Google's realistic profile, at ``BENCH_100K_TIME_SCALE`` (default 20); also the peak RSS of the
  worker's processes.

The sandbox runs with a time scale (``BENCH_TIME_SCALE``, default 5): latency, replication delay
and quota windows are all divided by it, and so is ``quota_bound_seconds``, the least time the
published quota allows for the calls made: calls / quota × window / time scale (Google: 2,400
queries per minute; Graph: 3,000 writes per 150 s). ``efficiency`` = quota_bound / wall time from
"Apply" to the job's end. Results: bench/results/provision.json.

Usage: python bench/provision.py [google|microsoft|chaos|chaos-google|chaos-microsoft|realtime|
realtime-google|realtime-microsoft|100k ...] (the first three by default). Environment:
BENCH_TEACHERS (10000), BENCH_SCHOOLS (100), BENCH_CHAOS_TEACHERS (10000, in teachers/100 schools),
BENCH_REALTIME_TEACHERS (2000), BENCH_100K_TEACHERS (100000), BENCH_100K_TIME_SCALE (20),
BENCH_TIME_SCALE (5), BENCH_WORKERS (4, the concurrency).
The issue-17 scenarios also go into bench/results/region_scale.json under "provision".
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench-provision"
sys.path.insert(0, str(ROOT))

TEACHERS = int(os.environ.get("BENCH_TEACHERS", "10000"))
SCHOOLS = int(os.environ.get("BENCH_SCHOOLS", "100"))
# The chaos profile answers one call in ten with an error or a storm.
CHAOS_TEACHERS = int(os.environ.get("BENCH_CHAOS_TEACHERS", "10000"))
REALTIME_TEACHERS = int(os.environ.get("BENCH_REALTIME_TEACHERS", "2000"))
BIG_TEACHERS = int(os.environ.get("BENCH_100K_TEACHERS", "100000"))
BIG_TIME_SCALE = float(os.environ.get("BENCH_100K_TIME_SCALE", "20"))
TIME_SCALE = float(os.environ.get("BENCH_TIME_SCALE", "5"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
QUOTA = {"google": (2400, 60.0), "microsoft": (3000, 150.0)}  # published; see each client's ``quota``
GRAPH_WRITES = {
    "graph.users.create",
    "graph.users.update",
    "graph.users.delete",
    "graph.licences.assign",
    "graph.groups.create",
    "graph.groups.update",
    "graph.groups.delete",
    "graph.groups.add_member",
    "graph.groups.add_owner",
    "graph.domains.create",
    "graph.domains.verify",
    "graph.domains.delete",
}
NOT_QUOTA = {"google.batch", "google.token", "google.discovery"}


def environment(stuck_seconds: int, time_scale: float = TIME_SCALE) -> dict:
    return {
        **os.environ,
        "VAR_DIR": str(VAR),
        "PROVIDER_QUOTA_TIME_SCALE": str(time_scale),
        "JOB_ITEM_STUCK_SECONDS": str(stuck_seconds),
        "JOB_PARALLEL_TASKS": str(WORKERS * 2),
        "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", ""),
        "PYTHONUNBUFFERED": "1",
    }


def start_worker(env: dict, log) -> subprocess.Popen:
    """A Celery worker in a process group of its own, so that SIGKILL takes it and its children."""
    return subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", str(WORKERS),
         "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def peak_rss(session: int, peaks: dict[int, int]) -> None:
    """The high-water RSS (kB) of every process of the worker's session (its prefork children
    too), kept in ``peaks`` by pid: read now and then, since a killed process takes it along."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[3]) != session:  # the session id
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks[int(entry.name)] = max(peaks.get(int(entry.name), 0), int(line.split()[1]))
        except (OSError, ValueError, IndexError):
            continue


def kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def make_roster(provider: str, teachers: int, schools: int):
    """A municipality with ``schools`` schools and ``teachers`` teachers (Bulgarian names)."""
    from django_scopes import scopes_disabled

    from schools.models import Municipality, Person, School

    first = [
        "Иван",
        "Мария",
        "Георги",
        "Елена",
        "Димитър",
        "Йорданка",
        "Щерьо",
        "Цветелина",
        "Пламен",
        "Жана",
    ]
    last = ["Петров", "Иванова", "Стойчев", "Георгиева", "Димитров", "Шишкова", "Цанков", "Добрева"]
    with scopes_disabled():
        municipality = Municipality.objects.create(
            slug=f"bench-{provider}-{int(time.time())}", name=f"Bench {provider}", country="BG", language="bg"
        )
        made = School.objects.bulk_create(
            School(municipality=municipality, name=f"Училище № {n + 1}", code=f"{n + 1:07d}")
            for n in range(schools)
        )
        people = Person.objects.bulk_create(
            Person(
                municipality=municipality,
                first_name=f"{first[n % len(first)]}",
                last_name=f"{last[(n // len(first)) % len(last)]}{n}",
                role="teacher",
            )
            for n in range(teachers)
        )
        links = Person.schools.through
        links.objects.bulk_create(
            links(person_id=person.pk, school_id=made[n % schools].pk) for n, person in enumerate(people)
        )
    return municipality


def _plan_despite_errors(make_plan, ctx, provider: str):
    """Making the plan reads the provider too: on the chaos profile it fails now and then, and
    the IT admin simply asks again."""
    for attempt in range(10):
        plan = make_plan(ctx, provider)
        if plan.status != plan.Status.FAILED:
            return plan
        if attempt == 9:
            raise RuntimeError(f"no plan could be made: {plan.failure}")
        time.sleep(1)
    return None


def run(
    provider: str,
    profile: str,
    kills: int,
    *,
    teachers: int = TEACHERS,
    schools: int = SCHOOLS,
    time_scale: float = TIME_SCALE,
    groups: bool = True,
) -> dict:
    import django
    from django.conf import settings
    from django_scopes import scope

    from integrations.actions import connect_sandbox
    from integrations.models import Job, JobItem, Layout
    from integrations.operations import Op
    from integrations.planning import make_plan
    from integrations.providers import Operation, client_for
    from integrations.provisioning import jobs, progress
    from sandbox.process import start_sandbox
    from schools.audit import ActionContext

    settings.PROVIDER_QUOTA_TIME_SCALE = time_scale
    sandbox = start_sandbox(
        VAR / f"sandbox-{provider}-{profile}-{teachers}", profile=profile, time_scale=time_scale
    )
    settings.SANDBOX_URL, settings.SANDBOX_CA_FILE = sandbox.base_url, sandbox.ca
    env = {
        **environment(15 if kills else 300, time_scale),
        "SANDBOX_URL": sandbox.base_url,
        "SANDBOX_STATE_DIR": str(sandbox.state_dir),
    }
    log = open(VAR / f"worker-{provider}-{profile}-{teachers}.log", "w")  # noqa: SIM115
    workers: list[subprocess.Popen] = []
    peaks: dict[int, int] = {}
    try:
        municipality = make_roster(provider, teachers, schools)
        ctx = ActionContext(municipality)  # the system acts: no user, no address
        with scope(municipality=municipality.pk):
            connect_sandbox(ctx, provider)
            if provider == "microsoft":  # one group per teacher: their school's
                Layout.objects.update(teachers_group="", directors_group="")
            if not groups:  # the accounts in their units, nothing else
                Layout.objects.update(teachers_group="", directors_group="", school_groups=False)
            plan = _plan_despite_errors(make_plan, ctx, provider)
            planned_users = set(plan.operations.filter(op="create_user").values_list("key", flat=True))
        workers.append(start_worker(env, log))
        time.sleep(3)  # the worker is up before the clock starts
        with scope(municipality=municipality.pk):
            started = time.monotonic()
            job = jobs.start_job(ctx, plan)
            apply_seconds = time.monotonic() - started
            kill_at = [0.25, 0.5, 0.75][:kills]
            from integrations.tasks import reconcile_jobs

            last_reconcile = time.monotonic()
            while True:
                job.refresh_from_db()
                if job.status == Job.Status.DONE:
                    break
                if kill_at:  # the share done is read only while a kill is due (it costs a scan)
                    done = progress.progress(job)
                    share = (done["done"] + done["failed"]) / max(done["total"], 1)
                    if share >= kill_at[0]:
                        kill_at.pop(0)
                        kill(workers[-1])
                        workers.append(start_worker(env, log))
                if time.monotonic() - last_reconcile > 5:  # what beat does every minute, sooner
                    reconcile_jobs.delay()
                    last_reconcile = time.monotonic()
                peak_rss(workers[-1].pid, peaks)
                if time.monotonic() - started > 4 * 3600:
                    raise RuntimeError("the job did not finish within four hours")
                time.sleep(0.5 if kill_at else 1.0)  # the observer leaves the cores to the workers
            wall = time.monotonic() - started
            final = progress.progress(job)
            needed = _calls_needed(client_for, Operation, Op, connection_of(provider), job)
            unexplained = JobItem.objects.filter(job=job, status="failed", error="").count()
            failed = list(
                JobItem.objects.filter(job=job, status="failed").values_list("op", "key", "error")[:5]
            )
        stats = sandbox.control("GET", "stats")
    finally:
        for worker in workers:
            if worker.poll() is None:
                kill(worker)
        log.close()
        sandbox.stop()
    created = stats["created"]
    made = {key.rsplit(":", 1)[-1] for key in created}
    calls = stats["calls"]
    if provider == "google":
        quota_calls = sum(
            n for name, n in calls.items() if name.startswith("google.") and name not in NOT_QUOTA
        )
    else:
        quota_calls = sum(n for name, n in calls.items() if name in GRAPH_WRITES)
    limit, window = QUOTA[provider]
    bound = quota_calls / limit * window / time_scale
    result = {
        "provider": provider,
        "profile": profile,
        "time_scale": time_scale,
        "teachers": teachers,
        "schools": schools,
        "worker_processes": 1,
        "worker_concurrency": WORKERS,
        "worker_kills": kills,
        "items": final["total"],
        "done": final["done"],
        "failed": final["failed"],
        "failed_without_reason": unexplained,
        "failed_examples": failed,
        "calls": quota_calls,
        "calls_needed": needed,
        "calls_ratio": round(quota_calls / max(needed, 1), 3),
        "http_requests": sum(calls.values()),
        "calls_by_endpoint": dict(sorted(calls.items())),
        "quota_bound_seconds": round(bound, 2),
        "wall_seconds": round(wall, 2),
        "apply_request_seconds": round(apply_seconds, 2),
        "peak_worker_rss_mib": round(max(peaks.values(), default=0) / 1024, 1),
        "efficiency": round(bound / wall, 3),
        "throttled": stats["throttled"],
        "duplicates": sum(n - 1 for n in created.values() if n > 1),
        "missing": len({u.lower() for u in planned_users} - made),
    }
    if provider == "microsoft":
        successful = sum(
            n
            for key, n in stats["statuses"].items()
            if key.rsplit(":", 1)[0] in GRAPH_WRITES and key.rsplit(":", 1)[1].startswith("2")
        )
        result["writes"] = successful
        result["writes_per_account"] = round(successful / max(len(planned_users), 1), 3)
    django.db.connections.close_all()
    return result


def connection_of(provider: str):
    from integrations.models import Connection

    return Connection.objects.get(provider=provider)


def _calls_needed(client_for, operation, op, connection, job) -> int:
    """What the job's operations cost of the quota when none is refused or repeated: the
    client's own ``calls_for`` over all of them (Google: one call each; Graph: one write each,
    memberships bound 20 to a write)."""
    from integrations.models import JobItem

    client = client_for(connection)
    try:
        operations = [
            operation(op(name), key, payload)
            for name, key, payload in JobItem.objects.filter(job=job)
            .values_list("op", "key", "payload")
            .iterator()
        ]
        return client.calls_for(operations)
    finally:
        client.close()


def main(argv: list[str]) -> None:
    wanted = argv or ["google", "microsoft", "chaos"]
    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    os.environ.update({k: v for k, v in environment(300).items() if k != "CELERY_BROKER_URL"})
    if os.environ.get("BENCH_BROKER_URL"):
        os.environ["CELERY_BROKER_URL"] = os.environ["BENCH_BROKER_URL"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)
    out = ROOT / "bench" / "results" / "provision.json"
    report = json.loads(out.read_text()) if out.exists() else {}
    report.update(
        {
            "benchmark": "provisioning against the sandbox by real Celery workers",
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": django.db.connection.vendor,
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        }
    )
    scenarios = {
        "google": [("provision_google_10k", "google", "realistic", 0)],
        "microsoft": [("provision_microsoft_10k", "microsoft", "realistic", 0)],
        "chaos": [
            ("provision_chaos_google", "google", "chaos", 3),
            ("provision_chaos_microsoft", "microsoft", "chaos", 3),
        ],
    }
    chaos = {"teachers": CHAOS_TEACHERS, "schools": max(1, CHAOS_TEACHERS // 100)}
    realtime = {"teachers": REALTIME_TEACHERS, "schools": max(1, REALTIME_TEACHERS // 100), "time_scale": 1.0}
    options = {
        "provision_chaos_google": chaos,
        "provision_chaos_microsoft": chaos,
        "provision_google_2k_realtime": {**realtime, "groups": False},
        "provision_microsoft_2k_realtime": realtime,
        "provision_100k": {
            "teachers": BIG_TEACHERS,
            "schools": max(1, BIG_TEACHERS // 200),
            "time_scale": BIG_TIME_SCALE,
        },
    }
    scenarios.update(
        {
            "realtime": [
                ("provision_google_2k_realtime", "google", "realistic", 0),
                ("provision_microsoft_2k_realtime", "microsoft", "realistic", 0),
            ],
            "100k": [("provision_100k", "google", "realistic", 0)],
        }
    )
    scenarios["chaos-google"], scenarios["chaos-microsoft"] = ([s] for s in scenarios["chaos"])
    scenarios["realtime-google"], scenarios["realtime-microsoft"] = ([s] for s in scenarios["realtime"])
    for name in wanted:
        for key, provider, profile, kills in scenarios[name]:
            result = run(provider, profile, kills, **options.get(key, {}))
            report[key] = result
            region_scale(key, result)
            shown = {k: v for k, v in result.items() if k not in ("calls_by_endpoint", "failed_examples")}
            print(key, json.dumps(shown))
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written to {out.relative_to(ROOT)}")


def region_scale(key: str, result: dict) -> None:
    """Issue 17's figures, under "provision" in bench/results/region_scale.json (read, updated,
    written back: other benchmarks keep their own keys there)."""
    out = ROOT / "bench" / "results" / "region_scale.json"
    report = json.loads(out.read_text()) if out.exists() else {}
    section = report.setdefault("provision", {})
    shown = {k: v for k, v in result.items() if k != "failed_examples"}
    if key.startswith("provision_chaos_"):
        section.setdefault("provision_chaos", {})[result["provider"]] = shown
    else:
        section[key] = shown
    section["when"] = datetime.now(UTC).isoformat(timespec="seconds")
    section["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, shared"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
