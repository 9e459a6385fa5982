"""The dashboards: values on a small hand-built world, drill-downs, isolation, exports and the
number of queries (the same with 2 schools as with 12)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled
from openpyxl import load_workbook

from reporting import indicators
from rollout.models import BudgetLine, Snapshot, Task, TaskStatus
from schools.models import Municipality, School
from surveys.models import PilotGroup, Response
from tests.factories import PersonFactory, SchoolFactory
from tests.rollout.helpers import account_created, start
from tests.surveys.fixtures import survey_objects
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

pytestmark = pytest.mark.django_db

TODAY = date(2030, 7, 1)  # after every deadline of the programme: open tasks are overdue


def teacher(tenant, school, **extra):
    person = PersonFactory(municipality=tenant.municipality, **extra)
    person.schools.add(school)
    return person


def completed(tenant, session, person, scores=()):
    enrolment = Enrolment.objects.create(
        municipality=tenant.municipality,
        session=session,
        person=person,
        queued_at=timezone.now(),
        completed_at=timezone.now(),
    )
    if scores:
        feedback = Feedback.objects.create(municipality=tenant.municipality, enrolment=enrolment)
        questions = FeedbackQuestion.objects.filter(curriculum=session.curriculum).order_by("position")
        for question, score in zip(questions, scores, strict=False):
            FeedbackAnswer.objects.create(
                municipality=tenant.municipality, feedback=feedback, question=question, score=score
            )
    return enrolment


def course(tenant):
    curriculum = Curriculum.objects.create(municipality=tenant.municipality, title="Cloud 101")
    FeedbackQuestion.objects.create(curriculum=curriculum, position=1, text="Useful?")
    FeedbackQuestion.objects.create(curriculum=curriculum, position=2, text="Clear?")
    session = TrainingSession.objects.create(
        municipality=tenant.municipality,
        curriculum=curriculum,
        trainer=tenant.users["trainer"],
        starts_at=timezone.now() - timedelta(days=10),
        ends_at=timezone.now() - timedelta(days=10) + timedelta(hours=3),
    )
    return curriculum, session


@pytest.fixture
def alpha(world):
    """Tenant A: two schools, six teachers, three accounts, two trained, two certified, a pilot
    group, a budget, a quota, a survey submitted by one school and last quarter's snapshot."""
    a = world.a
    programme = start(a)
    with scopes_disabled():
        school, other = a.school, a.other_school
        t1, t2, t3 = (teacher(a, school) for _ in range(3))  # + a.person: 4 in school
        teacher(a, other, account_email="o1@alpha.example")  # an account made by hand
        o2 = teacher(a, other)
        account_created(a, t1, 1)
        account_created(a, t2, 2)
        _curriculum, session = course(a)
        completed(a, session, t1, scores=(5, 4))
        completed(a, session, o2, scores=(2,))  # 2 of 3 answers positive
        ExternalCertification.objects.create(
            municipality=a.municipality, person=t1, kind="google_educator_1", obtained_on=date(2026, 1, 10)
        )
        ExternalCertification.objects.create(
            municipality=a.municipality, person=t3, kind="google_trainer", obtained_on=date(2030, 5, 1)
        )
        CertificationTarget.objects.create(municipality=a.municipality, audience="teachers", target=50)
        CertificationTarget.objects.create(municipality=a.municipality, audience="trainers", target=3)
        BudgetLine.objects.create(
            municipality=a.municipality,
            year=2030,
            line="Training",
            planned=Decimal(1000),
            actual=Decimal(250),
        )
        quota_set = QuotaSet.objects.create(municipality=a.municipality, name="Quotas")
        QuotaRule.objects.create(quota_set=quota_set, kind="webinar", minimum=1, period="quarter")
        for month in (2, 5):  # Q1 and Q2 of 2030 for the first school only
            NetworkEvent.objects.create(
                municipality=a.municipality,
                school=school,
                kind="webinar",
                title="Webinar",
                starts_at=datetime(2030, month, 10, 12, tzinfo=UTC),
            )
        objects = survey_objects(a)
        Response.objects.filter(pk=objects.response.pk).update(
            status=Response.Status.SUBMITTED, submitted_at=datetime(2026, 9, 1, tzinfo=UTC)
        )
        group = PilotGroup.objects.create(
            municipality=a.municipality, name="Pilot", campaign=objects.campaign
        )
        group.schools.add(school)
        first = Task.objects.filter(activity__programme=programme, school=school).order_by("pk").first()
        first.status = TaskStatus.DONE
        first.save()
        for s, accounts in ((school, 1), (other, 0)):
            Snapshot.objects.create(
                programme=programme,
                municipality=a.municipality,
                school=s,
                period="2030-Q1",
                taken_on=date(2030, 3, 31),
                tasks_total=5,
                tasks_done=0,
                teachers=3,
                accounts=accounts,
                trained_teachers=0,
            )
        # Another municipality's figures never count.
        b = world.b
        for _ in range(3):
            account_created(b, teacher(b, b.school), 100 + _)
    return programme, {"t1": t1, "o2": o2, "school": school, "other": other}


def board_of(tenant, today=TODAY):
    with scope(municipality=tenant.municipality.pk):
        return indicators.municipality_dashboard(tenant.municipality, today)


def test_the_municipal_indicators_on_a_small_world(world, alpha):
    programme, _people = alpha
    board = board_of(world.a)
    values = {i.key: i for i in board.indicators}
    assert [i.key for i in board.indicators] == indicators.KEYS
    assert (values["accounts"].value, values["accounts"].total) == (3, 6)
    assert values["accounts"].share == 50.0
    assert (values["accounts"].previous, values["accounts"].trend) == (1, 2)  # the 2030-Q1 snapshot
    assert values["accounts"].period == "2030-Q1"
    assert (values["trained"].value, values["trained"].total, values["trained"].previous) == (2, 6, 0)
    assert (values["certified_teachers"].value, values["certified_teachers"].target) == (2, 50)
    assert values["certified_teachers"].previous == 1  # the trainer certified after the snapshot
    assert (values["certified_trainers"].value, values["certified_trainers"].target) == (1, 3)
    assert values["certified_trainers"].met is False
    assert values["feedback"].value == 66.7  # 2 of 3 answers are 4 or 5
    assert (values["surveyed"].value, values["surveyed"].total, values["surveyed"].previous) == (1, 2, 1)
    assert (values["pilot"].value, values["pilot"].total) == (1, 2)
    assert (values["quota"].value, values["quota"].total) == (1, 2)
    assert (values["budget"].value, values["budget"].total, values["budget"].share) == (250, 1000, 25.0)
    with scopes_disabled():
        tasks = Task.objects.filter(activity__programme=programme)
        total = tasks.count()
        open_late = tasks.exclude(status=TaskStatus.DONE).filter(activity__due_on__lt=TODAY).count()
    assert (values["tasks_done"].value, values["tasks_done"].total) == (1, total)
    assert values["overdue"].value == open_late > 0
    assert values["overdue"].met is False  # the target is none overdue
    assert [p["provider"] for p in board.providers] == ["google"]
    assert board.providers[0]["accounts"] == 2
    assert [(c["title"], c["trained"]) for c in board.curricula] == [("Cloud 101", 2)]
    assert board.readiness["pilot_schools"] == 1
    buckets = {b["key"]: b["schools"] for b in board.readiness["buckets"]}
    assert buckets["not_submitted"] == 1 and sum(buckets.values()) == 2
    assert sum(s["schools"] for s in board.stages) == 2
    assert board.budget == [{"year": 2030, "planned": 1000, "actual": 250, "share": 25.0}]
    with translation.override("en"):
        assert indicators.trend_text(values["accounts"]) == "▲ +2 since 2030-Q1"


def test_each_school_row_and_the_school_page(world, alpha):
    _programme, people = alpha
    rows = {row.school.pk: row for row in board_of(world.a).schools}
    school, other = rows[people["school"].pk], rows[people["other"].pk]
    assert (school.teachers, school.accounts, school.trained) == (4, 2, 1)
    assert (other.teachers, other.accounts, other.trained) == (2, 1, 1)
    assert (school.certified_teachers, school.certified_trainers) == (2, 1)
    assert (school.pilot, other.pilot) == (True, False)
    assert (school.quota_met, other.quota_met, other.quota_missed) == (True, False, 2)
    assert school.surveyed and not other.surveyed
    assert school.readiness != "not_submitted" and other.readiness == "not_submitted"
    with scope(municipality=world.a.municipality.pk):
        page = indicators.school_dashboard(people["school"], TODAY)
    values = {i.key: i for i in page.indicators}
    assert (values["accounts"].value, values["accounts"].total, values["accounts"].previous) == (2, 4, 1)
    assert "budget" not in values
    assert page.next_steps and all(step["overdue"] for step in page.next_steps if step["kind"] == "task")
    dues = [s["due"] for s in page.next_steps if s["kind"] == "task"]
    assert dues == sorted(dues)


def test_drilldown_lists_the_schools_behind_an_indicator(world, alpha):
    _programme, people = alpha
    with scope(municipality=world.a.municipality.pk):
        drill = indicators.drilldown(world.a.municipality, "accounts", TODAY)
        quota = indicators.drilldown(world.a.municipality, "quota", TODAY)
        budget = indicators.drilldown(world.a.municipality, "budget", TODAY)
    # Worst first: the other school has 1 of 2 (50 %), the first 2 of 4 (50 %): both, by name.
    assert {r["school"].pk for r in drill.rows} == {people["school"].pk, people["other"].pk}
    assert all(r["school"].municipality_id == world.a.municipality.pk for r in drill.rows)
    by_school = {r["school"].pk: r["cells"] for r in drill.rows}
    assert by_school[people["school"].pk] == [2, 4, 50.0]
    assert [r["school"].pk for r in quota.rows][0] == people["other"].pk  # missed comes first
    assert [r["label"] for r in budget.rows] == ["2030"]


def test_dashboard_pages_for_officer_director_and_outsider(world, alpha, client_for, settings):
    slug = world.a.municipality.slug
    officer = client_for(world.a.users["officer"])
    page = officer.get(f"/m/{slug}/")
    assert page.status_code == 200
    assert b"dashboard-table" in page.content and b"<svg" in page.content
    assert b'role="img"' in page.content and b"<title" in page.content
    for key in indicators.KEYS:
        assert officer.get(f"/m/{slug}/dashboard/schools/?indicator={key}").status_code == 200
    assert officer.get(f"/m/{slug}/dashboard/schools/?indicator=nonsense").status_code == 404
    # A director sees the overview without the dashboard, and the indicators of their own school.
    director = client_for(world.a.users["director"])
    assert b"dashboard-table" not in director.get(f"/m/{slug}/").content
    assert director.get(f"/m/{slug}/dashboard/schools/").status_code == 403
    own = director.get(f"/m/{slug}/schools/{world.a.school.pk}/")
    assert own.context["school_board"].school == world.a.school
    other = director.get(f"/m/{slug}/schools/{world.a.other_school.pk}/")
    assert "school_board" not in other.context
    # Another municipality's officer: 404 everywhere.
    outsider = client_for(world.b.users["officer"])
    assert outsider.get(f"/m/{slug}/dashboard/schools/?indicator=accounts").status_code == 404
    assert outsider.get(f"/m/{slug}/?export=csv").status_code == 404


def test_region_dashboard_compares_municipalities_in_russian(world, alpha, client_for):
    with scopes_disabled():
        second = Municipality.objects.create(
            slug="gamma-town", name="Гамма", country="RU", language="ru", region=world.region
        )
        SchoolFactory(municipality=second)
    coordinator = client_for(world.coordinator)
    with translation.override("ru"):
        response = coordinator.get(f"/r/{world.region.slug}/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    board = response.context["board"]
    assert [row.municipality.slug for row in board.rows] == ["alpha-town", "gamma-town"]
    accounts = {row.municipality.slug: row.indicator("accounts").value for row in board.rows}
    assert accounts == {"alpha-town": 3, "gamma-town": 0}  # beta (another region) never counts
    assert board.rows[0].snapshot["period"] == "2030-Q1" or board.rows[0].snapshot is None
    assert client_for(world.b.users["officer"]).get(f"/r/{world.region.slug}/").status_code == 404


def _cells_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_exports_neutralise_formulas(world, alpha, client_for):
    with scopes_disabled():
        School.objects.filter(pk=world.a.other_school.pk).update(name="=cmd|' /C calc'!A0")
    slug = world.a.municipality.slug
    officer = client_for(world.a.users["officer"])
    for path in (f"/m/{slug}/?export=csv", f"/m/{slug}/dashboard/schools/?indicator=trained&export=csv"):
        response = officer.get(path)
        assert response["Content-Type"].startswith("text/csv")
        names = [row[0] for row in _cells_csv(response.content)]
        assert "'=cmd|' /C calc'!A0" in names
        assert not any(name.startswith("=") for name in names)
    response = officer.get(f"/m/{slug}/?export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert "'=cmd|' /C calc'!A0" in names
    region = client_for(world.coordinator).get(f"/r/{world.region.slug}/?export=csv")
    assert region.status_code == 200 and len(_cells_csv(region.content)) == 2


# --- The number of queries does not grow with the data ------------------------------------------


def _queries(client, path) -> int:
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured)


def _grow(world, programme, n=10):
    """Ten more schools, each with teachers, accounts, trainings, certifications, events, tasks."""
    a = world.a
    with scopes_disabled():
        session = TrainingSession.objects.filter(municipality=a.municipality).get()
        group = PilotGroup.objects.filter(municipality=a.municipality).first()
        seq = 1000
        for _ in range(n):
            school = SchoolFactory(municipality=a.municipality)
            group.schools.add(school)
            world.a.memberships["director"].schools.add(school)
            for index in range(3):
                person = teacher(a, school)
                seq += 1
                account_created(a, person, seq)
                completed(a, session, person, scores=(5,))
                ExternalCertification.objects.create(
                    municipality=a.municipality,
                    person=person,
                    kind="google_trainer" if index else "google_educator_1",
                    obtained_on=date(2029, 1, 1),
                )
            NetworkEvent.objects.create(
                municipality=a.municipality,
                school=school,
                kind="webinar",
                title="w",
                starts_at=datetime(2030, 2, 1, 12, tzinfo=UTC),
            )
        # The programme covers every school: each new school got its tasks (rollout/signals.py).
        assert (
            Task.objects.filter(activity__programme=programme, school__isnull=False)
            .values("school")
            .distinct()
            .count()
            == 2 + n
        )


PAGES = [
    "",
    "?export=csv",
    "?export=xlsx",
    "dashboard/schools/?indicator=accounts",
    "dashboard/schools/?indicator=overdue",
    "dashboard/schools/?indicator=quota&export=csv",
    "dashboard/schools/?indicator=budget&export=xlsx",
    "schools/{school}/",
]


def test_query_counts_do_not_grow_with_schools(world, alpha, client_for):
    programme, _people = alpha
    slug = world.a.municipality.slug
    officer = client_for(world.a.users["officer"])
    director = client_for(world.a.users["director"])
    coordinator = client_for(world.coordinator)
    officer.get(f"/m/{slug}/")
    director.get(f"/m/{slug}/")
    coordinator.get(f"/r/{world.region.slug}/")

    def counts():
        found = {}
        for page in PAGES:
            path = f"/m/{slug}/" + page.format(school=world.a.school.pk)
            found[page] = _queries(officer, path)
        found["director school page"] = _queries(director, f"/m/{slug}/schools/{world.a.school.pk}/")
        found["region"] = _queries(coordinator, f"/r/{world.region.slug}/")
        found["region csv"] = _queries(coordinator, f"/r/{world.region.slug}/?export=csv")
        return found

    before = counts()
    _grow(world, programme)
    with scopes_disabled():
        assert School.objects.filter(municipality=world.a.municipality).count() == 12
    assert counts() == before


def test_an_empty_municipality_has_a_dashboard(world, client_for):
    """No programme, no snapshot, no survey, no quotas: every figure is empty or zero, no error."""
    board = board_of(world.b, date(2026, 12, 2))
    values = {i.key: i for i in board.indicators}
    assert values["accounts"].value == 0 and values["accounts"].trend is None
    assert values["budget"].value is None and board.programme is None
    assert client_for(world.b.users["officer"]).get(f"/m/{world.b.municipality.slug}/").status_code == 200


@pytest.mark.parametrize("slug", ["altai-pilot-criteria"])
def test_the_dashboards_score_is_the_evaluations_score(world, slug):
    """``score_only`` (the dashboards) and ``evaluate`` (the results page) never disagree."""
    from surveys import scoring
    from tests.surveys.fixtures import template

    definition = template(slug).definition
    passing = {}
    for criterion in definition["criteria"]:
        rule = criterion["rule"]
        if "question" not in rule:
            continue
        value, op = rule.get("value", True), rule.get("op", "==")
        passing[rule["question"]] = value[0] if op == "in" else ([value] if op == "contains" else value)
    half = dict(list(passing.items())[::2])
    assert scoring.score_only(definition, passing)[0] > scoring.score_only(definition, half)[0] > 0
    for answers in ({}, passing, half):
        for teachers in (scoring.TeacherStats(), scoring.TeacherStats(10, {"B2": 6, "A2": 4})):
            evaluation = scoring.evaluate(definition, answers, teachers)
            assert scoring.score_only(definition, answers, teachers) == (evaluation.score, evaluation.level)


def test_a_page_of_schools_gets_the_same_indicators(world, alpha):
    _programme, people = alpha
    full = board_of(world.a)
    with scope(municipality=world.a.municipality.pk):
        page = indicators.municipality_dashboard(world.a.municipality, TODAY, detail_ids=[people["other"].pk])
    assert [row.school.pk for row in page.schools] == [people["other"].pk]
    assert page.indicators == full.indicators and page.stages == full.stages
    assert page.schools[0] == next(r for r in full.schools if r.school.pk == people["other"].pk)


@pytest.mark.parametrize(
    "page",
    ["schools/", "people/", "monitoring/", "trainings/certifications/", "trainings/events/"],
)
def test_every_list_downloads_as_csv_and_xlsx(world, alpha, client_for, page):
    with scopes_disabled():
        School.objects.filter(pk=world.a.school.pk).update(name='=HYPERLINK("http://x")')
        teacher(world.a, world.a.school, first_name="@SUM(1+1)")
    officer = client_for(world.a.users["officer"])
    path = f"/m/{world.a.municipality.slug}/{page}"
    html = officer.get(path).content.decode()
    links = {fmt: _export_link(html, path, fmt) for fmt in ("csv", "xlsx")}  # as the page links them
    rows = _cells_csv(officer.get(links["csv"]).content)
    assert len(rows) >= 2
    cells = [cell for row in rows for cell in row]
    assert not any(cell.startswith(("=", "@", "+", "-")) for cell in cells if cell)
    workbook = officer.get(links["xlsx"])
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(workbook.content)).active.max_row == len(rows)


def _export_link(html: str, path: str, fmt: str) -> str:
    """The page's own download link for ``fmt`` (signed where the table holds personal data)."""
    match = re.search(r'href="([^"]*export=' + fmt + r'[^"]*)"', html)
    assert match, f"no {fmt} link"
    href = unescape(match.group(1))
    return path + href if href.startswith("?") else href


def test_the_region_counts_each_municipality_as_its_own_dashboard_does(world, alpha):
    with scopes_disabled():
        second = Municipality.objects.create(
            slug="delta-town", name="Delta", country="RU", region=world.region
        )
        SchoolFactory(municipality=second)
    ids = [world.a.municipality.pk, second.pk]
    with scope(municipality=ids):
        region = indicators.region_dashboard(world.region, TODAY)
    row = next(r for r in region.rows if r.municipality.pk == world.a.municipality.pk)
    assert row.indicators == board_of(world.a).indicators
    assert row.schools == 2
    total = {i.key: i for i in region.total}
    assert (total["pilot"].value, total["pilot"].total) == (1, 3)
    assert (total["surveyed"].value, total["quota"].value) == (1, 1)


@pytest.mark.parametrize(
    ("language", "teachers", "share", "budget", "large"),
    [
        ("en", "27,000", "92.9 %", "28,640.50 EUR", "1,234,567"),
        ("bg", "27\xa0000", "92,9 %", "28\xa0640,50 EUR", "1\xa0234\xa0567"),
        ("pl", "27\xa0000", "92,9 %", "28\xa0640,50 EUR", "1\xa0234\xa0567"),
        ("ru", "27\xa0000", "92,9 %", "28\xa0640,50 EUR", "1\xa0234\xa0567"),
    ],
)
def test_values_read_as_numbers_of_the_language(language, teachers, share, budget, large):
    from reporting.templatetags.dashboard_tags import indicator_value

    with translation.override(language):
        assert indicator_value(indicators.Indicator("trained", "", 27000)) == teachers
        assert indicator_value(indicators.Indicator("positive", "", 92.9, unit=indicators.PERCENT)) == share
        money = indicators.Indicator("budget", "", Decimal("28640.50"), unit=indicators.MONEY)
        assert indicator_value(money, "EUR") == budget
        assert indicator_value(indicators.Indicator("spent", "", 1234567.0)) == large  # not 1.23457e+06
