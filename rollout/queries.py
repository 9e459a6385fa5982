"""Read-side aggregates of the rollout app. Query counts do not grow with the number of schools."""

from __future__ import annotations

import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django_scopes import scopes_disabled

from infra.dates import clamp
from rollout.facts import account_counts
from rollout.models import Activity, LibraryDocument, Programme, Snapshot, Stage, Task, TaskStatus
from schools import facts as school_facts
from schools.models import Membership, School
from schools.roles import Role


def today_for(municipality, now: datetime | None = None) -> date:
    """Today in the municipality's time zone: deadlines pass at the municipality's midnight."""
    now = now or timezone.now()
    return now.astimezone(zoneinfo.ZoneInfo(municipality.time_zone or "UTC")).date()


def covered_schools(programme: Programme):
    if programme.coverage == Programme.Coverage.ALL:
        return School.objects.order_by("name")
    return programme.schools.order_by("name")


def pilot_groups(municipality) -> list:
    """The municipality's pilot groups (the query ``pilot_groups(municipality)`` the surveys app
    registers in ``schools.facts``), or nothing without it."""
    groups = school_facts.query("pilot_groups")
    return list(groups(municipality)) if groups else []


@dataclass
class ActivityRow:
    activity: Activity
    counts: Counter = field(default_factory=Counter)
    tasks: list = field(default_factory=list)
    status: str = TaskStatus.PLANNED

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.counts[TaskStatus.DONE]

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def _rollup(statuses: Counter) -> str:
    total = sum(statuses.values())
    if total and statuses[TaskStatus.DONE] == total:
        return TaskStatus.DONE
    for status in (TaskStatus.OVERDUE, TaskStatus.BLOCKED, TaskStatus.IN_PROGRESS):
        if statuses[status]:
            return status
    if statuses[TaskStatus.DONE]:
        return TaskStatus.IN_PROGRESS
    return TaskStatus.PLANNED


def activity_rows(programme: Programme, today: date, *, with_tasks: bool = False) -> list[ActivityRow]:
    activities = list(
        Activity.objects.filter(programme=programme)
        .select_related("stage")
        .prefetch_related("responsible_users")
        .order_by("stage__order", "stage__starts_on", "order", "pk")
    )
    rows = {a.pk: ActivityRow(a) for a in activities}
    tasks = (
        Task.objects.filter(activity__programme=programme).select_related("school").order_by("school__name")
    )
    for task in tasks:
        row = rows[task.activity_id]
        task.activity = row.activity
        status = task.display_status(today)
        task.shown_status = status
        row.counts[status] += 1
        if with_tasks:
            row.tasks.append(task)
    for row in rows.values():
        row.status = _rollup(row.counts)
    return list(rows.values())


@dataclass
class StageColumn:
    stage: Stage | None
    rows: list[ActivityRow]

    @property
    def percent(self) -> int:
        total = sum(r.total for r in self.rows)
        done = sum(r.done for r in self.rows)
        return round(100 * done / total) if total else 0


def board(programme: Programme, today: date) -> list[StageColumn]:
    rows = activity_rows(programme, today)
    stages = list(Stage.objects.filter(programme=programme).order_by("order", "starts_on"))
    columns = [StageColumn(stage, [r for r in rows if r.activity.stage_id == stage.pk]) for stage in stages]
    loose = [r for r in rows if r.activity.stage_id is None]
    if loose:
        columns.append(StageColumn(None, loose))
    return columns


def current_stage(stages: list[Stage], today: date) -> Stage | None:
    for stage in stages:
        if stage.starts_on <= today <= stage.ends_on:
            return stage
    started = [s for s in stages if s.starts_on <= today]
    return started[-1] if started else None


def my_tasks(ctx, user, today: date):
    """What a person has to do: their schools' tasks (directors), tasks of activities naming them,
    and programme-level tasks of their role."""
    condition = Q(activity__responsible_users=user)
    if ctx.school_ids and Role.DIRECTOR in ctx.roles:
        condition |= Q(school_id__in=ctx.school_ids)
    roles = [r for r in ctx.roles if r != Role.DIRECTOR]
    if roles:
        condition |= Q(activity__responsible_role__in=roles)
    tasks = list(
        Task.objects.filter(condition)
        .select_related("activity", "activity__programme", "activity__stage", "school")
        .prefetch_related("activity__responsible_users")
        .distinct()
        .order_by("activity__due_on", "activity__programme__name", "activity__order", "school__name")
    )
    for task in tasks:
        task.shown_status = task.display_status(today)
    return tasks


def programme_summaries(today: date) -> list[tuple[Programme, Counter]]:
    programmes = list(Programme.objects.order_by("-starts_on", "name"))
    counts: dict[int, Counter] = defaultdict(Counter)
    for task in Task.objects.select_related("activity").only(
        "status", "activity__due_on", "activity__programme_id"
    ):
        counts[task.activity.programme_id][task.display_status(today)] += 1
    return [(p, counts[p.pk]) for p in programmes]


# --- Timeline -----------------------------------------------------------------------------


@dataclass
class Bar:
    label: str
    left: float
    width: float
    status: str
    row: ActivityRow | None = None
    stage: Stage | None = None
    starts_on: date | None = None
    ends_on: date | None = None


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def timeline(programme: Programme, today: date, zoom: str = "month") -> dict:
    rows = activity_rows(programme, today)
    stages = list(Stage.objects.filter(programme=programme).order_by("order", "starts_on"))
    dates = [programme.starts_on, today]
    dates += [d for s in stages for d in (s.starts_on, s.ends_on)]
    dates += [d for r in rows for d in (r.activity.starts_on, r.activity.due_on) if d]
    dates = [clamp(d) for d in dates]  # a slip like 31.12.9999 stored before the form's window
    step = 3 if zoom == "quarter" else 1
    start = _month_start(min(dates))
    if step == 3:
        start = start.replace(month=(start.month - 1) // 3 * 3 + 1)
    end = max(dates)
    columns = []
    cursor = start
    while cursor <= end:
        columns.append(cursor)
        cursor = _add_months(cursor, step)
    finish = cursor  # exclusive
    span = (finish - start).days or 1

    def position(first: date, last: date) -> tuple[float, float]:
        left = (first - start).days / span * 100
        width = max(((last - first).days + 1) / span * 100, 0.6)
        return round(left, 3), round(width, 3)

    header = []
    for index, column in enumerate(columns):
        following = columns[index + 1] if index + 1 < len(columns) else finish
        left, width = position(column, following - timedelta(days=1))
        header.append({"start": column, "left": left, "width": width, "quarter": (column.month - 1) // 3 + 1})
    groups = []
    for stage in [*stages, None]:
        stage_rows = [r for r in rows if r.activity.stage_id == (stage.pk if stage else None)]
        if stage is None and not stage_rows:
            continue
        stage_bar = None
        if stage is not None:
            left, width = position(clamp(stage.starts_on), clamp(stage.ends_on))
            stage_bar = Bar(stage.name, left, width, "stage", stage=stage)
        bars = []
        for row in stage_rows:
            first = row.activity.starts_on or row.activity.due_on or (stage.starts_on if stage else start)
            last = row.activity.due_on or first
            left, width = position(clamp(first), max(clamp(first), clamp(last)))
            bars.append(
                Bar(row.activity.title, left, width, row.status, row=row, starts_on=first, ends_on=last)
            )
        groups.append({"stage": stage_bar, "bars": bars})
    today_left = round((today - start).days / span * 100, 3) if start <= today < finish else None
    return {"header": header, "groups": groups, "today_left": today_left, "zoom": zoom}


# --- Monitoring -----------------------------------------------------------------------------


def indicators(programme: Programme, schools: list, today: date) -> dict[int, dict]:
    """Each school's indicators now: stage, tasks done of total, teachers, accounts, trainings
    (the queries ``teachers_trained(schools)`` and ``events_held(schools, since, until)`` →
    {school id: n}, when the trainings app registered them in ``schools.facts``)."""
    ids = [s.pk for s in schools]
    stages = list(Stage.objects.filter(programme=programme).order_by("order", "starts_on"))
    stage = current_stage(stages, today)
    totals: dict[int, Counter] = {pk: Counter() for pk in ids}
    for school_id, status in Task.objects.filter(
        activity__programme=programme, school_id__in=ids
    ).values_list("school_id", "status"):
        totals[school_id]["total"] += 1
        totals[school_id]["done"] += status == TaskStatus.DONE
    accounts = account_counts(schools)
    trained_by = school_facts.query("teachers_trained")
    events_by = school_facts.query("events_held")
    trained = trained_by(schools) if trained_by and schools else None
    events = events_by(schools, programme.starts_on, today) if events_by and schools else None
    out = {}
    for school in schools:
        out[school.pk] = {
            "stage_name": stage.name if stage else "",
            "tasks_total": totals[school.pk]["total"],
            "tasks_done": totals[school.pk]["done"],
            "teachers": accounts[school.pk][0],
            "accounts": accounts[school.pk][1],
            "trained_teachers": trained.get(school.pk, 0) if trained is not None else None,
            "events_held": events.get(school.pk, 0) if events is not None else None,
        }
    return out


def period_label(day: date, months: int) -> str:
    months = max(1, min(12, months))
    if months == 3:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if months == 12:
        return f"{day.year}"
    return f"{day.year}-P{(day.month - 1) // months + 1:02d}"


def previous_period(day: date, months: int) -> str | None:
    """The label of the period before the one ``day`` is in."""
    months = max(1, min(12, months))
    start_month = (day.month - 1) // months * months + 1
    last_day_before = day.replace(month=start_month, day=1) - timedelta(days=1)
    return period_label(last_day_before, months)


def region_snapshots(region):
    """Every snapshot of the region's municipalities (the request's scope spans exactly those)."""
    return Snapshot.objects.select_related("school", "programme", "municipality").order_by(
        "municipality__name", "programme__name", "-taken_on", "school__name"
    )


# --- Library ----------------------------------------------------------------------------------


def shared_documents(municipality):
    """ESCAPE HATCH: documents other municipalities chose to share with every municipality."""
    with scopes_disabled():
        return list(
            LibraryDocument.objects.filter(shared_with_all=True)
            .exclude(municipality=municipality)
            .select_related("municipality")
            .order_by("category", "title")
        )


def shared_document(municipality, pk: int) -> LibraryDocument | None:
    """ESCAPE HATCH: one shared document of another municipality, for download."""
    with scopes_disabled():
        return (
            LibraryDocument.objects.filter(pk=pk, shared_with_all=True)
            .exclude(municipality=municipality)
            .first()
        )


def budget_years(lines) -> list[dict]:
    years: dict[int, dict] = {}
    for line in lines:
        year = years.setdefault(line.year, {"year": line.year, "lines": [], "planned": 0, "actual": 0})
        year["lines"].append(line)
        year["planned"] += line.planned
        year["actual"] += line.actual
    return [years[y] for y in sorted(years)]


def directors_of(school_ids) -> dict[int, list]:
    """School id → its directors' users (one query)."""
    out: dict[int, list] = defaultdict(list)
    rows = Membership.schools.through.objects.filter(
        school_id__in=list(school_ids), membership__role=Role.DIRECTOR
    ).select_related("membership__user")
    for row in rows:
        out[row.school_id].append(row.membership.user)
    return out
