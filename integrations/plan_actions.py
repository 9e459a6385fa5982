"""Making and reviewing plans (writes: the stored plan and the audit trail; nothing at the provider)."""

from __future__ import annotations

import csv
import io

from django.db import transaction
from django.utils import timezone

from infra.exports import neutralise
from integrations.layout_views import default_layout
from integrations.models import Connection, Layout, Plan
from integrations.plans import desired_state, diff, licences_by_role, read_current, summarise
from integrations.providers import client_for
from schools.audit import log_action
from schools.models import Person, School, on_roster


class NoConnection(Exception):
    pass


def make_plan(municipality, provider: str, *, actor=None, request=None) -> Plan:
    """Read the provider to the end, compare with the roster and layout, store the plan."""
    connection = Connection.objects.filter(provider=provider).first()
    if connection is None:
        raise NoConnection(provider)
    layout = Layout.objects.first() or default_layout(municipality)
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
            created_by=actor,
        )
        log_action(
            "plan.create",
            actor=actor,
            municipality=municipality,
            obj=plan,
            changes=summary["counts"],
            request=request,
        )
    return plan


@transaction.atomic
def override_safety_limit(request, plan: Plan) -> None:
    """An IT admin accepts, by name, a plan that suspends more than the safety limit."""
    updated = Plan.objects.filter(pk=plan.pk, status=Plan.Status.BLOCKED).update(
        status=Plan.Status.READY, override_by=request.user, override_at=timezone.now()
    )
    if updated:
        log_action(
            "plan.override_safety_limit",
            obj=plan,
            changes={
                "suspensions": plan.summary.get("suspensions"),
                "limit": plan.summary.get("safety_limit"),
            },
            request=request,
        )


def plan_csv(plan: Plan) -> str:
    """The plan as CSV; cells that a spreadsheet would run as formulas are neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["operation", "object", "school", "details"])
    for item in plan.items:
        details = "; ".join(f"{k}={v}" for k, v in (item.get("details") or {}).items())
        writer.writerow(
            [
                neutralise(item["op"]),
                neutralise(item["key"]),
                neutralise(item.get("school", "")),
                neutralise(details),
            ]
        )
    return buffer.getvalue()
