"""The officer's first day: sign in, enrol MFA, see the schools in Bulgarian, switch to English,
and get 404 for another municipality's page. No request leaves our server."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator

from tests.factories import PASSWORD, make_world, totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_officer_signs_in_enrols_mfa_and_stays_in_their_municipality(page, live_server):
    world = make_world()
    officer = world.a.users["officer"]
    Authenticator.objects.filter(user=officer).delete()

    page.goto(f"{live_server.url}/m/{world.a.municipality.slug}/schools/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=login]", officer.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")

    # MFA is enforced: the authenticator set-up page, before anything else.
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))
    page.shot("1-mfa-enrolment")
    secret = page.input_value("#authenticator_secret")
    page.fill("input[name=code]", totp_code(secret))
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert Authenticator.objects.filter(user=officer, type="totp").exists()

    # The municipality speaks Bulgarian until the officer chooses otherwise.
    page.goto(f"{live_server.url}/m/{world.a.municipality.slug}/schools/")
    assert page.locator("html").get_attribute("lang") == "bg"
    assert page.get_by_role("link", name=world.a.school.name).is_visible()
    page.shot("2-schools-bulgarian")

    with page.expect_navigation():  # choosing a language submits the form
        page.select_option("#language-select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Schools and kindergartens").is_visible()
    page.shot("3-schools-english")

    # Another municipality's page pasted into the address bar: not found.
    response = page.goto(f"{live_server.url}/m/{world.b.municipality.slug}/schools/{world.b.school.pk}/")
    assert response.status == 404
    assert world.b.school.name not in page.content()
    page.shot("4-other-municipality-404")

    own_host = urlsplit(live_server.url).netloc
    assert page.hosts == {own_host}, f"third-party requests: {page.hosts - {own_host}}"
