"""Thin Celery tasks (beat): every tenant in turn, its scope and language restored inside."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone
from django_scopes import scopes_disabled

from schools.access import municipality_scope


def _programmes(**filters) -> list[tuple[int, int]]:
    from rollout.models import Programme

    with scopes_disabled():  # ESCAPE HATCH: the list of programmes spans every tenant
        return list(Programme.objects.filter(**filters).values_list("pk", "municipality_id").distinct())


def _municipalities() -> list[int]:
    from rollout.models import Programme

    with scopes_disabled():  # ESCAPE HATCH: which tenants run a programme
        return sorted(set(Programme.objects.values_list("municipality_id", flat=True)))


@shared_task
def refresh_facts() -> int:
    """Recompute the self-ticking activities from the system's facts (hourly)."""
    from rollout import actions
    from rollout.models import Programme

    changed = 0
    for programme_id, municipality_id in _programmes(activities__fact_kind__gt=""):
        with municipality_scope(municipality_id):
            programme = Programme.objects.select_related("municipality").filter(pk=programme_id).first()
            if programme is not None:
                changed += actions.refresh_facts(programme)
    return changed


@shared_task
def notify_overdue() -> int:
    from rollout import actions
    from schools.models import Municipality

    told = 0
    for municipality_id in _municipalities():
        with municipality_scope(municipality_id):
            told += actions.notify_overdue(Municipality.objects.get(pk=municipality_id))
    return told


@shared_task
def send_weekly_digests() -> int:
    """Runs hourly; each person gets one digest per ISO week (the first run of the week sends)."""
    from rollout.digests import send_digests
    from schools.models import Municipality

    sent = 0
    for municipality_id in _municipalities():
        with municipality_scope(municipality_id):
            sent += send_digests(Municipality.objects.get(pk=municipality_id))
    return sent


@shared_task
def take_due_snapshots() -> int:
    """Daily: once a monitoring period has ended, freeze each school's indicators for it."""
    from rollout import actions
    from rollout.models import Programme

    taken = 0
    for programme_id, municipality_id in _programmes():
        with municipality_scope(municipality_id):
            programme = Programme.objects.select_related("municipality").filter(pk=programme_id).first()
            if programme is not None:
                taken += actions.take_snapshots(programme, previous=True)
    return taken


@shared_task
def build_report(report_id: int) -> None:
    """Build one requested report (its tenant scope and language are restored inside)."""
    from rollout.reports import build

    build.run(report_id)


# A report still waiting this long was never queued (the broker was down when it was asked
# for) or its worker died while building it: it is queued again. A council report of 200
# schools takes seconds, a regional one of 1,000 schools about a minute.
REPORT_STALE = timedelta(minutes=10)


@shared_task
def requeue_reports() -> int:
    """Celery beat: queue again the reports stuck waiting or building. Returns how many."""
    from rollout.models import Report

    stale = timezone.now() - REPORT_STALE
    with scopes_disabled():  # ESCAPE HATCH: beat looks at every tenant's and region's reports
        stuck = list(
            Report.objects.filter(
                Q(status=Report.Status.QUEUED, created_at__lt=stale)
                | Q(status=Report.Status.BUILDING, started_at__lt=stale)
            ).values_list("pk", flat=True)
        )
    for report_id in stuck:
        build_report.delay(report_id)
    return len(stuck)
