"""Reports for the council and the region: built by the worker's task, in the owner's language,
stored, downloadable only by the people allowed, failures told in words."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.conf import settings
from django.utils import translation
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from reporting.reports import actions, build
from reporting.tasks import build_report
from rollout.models import BudgetLine, Report
from schools.audit import ActionContext
from schools.models import AuditEvent, Municipality, RegionMembership, School
from tests.factories import SchoolFactory, UserFactory, enrol_totp
from tests.links import signed
from tests.rollout.helpers import start, teachers

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_tasks():
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def pdf_text(report: Report) -> str:
    with scopes_disabled():
        report.refresh_from_db()
        with report.file.open("rb") as handle:
            reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def _words(text: str) -> str:
    return " ".join(text.split())


def council_world(tenant, school_names=()):
    with scopes_disabled():
        schools = [SchoolFactory(municipality=tenant.municipality, name=name) for name in school_names]
    start(tenant, schools=[tenant.school, *schools], starts_on=date(2026, 9, 1))
    teachers(tenant, tenant.school, 3)
    with scopes_disabled():
        BudgetLine.objects.create(
            municipality=tenant.municipality, year=2026, line="Обучения", planned=30000, actual=12500
        )
    return schools


def request(tenant, period="2026-Q4", actor=None) -> Report:
    with scope(municipality=tenant.municipality.pk):
        return actions.request_report(ActionContext(tenant.municipality, actor), period=period)


def test_the_officer_requests_the_council_report_and_the_worker_builds_it_in_bulgarian(
    world, client_for, eager_tasks, django_capture_on_commit_callbacks
):
    council_world(world.a, ["ОУ „Христо Ботев“ – Хасково", "Детска градина „Щастливо детство“"])
    client = client_for(world.a.users["officer"])
    slug = world.a.municipality.slug
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/m/{slug}/reports/", {"period": "2026-Q4"})
    assert response.status_code == 302
    with scopes_disabled():
        report = Report.objects.get(municipality=world.a.municipality)
    assert (report.status, report.progress, report.step) == ("done", 100, "done")
    assert report.language == "bg" and report.pages >= 6 and report.finished_at
    text = _words(pdf_text(report))
    assert "ОУ „Христо Ботев“ – Хасково" in text
    assert "Детска градина „Щастливо детство“" in text
    assert world.a.municipality.name in text
    with translation.override("bg"):
        for heading in ("Schools", "Budget", "Trainings"):
            translated = translation.gettext(heading)
            assert translated != heading and translated in text  # Cyrillic, as the catalog says
    assert re.search(r"12\s?500,00", text)  # the used budget with a decimal comma
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="report.request", object_id=str(report.pk)).exists()
    # The page shows it finished, with a download link, and the list links it too.
    page = client.get(f"/m/{slug}/reports/{report.pk}/progress/").content.decode()
    assert f"/m/{slug}/reports/{report.pk}/file/" in page and "hx-trigger" not in page
    assert f"/m/{slug}/reports/{report.pk}/file/" in client.get(f"/m/{slug}/reports/").content.decode()


def test_a_polish_municipality_gets_its_report_in_polish_with_polish_letters(world):
    council_world(world.b, ["Szkoła Podstawowa nr 1 im. Żółkiewskiego w Łodzi"])
    report = request(world.b, actor=world.b.users["officer"])
    build_report(report.pk)
    with scopes_disabled():
        report.refresh_from_db()
    assert report.status == "done", report.error
    text = _words(pdf_text(report))
    assert "Szkoła Podstawowa nr 1 im. Żółkiewskiego w Łodzi" in text
    assert "Budżet" in text and "Szkoły" in text


def test_every_school_is_in_the_table_and_headers_repeat_across_pages(world):
    names = [f"СУ „Училище {n:03d}“" for n in range(120)]
    council_world(world.a, names)
    report = request(world.a)
    build_report(report.pk)
    with scopes_disabled():
        report.refresh_from_db()
        reader = PdfReader(report.file.path)
    pages = [_words(page.extract_text()) for page in reader.pages]
    assert all(any(name in page for page in pages) for name in names)
    with translation.override("bg"):
        school = translation.gettext("School")
    table_pages = [page for page in pages if "СУ „Училище 0" in page]
    assert len(table_pages) >= 2
    assert all(school in page for page in table_pages)  # the header row on each page


def test_progress_is_written_step_by_step_and_a_finished_report_is_not_built_twice(world):
    council_world(world.a)
    report = request(world.a)
    seen = []
    with scope(municipality=world.a.municipality.pk), translation.override("bg"):
        assert actions.claim(report)
        build.render(report, lambda percent, step: seen.append((percent, step)))
    percents = [p for p, _s in seen]
    assert percents == sorted(percents) and percents[0] < 50 < percents[-1] < 100
    assert {"figures", "charts", "writing", "layout"} <= {s for _p, s in seen}
    build_report(report.pk)
    with scopes_disabled():
        report.refresh_from_db()
        first = report.file.name
    assert report.status == "done"
    build_report(report.pk)  # a redelivered task finds it finished
    with scopes_disabled():
        report.refresh_from_db()
    assert report.file.name == first


def test_a_failure_is_recorded_in_words_and_shown(world, client_for):
    council_world(world.a)
    report = request(world.a)
    # A time zone the machine does not know (set behind the form's validator): the build fails.
    Municipality.objects.filter(pk=world.a.municipality.pk).update(time_zone="Mars/Olympus_Mons")
    build_report(report.pk)
    with scopes_disabled():
        report.refresh_from_db()
    assert report.status == "failed" and not report.file
    assert "Mars/Olympus_Mons" in report.error and "Traceback" not in report.error
    Municipality.objects.filter(pk=world.a.municipality.pk).update(time_zone="Europe/Sofia")
    page = client_for(world.a.users["officer"]).get(f"/m/{world.a.municipality.slug}/reports/{report.pk}/")
    assert "Mars/Olympus_Mons" in page.content.decode()
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="report.failed", object_id=str(report.pk)).exists()


def test_downloads_are_audited_and_only_for_the_people_allowed(world, client_for):
    council_world(world.a)
    report = request(world.a)
    build_report(report.pk)
    slug_a, slug_b = world.a.municipality.slug, world.b.municipality.slug
    path = f"/m/{slug_a}/reports/{report.pk}/file/"
    response = client_for(world.a.users["director"]).get(signed(world.a.users["director"], path))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="report.download", object_id=str(report.pk)).count() == 1
    assert client_for(world.a.users["teacher"]).get(path).status_code == 403
    outsider = client_for(world.b.users["officer"])
    assert outsider.get(path).status_code == 404
    assert outsider.get(f"/m/{slug_b}/reports/{report.pk}/file/").status_code == 404
    # The region's coordinator reads the municipality's reports too.
    assert client_for(world.coordinator).get(signed(world.coordinator, path)).status_code == 200
    # A director may read reports but not request one.
    assert (
        client_for(world.a.users["director"]).post(f"/m/{slug_a}/reports/", {"period": "2026"}).status_code
        == 403
    )


def test_the_region_report_puts_municipalities_side_by_side_for_its_coordinators_only(world, client_for):
    council_world(world.a, ["ОУ „Васил Левски“"])
    with scopes_disabled():
        neighbour = Municipality.objects.create(
            slug="neighbour", name="Съседна община", country="BG", language="bg", region=world.region
        )
        School.objects.create(municipality=neighbour, name="СУ „Иван Вазов“")
    client = client_for(world.coordinator)
    response = client.post(f"/r/{world.region.slug}/reports/", {"period": "2026-Q4"})
    assert response.status_code == 302
    with scopes_disabled():
        report = Report.objects.get(region=world.region)
    assert report.kind == "regional" and report.municipality is None
    build_report(report.pk)
    with scopes_disabled():
        report.refresh_from_db()
    assert report.status == "done", report.error
    text = _words(pdf_text(report))
    assert world.a.municipality.name in text and "Съседна община" in text
    assert world.b.municipality.name not in text  # another region's municipality
    path = f"/r/{world.region.slug}/reports/{report.pk}/file/"
    assert client.get(signed(world.coordinator, path)).status_code == 200
    other = UserFactory(email="coordinator@south.example")
    RegionMembership.objects.create(user=other, region=world.other_region, role="coordinator")
    enrol_totp(other)
    other_client = client_for(other)
    assert other_client.get(path).status_code == 404
    assert other_client.get(f"/r/{world.other_region.slug}/reports/{report.pk}/file/").status_code == 404
    assert client_for(world.a.users["officer"]).get(path).status_code == 404
    # A municipal page never lists the region's report.
    assert (
        f"{report.pk}/file"
        not in client_for(world.a.users["officer"])
        .get(f"/m/{world.a.municipality.slug}/reports/")
        .content.decode()
    )


HOSTILE = '<img src="file:///etc/passwd"><link rel="stylesheet" href="http://example.com/x.css">'


def test_hostile_school_names_fetch_nothing_outside_our_static_files(world, monkeypatch):
    from weasyprint.urls import URLFetcher

    fetched = []
    original = URLFetcher.fetch

    def recording(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(URLFetcher, "fetch", recording)  # WeasyPrint's, to see what got through
    council_world(world.a, [f"ОУ {HOSTILE}"])
    report = request(world.a)
    build_report(report.pk)
    with scopes_disabled():
        report.refresh_from_db()
    assert report.status == "done", report.error
    static = (settings.BASE_DIR / "static").as_uri()
    assert fetched and all(url.startswith(static) for url in fetched)
    text = pdf_text(report).replace("\n", "")
    assert "file:///etc/passwd" in text and "example.com/x.css" in text  # printed, not loaded
    # Even markup that reached the renderer unescaped fetches nothing else.
    from infra import pdf

    fetched.clear()
    data = pdf.write_pdf(f"<html><body>{HOSTILE}<img src='http://127.0.0.1:9/x.png'>x</body></html>")
    assert data.startswith(b"%PDF") and b"root:" not in data
    assert all(url.startswith(static) for url in fetched)


def test_periods_and_the_footer_text():
    from reporting.reports import periods

    assert periods.dates("2026-Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    assert periods.dates("2027-Q1") == (date(2027, 1, 1), date(2027, 3, 31))
    assert periods.dates("2026") == (date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(ValueError):
        periods.dates("2026-Q5")
    assert [p for p, _l in periods.choices(date(2026, 2, 10), quarters=3)] == [
        "2026-Q1", "2025-Q4", "2025-Q3", "2026", "2025",
    ]  # fmt: skip
    assert build.css_string('a"</style>') == '"a\\000022\\00003c/style\\00003e"'
    with translation.override("en"):
        assert build.page_of_css() == '"Page " counter(page) " of " counter(pages)'
    with translation.override("bg"):
        assert build.page_of_css() == '"Страница " counter(page) " от " counter(pages)'


def test_the_report_costs_the_same_queries_for_2_and_12_schools(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(tenant, names):
        council_world(tenant, names)
        report = request(tenant)
        with scope(municipality=tenant.municipality.pk), translation.override(report.language):
            with CaptureQueriesContext(connection) as captured:
                build.render(report)
        return len(captured)

    small = queries_for(world.a, ["ОУ „Едно“"])
    large = queries_for(world.b, [f"Szkoła nr {n}" for n in range(11)])
    assert small == large
