"""allauth adapters: no open sign-up, external sign-in only for allowed domains and tenants."""

from __future__ import annotations

import base64
import json
import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schools import signin_limits


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # People join by invitation only (schools.actions.invite).
        return False

    def pre_authenticate(self, request, **credentials) -> None:
        """Failed sign-ins slow the guesser down without locking anyone else out (``signin_limits``)."""
        attempt = self._attempt(request, credentials)
        wait = signin_limits.wait_seconds(attempt)
        if wait > 0:
            seconds = max(1, round(wait))
            raise forms.ValidationError(
                ngettext(
                    "Too many failed sign-ins. Try again in %(seconds)s second.",
                    "Too many failed sign-ins. Try again in %(seconds)s seconds.",
                    seconds,
                )
                % {"seconds": seconds},
                code="too_many_login_attempts",
            )

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None:
            signin_limits.record_success(self._attempt(request, credentials))
        return user

    def authentication_failed(self, request, **credentials) -> None:
        signin_limits.record_failure(self._attempt(request, credentials))

    def _attempt(self, request, credentials) -> signin_limits.Attempt:
        login = str(credentials.get("email") or credentials.get("username") or "")
        device, known = signin_limits.device_of(request.COOKIES.get(signin_limits.DEVICE_COOKIE))
        return signin_limits.Attempt(
            login=login,
            address=self.get_client_ip(request),
            known_device=signin_limits.Attempt(login, "", False).account in known,
            device=device,
        )

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """The first TOTP enrolment right after a password sign-in asks for no password again.

        Everything else about MFA (a second device, recovery codes, switching it off) still
        asks the user to confirm their password, as allauth does by default.
        """
        request = context.request
        if app == "allauth.mfa" and request is not None and request.user.is_authenticated:
            if not Authenticator.objects.filter(user=request.user).exists() and _signed_in_recently(request):
                return False
        return super().is_reauthentication_required(app=app, **kwargs)


def _signed_in_recently(request) -> bool:
    records = request.session.get("account_authentication_methods", [])
    last = max((record.get("at", 0) for record in records), default=0)
    return time.time() - last < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT


def token_claims(token: str) -> dict:
    """The claims of a JWT access token received directly from the identity provider's token endpoint."""
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}


def external_identity_allowed(provider: str, extra_data: dict) -> bool:
    """Google: a verified address in an allowed Workspace domain. Microsoft: an allowed tenant."""
    if provider == "google":
        domain = str(extra_data.get("hd") or "").lower()
        verified = extra_data.get("email_verified") in (True, "true")
        return verified and domain in {d.lower() for d in settings.GOOGLE_ALLOWED_DOMAINS}
    if provider == "microsoft":
        tenant = str(extra_data.get("tid") or extra_data.get("tenant_id") or "").lower()
        return tenant in {t.lower() for t in settings.MICROSOFT_ALLOWED_TENANTS}
    return False


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False

    def pre_social_login(self, request, sociallogin):
        account = sociallogin.account
        data = dict(account.extra_data or {})
        if account.provider == "microsoft" and sociallogin.token is not None:
            # Graph's /me has no tenant id; the access token issued for this sign-in does.
            data["tid"] = token_claims(sociallogin.token.token).get("tid", "")
        if not external_identity_allowed(account.provider, data):
            messages.error(request, _("This account is not from an organisation allowed to sign in here."))
            raise ImmediateHttpResponse(redirect("account_login"))
        # Existing accounts are linked only from the signed-in user's own connections page,
        # never by matching e-mail addresses (SOCIALACCOUNT_EMAIL_AUTHENTICATION is off).
