"""Downloads (credential slips, reports, exports, evidence and documents) go through expiring
links bound to the municipality, the user and the address (infra/links.py)."""

import re

import pytest
from django.urls import resolve
from django_scopes import scopes_disabled

from infra.links import PARAM, requires_signed_link, sign
from schools.models import Membership
from schools.roles import Role
from tests.isolation import _values as route_values
from tests.isolation import build_path, classify, iter_routes
from tests.links import signed

pytestmark = pytest.mark.django_db

DOWNLOADS = {
    "job_slips",
    "job_csv",
    "plan_csv",
    "evidence_file",
    "budget_file",
    "library_file",
    "agreement_file",
    "survey_evidence",
    "survey_report",
    "survey_export_csv",
    "survey_export_xlsx",
    "certificate_pdf",
    "report_file",
    "person_json",
    "person_csv",
}


def download_paths(world) -> dict[str, tuple[str, str]]:
    """name -> (path in municipality A with A's ids, path in B with B's ids), for every signed route."""
    paths = {}
    for route in iter_routes():
        if classify(route) != "tenant":
            continue
        own = build_path(route, route_values(route, world.a, world.a))
        if requires_signed_link(resolve(own).func):
            paths[route.name] = (own, build_path(route, route_values(route, world.b, world.b)))
    return paths


@pytest.fixture
def paths(world):
    return download_paths(world)


def test_every_download_needs_a_signed_link(paths):
    assert set(paths) >= DOWNLOADS


def test_a_download_without_a_valid_link_is_not_found(world, client_for, paths):
    user = world.a.users["all"]
    client = client_for(user)
    failures = []
    for name, (path, _other) in sorted(paths.items()):
        good = client.get(signed(user, path))
        if good.status_code in (404, 500):
            failures.append(f"{name}: a valid link gave {good.status_code}")
        for label, url in (
            ("no token", path),
            ("forged token", f"{path}?{PARAM}=abc:def:ghi"),
            ("another user's token", signed(world.a.users["officer"], path)),
            ("a token of another municipality", signed(user, path, municipality=world.b.municipality)),
        ):
            status = client.get(url).status_code
            if status != 404:
                failures.append(f"{name}: {label} gave {status}, expected 404")
    assert failures == []


def test_a_link_copied_to_another_municipalitys_address_is_not_found(world, client_for, paths):
    """Someone in both municipalities pastes A's token on B's address (or B's objects under A)."""
    user = world.a.users["all"]
    with scopes_disabled():
        Membership.objects.create(user=user, municipality=world.b.municipality, role=Role.OFFICER)
        Membership.objects.create(user=user, municipality=world.b.municipality, role=Role.IT_ADMIN)
    client = client_for(user)
    failures = []
    for name, (own, other) in sorted(paths.items()):
        token = signed(user, own).split(f"{PARAM}=", 1)[1]
        status = client.get(f"{other}?{PARAM}={token}").status_code
        if status != 404:
            failures.append(f"{name}: A's link on B's address gave {status}")
    assert failures == []


def test_a_link_for_one_school_does_not_open_another(world, client_for):
    user = world.a.users["all"]
    client = client_for(user)
    path = f"/m/{world.a.municipality.slug}/jobs/{world.a.job.pk}/slips/"
    token = sign(world.a.municipality.pk, user.pk, path, {"school": "School A"})
    assert client.get(path, {"school": "School A", PARAM: token}).status_code == 200
    assert client.get(path, {"school": "School B", PARAM: token}).status_code == 404


def test_an_expired_link_says_so_and_leads_back(world, client_for, settings, paths):
    user = world.a.users["all"]
    user.language = "en"  # the page speaks the user's language
    user.save(update_fields=["language"])
    client = client_for(user)
    url = signed(user, paths["evidence_file"][0])
    settings.DOWNLOAD_LINK_SECONDS = -1  # every link is now older than allowed
    response = client.get(url)
    assert response.status_code == 410
    page = response.content.decode()
    assert "This download link has expired" in page
    assert f'href="/m/{world.a.municipality.slug}/"' in page
    # A forged old token is a plain 404, not "expired".
    assert client.get(paths["evidence_file"][0] + f"?{PARAM}=x:1:y").status_code == 404


def test_pages_render_links_that_work_only_for_their_user(world, client_for):
    from tests.rollout.objects import rollout_objects

    objects = rollout_objects(world.a)
    officer = client_for(world.a.users["officer"])
    page = officer.get(f"/m/{world.a.municipality.slug}/tasks/{objects.task.pk}/").content.decode()
    href = re.search(r'href="([^"]*/evidence/\d+/file/\?dl=[^"]+)"', page).group(1).replace("&amp;", "&")
    assert officer.get(href).status_code == 200
    # The same link in another member's browser (who may see the file too) is refused.
    assert client_for(world.a.users["it_admin"]).get(href).status_code == 404
