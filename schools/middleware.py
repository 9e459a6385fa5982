"""The tenant middleware (URL → municipality → membership → scope), MFA enforcement, the CSP header."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django_scopes import scopes_disabled

from schools import access, signin_limits

_MFA_SESSION_KEY = "portal_mfa_ok"


class TenantMiddleware:
    """Resolve ``/m/<slug>/`` and ``/r/<slug>/``, 404 for outsiders, run the view inside the scope.

    Pages outside a tenant run with no scope, so a tenant-owned query there raises instead of
    returning every municipality's rows.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
        kwargs = match.kwargs if match else {}
        if match and match.app_name == "admin" and request.user.is_authenticated and request.user.is_staff:
            # ESCAPE HATCH: platform staff in the Django admin support every municipality.
            with scopes_disabled():
                return self.get_response(request)
        if "municipality_slug" in kwargs or "region_slug" in kwargs:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if "municipality_slug" in kwargs:
                ctx = access.municipality_context(request.user, kwargs["municipality_slug"])
            else:
                ctx = access.region_context(request.user, kwargs["region_slug"])
            request.tenant = ctx
            _activate_language(request, ctx.language)
            with access.tenant_scope(ctx):
                return self.get_response(request)
        if request.user.is_authenticated and not request.user.language:
            memberships = access.user_memberships(request.user)
            regions = access.user_region_memberships(request.user) if not memberships else []
            default = (
                memberships[0].municipality.language
                if memberships
                else (regions[0].region.language if regions else "")
            )
            _activate_language(request, default)
        elif request.user.is_authenticated:
            _activate_language(request, "")
        return self.get_response(request)


def _activate_language(request, tenant_language: str) -> None:
    """The user's own choice wins; else the municipality's language; else what LocaleMiddleware found."""
    available = {code for code, _name in settings.LANGUAGES}
    user = request.user
    language = (user.language if user.is_authenticated else "") or tenant_language
    if language in available:
        translation.activate(language)
        request.LANGUAGE_CODE = language


class PrivatePagesMiddleware:
    """Nothing a signed-in person sees is kept by a browser or a proxy: school computers are
    shared, and the next pupil at the keyboard must not find a roster in the back button's
    cache. Responses that chose their own caching (signed downloads, static files) keep it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class KnownDeviceMiddleware:
    """After a complete sign-in (password and, where required, TOTP) the browser keeps a signed
    cookie naming the account, so that strangers' failed guesses never slow its owner down
    (``schools.signin_limits``). It holds digests, never an address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        login = getattr(request, "signed_in_login", None)
        if login:
            response.set_cookie(
                signin_limits.DEVICE_COOKIE,
                signin_limits.remember_account(request.COOKIES.get(signin_limits.DEVICE_COOKIE), login),
                max_age=signin_limits.DEVICE_MAX_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


class MfaRequiredMiddleware:
    """Officers, IT admins, regional coordinators and staff must enrol TOTP before anything else."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/healthz", "/invite/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            settings.MFA_REQUIRED
            and user.is_authenticated
            and not request.session.get(_MFA_SESSION_KEY)
            and not request.path_info.startswith(self.ALLOWED_PREFIXES)
        ):
            if _has_totp(user):
                # Remembered only once enrolled: a role that needs MFA may be granted later.
                request.session[_MFA_SESSION_KEY] = True
            elif access.user_needs_mfa(user):
                return redirect(
                    f"{reverse('mfa_activate_totp')}?{urlencode({'next': request.get_full_path()})}"
                )
        return self.get_response(request)


def _has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def forget_mfa_state(request) -> None:
    request.session.pop(_MFA_SESSION_KEY, None)
