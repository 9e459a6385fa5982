"""A director in the Altai krai fills in the pilot-school criteria survey in Russian: the follow-up
question appears only after "yes", the draft saves itself, and the survey is submitted."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from surveys.models import Campaign, Response
from tests.factories import PASSWORD, make_world
from tests.surveys.fixtures import template

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_director_fills_and_submits_the_altai_survey_in_russian(page, live_server):
    world = make_world()
    tenant = world.a
    with scopes_disabled():
        tenant.municipality.language = "ru"
        tenant.municipality.save(update_fields=["language"])
        campaign = Campaign.objects.create(
            municipality=tenant.municipality,
            template=template(),
            teacher_template=template("digcompedu"),
            name="Отбор пилотных школ 2026",
            deadline=timezone.localdate() + timedelta(days=10),
        )
        response = Response.objects.create(
            municipality=tenant.municipality, campaign=campaign, school=tenant.school
        )
    director = tenant.users["director"]
    slug = tenant.municipality.slug

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", director.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")

    page.goto(f"{live_server.url}/m/{slug}/surveys/")
    assert page.locator("html").get_attribute("lang") == "ru"
    with page.expect_navigation():
        page.locator(f"a[href$='/surveys/responses/{response.pk}/']").click()
    assert page.get_by_text("Скорость подключения школы к сети Интернет").is_visible()
    page.shot("survey-1-empty")

    status = page.locator("#autosave-status")
    before = status.inner_text()
    page.fill("input[name=internet_mbps]", "2,5")
    page.check("input[name=library_lan][value=yes]")
    # The draft saves itself (htmx) while the director types.
    expect(status).not_to_have_text(before, timeout=10000)
    with scopes_disabled():
        response.refresh_from_db()
    assert response.status == "draft" and response.answers["internet_mbps"] == 2.5

    page.fill("input[name=ict_basic_pct]", "85")
    page.fill("input[name=ict_advanced_pct]", "30")
    page.fill("input[name=distance_courses]", "4")
    page.check("input[name=network_projects][value=yes]")
    page.fill("textarea[name=network_projects_list]", "Краевой предметный марафон")
    page.fill("input[name=online_communities]", "3")
    page.check("input[name=ediary_activity][value=high]")

    # The follow-up question is shown only after "yes".
    follow_up = page.locator("[data-question=ict_responsible_name]")
    assert follow_up.is_hidden()
    page.check("input[name=ict_responsible][value=yes]")
    assert follow_up.is_visible()
    page.fill("textarea[name=ict_responsible_name]", "Иванова Мария Петровна, учитель информатики")
    page.check("input[name=website_updated][value=yes]")
    page.shot("survey-2-filled")

    with page.expect_navigation():
        page.click("button[name=submit]")
    with scopes_disabled():
        response.refresh_from_db()
    assert response.status == "submitted"
    assert response.answers["ict_responsible_name"].startswith("Иванова")
    assert re.search(r">\s*100\s*<", page.content())  # the scorecard: every criterion met
    assert page.get_by_text("Интернет ≥ 1 Мбит/с").first.is_visible()
    page.shot("survey-3-submitted")

    own_host = urlsplit(live_server.url).netloc
    assert page.hosts == {own_host}, f"third-party requests: {page.hosts - {own_host}}"
