"""The read side of the integrations pages: what each page shows, and the CSV downloads."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any, overload

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.utils import timezone

from infra.exports import neutralise
from integrations import operations
from integrations.logins import assign_addresses
from integrations.models import Connection, Job, JobItem, Layout, Plan, PlanOperation, Provider
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
        people,
        domain=layout.domain_for,
        pattern=layout.login_pattern,
        language=layout.name_language,
        cyrillic=layout.cyrillic_language,
    )
    addresses.sort(key=lambda a: (bool(not a.problem), a.person.last_name, a.person.first_name))
    counts = {
        source: sum(1 for a in addresses if a.source == source) for source in ("existing", "manual", "rule")
    }
    counts["numbered"] = sum(1 for a in addresses if a.numbered)
    counts["conflicts"] = sum(1 for a in addresses if a.conflict)
    counts["unromanised"] = sum(1 for a in addresses if a.problem)
    return addresses, counts


SCHOOLS_PER_PAGE = 50  # rows of the plan's summary by school
OPERATIONS_PER_PAGE = 100  # rows of the plan's details


def plan_review(plan: Plan, params) -> dict:
    """The plan page: its counts, a page of the schools × kinds table (from the stored summary)
    and a page of its operations, of one school and one kind if asked (``params``: the query)."""
    counts = plan.summary.get("counts", {})
    kinds = [op for op in operations.Op if op in counts] + sorted(set(counts) - set(operations.Op))
    by_school = plan.summary.get("by_school", {})
    schools = Paginator(sorted(by_school.items()), SCHOOLS_PER_PAGE).get_page(params.get("schools"))
    school, op = params.get("school"), params.get("op")
    rows = PlanOperation.objects.filter(plan=plan)
    if school is not None:
        rows = rows.filter(school=school)
    if op:
        rows = rows.filter(op=op)
    rows = rows.order_by("seq").only("op", "key", "school", "details")
    of_school = by_school.get(school, {}) if school is not None else counts
    count = of_school.get(op, 0) if op else sum(of_school.values())
    details = Paginator(
        PlanRows(rows, count, by_seq=school is None and not op), OPERATIONS_PER_PAGE
    ).get_page(params.get("page"))
    for row in details:
        row.label = operations.label(row.op)
    return {
        "counts": [(operations.label(kind), counts[kind]) for kind in kinds],
        "kinds": [(kind, operations.label(kind)) for kind in kinds],
        "schools": schools,
        "school_rows": [(name, [ops.get(kind, 0) for kind in kinds]) for name, ops in schools],
        "details": details,
        "school": school,
        "op": op or "",
        "op_label": operations.label(op) if op else "",
    }


class PlanRows:
    """A plan's operations as the paginator reads them: counted from the stored summary (no
    COUNT over 300,000 rows), and, unfiltered, a page is a range of ``seq`` (numbered without
    gaps when the plan was made) instead of an OFFSET past every row before it."""

    def __init__(self, rows, count: int, *, by_seq: bool) -> None:
        self.rows, self.total, self.by_seq = rows, count, by_seq

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, part: slice) -> list:
        if self.by_seq:
            return list(self.rows.filter(seq__gte=part.start, seq__lt=part.stop))
        return list(self.rows[part])


def plan_people(plan: Plan) -> int:
    """How many people a download of the plan names (for the personal-data access log)."""
    return PlanOperation.objects.filter(plan=plan, person__isnull=False).count()


def plan_csv(plan: Plan) -> Iterator[str]:
    """The plan as CSV lines, read from its rows in chunks (a streamed download); cells that a
    spreadsheet would run as formulas are neutralised. The query is made here, inside the
    tenant's scope; the response reads it after the view has returned."""
    rows = (
        PlanOperation.objects.filter(plan=plan)
        .order_by("seq")
        .values_list("op", "key", "school", "details")
        .iterator(chunk_size=2000)
    )
    return _csv_lines(["operation", "object", "school", "details"], rows)


def _csv_lines(header: list[str], rows) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    yield line(header)
    for op, key, school, details in rows:
        text = "; ".join(f"{k}={v}" for k, v in (details or {}).items())
        yield line([neutralise(op), neutralise(key), neutralise(school), neutralise(text)])


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
