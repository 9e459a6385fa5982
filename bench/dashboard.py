#!/usr/bin/env python
"""`make bench`: the municipal and regional dashboards for a region of 10 and of 1,000 schools.

Each region has two municipalities (90 % of the schools in the first, whose officer opens the
municipal dashboard) and 30 teachers per school (30,000 at the large size), with readiness
survey responses and teachers' self-assessments, a programme with its tasks, last quarter's
snapshots, training enrolments with feedback, certifications, accounts created by a
provisioning job, network events and budget lines — all made with bulk_create.

For each dashboard and size: the number of SQL queries and the median server time (Django test
client, BENCH_DASHBOARD_RUNS runs after a warm-up, default 15; the four pages take turns so that
the machine's load touches every size alike). Targets: the same query count at both sizes,
and the time at 1,000 schools at most 3 × the time at 10. Writes bench/results/dashboard_scale.json.
Runs in its own var/ (VAR_DIR, set by the Makefile), on SQLite unless DATABASE_URL is set.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench-dashboard"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

settings.ALLOWED_HOSTS = ["testserver"]
RUNS = int(os.environ.get("BENCH_DASHBOARD_RUNS", "15"))
SIZES = (10, 1000)
TEACHERS_PER_SCHOOL = 30


def build_region(size: int, today: date) -> dict:
    """A region of ``size`` schools in two municipalities; returns the users who open the pages."""
    from integrations.models import Job, JobItem, Plan, Provider
    from integrations.provisioning.outcomes import mark_accounts_made
    from rollout.actions.programmes import create_programme
    from rollout.models import Activity, BudgetLine, Programme, Snapshot, Task, TaskStatus
    from rollout.programme_templates import SHIPPED
    from rollout.queries import period_label, previous_period
    from schools.audit import ActionContext
    from schools.models import Membership, Municipality, Person, Region, RegionMembership, School, User
    from schools.roles import Role
    from surveys.models import Campaign, PilotGroup, Response, SurveyTemplate, TeacherResponse
    from trainings.models import (
        CertificationTarget,
        Curriculum,
        Enrolment,
        ExternalCertification,
        Feedback,
        FeedbackAnswer,
        FeedbackQuestion,
        NetworkEvent,
        QuotaRule,
        QuotaSet,
        TrainingSession,
    )

    region = Region.objects.create(slug=f"bench-{size}", name=f"Bench {size}", country="BG", language="bg")
    coordinator = User.objects.create_user(f"coordinator-{size}@bench.example", "x")
    RegionMembership.objects.create(user=coordinator, region=region, role=Role.COORDINATOR)
    officer = User.objects.create_user(f"officer-{size}@bench.example", "x")
    template = SurveyTemplate.objects.filter(slug="altai-pilot-criteria").order_by("-version").first()
    teacher_template = SurveyTemplate.objects.filter(slug="digcompedu").order_by("-version").first()
    now = timezone.now()
    previous = previous_period(today, 3)
    quarter_start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    for index, share in enumerate((0.9, 0.1)):
        n = round(size * share)
        municipality = Municipality.objects.create(
            region=region,
            slug=f"bench-{size}-{index}",
            name=f"Bench {size} / {index}",
            country="BG",
            language="bg",
            time_zone="Europe/Sofia",
            currency="BGN",
        )
        if index == 0:
            Membership.objects.create(user=officer, municipality=municipality, role=Role.OFFICER)
        programme = create_programme(
            ActionContext(municipality),
            SHIPPED["haskovo-school-in-the-cloud"],
            language="bg",
            starts_on=today - timedelta(days=200),
            coverage=Programme.Coverage.ALL,
        )
        schools = School.objects.bulk_create(
            School(municipality=municipality, name=f"School {i:04d}", code=f"{size}-{index}-{i}")
            for i in range(n)
        )
        people = Person.objects.bulk_create(
            Person(municipality=municipality, first_name="T", last_name=f"{i:06d}", role="teacher")
            for i in range(n * TEACHERS_PER_SCHOOL)
        )
        Person.schools.through.objects.bulk_create(
            Person.schools.through(person_id=p.pk, school_id=schools[i // TEACHERS_PER_SCHOOL].pk)
            for i, p in enumerate(people)
        )
        # The programme's tasks for every school, most of the past done.
        activities = list(Activity.objects.filter(programme=programme, per_school=True))
        Task.objects.bulk_create(
            Task(
                activity=a,
                municipality=municipality,
                school=s,
                status=TaskStatus.DONE
                if a.due_on and a.due_on < today and i % 4
                else (TaskStatus.IN_PROGRESS if a.starts_on and a.starts_on <= today else TaskStatus.PLANNED),
            )
            for a in activities
            for i, s in enumerate(schools)
        )
        Snapshot.objects.bulk_create(
            Snapshot(
                programme=programme,
                municipality=municipality,
                school=s,
                period=previous or period_label(today, 3),
                taken_on=quarter_start - timedelta(days=1),
                stage_name="",
                tasks_total=len(activities),
                tasks_done=len(activities) // 3,
                teachers=TEACHERS_PER_SCHOOL,
                accounts=TEACHERS_PER_SCHOOL // 2,
                trained_teachers=TEACHERS_PER_SCHOOL // 4,
                events_held=1,
            )
            for s in schools
        )
        # Readiness survey: 70 % submitted, five self-assessments per school; a pilot group.
        campaign = Campaign.objects.create(
            municipality=municipality,
            template=template,
            teacher_template=teacher_template,
            name="Readiness",
            deadline=today,
            status=Campaign.Status.CLOSED,
        )
        Response.objects.bulk_create(
            Response(
                municipality=municipality,
                campaign=campaign,
                school=s,
                status=Response.Status.SUBMITTED if i % 10 < 7 else Response.Status.DRAFT,
                answers={},
                submitted_at=now - timedelta(days=150) if i % 10 < 7 else None,
            )
            for i, s in enumerate(schools)
        )
        TeacherResponse.objects.bulk_create(
            TeacherResponse(
                municipality=municipality,
                campaign=campaign,
                school=s,
                answers={},
                level=("A2", "B1", "B2")[k % 3],
                submitted_on=today - timedelta(days=150),
            )
            for s in schools
            for k in range(5)
        )
        group = PilotGroup.objects.create(municipality=municipality, name="Pilot", campaign=campaign)
        group.schools.set(schools[::5])
        # Accounts: 80 % of the teachers created at Google by one job.
        plan = Plan.objects.create(
            municipality=municipality,
            provider=Provider.GOOGLE,
            status="applied",
            provider_state_hash="0" * 64,
        )
        job = Job.objects.create(
            municipality=municipality, plan=plan, provider=Provider.GOOGLE, status="done"
        )
        JobItem.objects.bulk_create(
            JobItem(
                job=job,
                municipality=municipality,
                seq=i,
                phase=2,
                op="create_user",
                key=f"t{p.pk}@bench.example",
                person=p,
                payload={"person": p.pk},
                status=JobItem.Status.DONE,
                outcome="created",
            )
            for i, p in enumerate(people)
            if i % 5
        )
        made = [p.pk for i, p in enumerate(people) if i % 5]
        mark_accounts_made(made)
        Job.objects.filter(pk=job.pk).update(
            items_total=len(made), items_done=len(made), accounts_made=len(made)
        )
        # Trainings: half of the teachers completed one of three curricula; a quarter gave feedback.
        sessions, questions = [], []
        for c in range(3):
            curriculum = Curriculum.objects.create(municipality=municipality, title=f"Curriculum {c}")
            questions.append(FeedbackQuestion.objects.create(curriculum=curriculum, text="Useful?"))
            sessions.append(
                TrainingSession.objects.create(
                    municipality=municipality,
                    curriculum=curriculum,
                    starts_at=now - timedelta(days=60),
                    ends_at=now - timedelta(days=60, hours=-4),
                    capacity=len(people) + 1,
                )
            )
        enrolments = Enrolment.objects.bulk_create(
            Enrolment(
                municipality=municipality,
                session=sessions[i % 3],
                person=p,
                queued_at=now - timedelta(days=70),
                completed_at=now - timedelta(days=60),
            )
            for i, p in enumerate(people)
            if i % 2 == 0
        )
        question_of = {session.pk: question for session, question in zip(sessions, questions, strict=True)}
        feedback = Feedback.objects.bulk_create(
            Feedback(municipality=municipality, enrolment=e) for i, e in enumerate(enrolments) if i % 2 == 0
        )
        FeedbackAnswer.objects.bulk_create(
            FeedbackAnswer(
                municipality=municipality,
                feedback=f,
                question=question_of[f.enrolment.session_id],
                score=5 if i % 10 else 2,
            )
            for i, f in enumerate(feedback)
        )
        ExternalCertification.objects.bulk_create(
            ExternalCertification(
                municipality=municipality,
                person=p,
                kind="google_trainer" if i % 300 == 0 else "google_educator_1",
                obtained_on=today - timedelta(days=i % 400),
            )
            for i, p in enumerate(people)
            if i % 20 == 0
        )
        CertificationTarget.objects.create(municipality=municipality, audience="teachers", target=50)
        CertificationTarget.objects.create(municipality=municipality, audience="trainers", target=3)
        quota_set = QuotaSet.objects.create(municipality=municipality, name="Quotas")
        QuotaRule.objects.create(quota_set=quota_set, kind="webinar", minimum=1, period="quarter")
        NetworkEvent.objects.bulk_create(
            NetworkEvent(
                municipality=municipality,
                school=s,
                kind="webinar",
                title="Webinar",
                starts_at=datetime(today.year, month, 15, 12, tzinfo=UTC),
            )
            for i, s in enumerate(schools)
            for month in (2, 5, 8)
            if i % 3 or month != 8
        )
        BudgetLine.objects.bulk_create(
            BudgetLine(
                municipality=municipality,
                programme=programme,
                year=today.year + k,
                line="Training",
                planned=Decimal(30000),
                actual=Decimal(12000) if k == 0 else Decimal(0),
            )
            for k in range(3)
        )
    return {"region": region, "officer": officer, "coordinator": coordinator}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session["portal_mfa_ok"] = True  # the benchmark measures pages, not the enrolment step
    session.save()
    return client


def measure(pages: dict) -> dict:
    """Median server time and queries of each page. The pages take turns, run after run, so that
    a change in the machine's load touches every size alike."""
    timings: dict = {key: [] for key in pages}
    for client, path in pages.values():
        client.get(path)  # warm-up
    for _ in range(RUNS):
        for key, (client, path) in pages.items():
            started = time.perf_counter()
            response = client.get(path)
            timings[key].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
    results = {}
    for key, (client, path) in pages.items():
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        results[key] = {
            "path": path,
            "runs": RUNS,
            "median_ms": round(statistics.median(timings[key]), 1),
            "min_ms": round(min(timings[key]), 1),
            "queries": len(queries),
        }
    return results


def main() -> None:
    if connection.vendor == "sqlite":
        Path(settings.DATABASES["default"]["NAME"]).unlink(missing_ok=True)
    call_command("migrate", "--no-input", verbosity=0)
    if connection.vendor != "sqlite":
        call_command("flush", "--no-input", verbosity=0)
    from rollout.queries import today_for
    from schools.models import Municipality

    today = today_for(Municipality(time_zone="Europe/Sofia"))
    results, pages = {}, {}
    for size in SIZES:
        started = time.perf_counter()
        with scopes_disabled(), transaction.atomic():
            made = build_region(size, today)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the planner's statistics, as a live database has them
        built = round(time.perf_counter() - started, 1)
        municipality = made["region"].municipalities.order_by("slug").first()
        pages[(size, "municipal")] = (client_for(made["officer"]), f"/m/{municipality.slug}/")
        pages[(size, "regional")] = (client_for(made["coordinator"]), f"/r/{made['region'].slug}/")
        results[size] = {"schools": size, "teachers": size * TEACHERS_PER_SCHOOL, "build_s": built}
        print(f"{size} schools built in {built} s")
    for (size, page), row in measure(pages).items():
        results[size][page] = row
    small, large = results[SIZES[0]], results[SIZES[1]]
    targets = {}
    for page in ("municipal", "regional"):
        ratio = large[page]["median_ms"] / small[page]["median_ms"]
        targets[page] = {
            "same_query_count": large[page]["queries"] == small[page]["queries"],
            "time_ratio": round(ratio, 2),
            "time_within_3x": ratio <= 3,
        }
    report = {
        "benchmark": "municipal and regional dashboards, a region of 10 and of 1,000 schools",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "sizes": [results[s] for s in SIZES],
        "targets": targets,
        "targets_met": all(t["same_query_count"] and t["time_within_3x"] for t in targets.values()),
        "notes": (
            "The municipal dashboard is opened by the officer of the region's larger municipality "
            "(9 and 900 schools). Its indicators count people over the whole roster (27,000 "
            "teachers): SQL aggregates whose cost grows with the rows they read. Accounts are "
            "counted from the roster (the engine marks each person whose account it made) and "
            "per provider from an index of the job items; each school's stage is computed by the "
            "database, one row per school. The table shows 25 schools a page; only those get "
            "their per-school roster figures. Timings vary with the machine's load: run it on an "
            "idle machine."
        ),
    }
    out = ROOT / "bench" / "results" / "dashboard_scale.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for size in SIZES:
        for page in ("municipal", "regional"):
            row = results[size][page]
            print(f"{size:>5} schools  {page:<9} median {row['median_ms']:>8} ms  {row['queries']} queries")
    for page, target in targets.items():
        print(
            f"{page}: same query count {target['same_query_count']}, "
            f"time ratio {target['time_ratio']} (≤ 3: {target['time_within_3x']})"
        )
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
