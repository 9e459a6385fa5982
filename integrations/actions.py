"""Every write of the integrations app: atomic, audited, secrets encrypted and never logged."""

from __future__ import annotations

import json

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from integrations.crypto import encrypt_secret, fingerprint
from integrations.models import Connection, Layout, Provider
from integrations.providers import CheckResult, client_for
from schools.audit import log_action


class SandboxUnavailable(Exception):
    pass


class RealConnectionExists(Exception):
    pass


@transaction.atomic
@sensitive_variables()  # the secret in hand stays out of error reports
def save_connection(request, form, provider: str) -> Connection:
    """Create or replace the municipality's connection to ``provider`` from a validated form."""
    municipality = request.tenant.municipality
    creating = form.instance.pk is None
    connection = form.save(commit=False)
    connection.municipality = municipality
    connection.provider = provider
    secret = form.cleaned_data.get("secret")
    if secret:
        connection.secret_ciphertext = encrypt_secret(municipality.pk, secret)
        connection.secret_fingerprint = fingerprint(secret)
    if form.cleaned_data.get("service_account_email"):
        connection.service_account_email = form.cleaned_data["service_account_email"]
    connection.status = Connection.Status.UNTESTED
    connection.save()
    if connection.primary_domain:
        ensure_layout(municipality, connection.primary_domain)
    changed = [name for name in form.changed_data if name not in ("key_file", "key_text", "client_secret")]
    log_action(
        "connection.create" if creating else "connection.update",
        obj=connection,
        changes={
            "fields": changed,
            "secret_replaced": bool(secret),
            "fingerprint": connection.secret_fingerprint,
        },
        request=request,
    )
    return connection


def test_connection(request, connection: Connection) -> CheckResult:
    """Sign in and read a little, then record in plain words what works or what is wrong."""
    try:
        result = client_for(connection).check()
    except Exception as error:  # a broken key file, an unreadable secret: say so, never crash the page
        result = CheckResult(
            False, _("The connection cannot be used: %(reason)s") % {"reason": error.__class__.__name__}
        )
    Connection.objects.filter(pk=connection.pk).update(
        status=Connection.Status.OK if result.ok else Connection.Status.FAILED,
        last_tested_at=timezone.now(),
        last_test_message=result.message,
    )
    log_action("connection.test", obj=connection, changes={"ok": result.ok}, request=request)
    return result


@transaction.atomic
def delete_connection(request, connection: Connection) -> None:
    log_action("connection.delete", obj=connection, request=request)
    connection.delete()


def ensure_layout(municipality, domain: str) -> None:
    """The first connection gives the layout its domain; a saved layout is left as it is."""
    from integrations.layout_views import default_layout

    if not Layout.objects.exists():
        layout = default_layout(municipality)
        layout.domain = domain
        layout.save()


def _sandbox(path: str, payload: dict) -> dict:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE must not override the sandbox's CA
    session.verify = str(settings.SANDBOX_CA_FILE) if settings.SANDBOX_CA_FILE.exists() else True
    try:
        response = session.post(f"{settings.SANDBOX_URL}/_sandbox/{path}", json=payload, timeout=15)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as error:
        raise SandboxUnavailable(str(error)) from error
    finally:
        session.close()


def _verify_sandbox_domain(connection: Connection, domain: str, attempts: int = 5) -> None:
    """POST /domains/{id}/verify through Graph like a real tenant; a sandbox answering with errors
    (its chaos profile) is asked again, and a domain still unverified stops the setup: accounts
    on an unverified domain would all be refused."""
    for _attempt in range(attempts):
        try:
            client = client_for(connection)
        except Exception:  # noqa: BLE001, S112 (its sign-in endpoints answered with an error)
            continue
        try:
            if client.domain_status(domain).verified:
                return
        except Exception:  # noqa: BLE001, S112 (an error answer: ask again)
            continue
        finally:
            client.close()
    raise SandboxUnavailable(domain)


@transaction.atomic
@sensitive_variables()
def connect_sandbox(request, provider: str) -> Connection:
    """One click: a Google customer or Microsoft tenant in the sandbox, connected to this municipality."""
    municipality = request.tenant.municipality
    domain = f"{municipality.slug}.sandbox.example"
    existing = Connection.objects.filter(provider=provider).first()
    if existing is not None and not existing.is_sandbox:
        raise RealConnectionExists(provider)  # never replace a real tenant's connection by a click
    if existing is not None:
        existing.delete()
    if provider == Provider.GOOGLE:
        made = _sandbox("google/customers", {"domain": domain})
        secret = json.dumps(made["service_account_info"])
        connection = Connection(
            provider=provider,
            customer_id=made["customer_id"],
            admin_email=made["admin_email"],
            primary_domain=made["domain"],
            service_account_email=made["service_account_info"]["client_email"],
        )
    else:
        made = _sandbox("microsoft/tenants", {"domain": domain})
        # A rehearsal tenant comes ready: its domain's DNS record counts as published, so the
        # first "verify" call (below, through Graph like a real tenant) succeeds.
        _sandbox("domains/verify", {"provider": "microsoft", "scope": made["tenant_id"], "domain": domain})
        secret = made["client_secret"]
        skus = made.get("skus") or []
        connection = Connection(
            provider=provider,
            tenant_id=made["tenant_id"],
            client_id=made["client_id"],
            usage_location=municipality.country[:2].upper(),
            teacher_sku=skus[0]["skuId"] if skus else "",
            staff_sku=skus[0]["skuId"] if skus else "",
            student_sku=skus[1]["skuId"] if len(skus) > 1 else "",
        )
    connection.municipality = municipality
    connection.is_sandbox = True
    connection.api_base_url = settings.SANDBOX_URL
    connection.auth_base_url = settings.SANDBOX_URL
    connection.secret_ciphertext = encrypt_secret(municipality.pk, secret)
    connection.secret_fingerprint = fingerprint(secret)
    connection.save()
    ensure_layout(municipality, domain)
    if provider == Provider.MICROSOFT:
        _verify_sandbox_domain(connection, domain)
    log_action(
        "connection.sandbox",
        obj=connection,
        changes={"provider": provider, "domain": domain},
        request=request,
    )
    return connection
