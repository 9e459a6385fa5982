"""The programme's indicators, read in one place: the municipal and regional dashboards, the
school page, the drill-downs, the exports and the council reports all call this module.

Every function costs a fixed number of SQL queries whatever the number of schools, people,
activities, enrolments or accounts: the facts are aggregated in the database, grouped by school
and by municipality (``facts.Facts``), and these functions only put them together; ``kinds``
holds the shapes (indicators, rows, dashboards). The same code serves a municipality's scope
and a region's scope (django-scopes limits the scoped managers; the many-to-many tables, which
are not scoped, are filtered by the municipality ids passed in).

Trends compare with the latest monitoring snapshot of each municipality's programme: the frozen
per-school figures (accounts, trained teachers, tasks) where the snapshot holds them, else the
same fact counted as of the snapshot's day (certifications, surveys, feedback, overdue tasks).
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reporting.indicators.cells import (  # noqa: F401 (the module's public names)
    drill_cells,
    drill_columns,
    make_indicator,
    readiness_label,
    school_met,
    school_previous,
    sort_key,
    yes_no,
)
from reporting.indicators.facts import Facts, current_programme  # noqa: F401 (public names)
from reporting.indicators.kinds import (  # noqa: F401 (the module's public names)
    INDICATORS,
    KEYS,
    LABELS,
    MONEY,
    PEOPLE,
    PERCENT,
    READINESS_BUCKETS,
    SCHOOL_KEYS,
    SCHOOL_LABELS,
    SCHOOLS,
    TASKS,
    TEACHERS,
    Dashboard,
    Drilldown,
    Indicator,
    RegionDashboard,
    RegionRow,
    SchoolDashboard,
    SchoolRow,
    pct,
)
from rollout.models import Programme, Task, TaskStatus
from schools.models import School
from surveys.models import Campaign, Response

# --- Public API ----------------------------------------------------------------------------------


def municipality_dashboard(
    municipality, today: date, programme: Programme | None = None, detail_ids=None
) -> Dashboard:
    """Every indicator of one municipality (call inside its scope).

    ``.schools`` has every school with every value; with ``detail_ids`` (the page of the table a
    page shows) only those schools, which spares the per-school roster, training and feedback
    aggregates of the others. The indicators, stages and readiness always count every school."""
    facts = Facts(
        [municipality],
        today,
        programmes={municipality.pk: programme} if programme else None,
        detail_ids=detail_ids,
    )
    return facts.dashboard(municipality)


def school_dashboard(school: School, today: date) -> SchoolDashboard:
    """The indicators of one school and its director's next steps."""
    municipality = school.municipality
    facts = Facts([municipality], today, school_ids=[school.pk])
    row = facts.rows[school.pk]
    indicators = []
    for key, label, unit, lower in INDICATORS:
        if key not in SCHOOL_KEYS:
            continue
        value, total = row.value(key)
        previous = school_previous(row, key)
        label = SCHOOL_LABELS.get(key, label)
        indicators.append(
            make_indicator(
                key, label, unit, lower, value, total, None, previous, facts.period_of(municipality)
            )
        )
    programme = facts.programmes.get(municipality.pk)
    return SchoolDashboard(school, row, programme, indicators, next_steps(school, today, programme))


def region_dashboard(region, today: date) -> RegionDashboard:
    """Each municipality of the region side by side on the same indicators (call in the region's
    scope), the region's total and each municipality's latest snapshot."""
    municipalities = list(region.municipalities.order_by("name"))
    facts = Facts(municipalities, today, detail_ids=[])  # the region shows no school
    rows = [
        RegionRow(m, facts.municipality_indicators(m), facts.snapshots.get(m.pk), facts.school_count(m.pk))
        for m in municipalities
    ]
    return RegionDashboard(region, today, rows, facts.municipality_indicators(None))


def drilldown(municipality, key: str, today: date, dashboard: Dashboard | None = None) -> Drilldown:
    """The schools behind one indicator with their values (the budget: its lines), worst first."""
    if key not in LABELS:
        raise KeyError(key)
    board = dashboard or municipality_dashboard(municipality, today)
    indicator = board.indicator(key)
    if key == "budget":
        columns = [str(_("Planned")), str(_("Actual")), str(_("Used (%)"))]
        rows = [
            {
                "school": None,
                "label": str(year["year"]),
                "cells": [year["planned"], year["actual"], year["share"]],
                "met": None,
            }
            for year in board.budget
        ]
        return Drilldown(key, str(LABELS[key]), indicator, columns, rows)
    columns = drill_columns(key)
    rows = []
    for row in board.schools:
        value, total = row.value(key)
        rows.append(
            {
                "school": row.school,
                "label": row.school.name,
                "cells": drill_cells(key, row, value, total),
                "value": value,
                "met": school_met(key, row, value, total),
                "sort": sort_key(key, value, total),
            }
        )
    rows.sort(key=lambda r: (r["sort"], r["label"]))
    return Drilldown(key, str(LABELS[key]), indicator, columns, rows)


def next_steps(school: School, today: date, programme: Programme | None) -> list[dict]:
    """What the school's director must do next: open tasks by deadline (overdue first), and the
    open readiness survey. Two queries."""
    steps = []
    tasks = (
        Task.objects.filter(school=school)
        .exclude(status=TaskStatus.DONE)
        .select_related("activity", "activity__programme", "activity__stage")
        .order_by("activity__due_on", "activity__order", "pk")
    )
    if programme is not None:
        tasks = tasks.filter(activity__programme=programme)
    for task in tasks[:50]:
        status = task.display_status(today)
        steps.append(
            {
                "kind": "task",
                "title": task.activity.title,
                "due": task.activity.due_on,
                "status": status,
                "overdue": status == TaskStatus.OVERDUE,
                "task": task,
            }
        )

    for response in (
        Response.objects.filter(school=school, campaign__status=Campaign.Status.OPEN)
        .exclude(status=Response.Status.SUBMITTED)
        .select_related("campaign")
    ):
        steps.append(
            {
                "kind": "survey",
                "title": response.campaign.name,
                "due": response.campaign.deadline,
                "status": response.status,
                "overdue": response.campaign.deadline < today,
                "response": response,
            }
        )

    steps.sort(key=lambda s: (not s["overdue"], s["due"] or date.max, str(s["title"])))
    return steps


def trend_text(indicator: Indicator) -> str:
    """ "▲ +3 since 2026-Q3" (text, so it reads without colour)."""
    if indicator.trend is None:
        return ""
    if indicator.trend > 0:
        arrow, sign = "▲", "+"
    elif indicator.trend < 0:
        arrow, sign = "▼", "−"
    else:
        arrow, sign = "=", "±"
    amount = abs(indicator.trend)
    number = f"{amount:g}" if isinstance(amount, float) else str(amount)
    if indicator.unit == PERCENT:
        number = gettext("%(n)s points") % {"n": number}
    return gettext("%(arrow)s %(sign)s%(number)s since %(period)s") % {
        "arrow": arrow,
        "sign": sign,
        "number": number,
        "period": indicator.period,
    }
