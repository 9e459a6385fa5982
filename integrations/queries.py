"""The read side of the integrations pages: what each page shows, and the CSV downloads."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, overload

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.utils import timezone

from infra.exports import neutralise
from integrations import operations
from integrations.logins import assign_addresses
from integrations.models import Connection, Job, JobItem, Layout, Plan, Provider
from integrations.provisioning.progress import pace, progress
from schools.models import Person, WorkerHeartbeat, on_roster


def connection_cards() -> list[tuple]:
    """(provider, label, its connection or None) for every provider."""
    connections = {c.provider: c for c in Connection.objects.all()}
    return [(value, label, connections.get(value)) for value, label in Provider.choices]


def domain_statuses(layout: Layout) -> list[tuple]:
    """(connection, what the provider said about the layout's domain) for every connection."""
    return [(c, layout.domain_status.get(c.provider, {})) for c in Connection.objects.all()]


def logins(layout: Layout) -> tuple[list, dict]:
    """Everyone's login address under the layout (by name) and how each was made."""
    people = list(Person.objects.filter(on_roster()).exclude(role="student").prefetch_related("schools"))
    addresses = assign_addresses(
        people, domain=layout.domain_for, pattern=layout.login_pattern, language=layout.name_language
    )
    addresses.sort(key=lambda a: (a.person.last_name, a.person.first_name))
    counts = {
        source: sum(1 for a in addresses if a.source == source) for source in ("existing", "manual", "rule")
    }
    counts["numbered"] = sum(1 for a in addresses if a.numbered)
    counts["conflicts"] = sum(1 for a in addresses if a.conflict)
    return addresses, counts


def plan_review(plan: Plan) -> dict:
    """The plan's operations grouped by school, and its counts, with their labels."""
    groups: dict[str, list] = {}
    for item in plan.items:
        groups.setdefault(item.get("school") or "", []).append(
            {**item, "label": operations.label(item["op"])}
        )
    counts = [(operations.label(op), n) for op, n in plan.summary.get("counts", {}).items()]
    return {"groups": sorted(groups.items()), "counts": counts}


def plan_people(plan: Plan) -> int:
    """How many people a download of the plan names (for the personal-data access log)."""
    return sum(1 for item in plan.items if item.get("person"))


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


def workers() -> dict:
    fresh = timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS)
    return {"alive": WorkerHeartbeat.objects.filter(last_seen__gte=fresh).count()}


def slip_schools(job: Job) -> list[tuple[str, int]]:
    """(school, how many new accounts with a password to hand out) for the job's slips."""
    rows = (
        JobItem.objects.filter(job=job, op="create_user", outcome="created")
        .exclude(secret_ciphertext="")
        .values("school")
        .annotate(n=Count("id"))
        .order_by("school")
    )
    return [(row["school"], row["n"]) for row in rows]


def job_page(job: Job) -> dict:
    """The job's page and its htmx progress: counts, pace, failed items, workers, slips. Read
    from the job's counters and a bounded number of items, whatever the job's size; the slips are
    listed once the job is no longer running (they are counted from its new accounts)."""
    failed = [
        {"label": operations.label(item.op), "key": item.key, "error": item.error}
        for item in JobItem.objects.filter(job=job, status=JobItem.Status.FAILED).order_by("seq")[:200]
    ]
    counts = progress(job)
    working = job.status in (Job.Status.RUNNING, Job.Status.QUEUED)
    return {
        "job": job,
        "progress": counts,
        "pace": pace(job, counts["remaining"]) if job.status == Job.Status.RUNNING else None,
        "failed": failed,
        "workers": workers(),
        "slip_schools": [] if working else slip_schools(job),
        "retention_days": settings.CREDENTIAL_RETENTION_DAYS,
    }


ITEMS_PER_PAGE = 100


class JobItems(Sequence[JobItem]):
    """A job's items in the order of work, for a paginator: counted from the job's counter and
    read a page at a time by their place in that order (``seq``, numbered from the first item
    without gaps when the job is made), through the (job, seq) key: the last page of 300,000
    items costs what the first does."""

    def __init__(self, job: Job, total: int) -> None:
        self.job, self.total = job, total
        self.first = (
            JobItem.objects.filter(job=job).order_by("seq").values_list("seq", flat=True).first() or 0
        )

    def __len__(self) -> int:
        return self.total

    @overload
    def __getitem__(self, index: int) -> JobItem: ...

    @overload
    def __getitem__(self, index: slice) -> list[JobItem]: ...

    def __getitem__(self, index: int | slice) -> JobItem | list[JobItem]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop if index.stop is not None else self.total
        return list(
            JobItem.objects.filter(
                job=self.job, seq__gte=self.first + start, seq__lt=self.first + stop
            ).order_by("seq")
        )


def job_items_page(job: Job, number: str | None, *, failed_only: bool = False) -> dict[str, Any]:
    """One page of the job's items (or of its failed ones): the page and its rows, labelled."""
    if failed_only:
        items: Sequence[JobItem] | QuerySet[JobItem] = JobItem.objects.filter(
            job=job, status=JobItem.Status.FAILED
        ).order_by("seq")
    else:
        items = JobItems(job, progress(job)["total"])
    page: Page = Paginator(items, ITEMS_PER_PAGE).get_page(number)
    rows = [
        {
            "label": operations.label(item.op),
            "key": item.key,
            "school": item.school,
            "status": item.status,
            "status_label": item.get_status_display(),
            "outcome": item.outcome,
            "error": item.error,
        }
        for item in page.object_list
    ]
    return {"page": page, "rows": rows}


def job_people(job: Job) -> int:
    """How many account items a download of the job's report names (for the access log)."""
    return JobItem.objects.filter(job=job, op__endswith="_user").count()


def job_csv(job: Job) -> str:
    """Every item of the job with its outcome, as CSV (formula cells neutralised)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["operation", "object", "school", "status", "outcome", "attempts", "error"])
    for item in JobItem.objects.filter(job=job).order_by("seq").iterator():
        writer.writerow(
            [
                neutralise(v)
                for v in (
                    item.op,
                    item.key,
                    item.school,
                    item.status,
                    item.outcome,
                    item.attempts,
                    item.error,
                )
            ]
        )
    return buffer.getvalue()
