"""Brute force: a guesser is slowed down — per account and client address, with delays that
grow — while nobody else is locked out: not the colleagues behind the same school network, not
the officer at her own computer when strangers guess her password elsewhere. The counters live
in the shared cache, and production refuses to run several web processes without one."""

import pytest
from django.test import Client
from django.utils import translation

from schools import signin_limits
from tests.factories import PASSWORD, UserFactory
from tests.security.production import manage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]
SCHOOL = "198.51.100.10"  # one school's network: every teacher behind one address


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


def test_delays_grow_after_the_free_tries_and_are_capped():
    delays = [signin_limits.delay(n, signin_limits.FREE_TRIES) for n in range(30)]
    assert delays[: signin_limits.FREE_TRIES] == [0.0] * signin_limits.FREE_TRIES
    assert delays[signin_limits.FREE_TRIES] > 0
    assert all(a <= b for a, b in zip(delays, delays[1:], strict=False))
    assert max(delays) == signin_limits.MAX_DELAY


def test_a_guesser_at_one_machine_is_slowed_and_a_rotating_forwarded_for_does_not_help():
    victim = UserFactory(email="victim@example.org")
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(signin_limits.FREE_TRIES):
        response = sign_in(guesser, victim.email, "wrong", HTTP_X_FORWARDED_FOR=f"10.0.{n}.1")
        assert not refused_as_too_many(response), n
    with translation.override("en"):
        response = sign_in(guesser, victim.email, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.77")
    assert refused_as_too_many(response)  # even the right password must wait
    assert "Too many failed sign-ins. Try again in" in response.content.decode()
    assert not signed_in(guesser)
    # The owner, at another machine, is not held up.
    owner = Client(REMOTE_ADDR="198.51.100.5")
    sign_in(owner, victim.email, PASSWORD)
    assert signed_in(owner)


def test_one_teacher_mistyping_does_not_lock_the_school_network():
    users = [UserFactory(email=f"teacher{n}@school.example") for n in range(8)]
    for user in users[:6]:  # 18 failures from one address, more than any per-address minute limit
        for _ in range(3):
            assert not refused_as_too_many(sign_in(Client(REMOTE_ADDR=SCHOOL), user.email, "wrong"))
    colleague = Client(REMOTE_ADDR=SCHOOL)
    sign_in(colleague, users[7].email, PASSWORD)
    assert signed_in(colleague)


def test_strangers_guessing_elsewhere_never_lock_the_owner_out_at_her_own_computer():
    officer = UserFactory(email="officer@example.org")
    desk = Client(REMOTE_ADDR="198.51.100.20")
    sign_in(desk, officer.email, PASSWORD)
    assert signed_in(desk) and signin_limits.DEVICE_COOKIE in desk.cookies
    desk.post("/accounts/logout/")
    for n in range(signin_limits.ACCOUNT_FREE_TRIES + 5):  # spread over many machines
        sign_in(Client(REMOTE_ADDR=f"203.0.113.{n + 1}"), officer.email, "wrong")
    # A new machine is now slowed down (guessing spread over addresses is counted per account)…
    fresh = Client(REMOTE_ADDR="192.0.2.200")
    assert refused_as_too_many(sign_in(fresh, officer.email, PASSWORD))
    # …but the computer she signed in at before is not.
    sign_in(desk, officer.email, PASSWORD)
    assert signed_in(desk)


def test_a_stranger_on_the_same_network_never_slows_the_owners_browser():
    officer = UserFactory(email="officer@example.org")
    desk = Client(REMOTE_ADDR=SCHOOL)
    sign_in(desk, officer.email, PASSWORD)
    desk.post("/accounts/logout/")
    stranger = Client(REMOTE_ADDR=SCHOOL)  # the same school network, another browser
    for _ in range(signin_limits.FREE_TRIES + 10):
        sign_in(stranger, officer.email, "wrong")
    assert refused_as_too_many(sign_in(stranger, officer.email, PASSWORD))  # the stranger is slowed
    sign_in(desk, officer.email, PASSWORD)
    assert signed_in(desk)  # her own browser is not


def test_a_known_browser_that_keeps_failing_is_slowed_too():
    officer = UserFactory(email="officer@example.org")
    desk = Client(REMOTE_ADDR="198.51.100.21")
    sign_in(desk, officer.email, PASSWORD)
    desk.post("/accounts/logout/")
    for _ in range(signin_limits.FREE_TRIES):
        sign_in(desk, officer.email, "wrong")  # someone at her unlocked computer
    assert refused_as_too_many(sign_in(desk, officer.email, PASSWORD))


def test_a_forged_device_cookie_counts_for_nothing():
    officer = UserFactory(email="officer@example.org")
    for n in range(signin_limits.ACCOUNT_FREE_TRIES + 1):
        sign_in(Client(REMOTE_ADDR=f"203.0.113.{n + 1}"), officer.email, "wrong")
    forged = Client(REMOTE_ADDR="192.0.2.201")
    forged.cookies[signin_limits.DEVICE_COOKIE] = "W10:forged:signature"
    assert refused_as_too_many(sign_in(forged, officer.email, PASSWORD))


def test_password_spraying_from_one_address_is_stopped():
    sprayer = "203.0.113.66"
    for n in range(signin_limits.ADDRESS_LIMIT):
        sign_in(Client(REMOTE_ADDR=sprayer), f"guess{n}@example.org", "wrong")
    target = UserFactory(email="target@example.org")
    assert refused_as_too_many(sign_in(Client(REMOTE_ADDR=sprayer), target.email, PASSWORD))


def test_the_admin_has_no_password_form_of_its_own(world):
    staff = world.staff
    client = Client()
    for method in ("get", "post"):
        response = getattr(client, method)("/admin/login/", {"username": staff.email, "password": PASSWORD})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert not signed_in(client)


def test_production_refuses_several_web_processes_without_a_shared_cache():
    result = manage(["check"], {"REDIS_URL": "", "WEB_CONCURRENCY": "3"})
    assert result.returncode != 0
    assert "REDIS_URL must be set in production" in result.stderr
    assert (
        manage(["check"], {"REDIS_URL": "", "WEB_CONCURRENCY": "1", "STATIC_MANIFEST": "false"}).returncode
        == 0
    )
