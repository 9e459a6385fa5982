"""Every write of the integrations app's pages: atomic, audited, secrets encrypted and never logged.

Writes take values, not HTTP: first the context (``schools.audit.ActionContext``: the
municipality, the acting user and, for the audit trail, the client's address), then the values.
A view builds the context once (``context_from(request)``); a command or a task builds its own
(``ActionContext(municipality)``). The other writes of the app: ``planning`` (plans),
``provisioning.jobs`` (jobs), ``roster.actions`` (imports).
"""

from __future__ import annotations

import json

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from integrations.crypto import encrypt_secret, fingerprint
from integrations.models import Connection, Job, Layout, Provider
from integrations.providers import CheckResult, client_for
from schools.audit import ActionContext, record
from schools.models import Municipality, PersonalDataAccess
from schools.privacy.access import record_access


class SandboxUnavailable(Exception):
    pass


class RealConnectionExists(Exception):
    pass


def assign(instance, values: dict) -> dict:
    """Set plain field values on a model instance; what changed, as {field: [old, new]}."""
    changes = {}
    for name, value in values.items():
        old = getattr(instance, name)
        if old != value:
            changes[name] = [old, value]
            setattr(instance, name, value)
    return changes


# Outermost, so that the error report hides the secret in the transaction wrapper's arguments too.
@sensitive_variables()  # the secret in hand stays out of error reports
@transaction.atomic
def save_connection(ctx: ActionContext, provider: str, values: dict, *, secret: str = "") -> Connection:
    """Create or replace the municipality's connection to ``provider``; a new ``secret`` replaces
    the stored one (empty: keep it)."""
    municipality = ctx.tenant()
    connection = Connection.objects.filter(provider=provider).first()
    creating = connection is None
    if creating:
        connection = Connection(municipality=municipality, provider=provider)
    changed = list(assign(connection, values))
    if secret:
        connection.secret_ciphertext = encrypt_secret(municipality.pk, secret)
        connection.secret_fingerprint = fingerprint(secret)
    connection.status = Connection.Status.UNTESTED
    connection.save()
    if connection.primary_domain:
        _ensure_layout(municipality, connection.primary_domain)
    record(
        ctx,
        "connection.create" if creating else "connection.update",
        connection,
        {
            "fields": changed,
            "secret_replaced": bool(secret),
            "fingerprint": connection.secret_fingerprint,
        },
    )
    return connection


def test_connection(ctx: ActionContext, connection: Connection) -> CheckResult:
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
    record(ctx, "connection.test", connection, {"ok": result.ok})
    return result


@transaction.atomic
def delete_connection(ctx: ActionContext, connection: Connection) -> None:
    record(ctx, "connection.delete", connection)
    connection.delete()


def _ensure_layout(municipality: Municipality, domain: str) -> None:
    """The first connection gives the layout its domain; a saved layout is left as it is."""
    if not Layout.objects.exists():
        layout = Layout.default(municipality)
        layout.domain = domain
        layout.save()


@transaction.atomic
def save_layout(ctx: ActionContext, values: dict) -> Layout:
    """The account layout (domain, login rule, unit tree); existing accounts keep their addresses."""
    layout = Layout.current(ctx.tenant())
    changes = assign(layout, values)
    layout.save()
    record(ctx, "layout.update", layout, changes)
    return layout


def check_domain(ctx: ActionContext, connection: Connection, layout: Layout) -> dict:
    """Add the layout's domain at one provider (when missing) and record whether it is verified."""
    client = client_for(connection)
    try:
        status = client.domain_status(layout.domain, add=True).as_json()
    except Exception as error:  # the provider's answer, in plain words where we have them
        status = {"added": False, "verified": False, "records": [], "message": str(error)[:300]}
    finally:
        client.close()
    status["checked_at"] = timezone.now().isoformat()
    with transaction.atomic():
        statuses = {**layout.domain_status, connection.provider: status}
        Layout.objects.filter(pk=layout.pk).update(domain_status=statuses)
        record(
            ctx,
            "layout.domain_check",
            layout,
            {"provider": connection.provider, "verified": status["verified"]},
        )
    return status


@transaction.atomic
def slips_downloaded(ctx: ActionContext, job: Job, school: str | None, count: int) -> None:
    """Credential slips handed out: in the audit trail and the personal-data access log."""
    record(ctx, "job.slips_download", job, {"school": school or "", "slips": count})
    record_access(ctx, PersonalDataAccess.Kind.SLIPS, count=count, detail=f"job {job.pk} {school or ''}")


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


@sensitive_variables()
@transaction.atomic
def connect_sandbox(ctx: ActionContext, provider: str) -> Connection:
    """One click: a Google customer or Microsoft tenant in the sandbox, connected to this municipality."""
    municipality = ctx.tenant()
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
    _ensure_layout(municipality, domain)
    if provider == Provider.MICROSOFT:
        _verify_sandbox_domain(connection, domain)
    record(ctx, "connection.sandbox", connection, {"provider": provider, "domain": domain})
    return connection
