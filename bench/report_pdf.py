#!/usr/bin/env python
"""`make bench`: the council report of a municipality of 200 schools, built as the worker builds it.

Makes (once, in its own var/) a Bulgarian municipality with 200 schools, 15 teachers each (a third
with accounts), the Haskovo programme for every school, three curricula with sessions and
completed enrolments, certifications, network events and three years of budget; then times
``reporting.reports.build.render`` (figures → HTML → WeasyPrint → PDF bytes) and writes
bench/results/report_pdf.json with the seconds, pages and bytes. Target: at most 10 s.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench-report"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import translation  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

SCHOOLS = int(os.environ.get("BENCH_SCHOOLS", "200"))
TEACHERS_PER_SCHOOL = 15
TARGET_SECONDS = 10.0
SLUG = "bench-council"


def make_municipality():
    from rollout.actions.programmes import create_programme
    from rollout.models import BudgetLine, Programme, Task, TaskStatus
    from rollout.programme_templates import SHIPPED
    from schools.audit import ActionContext
    from schools.models import Municipality, Person, School
    from trainings.models import (
        CertificationTarget,
        Curriculum,
        Enrolment,
        ExternalCertification,
        NetworkEvent,
        TrainingSession,
    )

    municipality = Municipality.objects.filter(slug=SLUG).first()
    if municipality is not None:
        return municipality
    with scopes_disabled(), transaction.atomic():
        municipality = Municipality.objects.create(
            slug=SLUG,
            name="Община Примерна",
            country="BG",
            language="bg",
            time_zone="Europe/Sofia",
            currency="BGN",
        )
        schools = School.objects.bulk_create(
            School(
                municipality=municipality,
                name=f"{'ОУ' if n % 3 else 'СУ'} „Христо Ботев“ № {n + 1} – град Примерно",
                kind=School.Kind.SECONDARY if n % 3 == 0 else School.Kind.PRIMARY,
                code=str(2600000 + n),
            )
            for n in range(SCHOOLS)
        )
        people = Person.objects.bulk_create(
            Person(
                municipality=municipality,
                first_name="Мария",
                last_name=f"Иванова-{s}-{t}",
                role="teacher",
                account_email=f"t{s}-{t}@primerna.example" if t % 3 == 0 else "",
            )
            for s in range(SCHOOLS)
            for t in range(TEACHERS_PER_SCHOOL)
        )
        Person.schools.through.objects.bulk_create(
            Person.schools.through(person_id=person.pk, school_id=schools[i // TEACHERS_PER_SCHOOL].pk)
            for i, person in enumerate(people)
        )
        programme = create_programme(
            ActionContext(municipality),
            SHIPPED["haskovo-school-in-the-cloud"],
            language="bg",
            starts_on=date(2026, 9, 1),
        )
        done = Task.objects.filter(activity__programme=programme).order_by("pk").values_list("pk", flat=True)
        Task.objects.filter(pk__in=list(done)[::3]).update(status=TaskStatus.DONE)
        curricula = [
            Curriculum.objects.create(municipality=municipality, title=title, language="bg")
            for title in (
                "Училище в облака: въведение",
                "Училище в облака: общуване и организация",
                "Обучение на администратори",
            )
        ]
        start = datetime(2026, 10, 5, 9, tzinfo=UTC)
        sessions = [
            TrainingSession.objects.create(
                municipality=municipality,
                curriculum=curricula[n % 3],
                starts_at=start + timedelta(days=n),
                ends_at=start + timedelta(days=n, hours=4),
                capacity=60,
            )
            for n in range(30)
        ]
        Enrolment.objects.bulk_create(
            Enrolment(
                municipality=municipality,
                session=sessions[i % 30],
                person=person,
                queued_at=start,
                completed_at=start + timedelta(days=i % 30, hours=5),
            )
            for i, person in enumerate(people[::2])
        )
        ExternalCertification.objects.bulk_create(
            ExternalCertification(
                municipality=municipality,
                person=person,
                kind="google_educator_1" if i % 10 else "google_trainer",
                obtained_on=date(2026, 10, 20),
            )
            for i, person in enumerate(people[::50])
        )
        CertificationTarget.objects.create(municipality=municipality, audience="teachers", target=50)
        CertificationTarget.objects.create(municipality=municipality, audience="trainers", target=3)
        NetworkEvent.objects.bulk_create(
            NetworkEvent(
                municipality=municipality,
                kind=("webinar", "master_class", "distance_event")[n % 3],
                title=f"Събитие {n}",
                school=schools[n % SCHOOLS],
                starts_at=start + timedelta(days=n % 60),
            )
            for n in range(300)
        )
        for year, planned, actual in ((2026, 30000, 21500), (2027, 30000, 4200), (2028, 30000, 0)):
            BudgetLine.objects.create(
                municipality=municipality,
                programme=programme,
                year=year,
                line="Обучения и лицензи",
                planned=planned,
                actual=actual,
            )
        assert programme.coverage == Programme.Coverage.ALL
    return municipality


def main() -> None:
    from reporting.reports import build
    from rollout.models import Report
    from schools.access import municipality_scope

    call_command("migrate", "--no-input", verbosity=0)
    municipality = make_municipality()
    with municipality_scope(municipality):
        report = Report.objects.create(
            kind=Report.Kind.COUNCIL,
            municipality=municipality,
            period="2026-Q4",
            starts_on=date(2026, 10, 1),
            ends_on=date(2026, 12, 31),
            language="bg",
            status=Report.Status.BUILDING,
        )
        steps = []
        with translation.override("bg"), CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            (data, pages), _name = build.render(
                report, lambda percent, step: steps.append((percent, step, time.perf_counter() - started))
            )
            seconds = time.perf_counter() - started
        report.delete()
    (ROOT / "var").mkdir(exist_ok=True)
    (ROOT / "var" / "bench-report.pdf").write_bytes(data)
    result = {
        "benchmark": "council report PDF of a municipality (reporting.reports.build.render)",
        "when": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "database": connection.vendor,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "schools": SCHOOLS,
        "teachers": SCHOOLS * TEACHERS_PER_SCHOOL,
        "seconds": round(seconds, 2),
        "target_seconds": TARGET_SECONDS,
        "met": seconds <= TARGET_SECONDS,
        "pages": pages,
        "bytes": len(data),
        "queries": len(queries),
        "steps": [{"percent": p, "step": s, "at_seconds": round(t, 2)} for p, s, t in steps],
    }
    out = ROOT / "bench" / "results" / "report_pdf.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({k: result[k] for k in ("schools", "seconds", "pages", "queries", "met")}))


if __name__ == "__main__":
    main()
