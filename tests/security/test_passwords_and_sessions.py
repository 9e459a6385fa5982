"""Password policy (length, common passwords, similarity) with clear messages in the person's
language, at registration and at password change; session lifetime and cookie flags."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from schools.actions import invitation_token
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def rejected(password, user=None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {e.code for e in error.error_list}
    return set()


def test_the_policy():
    assert rejected("Vt7-kLm2-q") == {"password_too_short"}  # 10 characters: too short
    assert rejected("Vt7-kLm2-qPz") == set()  # 12 will do
    assert "password_too_common" in rejected("password1234")
    assert "password_entirely_numeric" in rejected("204857193650")
    user = UserFactory.build(email="maria.ivanova@school.example", full_name="Maria Ivanova")
    assert "password_too_similar" in rejected("maria.ivanova", user)


def _message(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


@pytest.mark.parametrize(("language", "tenant"), [("bg", "a"), ("pl", "b")])
def test_registration_explains_a_weak_password_in_the_invitees_language(world, language, tenant):
    invitation = getattr(world, tenant).invitation
    assert invitation.language == language
    link = f"/invite/{invitation_token(invitation)}/"
    response = Client().post(
        link, {"full_name": "Нова Учителка", "password1": "password", "password2": "password"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    common = _message(language, "This password is too common.")
    assert common != "This password is too common." and common in page


def test_password_change_applies_the_same_policy(world):
    user = world.a.users["teacher"]
    user.language = "ru"
    user.save(update_fields=["language"])
    client = Client()
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "short-1", "password2": "short-1"},
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    with translation.override("ru"):
        expected = (
            translation.ngettext(
                "This password is too short. It must contain at least %d character.",
                "This password is too short. It must contain at least %d characters.",
                12,
            )
            % 12
        )
    assert "12" in expected and not expected.startswith("This password")  # Django's Russian text
    assert expected in response.content.decode()


def test_sessions_end_with_the_browser_and_within_a_working_day(world):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.ACCOUNT_SESSION_REMEMBER is False
    client = Client()
    client.post("/accounts/login/", {"login": world.a.users["teacher"].email, "password": PASSWORD})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == ""  # a browser-session cookie
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"
    assert client.session.get_expiry_age() <= 8 * 3600
    assert client.session.get_expire_at_browser_close() is True


def test_a_session_past_its_age_is_signed_out(world):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = Client()
    client.post("/accounts/login/", {"login": world.a.users["teacher"].email, "password": PASSWORD})
    slug = world.a.municipality.slug
    assert client.get(f"/m/{slug}/").status_code == 200
    # The server keeps the session for SESSION_COOKIE_AGE at most, whatever the browser does.
    stored = Session.objects.get(session_key=client.session.session_key)
    assert stored.expire_date <= timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    Session.objects.filter(pk=stored.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(f"/m/{slug}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
