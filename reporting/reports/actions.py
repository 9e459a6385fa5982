"""Requesting a report and recording what became of it: atomic, audited, work on commit."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from reporting.reports import periods
from rollout.models import Report
from schools.audit import ActionContext, log_action, record


@transaction.atomic
def request_report(ctx: ActionContext, *, period: str, region=None) -> Report:
    """A council report (the context's municipality) or, given ``region`` (and no municipality),
    a regional monitoring report for ``period`` (``2026-Q4`` or ``2026``), in the owner's
    language; a worker builds it."""
    municipality = ctx.municipality
    if (municipality is None) == (region is None):
        raise ValueError("a report belongs to a municipality or to a region")
    starts_on, ends_on = periods.dates(period)
    owner = municipality or region
    report = Report.objects.create(
        kind=Report.Kind.COUNCIL if municipality else Report.Kind.REGIONAL,
        municipality=municipality,
        region=region,
        period=period,
        starts_on=starts_on,
        ends_on=ends_on,
        language=owner.language,
        created_by=ctx.actor,
    )
    record(
        ctx,
        "report.request",
        report,
        {"kind": report.kind, "period": period, "region": region.slug if region else ""},
    )
    from reporting.tasks import build_report  # cycle: reporting.tasks → reports.build → this module

    build_report.delay_on_commit(report.pk)
    return report


def log_download(ctx: ActionContext, report: Report) -> None:
    record(ctx, "report.download", report, {"region": report.region.slug if report.region_id else ""})


# --- Called by the worker (reporting.reports.build) ----------------------------------------------
# Conditional UPDATEs of the fields the worker owns: the page reads the row while it is built.


def _row(report: Report):
    """ESCAPE HATCH: the worker's own row by its primary key (a regional report has no
    municipality, so no municipal scope reaches it)."""
    return Report.objects.with_scopes_disabled().filter(pk=report.pk)


def claim(report: Report) -> bool:
    """Queued → building (or a redelivered build: building again). False when already finished."""
    return bool(
        _row(report)
        .filter(status__in=[Report.Status.QUEUED, Report.Status.BUILDING])
        .update(status=Report.Status.BUILDING, started_at=timezone.now(), progress=1, error="")
    )


def set_progress(report: Report, percent: int, step: str) -> None:
    _row(report).filter(status=Report.Status.BUILDING).update(progress=percent, step=step)


def finish(report: Report, name: str, content: bytes, pages: int) -> None:
    report.file.save(name, ContentFile(content), save=False)
    _row(report).update(
        file=report.file.name,
        pages=pages,
        status=Report.Status.DONE,
        progress=100,
        step=Report.Step.DONE,
        finished_at=timezone.now(),
    )
    log_action(
        "report.done",
        municipality=report.municipality,
        obj=report,
        changes={"pages": pages, "bytes": len(content)},
    )


def fail(report: Report, error: BaseException) -> None:
    """Record a readable reason: the exception's own words, never a traceback."""
    reason = f"{type(error).__name__}: {error}".strip().rstrip(":")[:2000]
    _row(report).update(status=Report.Status.FAILED, error=reason, finished_at=timezone.now())
    log_action("report.failed", municipality=report.municipality, obj=report, changes={"error": reason})
