"""Planning: a plan is asked for in the page (``start_plan``) and made in a worker
(``build_plan``): the provider is read page by page, the roster streams past in chunks, and the
difference (``integrations.plans``) is written as ``PlanOperation`` rows as it is found, so that
neither the request nor the worker holds the plan. Its summary is counted in SQL. Also: lifting
a plan's safety limit by name. Writes the stored plan and the audit trail, nothing at the
provider (``integrations.provisioning`` applies it).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection as database
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from infra.tasks import enqueue_on_commit
from integrations.models import Connection, Layout, Plan, PlanOperation
from integrations.operations import Op
from integrations.plans import (
    Current,
    Differ,
    PlanItem,
    Planned,
    PlannedSchool,
    ReadBound,
    licences_by_role,
    read_current,
    safety,
)
from integrations.providers import client_for
from schools.audit import ActionContext, log_action, record
from schools.models import Person, School, on_roster

logger = logging.getLogger(__name__)

CHUNK = 2000  # people read, and operations written, at a time
PROGRESS_SECONDS = 1.0  # how often the plan's progress is saved while it is made
LOCK_NAMESPACE = 1_701_000  # pg_advisory_lock(namespace, plan id): a worker busy with the plan


class NoConnection(Exception):
    pass


def start_plan(ctx: ActionContext, provider: str) -> Plan:
    """Store a plan in "making" and have a worker make it (``integrations.tasks.make_plan``)."""
    from integrations.tasks import make_plan as make_plan_task  # cycle: the tasks run this module

    plan = _new_plan(ctx, provider)
    enqueue_on_commit(make_plan_task, plan.pk, plan.municipality_id)
    return plan


def make_plan(ctx: ActionContext, provider: str) -> Plan:
    """Make a plan here and now (the command line, the benchmarks): what the worker does."""
    plan = _new_plan(ctx, provider)
    build_plan(plan)
    plan.refresh_from_db()
    return plan


@transaction.atomic
def _new_plan(ctx: ActionContext, provider: str) -> Plan:
    if not Connection.objects.filter(provider=provider).exists():
        raise NoConnection(provider)
    plan = Plan.objects.create(
        municipality=ctx.tenant(),
        provider=provider,
        status=Plan.Status.MAKING,
        progress={"stage": "queued"},
        created_by=ctx.actor,
    )
    record(ctx, "plan.start", plan, {"provider": provider})
    return plan


def build_plan(plan: Plan) -> None:
    """Read the provider, compare it with the roster and the layout, store the operations.

    Run again (a worker killed half-way hands the task to another), it starts over. A provider
    that cannot be read, or holds more than a plan reads, leaves the plan failed with the reason."""
    with exclusive(plan) as mine:
        if not mine or not Plan.objects.filter(pk=plan.pk, status=Plan.Status.MAKING).exists():
            return
        try:
            _build(plan)
        except Exception as error:  # a fault of ours, not the provider's: said, not retried for ever
            logger.exception("plan %s could not be made", plan.pk)
            _fail(plan, {"kind": "error", "reason": type(error).__name__})


@contextmanager
def exclusive(plan: Plan) -> Iterator[bool]:
    """Whether this process may make (or check and apply) the plan now: one at a time. A task
    delivered twice, queued again by the reconciler or run again after a worker died finds the
    other's session lock; a dead worker's lock goes with its connection. PostgreSQL's advisory
    lock; other databases run one worker (the embedded mode)."""
    if database.vendor != "postgresql":
        yield True
        return
    with database.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, plan.pk])
        mine = cursor.fetchone()[0]
    try:
        yield mine
    finally:
        if mine:
            with database.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, plan.pk])


def _build(plan: Plan) -> None:
    PlanOperation.objects.filter(plan=plan).delete()
    progress = Progress(plan)
    connection = Connection.objects.get(provider=plan.provider)
    try:
        client = client_for(connection)
        try:
            current = read_current(client, progress.read)
        finally:
            client.close()
    except ReadBound as bound:
        _fail(plan, {"kind": "bound", "what": bound.what, "limit": bound.limit})
        return
    except Exception as error:  # noqa: BLE001 (any failure to read the provider: no plan, the reason shown)
        logger.warning("plan %s: the provider could not be read: %r", plan.pk, error)
        _fail(plan, {"kind": "unreadable", "reason": type(error).__name__})
        return
    layout = Layout.current(plan.municipality)
    differ = Differ(layout, current, licences_by_role(connection, current.capabilities))
    writer = OperationWriter(plan, progress)
    schools = _schools()
    writer.write(differ.units(schools.values()))
    progress.stage("people")
    writer.write(differ.people(_people(schools, progress)))
    progress.stage("memberships")
    writer.write(differ.leavers())
    writer.write(differ.memberships())
    writer.flush()
    progress.stage("summary")
    _finish(plan, current, progress)


def _fail(plan: Plan, failure: dict) -> None:
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.FAILED, failure=failure)
    log_action(
        "plan.failed", actor=plan.created_by, municipality=plan.municipality, obj=plan, changes=failure
    )


def _finish(plan: Plan, current: Current, progress: Progress) -> None:
    summary = summarise(plan, current.managed)
    progress.timeline["done"] = round(time.monotonic() - progress.started, 2)
    with transaction.atomic():
        Plan.objects.filter(pk=plan.pk, status=Plan.Status.MAKING).update(
            status=Plan.Status.BLOCKED if summary["blocked"] else Plan.Status.READY,
            summary=summary,
            provider_state_hash=current.fingerprint,
            progress={**progress.counts, "stage": "done"},
        )
        changes = summary["counts"]
        log_action(
            "plan.create", actor=plan.created_by, municipality=plan.municipality, obj=plan, changes=changes
        )


def summarise(plan: Plan, managed_users: int) -> dict:
    """Counts by operation and by school and operation, in SQL over the plan's rows."""
    rows = (
        PlanOperation.objects.filter(plan=plan)
        .values_list("school", "op")
        .annotate(n=Count("id"))
        .order_by("school", "op")
    )
    counts: dict[str, int] = {}
    by_school: dict[str, dict[str, int]] = {}
    for school, op, n in rows:
        counts[op] = counts.get(op, 0) + n
        by_school.setdefault(school, {})[op] = n
    people = PlanOperation.objects.filter(plan=plan, person__isnull=False).count()
    return {"counts": counts, "by_school": by_school, "people": people, **safety(counts, managed_users)}


# --- the roster, in chunks --------------------------------------------------------------------------
def _schools() -> dict[int, PlannedSchool]:
    return {
        pk: PlannedSchool(pk, name, code, subdomain or "")
        for pk, name, code, subdomain in School.objects.values_list("pk", "name", "code", "subdomain")
    }


def planned_people():
    """Who gets an account: on the roster, not in ``PLAN_EXCLUDED_ROLES`` (students by default)."""
    return Person.objects.filter(on_roster()).exclude(role__in=settings.PLAN_EXCLUDED_ROLES)


def _people(schools: dict[int, PlannedSchool], progress: Progress) -> Iterator[Planned]:
    """Everyone planned, in the order logins are handed out (``logins.AddressBook``): those with
    an account, then those with a manual login, then the rest, each by primary key. One streamed
    query per group, a row per person and school (a person's rows come together)."""
    people = planned_people()
    passes = (
        people.exclude(account_email=""),
        people.filter(account_email="").exclude(login_override=""),
        people.filter(account_email="", login_override=""),
    )
    fields = ("pk", "first_name", "last_name", "role", "account_email", "login_override", "schools__id")
    for rows in passes:
        person: tuple | None = None
        mine: list[PlannedSchool] = []
        for *row, school_id in rows.order_by("pk").values_list(*fields).iterator(chunk_size=CHUNK):
            if person is not None and row[0] != person[0]:
                yield _planned(person, mine)
                progress.count("people", 1)
                mine = []
            person = tuple(row)
            if school_id in schools:
                mine.append(schools[school_id])
        if person is not None:
            yield _planned(person, mine)
            progress.count("people", 1)


def _planned(row: tuple, schools: list[PlannedSchool]) -> Planned:
    return Planned(*row, schools=tuple(sorted(schools, key=lambda school: school.name)))


# --- the operations, in chunks ----------------------------------------------------------------------
class Progress:
    """How far the making got, saved on the plan at most every ``PROGRESS_SECONDS``."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.started = time.monotonic()
        # When each stage began, in seconds from the start (where the time goes, for the benchmark).
        self.timeline: dict[str, float] = {"accounts": 0.0}
        self.counts: dict[str, object] = {"stage": "accounts", "timeline": self.timeline}
        self.saved = 0.0
        self.save(force=True)

    def read(self, stage: str, counts: dict[str, int]) -> None:
        self.counts.update(counts)
        if stage != self.counts["stage"]:
            self.stage(stage)
        self.save()

    def stage(self, stage: str) -> None:
        self.counts["stage"] = stage
        self.timeline[stage] = round(time.monotonic() - self.started, 2)
        self.save(force=True)

    def count(self, what: str, n: int) -> None:
        self.counts[what] = int(self.counts.get(what, 0)) + n  # type: ignore[call-overload]
        self.save()

    def save(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.saved >= PROGRESS_SECONDS:
            self.saved = now
            Plan.objects.filter(pk=self.plan.pk).update(progress=self.counts)
            self.plan.progress = json.loads(json.dumps(self.counts))


class OperationWriter:
    """Operations written as rows, ``CHUNK`` at a time (PostgreSQL: COPY), numbered in order."""

    COLUMNS = ("plan_id", "municipality_id", "seq", "phase", "op", "key", "school", "person_id", "details")

    def __init__(self, plan: Plan, progress: Progress) -> None:
        self.plan = plan
        self.progress = progress
        self.seq = 0
        self.rows: list[tuple] = []

    def write(self, items: Iterable[PlanItem]) -> None:
        for item in items:
            op = Op(item["op"])
            self.rows.append(
                (
                    self.plan.pk,
                    self.plan.municipality_id,
                    self.seq,
                    op.item_phase(item["key"]),
                    op.value,
                    item["key"],
                    item.get("school") or "",
                    item.get("person"),
                    item.get("details") or {},
                )
            )
            self.seq += 1
            if len(self.rows) >= CHUNK:
                self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if database.vendor == "postgresql":
            self._copy()
        else:
            PlanOperation.objects.bulk_create(
                PlanOperation(**dict(zip(self.COLUMNS, row, strict=True))) for row in self.rows
            )
        self.progress.count("operations", len(self.rows))
        self.rows = []

    def _copy(self) -> None:
        """COPY: the fastest way into PostgreSQL, without building a model per row."""
        quote = database.ops.quote_name
        columns = ", ".join(quote(column) for column in self.COLUMNS)
        sql = f"COPY {quote(PlanOperation._meta.db_table)} ({columns}) FROM STDIN"
        with database.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in self.rows:
                copy.write_row((*row[:-1], json.dumps(row[-1], ensure_ascii=False)))


# --- what the pages say -----------------------------------------------------------------------------
def failure_message(plan: Plan) -> str:
    """Why the plan could not be made (or applied), in plain words in the active language."""
    failure = plan.failure or {}
    kind = failure.get("kind")
    if kind == "bound":
        labels = {"accounts": _("accounts"), "groups": _("groups"), "members": _("group members")}
        return _(
            "The provider holds more than %(limit)s %(what)s, the most a plan reads, so no plan was "
            "made. Ask the platform's operator to raise the limit."
        ) % {"limit": failure.get("limit"), "what": labels.get(failure.get("what"), failure.get("what"))}
    if kind == "unreadable":
        return _("The provider could not be read, so no plan was made (%(reason)s).") % {
            "reason": failure.get("reason", "")
        }
    if kind == "error":
        return _(
            "The plan could not be made (%(reason)s). Make a new one; if it fails again, tell the "
            "platform's operator."
        ) % {"reason": failure.get("reason", "")}
    if kind == "apply_unreadable":
        return _("The provider could not be read, so the plan was not applied; try again (%(reason)s).") % {
            "reason": failure.get("reason", "")
        }
    return ""


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
