"""Brute force: failed sign-ins are limited per client address and per account, with the limits
configured in settings (not loosened for the test); a rotating X-Forwarded-For does not reset
them; the Django admin has no sign-in form of its own to attack."""

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


def sign_in(client, email, password, **extra):
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def refused_as_too_many(response) -> bool:
    form = response.context["form"] if response.context else None
    return form is not None and any(
        error.code == "too_many_login_attempts"
        for errors in form.errors.as_data().values()
        for error in errors
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def limit(kind: str) -> int:
    """The configured count of ``login_failed`` for 'ip' or 'key' (e.g. '10/m/ip,5/5m/key')."""
    for part in settings.ACCOUNT_RATE_LIMITS["login_failed"].split(","):
        count, _period, *what = part.split("/")
        if what == [kind]:
            return int(count)
    raise AssertionError(f"no per-{kind} limit on failed sign-ins")


def test_the_client_address_comes_from_the_connection_unless_a_proxy_is_trusted():
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 0
    assert limit("ip") <= 20 and limit("key") <= 10


def test_the_per_address_limit_holds_with_a_rotating_forwarded_for():
    victim = UserFactory(email="victim@example.org")
    client = Client()
    for n in range(limit("ip")):  # each guess at another account, each with a "new" address
        response = sign_in(client, f"guess{n}@example.org", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.{n}.1")
        assert not refused_as_too_many(response), n
    response = sign_in(client, victim.email, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.77")
    assert refused_as_too_many(response)
    assert not signed_in(client)
    # Another machine (another REMOTE_ADDR) is not affected.
    other = Client(REMOTE_ADDR="198.51.100.5")
    sign_in(other, victim.email, PASSWORD)
    assert signed_in(other)


def test_the_per_account_limit_holds_from_many_addresses():
    victim = UserFactory(email="victim@example.org")
    for n in range(limit("key")):
        sign_in(
            Client(REMOTE_ADDR=f"203.0.113.{n + 1}"),
            victim.email,
            "wrong",
            HTTP_X_FORWARDED_FOR=f"10.1.{n}.1",
        )
    client = Client(REMOTE_ADDR="203.0.113.200")
    with translation.override("en"):
        response = sign_in(client, victim.email, PASSWORD)
    assert refused_as_too_many(response)
    assert "Too many failed login attempts" in response.content.decode()  # a clear message
    assert not signed_in(client)
    # Other accounts still sign in from there.
    UserFactory(email="colleague@example.org")
    sign_in(client, "colleague@example.org", PASSWORD)
    assert signed_in(client)


def test_the_admin_has_no_password_form_of_its_own(world):
    staff = world.staff
    client = Client()
    for method in ("get", "post"):
        response = getattr(client, method)("/admin/login/", {"username": staff.email, "password": PASSWORD})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert not signed_in(client)
