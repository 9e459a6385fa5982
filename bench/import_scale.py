#!/usr/bin/env python
"""`make bench`: a region's roster imported through the web pages and a real Celery worker.

A generated region (``BENCH_SCHOOLS`` 500 schools; ``BENCH_TEACHERS`` 20,000 teachers and
``BENCH_STUDENTS`` 200,000 students: 220,000 rows; deterministic by ``BENCH_SEED``) is
uploaded as one CSV into an empty municipality by the Django test client (this process is the
web process), checked and applied by a ``celery worker --pool solo`` process:

- ``import_220k``: upload → checked → confirmed → applied, wall and CPU seconds of each process
  and their peak RSS (VmHWM, reset before the step). Targets: ≤ 60 s, ≤ 400 MiB.
- ``import_220k_second``: the next file — 10 % of the people changed, 2 % gone (marked leaving)
  — into the full roster. Target: ≤ 60 s.
- ``import_ratio``: in a second municipality, the time of the first 20,000 rows into an empty
  roster, and of the last 20,000 into a roster of 200,000 (the 180,000 between imported
  untimed): last / first. Target: ≤ 1.5.

Results under the key "import" of bench/results/region_scale.json (other benchmarks write the
file's other keys). The generator is this file's ``write_csv`` until bench/roster_files.py
lands with the shared one.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench-import"))

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django_scopes import scope, scopes_disabled  # noqa: E402

SCHOOLS = int(os.environ.get("BENCH_SCHOOLS", "500"))
TEACHERS = int(os.environ.get("BENCH_TEACHERS", "20000"))
STUDENTS = int(os.environ.get("BENCH_STUDENTS", "200000"))
SEED = int(os.environ.get("BENCH_SEED", "17"))
RATIO_PART = int(os.environ.get("BENCH_RATIO_PART", "20000"))
TARGETS = {"seconds": 60.0, "rss_mib": 400.0, "ratio": 1.5}
OUT = ROOT / "bench" / "results" / "region_scale.json"
FILES = Path(os.environ["VAR_DIR"]) / "files"

FIRST = ["Иван", "Мария", "Георги", "Елена", "Димитър", "Анна", "Николай", "Петя", "Стефан", "Ирина",
         "Александър", "Виктория", "Павел", "Йорданка", "Борис", "Десислава"]  # fmt: skip
LAST = ["Петров", "Иванова", "Георгиев", "Димитрова", "Николов", "Стоянова", "Христов", "Тодорова",
        "Василев", "Попова", "Михайлов", "Ангелова", "Костов", "Маринова", "Илиев", "Колева"]  # fmt: skip
HEADER = ["id", "First name", "Last name", "School code", "Email", "Role"]


# --- the generated region ---------------------------------------------------------------------
def school_code(k: int) -> str:
    return str(2800000 + k)


def people(seed: int, n: int, schools: int):
    """(id, first, last, school code, e-mail, role) rows: teachers first, then students."""
    rng = random.Random(seed)
    for k in range(n):
        role = "teacher" if k < TEACHERS else "student"
        first, last = rng.choice(FIRST), rng.choice(LAST)
        yield [f"P{k:07d}", first, f"{last}{k % 97}", school_code(k % schools), f"p{k}@region.example", role]


def write_csv(path: Path, rows) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def next_year(rows, seed: int):
    """10 % changed (a new surname), 2 % gone."""
    rng = random.Random(seed + 1)
    for row in rows:
        draw = rng.random()
        if draw < 0.02:
            continue
        if draw < 0.12:
            row = [*row[:2], row[2] + "-Нова", *row[3:]]
        yield row


# --- processes ---------------------------------------------------------------------------------
def status_field(pid: int | str, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])  # kB
    return 0


def reset_peak(pid: int | str) -> None:
    """Linux: writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def start_worker(log) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


# --- the pages -----------------------------------------------------------------------------------
def make_municipality(slug: str):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from schools.models import Membership, Municipality, School, User
    from schools.roles import Role

    with scopes_disabled():
        municipality = Municipality.objects.create(
            slug=slug, name=f"Област {slug}", country="BG", language="bg"
        )
        School.objects.bulk_create(
            School(municipality=municipality, name=f"Училище № {k + 1}", code=school_code(k))
            for k in range(SCHOOLS)
        )
        User.objects.filter(email=f"officer@{slug}.example").delete()  # an earlier run's
        user = User.objects.create_user(f"officer@{slug}.example", "x")
        Membership.objects.create(user=user, municipality=municipality, role=Role.OFFICER)
        TOTP.activate(user, generate_totp_secret())  # officers sign in with a second factor
    client = Client()
    client.force_login(user)
    return municipality, client


def wait(municipality, pk: int, *statuses: str, timeout: float = 3600):
    from integrations.models import RosterImport

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with scope(municipality=municipality.pk):
            found = RosterImport.objects.get(pk=pk)
        if found.status in statuses:
            return found
        if found.status == "failed":
            raise SystemExit(f"import {pk} failed: {found.error}")
        time.sleep(0.2)
    raise SystemExit(f"import {pk} timed out")


def import_file(municipality, client, path: Path, worker: subprocess.Popen, *, mark_leaving: bool) -> dict:
    """Upload → preview → confirm → applied, through the pages; the figures of the step."""
    slug = municipality.slug
    for pid in ("self", worker.pid):
        reset_peak(pid)
    web_cpu, worker_cpu = own_cpu(), cpu_seconds(worker.pid)
    started = time.monotonic()
    with open(path, "rb") as handle:
        upload = SimpleUploadedFile(path.name, handle.read(), content_type="text/csv")
    response = client.post(f"/m/{slug}/people/import/", {"file": upload})
    del upload
    assert response.status_code == 302, response.content[:2000]
    pk = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    page_seconds = [time.monotonic() - started]
    checked = wait(municipality, pk, "preview")
    check_done = time.monotonic()
    review_started = time.monotonic()
    review = client.get(response["Location"])
    page_seconds.append(time.monotonic() - review_started)
    html_bytes = len(review.content)
    data = {name: "" if column is None else str(column) for name, column in checked.mapping.items()}
    if mark_leaving:
        data["mark_leaving"] = "on"
    confirm_started = time.monotonic()
    assert client.post(response["Location"], {**data, "apply": "1"}).status_code == 302
    page_seconds.append(time.monotonic() - confirm_started)
    applied = wait(municipality, pk, "applied")
    wall = time.monotonic() - started
    return {
        "rows": checked.counts["rows"],
        "counts": {k: checked.counts[k] for k in ("new", "changed", "unchanged", "leaving", "errors")},
        "result": applied.result,
        "wall_seconds": round(wall, 2),
        "check_seconds": round(check_done - started, 2),
        "apply_seconds": round(time.monotonic() - confirm_started, 2),
        "web_cpu_seconds": round(own_cpu() - web_cpu, 2),
        "worker_cpu_seconds": round(cpu_seconds(worker.pid) - worker_cpu, 2),
        "web_peak_rss_mib": round(status_field("self", "VmHWM") / 1024, 1),
        "worker_peak_rss_mib": round(status_field(worker.pid, "VmHWM") / 1024, 1),
        # upload (the 17 MB file sent, stored and its columns read), review, confirm
        "page_seconds": [round(seconds, 3) for seconds in page_seconds],
        "review_page_bytes": html_bytes,
    }


def held(step: dict, seconds: float) -> dict:
    step["target"] = {"wall_seconds": seconds, "peak_rss_mib": TARGETS["rss_mib"]}
    step["met"] = (
        step["wall_seconds"] <= seconds
        and max(step["web_peak_rss_mib"], step["worker_peak_rss_mib"]) <= TARGETS["rss_mib"]
    )
    return step


def clean_previous() -> None:
    from schools.models import Municipality

    with scopes_disabled():
        for municipality in Municipality.objects.filter(slug__startswith="bench-region"):
            with connection.cursor() as cursor:  # 220,000 people: one statement, not the ORM's cascade
                cursor.execute(
                    "DELETE FROM schools_person_schools WHERE person_id IN "
                    "(SELECT id FROM schools_person WHERE municipality_id = %s)",
                    [municipality.pk],
                )
                cursor.execute(
                    "DELETE FROM integrations_rosterimportrow WHERE roster_import_id IN "
                    "(SELECT id FROM integrations_rosterimport WHERE municipality_id = %s)",
                    [municipality.pk],
                )
                cursor.execute("DELETE FROM schools_person WHERE municipality_id = %s", [municipality.pk])
            # The municipality stays: its audit trail is append-only. Each run makes new ones.


def main() -> None:
    call_command("migrate", "--no-input", verbosity=0)
    clean_previous()
    total = TEACHERS + STUDENTS
    first = FILES / "region.csv"
    second = FILES / "region-next-year.csv"
    write_csv(first, people(SEED, total, SCHOOLS))
    write_csv(second, next_year(people(SEED, total, SCHOOLS), SEED))
    parts = [FILES / "part-first.csv", FILES / "part-middle.csv", FILES / "part-last.csv"]
    bounds = [(0, RATIO_PART), (RATIO_PART, total - RATIO_PART), (total - RATIO_PART, total)]
    for path, (start, end) in zip(parts, bounds, strict=True):
        write_csv(path, (row for k, row in enumerate(people(SEED, total, SCHOOLS)) if start <= k < end))
    log = open(Path(os.environ["VAR_DIR"]) / "worker.log", "w")  # noqa: SIM115 (closed below)
    worker = start_worker(log)
    time.sleep(5)
    report: dict = {}
    try:
        run = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        municipality, client = make_municipality(f"bench-region-{run}")
        report["import_220k"] = held(
            import_file(municipality, client, first, worker, mark_leaving=True), 60.0
        )
        print("import_220k", json.dumps(report["import_220k"], ensure_ascii=False), flush=True)
        report["import_220k_second"] = held(
            import_file(municipality, client, second, worker, mark_leaving=True), 60.0
        )
        print("import_220k_second", json.dumps(report["import_220k_second"], ensure_ascii=False), flush=True)
        municipality, client = make_municipality(f"bench-region-ratio-{run}")
        steps = [import_file(municipality, client, path, worker, mark_leaving=False) for path in parts]
        ratio = steps[2]["wall_seconds"] / steps[0]["wall_seconds"]
        report["import_ratio"] = {
            "value": round(ratio, 3),
            "first_part_seconds": steps[0]["wall_seconds"],
            "last_part_seconds": steps[2]["wall_seconds"],
            "middle_part_seconds": steps[1]["wall_seconds"],
            "rows_per_part": RATIO_PART,
            "target": TARGETS["ratio"],
            "met": ratio <= TARGETS["ratio"],
        }
        print("import_ratio", json.dumps(report["import_ratio"]), flush=True)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        log.close()
    report.update(
        {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "region": {"schools": SCHOOLS, "teachers": TEACHERS, "students": STUDENTS, "seed": SEED},
            "database": connection.vendor,
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "how": "Django test client in this process (the web process) + celery worker --pool solo",
        }
    )
    results = json.loads(OUT.read_text()) if OUT.exists() else {}
    results["import"] = report
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
