"""The aggregates behind every dashboard: ``Facts`` reads a set of municipalities' figures in a
fixed number of SQL queries and turns them into indicators; the helpers shape rows and cells."""

import zoneinfo
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reporting.indicators.cells import make_indicator
from reporting.indicators.kinds import (
    INDICATORS,
    READINESS_BUCKETS,
    Dashboard,
    Indicator,
    pct,
)
from reporting.indicators.sources import FactSources
from rollout.models import Programme


class Facts(FactSources):
    """Every aggregate of a set of municipalities (one, or a region's), a fixed number of queries."""

    def __init__(self, municipalities, today: date, programmes=None, school_ids=None, detail_ids=None):
        self.municipalities = list(municipalities)
        self.mids = [m.pk for m in self.municipalities]
        self.today = today
        self.school_ids = school_ids  # one school's page: nothing else is read
        # The schools whose roster, training and feedback figures are wanted (None: all, [] none).
        self.detail_ids = school_ids if school_ids is not None else detail_ids
        # The region's page: per-municipality counts straight from the database, no school rows.
        self.region_mode = school_ids is None and detail_ids == []
        self.counts: dict[int, dict] = defaultdict(lambda: defaultdict(int))
        self.tz = {m.pk: zoneinfo.ZoneInfo(m.time_zone or "UTC") for m in self.municipalities}
        self._programmes(programmes)
        self._snapshots()
        self._schools()
        self._tasks()
        self._accounts()
        self._trainings()
        self._surveys()
        self._quotas()
        self._budget()
        if not self.region_mode:
            for row in self.rows.values():
                counts = self.counts[row.school.municipality_id]
                counts["schools"] += 1
                counts["pilot"] += row.pilot
                if row.quota_met is not None:
                    counts["quota_with"] += 1
                    counts["quota_met"] += row.quota_met

    # -- selection --

    def _programmes(self, chosen) -> None:
        by_municipality = defaultdict(list)
        for programme in Programme.objects.filter(municipality_id__in=self.mids):
            by_municipality[programme.municipality_id].append(programme)
        self.programmes = {}
        for mid in self.mids:
            if chosen and chosen.get(mid) is not None:
                self.programmes[mid] = chosen[mid]
            else:
                self.programmes[mid] = current_programme(by_municipality[mid], self.today)
        self.pids = [p.pk for p in self.programmes.values() if p is not None]

    def _rows_of(self, mid):
        return [r for r in self.rows.values() if mid is None or r.school.municipality_id == mid]

    def municipality_indicators(self, municipality) -> list[Indicator]:
        """The indicators of one municipality, or (None) of all of them together."""
        mids = [municipality.pk] if municipality is not None else self.mids
        schools = sum(self.counts[mid]["schools"] for mid in mids)

        def total(source: dict, name: str, default=0):
            return sum((source.get(mid) or {}).get(name) or default for mid in mids)

        snaps = [self.snapshots[mid] for mid in mids if mid in self.snapshots]
        has_snap = bool(snaps) and len(snaps) == len(mids)
        period = snaps[0]["period"] if snaps and all(s["period"] == snaps[0]["period"] for s in snaps) else ""
        if has_snap and not period:
            period = str(pgettext_lazy("trend", "the last snapshot"))

        def snap(name):
            return sum(s[name] or 0 for s in snaps) if has_snap else None

        teachers = total(self.people, "teachers")
        accounts = total(self.people, "accounts")
        trained = total(self.people, "trained")
        certified_teachers = total(self.trainings, "certified_teachers")
        certified_trainers = total(self.trainings, "certified_trainers")
        answers = total(self.trainings, "answers")
        positive = total(self.trainings, "positive")
        answers_before = total(self.trainings, "answers_before")
        positive_before = total(self.trainings, "positive_before")
        tasks_total = total(self.task_totals, "total")
        tasks_done = total(self.task_totals, "done")
        overdue = total(self.task_totals, "late")
        surveyed = sum(self.counts[mid]["surveyed"] for mid in mids)
        pilot = sum(self.counts[mid]["pilot"] for mid in mids)
        with_quota = sum(self.counts[mid]["quota_with"] for mid in mids)
        quota = sum(self.counts[mid]["quota_met"] for mid in mids) if with_quota else None
        planned = sum((y["planned"] for mid in mids for y in self.budget_years.get(mid, [])), Decimal(0))
        actual = sum((y["actual"] for mid in mids for y in self.budget_years.get(mid, [])), Decimal(0))
        target_teachers = self._target(mids, "teachers")
        target_trainers = self._target(mids, "trainers")
        values = {
            "surveyed": (
                surveyed,
                schools,
                None,
                sum(self.surveyed_before.get(m, 0) for m in mids) if has_snap else None,
            ),
            "pilot": (pilot, schools, None, None),
            "tasks_done": (tasks_done, tasks_total, None, snap("tasks_done")),
            "accounts": (accounts, teachers, None, snap("accounts")),
            "trained": (trained, teachers, None, snap("trained_teachers")),
            "certified_teachers": (
                certified_teachers,
                None,
                target_teachers,
                total(self.trainings, "certified_teachers_before") if has_snap else None,
            ),
            "certified_trainers": (
                certified_trainers,
                None,
                target_trainers,
                total(self.trainings, "certified_trainers_before") if has_snap else None,
            ),
            "feedback": (
                pct(positive, answers),
                answers,
                None,
                pct(positive_before, answers_before) if has_snap else None,
            ),
            "overdue": (
                overdue,
                tasks_total - tasks_done,
                0,
                total(self.task_totals, "late_before") if has_snap else None,
            ),
            "quota": (quota, with_quota or schools, None, None),
            "budget": (actual if planned or actual else None, planned, None, None),
        }
        indicators = []
        for key, label, unit, lower in INDICATORS:
            value, whole, target, previous = values[key]
            indicators.append(make_indicator(key, label, unit, lower, value, whole, target, previous, period))
        return indicators

    def _target(self, mids, audience):
        found = [self.targets[(mid, audience)] for mid in mids if (mid, audience) in self.targets]
        return sum(found) if found else None

    def dashboard(self, municipality) -> Dashboard:
        mid = municipality.pk
        rows = self._rows_of(mid)
        detail = set(self.detail_ids or ())
        programme = self.programmes.get(mid)
        stages = []
        stage_counts = defaultdict(int)
        for row in rows:
            stage_counts[row.stage_order] += 1
        for index, stage in enumerate(self.stage_list):
            if programme is not None and stage.programme_id == programme.pk:
                stages.append(
                    {
                        "name": stage.name,
                        "order": index,
                        "schools": stage_counts.get(index, 0),
                        "stage": stage,
                    }
                )
        if stage_counts.get(len(self.stage_list)):
            stages.append(
                {
                    "name": str(_("Activities outside stages")),
                    "order": len(self.stage_list),
                    "schools": stage_counts[len(self.stage_list)],
                    "stage": None,
                }
            )
        stages.append(
            {
                "name": str(_("Every stage done")),
                "order": -1,
                "schools": stage_counts.get(-1, 0),
                "stage": None,
            }
        )
        stages.append(
            {
                "name": str(_("Not in the programme")),
                "order": None,
                "schools": stage_counts.get(None, 0),
                "stage": None,
            }
        )
        buckets = defaultdict(int)
        for row in rows:
            buckets[row.readiness] += 1
        group = self.pilot_groups.get(mid)
        readiness = {
            "campaign": self.campaigns.get(mid),
            "buckets": [
                {"key": key, "label": label, "schools": buckets.get(key, 0)}
                for key, label in READINESS_BUCKETS
            ],
            "pilot_group": group,
            "pilot_schools": sum(1 for r in rows if r.pilot),
        }
        teachers = (self.people.get(mid) or {}).get("teachers", 0)
        providers = self.providers.get(mid, [])
        curricula = [dict(c, share=pct(c["trained"], teachers)) for c in self.curricula.get(mid, [])]
        overdue = [o for o in self.overdue_list if o["municipality_id"] == mid]
        return Dashboard(
            municipality=municipality,
            programme=programme,
            today=self.today,
            indicators=self.municipality_indicators(municipality),
            stages=stages,
            readiness=readiness,
            schools=rows if self.detail_ids is None else [r for r in rows if r.school.pk in detail],
            providers=providers,
            curricula=curricula,
            overdue=overdue,
            budget=self.budget_years.get(mid, []),
            snapshot=self.snapshots.get(mid),
        )


def current_programme(programmes: list[Programme], today: date) -> Programme | None:
    """The programme a dashboard follows: the latest one that has started, else the next one."""
    started = [p for p in programmes if p.starts_on <= today]
    if started:
        return max(started, key=lambda p: (p.starts_on, p.pk))
    return min(programmes, key=lambda p: (p.starts_on, p.pk)) if programmes else None
