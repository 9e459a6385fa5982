"""Thin Celery tasks (beat): every tenant in turn, its scope and language restored inside."""

from __future__ import annotations

from celery import shared_task
from django_scopes import scopes_disabled

from rollout.actions import monitoring, notifications
from rollout.actions import tasks as task_actions
from rollout.digests import send_digests
from rollout.models import Programme
from schools.access import municipality_scope
from schools.audit import ActionContext
from schools.models import Municipality


def _programmes(**filters) -> list[tuple[int, int]]:
    with scopes_disabled():  # ESCAPE HATCH: the list of programmes spans every tenant
        return list(Programme.objects.filter(**filters).values_list("pk", "municipality_id").distinct())


def _municipalities() -> list[int]:
    with scopes_disabled():  # ESCAPE HATCH: which tenants run a programme
        return sorted(set(Programme.objects.values_list("municipality_id", flat=True)))


@shared_task
def refresh_facts() -> int:
    """Recompute the self-ticking activities from the system's facts (hourly)."""
    changed = 0
    for programme_id, municipality_id in _programmes(activities__fact_kind__gt=""):
        with municipality_scope(municipality_id):
            programme = Programme.objects.select_related("municipality").filter(pk=programme_id).first()
            if programme is not None:
                changed += task_actions.refresh_facts(programme)
    return changed


@shared_task
def notify_overdue() -> int:
    told = 0
    for municipality_id in _municipalities():
        with municipality_scope(municipality_id):
            told += notifications.notify_overdue(Municipality.objects.get(pk=municipality_id))
    return told


@shared_task
def send_weekly_digests() -> int:
    """Runs hourly; each person gets one digest per ISO week (the first run of the week sends)."""
    sent = 0
    for municipality_id in _municipalities():
        with municipality_scope(municipality_id):
            sent += send_digests(Municipality.objects.get(pk=municipality_id))
    return sent


@shared_task
def take_due_snapshots() -> int:
    """Daily: once a monitoring period has ended, freeze each school's indicators for it."""
    taken = 0
    for programme_id, municipality_id in _programmes():
        with municipality_scope(municipality_id):
            programme = Programme.objects.select_related("municipality").filter(pk=programme_id).first()
            if programme is not None:
                taken += monitoring.take_snapshots(
                    ActionContext(programme.municipality), programme, previous=True
                )
    return taken
