"""The schools × periods quota matrix: period boundaries in the municipality's time zone."""

import zoneinfo
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from schools.access import municipality_scope
from tests.factories import SchoolFactory
from trainings import queries
from trainings.models import NetworkEvent, QuotaRule, QuotaSet

pytestmark = pytest.mark.django_db

BARNAUL = zoneinfo.ZoneInfo("Asia/Barnaul")  # UTC+7


@pytest.fixture
def altai(world):
    municipality = world.a.municipality
    municipality.time_zone = "Asia/Barnaul"
    municipality.save()
    with scopes_disabled():
        quota_set = QuotaSet.objects.create(municipality=municipality, name="Алтай")
        for kind, period in (
            ("webinar", "quarter"),
            ("distance_event", "half_year"),
            ("master_class", "year"),
        ):
            QuotaRule.objects.create(quota_set=quota_set, kind=kind, minimum=1, period=period)
    return municipality, quota_set


def event(world, school, kind, at):
    with scopes_disabled():
        return NetworkEvent.objects.create(
            municipality=world.a.municipality, school=school, kind=kind, title=kind, starts_at=at
        )


def cells(tables, kind, school):
    table = next(t for t in tables if t["rule"].kind == kind)
    row = next(r for r in table["rows"] if r["school"].pk == school.pk)
    return [c["status"] for c in row["cells"]]


def test_quarter_boundaries_follow_the_local_time_zone(world, altai):
    municipality, quota_set = altai
    a, b = world.a.school, world.a.other_school
    # 23:30 on 31 March in Barnaul is 16:30 UTC: first quarter.
    event(world, a, "webinar", datetime(2026, 3, 31, 23, 30, tzinfo=BARNAUL))
    # 20:00 UTC on 31 March is already 1 April 03:00 in Barnaul: second quarter.
    event(world, b, "webinar", datetime(2026, 3, 31, 20, 0, tzinfo=UTC))
    # Midnight of 1 January local belongs to the new year, not the old one.
    event(world, b, "master_class", datetime(2026, 1, 1, 0, 0, tzinfo=BARNAUL))
    event(world, a, "master_class", datetime(2025, 12, 31, 23, 59, tzinfo=BARNAUL))
    now = datetime(2026, 5, 15, tzinfo=UTC)
    with municipality_scope(municipality):
        tables = queries.quota_matrix(municipality, quota_set, 2026, now)
    assert cells(tables, "webinar", a) == ["met", "due", "due", "due"]
    assert cells(tables, "webinar", b) == ["missed", "met", "due", "due"]
    assert cells(tables, "master_class", a) == ["due"]
    assert cells(tables, "master_class", b) == ["met"]
    assert cells(tables, "distance_event", a) == ["due", "due"]
    with municipality_scope(municipality):
        last_year = queries.quota_matrix(municipality, quota_set, 2025, now)
    assert cells(last_year, "master_class", a) == ["met"]
    assert cells(last_year, "webinar", a) == ["missed"] * 4
    assert [p.label for p in next(t for t in tables if t["rule"].kind == "webinar")["periods"]] == [
        "Q1 2026",
        "Q2 2026",
        "Q3 2026",
        "Q4 2026",
    ]


def test_event_quota_met_contract(world, altai):
    municipality, quota_set = altai
    a = world.a.school
    with scopes_disabled():
        webinars_only = QuotaSet.objects.create(municipality=municipality, name="Вебинары", is_default=False)
        QuotaRule.objects.create(quota_set=webinars_only, kind="webinar", minimum=1, period="quarter")
    event(world, a, "webinar", datetime(2025, 2, 10, 12, tzinfo=BARNAUL))
    event(world, a, "webinar", datetime(2025, 5, 10, 12, tzinfo=BARNAUL))
    q1 = (datetime(2025, 1, 1, tzinfo=BARNAUL), datetime(2025, 4, 1, tzinfo=BARNAUL))
    h1 = (datetime(2025, 1, 1, tzinfo=BARNAUL), datetime(2025, 7, 1, tzinfo=BARNAUL))
    year = (datetime(2025, 1, 1, tzinfo=BARNAUL), datetime(2026, 1, 1, tzinfo=BARNAUL))
    assert queries.event_quota_met(a, *q1, quota_set=webinars_only)
    assert queries.event_quota_met(a, *h1, quota_set=webinars_only)
    assert not queries.event_quota_met(a, *year, quota_set=webinars_only)  # Q3 and Q4 had none
    # The default set also wants a distance event per half-year and a master class per year.
    assert not queries.event_quota_met(a, *q1)
    event(world, a, "distance_event", datetime(2025, 3, 1, tzinfo=BARNAUL))
    event(world, a, "master_class", datetime(2025, 9, 1, tzinfo=BARNAUL))
    assert queries.event_quota_met(a, *q1)
    assert queries.event_quota_met(world.a.school, *q1, quota_set=webinars_only)
    assert not queries.event_quota_met(world.a.other_school, *q1, quota_set=webinars_only)


def test_matrix_query_count_does_not_grow(world, altai, client_for):
    municipality, quota_set = altai
    client = client_for(world.a.users["officer"])
    url = f"/m/{municipality.slug}/trainings/quotas/?year=2026"
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = count()
    with scopes_disabled():
        for i in range(12):
            school = SchoolFactory(municipality=municipality)
            event(world, school, "webinar", datetime(2026, 1 + i % 12, 5, tzinfo=BARNAUL))
    assert count() == before


def test_matrix_page_shows_missed_webinars(world, altai, client_for):
    municipality, _quota_set = altai
    event(world, world.a.school, "webinar", datetime(2025, 2, 1, tzinfo=BARNAUL))
    page = client_for(world.a.users["director"]).get(f"/m/{municipality.slug}/trainings/quotas/?year=2025")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-status="missed"' in html and 'data-status="met"' in html
