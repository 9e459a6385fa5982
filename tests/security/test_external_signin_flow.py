"""External sign-in through allauth's real flow and our adapters: only allowed Google Workspace
domains and Microsoft tenants, and never into an existing account by a matching e-mail."""

import base64
import json

import pytest
from allauth.account.models import EmailAddress
from allauth.core import context
from allauth.socialaccount.helpers import complete_social_login
from allauth.socialaccount.models import SocialAccount, SocialLogin, SocialToken
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.middleware import SessionMiddleware

from schools.models import User

pytestmark = pytest.mark.django_db

TENANT = "0b1c2d3e-aaaa-bbbb-cccc-111122223333"


@pytest.fixture(autouse=True)
def _providers(settings):
    settings.GOOGLE_ALLOWED_DOMAINS = ["alpha-edu.example"]
    settings.MICROSOFT_ALLOWED_TENANTS = [TENANT]
    settings.SOCIALACCOUNT_PROVIDERS = {
        "google": {"APPS": [{"client_id": "g", "secret": "s"}], "SCOPE": ["openid", "email"]},
        "microsoft": {"APPS": [{"client_id": "m", "secret": "s", "settings": {"tenant": TENANT}}]},
    }


def _jwt(claims: dict) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJSUzI1NiJ9.{body}.signature"


def attempt(rf, provider: str, uid: str, email: str, extra: dict, tid: str | None = None):
    """Run allauth's completion of an external sign-in; return (response, request)."""
    request = rf.get(f"/accounts/{provider}/login/callback/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.session.save()
    request.user = AnonymousUser()
    request._messages = FallbackStorage(request)
    sociallogin = SocialLogin(
        user=User(email=email),
        account=SocialAccount(provider=provider, uid=uid, extra_data={"email": email, **extra}),
        email_addresses=[EmailAddress(email=email, verified=True, primary=True)],
    )
    from allauth.socialaccount.adapter import get_adapter

    sociallogin.provider = get_adapter().get_provider(request, provider)
    if tid is not None:
        sociallogin.token = SocialToken(token=_jwt({"tid": tid}))
    sociallogin.state = {"process": "login", "next": "/"}
    with context.request_context(request):
        response = complete_social_login(request, sociallogin)
    return response, request


def signed_in_as(request):
    return request.session.get("_auth_user_id")


def test_google_from_a_domain_not_allowed_is_refused_even_for_a_linked_account(rf, world):
    teacher = world.a.users["teacher"]
    SocialAccount.objects.create(user=teacher, provider="google", uid="g-1", extra_data={})
    response, request = attempt(
        rf, "google", "g-1", teacher.email, {"hd": "gmail.com", "email_verified": True}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert signed_in_as(request) is None


def test_google_unverified_address_is_refused(rf, world):
    teacher = world.a.users["teacher"]
    SocialAccount.objects.create(user=teacher, provider="google", uid="g-1", extra_data={})
    response, request = attempt(
        rf, "google", "g-1", teacher.email, {"hd": "alpha-edu.example", "email_verified": False}
    )
    assert response.status_code == 302 and signed_in_as(request) is None


def test_google_from_an_allowed_domain_signs_in_only_a_linked_account(rf, world):
    teacher = world.a.users["teacher"]
    SocialAccount.objects.create(user=teacher, provider="google", uid="g-1", extra_data={})
    claims = {"hd": "alpha-edu.example", "email_verified": True}
    _response, request = attempt(rf, "google", "g-1", teacher.email, claims)
    assert signed_in_as(request) == str(teacher.pk)  # the control: the linked account signs in


def test_a_matching_email_never_links_or_signs_in(rf, world):
    """An allowed Google account whose address is a portal user's: no sign-in, no link, no user."""
    teacher = world.a.users["teacher"]  # no second factor that would stop the sign-in anyway
    claims = {"hd": "alpha-edu.example", "email_verified": True}
    response, request = attempt(rf, "google", "new-uid", teacher.email, claims)
    assert signed_in_as(request) is None
    assert response.status_code in (200, 302)
    assert not SocialAccount.objects.filter(uid="new-uid").exists()
    assert User.objects.filter(email=teacher.email).count() == 1


def test_microsoft_only_from_an_allowed_tenant(rf, world):
    teacher = world.a.users["teacher"]
    SocialAccount.objects.create(user=teacher, provider="microsoft", uid="m-1", extra_data={})
    _response, request = attempt(
        rf, "microsoft", "m-1", teacher.email, {}, tid="99999999-0000-0000-0000-000000000000"
    )
    assert signed_in_as(request) is None
    # A tenant id only in the profile data (which the user's own directory controls) is not enough.
    _response, request = attempt(rf, "microsoft", "m-1", teacher.email, {"tid": TENANT}, tid="")
    assert signed_in_as(request) is None
    _response, request = attempt(rf, "microsoft", "m-1", teacher.email, {}, tid=TENANT.upper())
    assert signed_in_as(request) == str(teacher.pk)
