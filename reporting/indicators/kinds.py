"""What a dashboard holds: the indicators, their labels and units, and the rows and pages
built from them (no queries here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from rollout.models import Programme
from schools.models import School

# --- What a dashboard holds ----------------------------------------------------------------------

PERCENT = "percent"
SCHOOLS = "schools"
TEACHERS = "teachers"
PEOPLE = "people"
TASKS = "tasks"
MONEY = "money"


@dataclass
class Indicator:
    key: str
    label: str
    value: float | int | Decimal | None
    total: float | int | Decimal | None = None
    share: float | None = None  # percent of ``total`` (or the value itself when it is a percent)
    target: float | int | None = None
    previous: float | int | None = None  # the value at the last monitoring snapshot
    trend: float | int | None = None  # value - previous
    unit: str = ""
    period: str = ""  # the snapshot's period label, e.g. 2026-Q3
    lower_is_better: bool = False

    @property
    def met(self) -> bool | None:
        """Whether the target is reached (None: no target)."""
        if self.target is None or self.value is None:
            return None
        return self.value <= self.target if self.lower_is_better else self.value >= self.target

    @property
    def improving(self) -> bool | None:
        if not self.trend:
            return None
        return (self.trend < 0) if self.lower_is_better else (self.trend > 0)


# The indicators in the order the dashboards show them: (key, label, unit, lower_is_better).
INDICATORS = [
    ("surveyed", _("Readiness survey submitted"), SCHOOLS, False),
    ("pilot", _("Schools in the pilot group"), SCHOOLS, False),
    ("tasks_done", _("Activities done"), TASKS, False),
    ("accounts", _("Teachers with an account"), TEACHERS, False),
    ("trained", _("Teachers trained"), TEACHERS, False),
    ("certified_teachers", _("Certified teachers"), PEOPLE, False),
    ("certified_trainers", _("Certified trainers"), PEOPLE, False),
    ("feedback", _("Positive training feedback"), PERCENT, False),
    ("overdue", _("Overdue tasks"), TASKS, True),
    ("quota", _("Schools meeting the event quotas"), SCHOOLS, False),
    ("budget", _("Budget used"), MONEY, False),
]
LABELS = {key: label for key, label, _unit, _lower in INDICATORS}
# On one school's page some figures read better as that school's own.
SCHOOL_LABELS = {
    "pilot": _("In the pilot group"),
    "quota": _("Event quotas met"),
}
KEYS = [key for key, *_rest in INDICATORS]
# Per school only these make sense (the budget is the municipality's).
SCHOOL_KEYS = [k for k in KEYS if k != "budget"]

READINESS_BUCKETS = [
    ("ready", _("Ready")),
    ("partly", _("Partly ready")),
    ("not_ready", _("Not ready")),
    ("not_submitted", _("Not submitted")),
]


@dataclass(frozen=True, slots=True)
class SchoolRef:
    """What the dashboards need of a school, read as plain values: for a thousand schools, model
    instances cost more than every aggregate of the page."""

    pk: int
    name: str
    kind: str
    code: str
    municipality_id: int

    @property
    def id(self) -> int:
        return self.pk

    def __str__(self) -> str:
        return self.name


@dataclass
class SchoolRow:
    """One school with every indicator's value (the dashboard's table and the drill-downs)."""

    school: SchoolRef
    stage: str = ""
    stage_order: int | None = None  # None: not in the programme; -1: every stage done
    teachers: int = 0
    accounts: int = 0
    trained: int = 0
    certified_teachers: int = 0
    certified_trainers: int = 0
    feedback_answers: int = 0
    feedback_positive: int = 0
    tasks_total: int = 0
    tasks_done: int = 0
    overdue: int = 0
    surveyed: bool = False
    readiness: str = "not_submitted"
    score: int | None = None
    pilot: bool = False
    quota_met: bool | None = None  # None: no quota rules
    quota_missed: int = 0
    events: int = 0
    previous: dict = field(default_factory=dict)  # the school's last snapshot

    @property
    def feedback(self) -> float | None:
        return pct(self.feedback_positive, self.feedback_answers)

    def value(self, key: str):
        """(value, total) of an indicator for this school."""
        return {
            "surveyed": (int(self.surveyed), 1),
            "pilot": (int(self.pilot), 1),
            "tasks_done": (self.tasks_done, self.tasks_total),
            "accounts": (self.accounts, self.teachers),
            "trained": (self.trained, self.teachers),
            "certified_teachers": (self.certified_teachers, None),
            "certified_trainers": (self.certified_trainers, None),
            "feedback": (self.feedback, self.feedback_answers),
            "overdue": (self.overdue, self.tasks_total - self.tasks_done),
            "quota": (None if self.quota_met is None else int(self.quota_met), 1),
        }[key]


@dataclass
class Dashboard:
    municipality: object  # a Municipality, or None for a region's total
    programme: Programme | None
    today: date
    indicators: list[Indicator]
    stages: list[dict]
    readiness: dict
    schools: list[SchoolRow]
    providers: list[dict]
    curricula: list[dict]
    overdue: list[dict]
    budget: list[dict]
    snapshot: dict | None

    def indicator(self, key: str) -> Indicator:
        return next(i for i in self.indicators if i.key == key)


@dataclass
class SchoolDashboard:
    school: School
    row: SchoolRow
    programme: Programme | None
    indicators: list[Indicator]
    next_steps: list[dict]


@dataclass
class RegionRow:
    municipality: object
    indicators: list[Indicator]
    snapshot: dict | None
    schools: int

    def indicator(self, key: str) -> Indicator:
        return next(i for i in self.indicators if i.key == key)


@dataclass
class RegionDashboard:
    region: object
    today: date
    rows: list[RegionRow]
    total: list[Indicator]

    @property
    def matrix(self) -> list[dict]:
        """One line per indicator: the region's total and each municipality's cell."""
        return [
            {"total": total, "cells": [(row.municipality, row.indicators[index]) for row in self.rows]}
            for index, total in enumerate(self.total)
        ]

    def _shares(self, key: str) -> list[dict]:
        return [{"label": row.municipality.name, "share": row.indicator(key).share} for row in self.rows]

    @property
    def account_shares(self) -> list[dict]:
        return self._shares("accounts")

    @property
    def trained_shares(self) -> list[dict]:
        return self._shares("trained")


@dataclass
class Drilldown:
    key: str
    label: str
    indicator: Indicator
    columns: list[str]
    rows: list[dict]  # {"school": School | None, "label": str, "cells": [...], "met": bool | None}


def pct(part, whole) -> float | None:
    if not whole or part is None:
        return None
    return round(100 * float(part) / float(whole), 1)
