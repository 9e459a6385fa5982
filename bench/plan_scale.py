#!/usr/bin/env python
"""`plan_220k`: a region's plan made by a real Celery worker, for Google and for Microsoft.

A generated region (deterministic by ``BENCH_SEED``): 500 schools, 20,000 teachers and 200,000
students in one municipality, on PostgreSQL. Students get no account from a plan by default
(``PLAN_EXCLUDED_ROLES``); the worker here runs with ``PLAN_EXCLUDED_ROLES=none`` so that all
220,000 people are planned. The sandbox already holds half of the accounts (every second person
by primary key, 1 % of them under an older family name), written straight into its store, and
nothing else: the plan makes the other half, the units, the groups and their memberships (and,
for Microsoft, the licences).

For each provider "Make a plan" is asked for as the page does (a POST, timed), a fresh worker
process (solo pool, so the task runs in the process measured) makes it, and the benchmark
records: wall seconds from the POST to the plan being ready, the worker's CPU seconds and peak
RSS (VmHWM), the time the provider took to be read (the plan's progress), the operations, and
the plan page's HTML bytes (the first page, and one school's page). Targets: ≤ 90 s wall,
≤ 600 MiB peak RSS, ≤ 300 KB of HTML.

Needs PostgreSQL (DATABASE_URL) and a broker (CELERY_BROKER_URL). Writes the key "plan" of
bench/results/region_scale.json (the other keys are left as they are).

Usage: python bench/plan_scale.py [google] [microsoft]. Environment: BENCH_SEED (17),
BENCH_SCHOOLS (500), BENCH_TEACHERS (20000), BENCH_STUDENTS (200000).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench-plan"))
os.environ["PLAN_EXCLUDED_ROLES"] = "none"  # everyone gets an account: 220,000 of them
VAR = Path(os.environ["VAR_DIR"]).resolve()
RESULTS = ROOT / "bench" / "results" / "region_scale.json"
SEED = int(os.environ.get("BENCH_SEED", "17"))
SCHOOLS = int(os.environ.get("BENCH_SCHOOLS", "500"))
TEACHERS = int(os.environ.get("BENCH_TEACHERS", "20000"))
STUDENTS = int(os.environ.get("BENCH_STUDENTS", "200000"))
TARGETS = {"wall_seconds": 90, "worker_peak_rss_mib": 600, "page_html_kb": 300}

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection as database  # noqa: E402
from django.test import Client  # noqa: E402
from django_scopes import scope, scopes_disabled  # noqa: E402

from integrations.actions import connect_sandbox  # noqa: E402
from integrations.logins import AddressBook  # noqa: E402
from integrations.models import Connection, Layout, Plan  # noqa: E402
from integrations.planning import _people, _schools  # noqa: E402
from integrations.plans import domain_for, person_key  # noqa: E402
from sandbox.google import model as google_model  # noqa: E402
from sandbox.microsoft import directory as graph_directory  # noqa: E402
from sandbox.microsoft.users import LIST_PROPS, SELECTABLE  # noqa: E402
from sandbox.process import start_sandbox  # noqa: E402
from schools.audit import ActionContext  # noqa: E402
from schools.models import Membership, Municipality, Person, School, User  # noqa: E402

FIRST = [
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
    "Николай",
    "Десислава",
    "Стоян",
    "Радослава",
    "Христо",
    "Теодора",
    "Васил",
    "Калина",
    "Борис",
    "Нели",
]
LAST = [
    "Петров",
    "Иванова",
    "Стойчев",
    "Георгиева",
    "Димитров",
    "Шишкова",
    "Цанков",
    "Добрева",
    "Колев",
    "Маринова",
    "Тодоров",
    "Николова",
    "Христов",
    "Стоянова",
    "Атанасов",
    "Илиева",
    "Янков",
    "Попова",
]


# --- the region -----------------------------------------------------------------------------------
def region() -> Municipality:
    """The generated municipality (made once per seed and size, then reused)."""
    slug = f"region-{SEED}-{SCHOOLS}-{TEACHERS}-{STUDENTS}"
    with scopes_disabled():
        found = Municipality.objects.filter(slug=slug).first()
        if found is not None:
            return found
        started = time.monotonic()
        rng = random.Random(SEED)
        municipality = Municipality.objects.create(
            slug=slug, name="Bench region", country="BG", language="bg"
        )
        Layout.objects.create(municipality=municipality, domain=f"{slug}.sandbox.example", name_language="bg")
        schools = School.objects.bulk_create(
            School(municipality=municipality, name=f"Училище № {n + 1:03d}", code=f"{n + 1:07d}")
            for n in range(SCHOOLS)
        )
        links = Person.schools.through
        for start in range(0, TEACHERS + STUDENTS, 20_000):
            batch = [
                Person(
                    municipality=municipality,
                    first_name=rng.choice(FIRST),
                    last_name=f"{rng.choice(LAST)}{rng.randrange(400) or ''}",
                    role="teacher" if n < TEACHERS else "student",
                )
                for n in range(start, min(start + 20_000, TEACHERS + STUDENTS))
            ]
            made = Person.objects.bulk_create(batch, batch_size=5000)
            links.objects.bulk_create(
                (links(person_id=p.pk, school_id=schools[rng.randrange(SCHOOLS)].pk) for p in made),
                batch_size=10_000,
            )
        print(f"region seeded in {time.monotonic() - started:.0f} s", flush=True)
        return municipality


def it_admin(municipality: Municipality) -> Client:
    with scopes_disabled():
        user, _made = User.objects.get_or_create(email=f"itadmin@{municipality.slug}.example")
        Membership.objects.get_or_create(user=user, municipality=municipality, defaults={"role": "it_admin"})
    client = Client()
    client.force_login(user)
    session = client.session
    session["portal_mfa_ok"] = True  # the benchmark measures the plan, not the sign-in
    session.save()
    return client


# --- the provider already holding half -------------------------------------------------------------
def preload(sandbox, municipality: Municipality, provider: str) -> int:
    """Every second person's account (by primary key) written into the sandbox's store, at the
    address the plan will give them; 1 % under an older family name."""
    connection = Connection.objects.get(provider=provider)
    layout = Layout.current(municipality)
    book = AddressBook(domain=domain_for(layout), pattern=layout.login_pattern, language=layout.name_language)
    root = layout.ou_root.rstrip("/")
    progress = type("Quiet", (), {"count": lambda *_a: None})()
    docs = []
    for person in _people(_schools(), progress):
        address = book.assign(person).address
        if person.pk % 2:
            continue
        first = person.schools[0] if person.schools else None
        unit = f"{root}/{first.name}/{'Teachers' if person.role == 'teacher' else 'Students'}"
        family = person.last_name + ("-Old" if person.pk % 200 == 0 else "")
        docs += _docs(provider, connection, address, person.first_name, family, person_key(person.pk), unit)
    state = sqlite3.connect(str(sandbox.state_dir / "state.sqlite3"), timeout=60)
    with state:
        state.executemany("INSERT INTO docs (kind, scope, id, data, visible_at) VALUES (?, ?, ?, ?, 0)", docs)
    state.close()
    return len(docs) // 2


def _docs(provider, connection, address, given, family, key, unit) -> list[tuple]:
    uid = f"{int(hashlib.md5(address.encode()).hexdigest(), 16) % 10**20:020d}"  # noqa: S324 (an id, not a secret)
    if provider == "google":
        user = {
            "kind": "admin#directory#user", "id": f"1{uid}", "primaryEmail": address,
            "name": {"givenName": given, "familyName": family, "fullName": f"{given} {family}"},
            "isAdmin": False, "suspended": False, "archived": False, "orgUnitPath": unit,
            "emails": [{"address": address, "primary": True}], "customerId": connection.customer_id,
            "externalIds": [{"type": "custom", "customType": "school-in-the-cloud", "value": key}],
            "creationTime": "2026-01-01T00:00:00.000Z",
        }  # fmt: skip
        google_model.with_etag(user)
        claim = {"type": "user", "id": user["id"], "customer": connection.customer_id}
        return [
            (google_model.USER, connection.customer_id, user["id"], json.dumps(user)),
            (google_model.ADDRESS, google_model.GLOBAL, address, json.dumps(claim)),
        ]
    user_id = f"{uid[:8]}-{uid[8:12]}-4{uid[12:15]}-8{uid[15:18]}-{uid[:12]}"
    user = {prop: ([] if prop in LIST_PROPS else None) for prop in SELECTABLE}
    user.update({
        "id": user_id, "userPrincipalName": address, "displayName": f"{given} {family}", "givenName": given,
        "surname": family, "mailNickname": address.split("@")[0], "accountEnabled": True, "employeeId": key,
        "usageLocation": connection.usage_location or None, "userType": "Member", "assignedLicenses": [],
        "assignedPlans": [], "proxyAddresses": [], "createdDateTime": "2026-01-01T00:00:00Z",
    })  # fmt: skip
    return [
        (graph_directory.USER, connection.tenant_id, user_id, json.dumps(user)),
        (graph_directory.UPN, connection.tenant_id, address, json.dumps({"userId": user_id})),
    ]


# --- one plan, measured ----------------------------------------------------------------------------
def worker(log) -> subprocess.Popen:
    state_dir = str(Path(settings.SANDBOX_CA_FILE).parent)
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "SANDBOX_URL": settings.SANDBOX_URL,
        "SANDBOX_STATE_DIR": state_dir,
    }
    return subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-Q", "provisioning",
         "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def measure(municipality: Municipality, client: Client, provider: str) -> dict:
    log = open(VAR / f"worker-plan-{provider}.log", "w")  # noqa: SIM115
    process = worker(log)
    try:
        time.sleep(4)  # the worker is up (and imported) before the clock starts
        cpu_before, rss_before = cpu_seconds(process.pid), peak_rss_mib(process.pid)
        slug = municipality.slug
        client.get(f"/m/{slug}/plans/")  # the web process is warm, as it is when a user clicks
        asked = time.monotonic()
        response = client.post(f"/m/{slug}/plans/new/{provider}/")
        request_seconds = time.monotonic() - asked
        assert response.status_code == 302, response
        with scope(municipality=municipality.pk):
            plan = Plan.objects.latest("pk")
        read_at = None
        while True:
            plan.refresh_from_db()
            if read_at is None and plan.progress.get("stage") == "people":
                read_at = time.monotonic()
            if plan.status != Plan.Status.MAKING:
                break
            if time.monotonic() - asked > 1800:
                raise RuntimeError("no plan within half an hour")
            time.sleep(0.2)
        wall = time.monotonic() - asked
        cpu, rss = cpu_seconds(process.pid) - cpu_before, peak_rss_mib(process.pid)
        load = os.getloadavg()[0]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        log.close()
    assert plan.status in (Plan.Status.READY, Plan.Status.BLOCKED), (plan.status, plan.failure)
    pages = {}
    for name, query in (("first", {}), ("school", {"school": "Училище № 001"}), ("last", {"page": 10_000})):
        started = time.monotonic()
        page = client.get(f"/m/{slug}/plans/{plan.pk}/", query)
        pages[name] = {"bytes": len(page.content), "seconds": round(time.monotonic() - started, 3)}
        assert page.status_code == 200
    html_kb = round(max(p["bytes"] for p in pages.values()) / 1024, 1)
    return {
        "provider": provider,
        "people_planned": TEACHERS + STUDENTS,
        "accounts_at_provider_before": plan.progress.get("accounts"),
        "operations": plan.operation_count,
        "counts": plan.summary["counts"],
        "request_seconds": round(request_seconds, 3),
        "wall_seconds": round(wall, 1),
        "provider_read_seconds": round((read_at or asked) - asked, 1),
        # When each stage of the making began, in seconds from the worker's start on it.
        "timeline": plan.progress.get("timeline"),
        "worker_cpu_seconds": round(cpu, 1),
        "worker_peak_rss_mib": rss,
        "worker_rss_before_mib": rss_before,
        # The machine is shared: the 1-minute load average when the plan was ready (2 cores).
        "load_average": round(load, 1),
        "page_html_kb": html_kb,
        "pages": pages,
        "meets": {
            "wall_seconds": wall <= TARGETS["wall_seconds"],
            "worker_peak_rss_mib": rss <= TARGETS["worker_peak_rss_mib"],
            "page_html_kb": html_kb <= TARGETS["page_html_kb"],
        },
    }


def main(providers: list[str]) -> None:
    assert database.vendor == "postgresql", "plan_220k runs on PostgreSQL (DATABASE_URL)"
    VAR.mkdir(parents=True, exist_ok=True)
    municipality = region()
    client = it_admin(municipality)
    ctx = ActionContext(municipality)
    results = []
    for provider in providers:
        sandbox = start_sandbox(VAR / f"sandbox-{provider}", profile="fast", time_scale=1)
        settings.SANDBOX_URL, settings.SANDBOX_CA_FILE = sandbox.base_url, sandbox.ca
        try:
            with scope(municipality=municipality.pk):
                connect_sandbox(ctx, provider)
                loaded = preload(sandbox, municipality, provider)
            print(f"{provider}: {loaded} accounts preloaded", flush=True)
            result = measure(municipality, client, provider)
            result["accounts_preloaded"] = loaded
            results.append(result)
            print(json.dumps(result, ensure_ascii=False), flush=True)
        finally:
            sandbox.stop()
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    existing["plan"] = {
        "benchmark": "plan_220k",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "region": {
            "seed": SEED,
            "schools": SCHOOLS,
            "teachers": TEACHERS,
            "students": STUDENTS,
            "planned_roles": "everyone (PLAN_EXCLUDED_ROLES=none)",
        },  # fmt: skip
        "targets": TARGETS,
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(existing, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:] or ["google", "microsoft"])
