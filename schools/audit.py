"""The append-only audit trail. Every action that changes data records it (``record`` with the
action's context, or ``log_action`` with the values themselves)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from allauth.core.internal.httpkit import get_client_ip
from django.core.exceptions import PermissionDenied
from django.db import connection

from schools.models import AuditEvent, Municipality, User


@dataclass(frozen=True)
class ActionContext:
    """Who acts, for which municipality and from which address: what every write takes besides
    its values. A view builds it once (``context_from``); a task or a command builds it from the
    municipality alone (no actor, no address)."""

    municipality: Municipality | None
    actor: User | None = None  # the signed-in user; None: the system (a task, a command)
    ip: str | None = None

    def tenant(self) -> Municipality:
        """The municipality, for a write that belongs to one (ValueError outside one)."""
        if self.municipality is None:
            raise ValueError("this write needs a municipality")
        return self.municipality


def context_from(request) -> ActionContext:
    """The context of a request: its tenant's municipality (None outside one, or in a region), the
    signed-in user and the client's address."""
    tenant = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    return ActionContext(
        municipality=getattr(tenant, "municipality", None),
        actor=user if user is not None and user.is_authenticated else None,
        ip=client_ip(request),
    )


def client_ip(request) -> str | None:
    if request is None:
        return None
    try:
        return get_client_ip(request)
    except PermissionDenied:
        return None


def record(ctx: ActionContext, action: str, obj=None, changes: dict | None = None) -> AuditEvent:
    """The audit row of a write done in ``ctx`` (the municipality is the object's when the
    context has none, e.g. a regional coordinator's)."""
    return log_action(
        action, actor=ctx.actor, municipality=ctx.municipality, ip=ctx.ip, obj=obj, changes=changes
    )


def log_action(
    action: str,
    *,
    actor=None,
    municipality=None,
    obj=None,
    changes: dict | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """One audit row from plain values, where no action context is at hand (a task, a signal)."""
    if municipality is None and obj is not None:
        municipality = getattr(obj, "municipality", None)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=str(getattr(actor, "email", "") or ""),
        municipality=municipality,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        changes=changes or {},
        ip=ip,
    )


def log_actions(entries: list[tuple[str, object, dict]], *, municipality) -> None:
    """Many audit rows in one insert (a batch of provider calls): (action, object, changes)."""
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=None,
            actor_label="",
            municipality=municipality,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:255],
            changes=changes,
            ip=None,
        )
        for action, obj, changes in entries
    )


def form_changes(form) -> dict:
    """The fields a model form changed, as {field: [old, new]} in plain strings."""
    changes = {}
    for name in form.changed_data:
        old = form.initial.get(name)
        new = form.cleaned_data.get(name)
        changes[name] = [_plain(old), _plain(new)]
    return changes


def _plain(value):
    if hasattr(value, "__iter__") and not isinstance(value, str | bytes | dict):
        return [str(v.pk if hasattr(v, "pk") else v) for v in value]
    if hasattr(value, "pk"):
        return str(value.pk)
    return value if value is None or isinstance(value, bool | int | float) else str(value)


@contextmanager
def redaction():
    """ESCAPE HATCH from append-only: inside this block (and an atomic transaction) erasure may
    pseudonymise what events say and the retention job may delete events past their period.
    On PostgreSQL the trigger allows it only while ``schools.audit_redaction`` is on (migration
    0006); when, which action and which object an event names never change."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit redaction needs a transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('schools.audit_redaction', 'on', true)")
    yield
    # Only on success: after an error the transaction rolls back, and the setting with it.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('schools.audit_redaction', 'off', true)")
