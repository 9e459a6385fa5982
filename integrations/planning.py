"""Planning: read the provider to the end, compare it with the roster and the layout
(``integrations.plans``), store the plan for review; lift its safety limit by name. Writes the
stored plan and the audit trail, nothing at the provider (``integrations.provisioning`` applies it).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from integrations.base import client_for
from integrations.models import Connection, Layout, Plan, Provider
from integrations.plans import desired_state, diff, read_current, summarise
from schools.audit import log_action
from schools.models import Person, School, on_roster

OP_LABELS = {
    "create_ou": gettext_lazy("Create organisational unit"),
    "create_user": gettext_lazy("Create account"),
    "update_user": gettext_lazy("Update name"),
    "move_user": gettext_lazy("Move to another unit"),
    "unsuspend_user": gettext_lazy("Reactivate account"),
    "suspend_user": gettext_lazy("Suspend account (not on the roster)"),
    "create_group": gettext_lazy("Create group"),
    "add_member": gettext_lazy("Add to group"),
    "remove_member": gettext_lazy("Remove from group"),
    "assign_licence": gettext_lazy("Assign licence"),
    "conflict": gettext_lazy("Conflict: the address belongs to someone else"),
}


class NoConnection(Exception):
    pass


def make_plan(municipality, provider: str, *, actor=None, ip: str | None = None) -> Plan:
    """Read the provider to the end, compare with the roster and layout, store the plan."""
    connection = Connection.objects.filter(provider=provider).first()
    if connection is None:
        raise NoConnection(provider)
    layout = Layout.current(municipality)
    people = list(Person.objects.filter(on_roster()).exclude(role="student").prefetch_related("schools"))
    licences = {}
    if provider == Provider.MICROSOFT:
        licences = {
            "teacher": connection.teacher_sku,
            "staff": connection.staff_sku,
            "director": connection.staff_sku or connection.teacher_sku,
            "student": connection.student_sku,
        }
        licences = {role: sku for role, sku in licences.items() if sku}
    desired = desired_state(people, list(School.objects.all()), layout, licences)
    client = client_for(connection)
    try:
        current = read_current(client, provider)
    finally:
        client.close()
    items = diff(desired, current, provider, layout)
    managed = sum(1 for user in current.users.values() if user["external"].startswith("sitc-"))
    summary = summarise(items, managed)
    with transaction.atomic():
        plan = Plan.objects.create(
            municipality=municipality,
            provider=provider,
            status=Plan.Status.BLOCKED if summary["blocked"] else Plan.Status.READY,
            items=items,
            summary=summary,
            provider_state_hash=current.fingerprint,
            created_by=actor,
        )
        log_action(
            "plan.create",
            actor=actor,
            municipality=municipality,
            obj=plan,
            changes=summary["counts"],
            ip=ip,
        )
    return plan


@transaction.atomic
def override_safety_limit(plan: Plan, *, actor, ip: str | None = None) -> None:
    """An IT admin accepts, by name, a plan that suspends more than the safety limit."""
    updated = Plan.objects.filter(pk=plan.pk, status=Plan.Status.BLOCKED).update(
        status=Plan.Status.READY, override_by=actor, override_at=timezone.now()
    )
    if updated:
        log_action(
            "plan.override_safety_limit",
            actor=actor,
            obj=plan,
            changes={
                "suspensions": plan.summary.get("suspensions"),
                "limit": plan.summary.get("safety_limit"),
            },
            ip=ip,
        )
