"""MFA on every route: officers, IT admins, coordinators and staff cannot open any page of the
portal (tenant pages, region pages, the admin) before enrolling TOTP; directors, trainers and
teachers are not forced."""

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings

from schools.roles import MFA_ROLES
from tests.isolation import REGION_OBJECT_KWARGS, _values, build_path, classify, iter_routes
from tests.links import signed_if_needed

pytestmark = pytest.mark.django_db

ACTIVATE = "/accounts/2fa/totp/activate/"


def tenant_paths(world) -> list[str]:
    paths = []
    for route in iter_routes():
        if classify(route) == "tenant":
            values = _values(route, world.a, world.a)
            if values is not None:
                paths.append(build_path(route, values))
    return paths


def admin_paths() -> list[str]:
    return [build_path(r, {}) for r in iter_routes() if classify(r) == "admin" and not r.kwargs]


def sent_to_enrol(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(ACTIVATE)


def test_the_roles_that_hold_keys_need_mfa():
    assert settings.MFA_REQUIRED is True
    assert {role.value for role in MFA_ROLES} == {"officer", "it_admin", "coordinator"}


@pytest.mark.parametrize("role", ["officer", "it_admin"])
def test_every_tenant_route_sends_an_unenrolled_key_holder_to_enrol(world, client_for, role):
    user = world.a.users[role]
    Authenticator.objects.filter(user=user).delete()
    client = client_for(user)
    paths = tenant_paths(world)
    assert len(paths) > 100
    failures = []
    for path in paths:
        for method in ("get", "post"):
            response = getattr(client, method)(signed_if_needed(client, path))
            if not sent_to_enrol(response):
                failures.append(f"{method.upper()} {path}: {response.status_code}")
    assert failures == []


@pytest.mark.parametrize("role", ["officer", "director", "teacher"])
def test_an_enrolled_key_holder_and_the_other_roles_are_never_sent_to_enrol(world, client_for, role):
    user = world.a.users[role]
    if role not in ("officer", "it_admin"):
        assert not Authenticator.objects.filter(user=user).exists()  # no second factor, none needed
    client = client_for(user)
    failures = [
        path for path in tenant_paths(world) if sent_to_enrol(client.get(signed_if_needed(client, path)))
    ]
    assert failures == []


def test_staff_need_mfa_on_every_admin_page(world, client_for):
    Authenticator.objects.filter(user=world.staff).delete()
    client = client_for(world.staff)
    paths = admin_paths()
    assert len(paths) > 20
    failures = [p for p in paths if not sent_to_enrol(client.get(p))]
    assert failures == []
    # Enrolled, the admin opens.
    from tests.factories import enrol_totp

    enrol_totp(world.staff)
    assert client.get("/admin/").status_code == 200


def test_a_coordinator_needs_mfa_on_the_region_pages(world, client_for):
    Authenticator.objects.filter(user=world.coordinator).delete()
    client = client_for(world.coordinator)
    regional = [
        build_path(
            r,
            {
                "region_slug": world.region.slug,
                **{k: REGION_OBJECT_KWARGS[k](world.region) for k in r.kwargs if k != "region_slug"},
            },
        )
        for r in iter_routes()
        if classify(r) == "region"
    ]
    assert regional and all(sent_to_enrol(client.get(path)) for path in regional)


def test_the_mfa_pages_themselves_stay_open(world, client_for):
    user = world.a.users["officer"]
    Authenticator.objects.filter(user=user).delete()
    client = client_for(user)
    response = client.get(ACTIVATE)  # (force_login: allauth asks for the password first)
    assert response.status_code == 200 or response["Location"].startswith("/accounts/reauthenticate/")
    assert client.get("/healthz").status_code in (200, 503)
