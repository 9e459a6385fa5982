#!/usr/bin/env python
"""`make bench`: many people at once. 200 directors answering their school's readiness survey
and 50 officers reading the dashboard, the campaign's results and the roster, against gunicorn
and PostgreSQL on this machine for LOAD_SECONDS (default 120), driven by Locust
(bench/locustfile.py); then the same with one hostile request a second mixed in (the slowest we
know of: an exponent of a million, a 4,300-digit number, a 40-word roster search, a 5,000-digit
id). Targets: 0 errors; with the hostile requests the others' p95 may not double.

The municipality (200 schools, 20 teachers each, a campaign sent to all) is made once in its own
database (LOAD_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/bench_load); each
user's session is made directly, as a sign-in with TOTP would leave it (the sign-in itself is
measured by the brute-force tests, not here). Gunicorn keeps connections alive for 65 s, as a
browser's proxy would: with its default of 2 s a client reusing a connection after a pause
races the server closing it, and the resets that follow are the benchmark's, not the portal's.
Writes bench/results/load.json.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATABASE = os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_load")
os.environ["DATABASE_URL"] = DATABASE
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench-load"))
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/11")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/10")
os.environ.setdefault("REDIS_KEY_PREFIX", "bench-load")
SECONDS = int(os.environ.get("LOAD_SECONDS", "120"))
PORT = int(os.environ.get("LOAD_PORT", "8765"))
WEB_PROCESSES = int(os.environ.get("LOAD_WEB_PROCESSES", "4"))
SCHOOLS, DIRECTORS, OFFICERS, TEACHERS = 200, 200, 50, 20
SLUG = "load-town"
OUT = ROOT / "bench" / "results" / "load.json"


def create_database() -> None:
    import psycopg

    name = DATABASE.rsplit("/", 1)[1]
    with psycopg.connect(DATABASE.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        if not connection.execute("select 1 from pg_database where datname = %s", [name]).fetchone():
            connection.execute(f'create database "{name}"')


create_database()
sys.path.insert(0, str(ROOT))
import django  # noqa: E402

django.setup()

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

from schools.audit import ActionContext  # noqa: E402
from schools.models import Membership, Municipality, Person, School, User  # noqa: E402
from schools.roles import Role  # noqa: E402
from surveys.actions import latest_template, launch_campaign  # noqa: E402
from surveys.models import Campaign, Response  # noqa: E402


def seed() -> Municipality:
    """The municipality, once: its schools, teachers, directors, officers and a campaign."""
    municipality = Municipality.objects.filter(slug=SLUG).first()
    if municipality is not None:
        return municipality
    municipality = Municipality.objects.create(slug=SLUG, name="Load Town", language="bg")
    schools = School.objects.bulk_create(
        [
            School(municipality=municipality, name=f"Училище № {n + 1}", code=f"L{n:04d}")
            for n in range(SCHOOLS)
        ]
    )
    people = Person.objects.bulk_create(
        [
            Person(municipality=municipality, first_name=f"Иван{n}", last_name=f"Петров{n % 97}")
            for n in range(SCHOOLS * TEACHERS)
        ]
    )
    links = Person.schools.through
    links.objects.bulk_create(
        [links(person_id=p.pk, school_id=schools[i // TEACHERS].pk) for i, p in enumerate(people)]
    )
    password = User(email="x@example.org")
    password.set_password("load-bench-2026")
    users = User.objects.bulk_create(
        [
            User(email=f"director{n}@load.example", password=password.password, language="bg")
            for n in range(DIRECTORS)
        ]
        + [
            User(email=f"officer{n}@load.example", password=password.password, language="bg")
            for n in range(OFFICERS)
        ]
        + [User(email="hostile@load.example", password=password.password, language="bg")]
    )
    for n, user in enumerate(users[:DIRECTORS]):
        Membership.objects.create(user=user, municipality=municipality, role=Role.DIRECTOR).schools.add(
            schools[n]
        )
    for user in users[DIRECTORS:]:
        Membership.objects.create(user=user, municipality=municipality, role=Role.OFFICER)
        TOTP.activate(user, generate_totp_secret())
    hostile = users[-1]
    Membership.objects.create(user=hostile, municipality=municipality, role=Role.DIRECTOR).schools.add(
        schools[0]
    )
    launch_campaign(
        ActionContext(municipality),
        template=latest_template("altai-pilot-criteria"),
        name="Готовност 2026",
        deadline=timezone.localdate() + timedelta(days=30),
        schools=schools,
    )
    return municipality


def session_for(user: User) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store["portal_mfa_ok"] = True  # as after a sign-in with TOTP
    store.set_expiry(24 * 3600)
    store.save()
    return store.session_key


def sessions(municipality: Municipality) -> dict:
    base = f"/m/{SLUG}/"
    campaign = Campaign.objects.filter(municipality=municipality).latest("pk")
    responses = dict(Response.objects.filter(campaign=campaign).values_list("school__code", "pk"))
    directors = []
    for user in User.objects.filter(email__startswith="director", email__endswith="@load.example"):
        n = int(user.email.removeprefix("director").split("@")[0])
        survey = f"{base}surveys/responses/{responses[f'L{n:04d}']}/"
        directors.append({"session": session_for(user), "survey": survey})
    officers = [
        {
            "session": session_for(user),
            "dashboard": base,
            "results": f"{base}surveys/{campaign.pk}/",
            "people": f"{base}people/",
        }
        for user in User.objects.filter(email__startswith="officer", email__endswith="@load.example")
    ]
    hostile_user = User.objects.get(email="hostile@load.example")
    hostile = {
        "session": session_for(hostile_user),
        "survey": f"{base}surveys/responses/{responses['L0000']}/",
        "people": f"{base}people/",
        "dashboard": base,
    }
    return {"directors": directors, "officers": officers, "hostile": hostile}


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 (our own local server)
            return
        except urllib.error.HTTPError:  # answering (503: no Celery worker here, which is fine)
            return
        except Exception:  # noqa: BLE001 (not up yet)
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer")


def run_locust(plan_file: Path, hostile: bool, prefix: Path) -> dict:
    env = {**os.environ, "LOAD_SESSIONS": str(plan_file), "LOAD_HOSTILE": "1" if hostile else "0"}
    users = DIRECTORS + OFFICERS + (1 if hostile else 0)
    subprocess.run(  # noqa: S603 (our own programs)
        [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "-u", str(users),
         "-r", "50", "-t", f"{SECONDS}s", "--host", f"http://127.0.0.1:{PORT}", "--csv", str(prefix),
         "--only-summary", "--loglevel", "WARNING"],
        env=env, check=False, cwd=ROOT,
    )  # fmt: skip
    pages = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
        for row in csv.DictReader(stats):
            if row["Name"] == "Aggregated":
                continue
            pages[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "median_ms": float(row["50%"] or 0),
                "p95_ms": float(row["95%"] or 0),
                "max_ms": float(row["Max Response Time"] or 0),
            }
    return pages


def main() -> int:
    call_command("migrate", "--no-input", verbosity=0)
    with scopes_disabled():
        municipality = seed()
        plan = sessions(municipality)
    var = Path(os.environ["VAR_DIR"])
    var.mkdir(parents=True, exist_ok=True)
    plan_file = var / "sessions.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    web = subprocess.Popen(  # noqa: S603 (our own programs)
        [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{PORT}", "--workers", str(WEB_PROCESSES),
         "--threads", "4", "--log-level", "warning", "--keep-alive", "65"],
        cwd=ROOT, env={**os.environ, "WEB_CONCURRENCY": str(WEB_PROCESSES)},
    )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{PORT}/healthz")
        baseline = run_locust(plan_file, False, var / "baseline")
        hostile = run_locust(plan_file, True, var / "hostile")
    finally:
        web.terminate()
        try:
            web.wait(timeout=30)
        except subprocess.TimeoutExpired:
            web.kill()
    ratios = {
        name: round(hostile[name]["p95_ms"] / page["p95_ms"], 2)
        for name, page in baseline.items()
        if name in hostile and page["p95_ms"]
    }
    errors = sum(p["errors"] for p in baseline.values()) + sum(
        p["errors"] for name, p in hostile.items() if name != "hostile"
    )
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "setup": {
            "seconds": SECONDS,
            "directors": DIRECTORS,
            "officers": OFFICERS,
            "schools": SCHOOLS,
            "web": f"gunicorn, {WEB_PROCESSES} processes × 4 threads, PostgreSQL, Redis cache",
        },
        "baseline": baseline,
        "with_hostile": hostile,
        "p95_ratio_with_hostile": ratios,
        "targets": {"errors": 0, "p95_ratio_max": 2.0},
        "errors": errors,
        "met": errors == 0 and all(r <= 2.0 for r in ratios.values()),
    }
    OUT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({"errors": errors, "p95_ratio_with_hostile": ratios, "met": result["met"]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
