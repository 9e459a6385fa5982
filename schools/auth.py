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
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # People join by invitation only (schools.actions.invite).
        return False

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
