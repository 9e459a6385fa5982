"""How the dashboards show one indicator: its drill-down columns and cells per school, whether a
school meets it, and the order of rows."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reporting.indicators.kinds import (
    LABELS,
    PERCENT,
    READINESS_BUCKETS,
    Indicator,
    SchoolRow,
    pct,
)


def make_indicator(key, label, unit, lower, value, total, target, previous, period) -> Indicator:
    share = value if unit == PERCENT else pct(value, total)
    trend = None
    if previous is not None and value is not None:
        trend = round(value - previous, 1) if isinstance(value, float) else value - previous
    return Indicator(
        key=key,
        label=label,
        value=value,
        total=total,
        share=share,
        target=target,
        previous=previous,
        trend=trend,
        unit=unit,
        period=period if previous is not None else "",
        lower_is_better=lower,
    )


def school_previous(row: SchoolRow, key: str):
    snap = row.previous
    if not snap:
        return None
    return {
        "tasks_done": snap.get("tasks_done"),
        "accounts": snap.get("accounts"),
        "trained": snap.get("trained_teachers"),
    }.get(key)


def drill_columns(key: str) -> list[str]:
    if key in ("accounts", "trained"):
        return [str(LABELS[key]), str(_("Teachers")), str(_("Share (%)"))]
    if key == "tasks_done":
        return [str(_("Done")), str(_("Tasks")), str(_("Share (%)"))]
    if key == "overdue":
        return [str(_("Overdue")), str(_("Open tasks"))]
    if key == "feedback":
        return [str(_("Positive (%)")), str(_("Answers"))]
    if key == "quota":
        return [str(_("Quotas met")), str(_("Missed periods")), str(_("Events this year"))]
    if key == "surveyed":
        return [str(_("Submitted")), str(_("Readiness")), str(_("Score"))]
    if key == "pilot":
        return [str(_("In the pilot group")), str(_("Readiness"))]
    return [str(LABELS[key])]


def yes_no(flag) -> str:
    if flag is None:
        return "—"
    return gettext("yes") if flag else gettext("no")


def readiness_label(level: str) -> str:
    return str(dict(READINESS_BUCKETS).get(level, level))


def drill_cells(key, row: SchoolRow, value, total) -> list:
    if key in ("accounts", "trained", "tasks_done"):
        return [value, total, pct(value, total)]
    if key == "overdue":
        return [value, total]
    if key == "feedback":
        return [value, total]
    if key == "quota":
        return [yes_no(row.quota_met), row.quota_missed, row.events]
    if key == "surveyed":
        return [yes_no(row.surveyed), readiness_label(row.readiness), row.score]
    if key == "pilot":
        return [yes_no(row.pilot), readiness_label(row.readiness)]
    return [value]


def school_met(key, row: SchoolRow, value, total) -> bool | None:
    if key in ("accounts", "trained", "tasks_done"):
        return bool(total) and value >= total
    if key == "overdue":
        return value == 0
    if key in ("surveyed", "pilot", "quota"):
        return None if value is None else bool(value)
    if key == "feedback":
        return None if value is None else value >= 80
    return None


def sort_key(key, value, total):
    """Worst first: the schools that need attention lead the list."""
    if key == "overdue":
        return -(value or 0)
    if key in ("accounts", "trained", "tasks_done"):
        share = pct(value, total)
        return share if share is not None else 101
    if value is None:
        return float("inf")
    return value
