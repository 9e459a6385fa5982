"""Pages outside any tenant: accepting an invitation, choosing a language, health."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.utils import perform_login
from celery import current_app
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from schools import actions
from schools.audit import context_from
from schools.forms import AcceptInvitationForm, LanguageForm
from schools.models import WorkerHeartbeat


@never_cache
def accept_invitation(request, token):
    """The link from the invitation e-mail: register (new address) or accept (signed in as that address)."""
    invitation = actions.invitation_from_token(token)
    if invitation is None:
        return render(request, "schools/invitation_invalid.html", status=410)
    chosen = request.user.language if request.user.is_authenticated else ""
    with translation.override(chosen or invitation.language):
        return _accept_invitation(request, invitation)


def _accept_invitation(request, invitation):
    if request.user.is_authenticated:
        if request.user.email.lower() != invitation.email.lower():
            return render(
                request, "schools/invitation_wrong_user.html", {"invitation": invitation}, status=403
            )
        if request.method == "POST":
            actions.accept_invitation(context_from(request), invitation, request.user)
            messages.success(request, _("Welcome to %(name)s.") % {"name": invitation.municipality.name})
            return redirect("schools:overview", municipality_slug=invitation.municipality.slug)
        return render(request, "schools/invitation_accept.html", {"invitation": invitation})
    if get_user_model().objects.filter(email__iexact=invitation.email).exists():
        messages.info(request, _("You already have an account: sign in to accept the invitation."))
        return redirect(f"{reverse('account_login')}?{urlencode({'next': request.path})}")
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        ctx = context_from(request)
        with transaction.atomic():  # an account never exists without the membership it was invited to
            user = actions.register_invited_user(
                ctx,
                invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
            actions.accept_invitation(ctx, invitation, user)
        return perform_login(request, user, redirect_url="/")
    return render(request, "schools/invitation_register.html", {"invitation": invitation, "form": form})


@require_POST
def set_language(request):
    form = LanguageForm(request.POST)
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = redirect(next_url)
    if form.is_valid():
        language = form.cleaned_data["language"]
        actions.set_language(context_from(request), language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:  # any failure means "down"; the class name says which
        return {"ok": False, "error": exc.__class__.__name__}


def _check_broker() -> dict:
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {
            "ok": True,
            "transport": conn.transport_cls if isinstance(conn.transport_cls, str) else "custom",
        }
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}


def _check_worker() -> dict:
    try:
        latest = WorkerHeartbeat.objects.order_by("-last_seen").first()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    if latest is None:
        return {"ok": False, "error": "no worker has ever reported"}
    age = (timezone.now() - latest.last_seen).total_seconds()
    alive = WorkerHeartbeat.objects.filter(
        last_seen__gte=timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS)
    ).count()
    return {
        "ok": age <= settings.WORKER_HEARTBEAT_STALE_SECONDS,
        "last_seen": latest.last_seen.isoformat(),
        "seconds_ago": round(age, 1),
        "workers_alive": alive,
    }


@never_cache
def healthz(request):
    checks = {"database": _check_database(), "broker": _check_broker()}
    checks["worker"] = (
        _check_worker() if checks["database"]["ok"] else {"ok": False, "error": "database down"}
    )
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503
    )
