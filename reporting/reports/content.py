"""What a report says: its figures, taken from ``reporting.indicators`` (the dashboards' own
functions) plus the programme board and the trainings app's read-side queries. A fixed number of
queries whatever the number of schools. Call inside the report's scope and language."""

from __future__ import annotations

import zoneinfo
from collections import Counter
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from reporting import indicators
from reporting.charts import Bar, bar_chart
from rollout import queries
from rollout.models import Report, Snapshot, TaskStatus
from trainings import queries as training_queries
from trainings.models import Curriculum, Enrolment, NetworkEvent, TrainingSession
from trainings.models.events import EventKind


def today_of(report: Report) -> date:
    owner = report.municipality or report.region
    return timezone.now().astimezone(zoneinfo.ZoneInfo(owner.time_zone or "UTC")).date()


def _period_moments(report: Report, owner) -> tuple[datetime, datetime]:
    tz = zoneinfo.ZoneInfo(owner.time_zone or "UTC")
    start = datetime(report.starts_on.year, report.starts_on.month, report.starts_on.day, tzinfo=tz)
    end_day = report.ends_on + timedelta(days=1)
    return start, datetime(end_day.year, end_day.month, end_day.day, tzinfo=tz)


def _activities(programme, day: date) -> dict:
    """Activities by stage with their status, and the totals by status."""
    if programme is None:
        return {"stages": [], "statuses": [], "total": 0}
    columns = queries.board(programme, day)
    labels = dict(TaskStatus.choices)
    totals: Counter = Counter()
    stages = []
    for column in columns:
        rows = []
        for row in column.rows:
            totals[row.status] += 1
            row.status_label = labels.get(row.status, row.status)
            rows.append(row)
        stages.append({"stage": column.stage, "rows": rows, "percent": column.percent})
    statuses = [
        {"status": value, "label": label, "count": totals[value]}
        for value, label in TaskStatus.choices
        if totals[value]
    ]
    return {"stages": stages, "statuses": statuses, "total": sum(totals.values())}


def _trainings(report: Report, municipality) -> dict:
    """Sessions and completions in the period per curriculum, certification targets, events by
    kind in the period, and the event quotas of the period's year."""
    start, end = _period_moments(report, municipality)
    sessions = {
        row["curriculum_id"]: row["n"]
        for row in TrainingSession.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .values("curriculum_id")
        .annotate(n=Count("pk"))
    }
    completed = {
        row["session__curriculum_id"]: row["n"]
        for row in Enrolment.objects.filter(completed_at__gte=start, completed_at__lt=end)
        .values("session__curriculum_id")
        .annotate(n=Count("person_id", distinct=True))
    }
    curricula = [
        {"curriculum": c, "sessions": sessions.get(c.pk, 0), "completed": completed.get(c.pk, 0)}
        for c in Curriculum.objects.order_by("title")
    ]
    events = NetworkEvent.objects.filter(starts_at__gte=start, starts_at__lt=end)
    by_kind = Counter(dict(events.values_list("kind").annotate(n=Count("pk"))))
    kinds = [{"kind": value, "label": label, "count": by_kind[value]} for value, label in EventKind.choices]
    now = min(timezone.now(), end)
    return {
        "curricula": curricula,
        "sessions": sum(sessions.values()),
        "completed": sum(completed.values()),
        "certifications": training_queries.certification_progress(min(report.ends_on, today_of(report))),
        "events": kinds,
        "events_total": sum(by_kind.values()),
        "quotas": training_queries.quota_compliance(municipality, report.ends_on.year, now),
    }


CHART_STYLE = "<style>text { font-size: 12px; fill: #1b1f24; } .chart-value { font-weight: bold; }</style>"


def _for_print(charts: dict) -> dict:
    """The dashboards' SVG charts take their text size from the page's CSS, which does not reach
    inside an SVG that WeasyPrint draws: give each one its own small stylesheet."""
    out = {}
    for key, svg in charts.items():
        if svg:
            head, sep, rest = str(svg).partition(">")
            svg = mark_safe(head + sep + CHART_STYLE + rest)  # noqa: S308 - our constant inside our SVG
        out[key] = svg
    return out


def _percent(share) -> str:
    return f"{number_format(share, decimal_pos=0 if share == int(share) else 1, use_l10n=True)} %"


def _council_charts(dashboard, curricula) -> dict:
    """SVG charts (``reporting.charts``, the dashboards' own) of the shares, stages, readiness,
    curricula and budget; each one's figures are also in the table beside it."""
    shares = [
        Bar(str(i.label), i.share, _percent(i.share), index)
        for index, i in enumerate(dashboard.indicators)
        if i.share is not None and i.key not in ("overdue", "budget")
    ]
    stages = [Bar(s["name"], s["schools"], style=1) for s in dashboard.stages if s["schools"]]
    readiness = [
        Bar(str(b["label"]), b["schools"], style=index)
        for index, b in enumerate(dashboard.readiness["buckets"])
    ]
    trained = [Bar(c["title"], c["trained"], style=2) for c in curricula]
    budget = []
    for year in dashboard.budget:
        for label, amount, style in (
            (_("%(year)s planned"), year["planned"], 4),
            (_("%(year)s used"), year["actual"], 0),
        ):
            text = number_format(amount, decimal_pos=0, use_l10n=True, force_grouping=True)
            budget.append(Bar(label % {"year": year["year"]}, float(amount), text, style))
    return _for_print(
        {
            "indicators": bar_chart(shares, _("Indicators, share reached"), maximum=100) if shares else "",
            "stages": bar_chart(stages, _("Schools by stage")) if stages else "",
            "readiness": bar_chart(readiness, _("Readiness survey"))
            if any(b.value for b in readiness)
            else "",
            "curricula": bar_chart(trained, _("Teachers trained per curriculum")) if trained else "",
            "budget": bar_chart(budget, _("Budget: planned and used")) if budget else "",
        }
    )


def council(report: Report, day: date, progress) -> dict:
    municipality = report.municipality
    dashboard = indicators.municipality_dashboard(municipality, day)
    readiness = dict(indicators.READINESS_BUCKETS)
    # The school table names stages by number (a legend above it), so each school takes one line.
    numbers = {}
    for stage in dashboard.stages:
        if stage["stage"] is not None:
            stage["number"] = numbers[stage["order"]] = len(numbers) + 1
    for row in dashboard.schools:
        row.readiness_label = readiness.get(row.readiness, row.readiness)
        row.stage_number = numbers.get(row.stage_order)
    progress(20, Report.Step.FIGURES)
    activities = _activities(dashboard.programme, day)
    progress(30, Report.Step.FIGURES)
    trainings = _trainings(report, municipality)
    in_period = {c["curriculum"].pk: c for c in trainings.get("curricula", [])}
    curricula = []
    for c in dashboard.curricula:
        period = in_period.get(c.get("curriculum_id") or getattr(c.get("curriculum"), "pk", None), {})
        curricula.append(
            {
                "title": c.get("title") or str(c.get("curriculum", "")),
                "trained": c.get("trained", 0),
                "share": c.get("share"),
                "sessions": period.get("sessions", 0),
                "completed": period.get("completed", 0),
            }
        )
    progress(40, Report.Step.CHARTS)
    return {
        "municipality": municipality,
        "programme": dashboard.programme,
        "dashboard": dashboard,
        "indicator_rows": [{"indicator": i, "trend": indicators.trend_text(i)} for i in dashboard.indicators],
        "by_key": {i.key: i for i in dashboard.indicators},
        "activities": activities,
        "trainings": trainings,
        "curricula": curricula,
        "currency": municipality.currency,
        "budget_planned": sum((y["planned"] for y in dashboard.budget), 0),
        "budget_actual": sum((y["actual"] for y in dashboard.budget), 0),
        "charts": _council_charts(dashboard, curricula),
    }


def latest_snapshots(municipality_ids) -> dict[int, dict]:
    """Each municipality's latest monitoring period (per programme): its per-school rows."""
    latest: dict[tuple, str] = {}
    rows = Snapshot.objects.filter(municipality_id__in=list(municipality_ids)).values_list(
        "municipality_id", "programme_id", "period", "taken_on"
    )
    newest: dict[tuple, date] = {}
    for mid, pid, period, taken in rows:
        if (mid, pid) not in newest or taken > newest[(mid, pid)]:
            newest[(mid, pid)] = taken
            latest[(mid, pid)] = period
    if not latest:
        return {}
    condition = Q()
    for (mid, pid), period in latest.items():
        condition |= Q(municipality_id=mid, programme_id=pid, period=period)
    out: dict[int, dict] = {}
    for snap in (
        Snapshot.objects.filter(condition)
        .select_related("school", "programme")
        .order_by("municipality_id", "programme__name", "school__name")
    ):
        group = out.setdefault(
            snap.municipality_id,
            {"programme": snap.programme, "period": snap.period, "taken_on": snap.taken_on, "rows": []},
        )
        group["rows"].append(snap)
    return out


def _regional_charts(dashboard) -> dict:
    def bars(key, style):
        out = []
        for row in dashboard.rows:
            indicator = row.indicator(key)
            if indicator.share is not None:
                out.append(Bar(row.municipality.name, indicator.share, _percent(indicator.share), style))
        return out

    accounts, tasks = bars("accounts", 0), bars("tasks_done", 1)
    return _for_print(
        {
            "accounts": bar_chart(accounts, _("Teachers with an account"), maximum=100) if accounts else "",
            "tasks": bar_chart(tasks, _("Activities done"), maximum=100) if tasks else "",
        }
    )


def regional(report: Report, day: date, progress) -> dict:
    region = report.region
    dashboard = indicators.region_dashboard(region, day)
    progress(25, Report.Step.MONITORING)
    snapshots = latest_snapshots(row.municipality.pk for row in dashboard.rows)
    progress(40, Report.Step.CHARTS)
    return {
        "region": region,
        "dashboard": dashboard,
        "labels": [i.label for i in dashboard.total],
        "matrix": [
            {"municipality": row.municipality, "schools": row.schools, "cells": row.indicators}
            for row in dashboard.rows
        ],
        "total_schools": sum(row.schools for row in dashboard.rows),
        "snapshots": [
            {"municipality": row.municipality, "snapshot": snapshots.get(row.municipality.pk)}
            for row in dashboard.rows
        ],
        "charts": _regional_charts(dashboard),
    }
