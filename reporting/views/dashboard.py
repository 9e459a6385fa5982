"""The municipal dashboard (the officer's first page), its drill-downs, the regional dashboard and
the indicators on a school's page. Every figure comes from ``reporting.indicators``."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from infra.exports import export_response, requested_format
from infra.numbers import int_param
from reporting import indicators
from rollout.models import Programme
from rollout.queries import today_for
from schools.access import get_for
from schools.models import School
from schools.permissions import has_perm
from schools.views.decorators import query_string, tenant_view

SCHOOLS_PER_PAGE = 25
DRILL_PER_PAGE = 100


def school_columns() -> list[str]:
    return [
        _("School"),
        _("Stage"),
        _("Readiness"),
        _("Score"),
        _("Pilot group"),
        _("Tasks done"),
        _("Tasks"),
        _("Overdue tasks"),
        _("Teachers"),
        _("With an account"),
        _("Trained"),
        _("Certified teachers"),
        _("Certified trainers"),
        _("Positive feedback (%)"),
        _("Event quotas met"),
        _("Events this year"),
    ]


def school_cells(row: indicators.SchoolRow) -> list:
    return [
        row.stage or _("Not in the programme"),
        indicators.readiness_label(row.readiness),
        row.score,
        indicators.yes_no(row.pilot),
        row.tasks_done,
        row.tasks_total,
        row.overdue,
        row.teachers,
        row.accounts,
        row.trained,
        row.certified_teachers,
        row.certified_trainers,
        row.feedback,
        indicators.yes_no(row.quota_met),
        row.events,
    ]


def _visible(request, items):
    """The budget is shown only to those who may read it."""
    if has_perm(request.tenant, "view_budget"):
        return items
    return [i for i in items if i.key != "budget"]


def _board(request, detail_ids=None):
    municipality = request.tenant.municipality
    today = today_for(municipality)
    programme = None
    if (programme_id := int_param(request.GET.get("programme"))) is not None:
        programme = get_for(request, Programme.objects.all(), pk=programme_id)
    return indicators.municipality_dashboard(municipality, today, programme=programme, detail_ids=detail_ids)


def municipal_dashboard(request):
    """``/m/<slug>/`` for those who may see the dashboard (called by the overview view)."""
    municipality = request.tenant.municipality
    fmt = requested_format(request)
    if fmt:
        board = _board(request)
        return export_response(
            fmt,
            f"{municipality.slug}-dashboard-{board.today}",
            school_columns(),
            [[row.school.name, *school_cells(row)] for row in board.schools],
            title=_("Schools"),
        )
    # The table shows one page of schools: only those get their per-school figures.
    ids = list(School.objects.order_by("name", "pk").values_list("pk", flat=True))
    page = Paginator(ids, SCHOOLS_PER_PAGE).get_page(request.GET.get("page"))
    board = _board(request, detail_ids=list(page))
    rows = [{"school": row.school, "cells": school_cells(row)} for row in board.schools]
    return render(
        request,
        "reporting/dashboard.html",
        {
            "board": board,
            "indicators": _visible(request, board.indicators),
            "page": page,
            "rows": rows,
            "columns": school_columns(),
            "programmes": Programme.objects.order_by("-starts_on", "name"),
            "query_string": query_string(request),
        },
    )


@tenant_view("view_dashboard")
def drilldown(request):
    """``/m/<slug>/dashboard/schools/?indicator=accounts``: the schools behind one indicator."""
    key = request.GET.get("indicator") or indicators.KEYS[0]
    if key not in indicators.LABELS or (key == "budget" and not has_perm(request.tenant, "view_budget")):
        raise Http404
    board = _board(request)
    drill = indicators.drilldown(request.tenant.municipality, key, board.today, board)
    fmt = requested_format(request)
    if fmt:
        first = _("School") if key != "budget" else _("Year")
        return export_response(
            fmt,
            f"{request.tenant.municipality.slug}-{key}-{board.today}",
            [first, *drill.columns],
            [[row["label"], *row["cells"]] for row in drill.rows],
            title=drill.label,
        )
    page = Paginator(drill.rows, DRILL_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reporting/drilldown.html",
        {
            "board": board,
            "drill": drill,
            "page": page,
            "query_string": query_string(request),
            "keys": _visible(request, board.indicators),
        },
    )


def region_columns() -> list[str]:
    return [_("Municipality"), _("Schools")] + [str(label) for _key, label, *_rest in indicators.INDICATORS]


def region_dashboard(request):
    """``/r/<slug>/``: the region's municipalities side by side (called by the region overview)."""
    region = request.tenant.region
    board = indicators.region_dashboard(region, today_for(region))
    fmt = requested_format(request)
    if fmt:
        rows = [
            [row.municipality.name, row.schools, *[_export_value(i) for i in row.indicators]]
            for row in board.rows
        ]
        return export_response(fmt, f"{region.slug}-{board.today}", region_columns(), rows, title=region.name)
    return render(request, "reporting/region_dashboard.html", {"board": board, "region": region})


def _export_value(indicator):
    if indicator.value is None:
        return None
    if indicator.unit == indicators.PERCENT or indicator.total in (None, 0):
        return indicator.value
    return f"{indicator.value} / {indicator.total}"


def school_context(request, school) -> dict:
    """The school page's indicators and next steps, for those who may see them."""
    if not has_perm(request.tenant, "view_school_indicators", school):
        return {}
    board = indicators.school_dashboard(school, today_for(request.tenant.municipality))
    return {"school_board": board}
