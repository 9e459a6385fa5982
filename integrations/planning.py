"""Planning: read the provider to the end, compare it with the roster and the layout
(``integrations.plans``), store the plan for review; lift its safety limit by name. Writes the
stored plan and the audit trail, nothing at the provider (``integrations.provisioning`` applies it).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from integrations.models import Connection, Layout, Plan
from integrations.plans import desired_state, diff, licences_by_role, read_current, summarise
from integrations.providers import client_for
from schools.audit import ActionContext, record
from schools.models import Person, School, on_roster


class NoConnection(Exception):
    pass


def make_plan(ctx: ActionContext, provider: str) -> Plan:
    """Read the provider to the end, compare with the roster and layout, store the plan."""
    municipality = ctx.tenant()
    connection = Connection.objects.filter(provider=provider).first()
    if connection is None:
        raise NoConnection(provider)
    layout = Layout.current(municipality)
    people = list(Person.objects.filter(on_roster()).exclude(role="student").prefetch_related("schools"))
    client = client_for(connection)
    try:
        current = read_current(client)
    finally:
        client.close()
    licences = licences_by_role(connection, current.capabilities)
    desired = desired_state(people, list(School.objects.all()), layout, licences)
    items = diff(desired, current)
    summary = summarise(items, current.managed)
    with transaction.atomic():
        plan = Plan.objects.create(
            municipality=municipality,
            provider=provider,
            status=Plan.Status.BLOCKED if summary["blocked"] else Plan.Status.READY,
            items=items,
            summary=summary,
            provider_state_hash=current.fingerprint,
            created_by=ctx.actor,
        )
        record(ctx, "plan.create", plan, summary["counts"])
    return plan


@transaction.atomic
def override_safety_limit(ctx: ActionContext, plan: Plan) -> None:
    """An IT admin accepts, by name, a plan that suspends more than the safety limit."""
    updated = Plan.objects.filter(pk=plan.pk, status=Plan.Status.BLOCKED).update(
        status=Plan.Status.READY, override_by=ctx.actor, override_at=timezone.now()
    )
    if updated:
        record(
            ctx,
            "plan.override_safety_limit",
            plan,
            {"suspensions": plan.summary.get("suspensions"), "limit": plan.summary.get("safety_limit")},
        )
