"""The officer starts the Altai inter-school programme from its template; a director ticks their
school's activity with evidence. Everything stays on our server."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django_scopes import scope

from rollout.models import Activity, Evidence, Programme, Task
from tests.factories import PASSWORD, make_world, totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, user, *, totp=False):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    if totp:
        secret = Authenticator.objects.get(user=user, type="totp").wrap().instance.data["secret"]
        page.fill("input[name=code]", totp_code(decrypt(secret)))
        with page.expect_navigation():
            page.click("main button[type=submit]")


def test_officer_starts_altai_programme_and_director_ticks_an_activity(page, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = make_world()
    slug = world.a.municipality.slug
    officer, director = world.a.users["officer"], world.a.users["director"]

    _sign_in(page, live_server, officer, totp=True)
    page.goto(f"{live_server.url}/m/{slug}/programmes/")
    page.shot("programme-1-templates")
    with page.expect_navigation():
        page.locator("a[href*='template=altai-inter-school-model']").click()
    page.select_option("main select[name=language]", "ru")
    page.fill("input[name=starts_on]", "2027-03-01")
    page.check("input[name=coverage][value=chosen]")
    page.check(f"input[name=schools][value='{world.a.school.pk}']")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/programmes/\d+/$"))
    page.shot("programme-2-board")
    assert page.get_by_role(
        "heading", name="Программа развития межшкольной модели внедрения и применения ДОТ"
    ).is_visible()
    assert page.locator(".activity-card").count() == 15
    assert page.get_by_text("Формирование критериев для отбора пилотных школ").is_visible()
    page.shot("programme-2-board")
    page.goto(page.url + "timeline/")
    assert page.locator(".tl-bar:not(.stage)").count() == 15
    page.shot("programme-3-timeline")

    # The director, on another day, in another browser session.
    page.context.clear_cookies()
    _sign_in(page, live_server, director)
    page.goto(f"{live_server.url}/m/{slug}/my-tasks/")
    title = "Корректировка существующих и издание новых нормативных документов"
    with page.expect_navigation():
        page.get_by_role("link", name=title).click()
    page.check("input[name=kind][value=file]")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "prikaz.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 order"}],
    )
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("evidence|доказателство", re.I)).last.click()
    assert page.get_by_role("link", name="prikaz.pdf").is_visible()
    page.select_option("main select[name=status]", "done")
    with page.expect_navigation():
        page.locator("form[action$='/status/'] button").click()
    assert page.locator(".status-done").first.is_visible()
    page.shot("programme-4-director-ticked")

    with scope(municipality=world.a.municipality.pk):
        programme = Programme.objects.get()
        assert Activity.objects.filter(programme=programme).count() == 15
        task = Task.objects.get(activity__programme=programme, activity__title=title, school=world.a.school)
        assert task.status == "done" and task.done_by == director
        assert Evidence.objects.get(task=task).filename == "prikaz.pdf"

    own_host = urlsplit(live_server.url).netloc
    assert page.hosts == {own_host}, f"third-party requests: {page.hosts - {own_host}}"
