"""Optional Google and Microsoft sign-in: only allowed domains and tenants, never by e-mail alone."""

import base64
import json

import pytest
from django.conf import settings as django_settings

from schools.auth import external_identity_allowed, token_claims


def _jwt(claims: dict) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJSUzI1NiJ9.{body}.signature"


def test_google_needs_a_verified_address_in_an_allowed_domain(settings):
    settings.GOOGLE_ALLOWED_DOMAINS = ["haskovo-edu.example"]
    assert external_identity_allowed("google", {"hd": "haskovo-edu.example", "email_verified": True})
    assert not external_identity_allowed("google", {"hd": "haskovo-edu.example", "email_verified": False})
    assert not external_identity_allowed("google", {"hd": "gmail.com", "email_verified": True})
    assert not external_identity_allowed("google", {"email_verified": True})  # consumer account: no hd


def test_microsoft_needs_an_allowed_tenant(settings):
    settings.MICROSOFT_ALLOWED_TENANTS = ["0b1c2d3e-aaaa-bbbb-cccc-111122223333"]
    allowed = token_claims(_jwt({"tid": "0B1C2D3E-AAAA-BBBB-CCCC-111122223333"}))
    other = token_claims(_jwt({"tid": "99999999-aaaa-bbbb-cccc-111122223333"}))
    assert external_identity_allowed("microsoft", {"tid": allowed["tid"]})
    assert not external_identity_allowed("microsoft", {"tid": other["tid"]})
    assert not external_identity_allowed("microsoft", {})
    assert token_claims("not-a-jwt") == {}


def test_unknown_providers_are_refused():
    assert not external_identity_allowed("github", {"email_verified": True})


def test_accounts_are_never_linked_or_created_by_email():
    assert django_settings.SOCIALACCOUNT_EMAIL_AUTHENTICATION is False
    assert django_settings.SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT is False
    assert django_settings.SOCIALACCOUNT_AUTO_SIGNUP is False


@pytest.mark.django_db
def test_social_signup_is_closed(rf):
    from schools.auth import SocialAccountAdapter

    assert SocialAccountAdapter().is_open_for_signup(rf.get("/"), sociallogin=None) is False
