"""Every page of a municipality, the region, the sign-in and MFA pages and the admin open in
Chromium under the strict Content-Security-Policy without a single violation."""

import pytest
from django.test import Client

from tests.factories import make_world
from tests.isolation import _values as route_values
from tests.isolation import build_path, classify, iter_routes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REPORT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample || ""}`.trim());
});
"""


def html_pages(world, client: Client) -> list[str]:
    """The GET pages of the walk that answer with HTML (downloads are not pages)."""
    paths = [
        "/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/admin/",
        "/admin/schools/school/",
        "/admin/schools/user/add/",
        f"/r/{world.region.slug}/",
    ]
    for route in iter_routes():
        if classify(route) != "tenant":
            continue
        values = route_values(route, world.a, world.a)
        if values is not None:
            paths.append(build_path(route, values))
    pages = []
    for path in paths:
        response = client.get(path)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            pages.append(path)
    return pages


def test_no_page_breaks_the_content_security_policy(page, live_server):
    world = make_world()
    user = world.a.users["all"]  # every municipal role of municipality A
    user.is_staff = user.is_superuser = True  # and the admin
    user.save(update_fields=["is_staff", "is_superuser"])
    from schools.models import RegionMembership
    from schools.roles import Role

    RegionMembership.objects.create(user=user, region=world.region, role=Role.COORDINATOR)
    client = Client()
    client.force_login(user)
    paths = html_pages(world, client)
    assert len(paths) > 60, paths

    page.context.add_init_script(REPORT_VIOLATIONS)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    console = []
    page.on("console", lambda message: console.append(message.text))
    violations = {}
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        found = page.evaluate("window.__cspViolations") + [
            text for text in console if "Content Security Policy" in text
        ]
        console.clear()
        if found:
            violations[path] = found
    assert violations == {}

    # The same walk catches a page that breaks the policy (shown once on the sign-in page).
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<div style=\"color: red\">x</div>')")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__cspViolations")[0].startswith("style-src")
