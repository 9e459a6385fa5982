"""Thin Celery tasks of the read side: building the requested reports."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone
from django_scopes import scopes_disabled

from reporting.reports import build
from rollout.models import Report


@shared_task
def build_report(report_id: int) -> None:
    """Build one requested report (its tenant scope and language are restored inside)."""
    build.run(report_id)


# A report still waiting this long was never queued (the broker was down when it was asked
# for) or its worker died while building it: it is queued again. A council report of 200
# schools takes seconds, a regional one of 1,000 schools about a minute.
REPORT_STALE = timedelta(minutes=10)


@shared_task
def requeue_reports() -> int:
    """Celery beat: queue again the reports stuck waiting or building. Returns how many."""
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
