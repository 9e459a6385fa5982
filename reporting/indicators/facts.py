"""The aggregates behind every dashboard: ``Facts`` reads a set of municipalities' figures in a
fixed number of SQL queries and turns them into indicators; the helpers shape rows and cells."""

from __future__ import annotations

import zoneinfo
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Max, Min, Q, Sum, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reporting.indicators.kinds import (
    INDICATORS,
    LABELS,
    PERCENT,
    READINESS_BUCKETS,
    Dashboard,
    Indicator,
    SchoolRef,
    SchoolRow,
    pct,
)
from rollout.models import BudgetLine, Programme, Snapshot, Stage, Task, TaskStatus
from rollout.queries import period_label
from schools.models import Person, School
from schools.roles import PersonRole

# --- Helpers -------------------------------------------------------------------------------------


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
    from django.utils.translation import gettext

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


def _has_account(prefix: str = "") -> Q:
    """A teacher with an account: an address on the roster, or one a provisioning job made (or
    adopted), which the engine marks on the person: two columns of the roster, no join."""
    return Q(**{f"{prefix}account_email__gt": ""}) | Q(**{f"{prefix}account_made_at__isnull": False})


def _created_accounts():
    """Create-user items of provisioning jobs that made (or adopted) an account."""
    from integrations.models import JobItem

    return JobItem.objects.filter(
        op="create_user", status=JobItem.Status.DONE, outcome__in=("created", "adopted"), person__isnull=False
    )


def _start_of(day: date, tz: zoneinfo.ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


class Facts:
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

    def _snapshots(self) -> None:
        """The latest period of each followed programme, summed, and its per-school rows."""
        periods = (
            Snapshot.objects.filter(programme_id__in=self.pids)
            .values("programme_id", "municipality_id", "period")
            .annotate(
                taken_on=Max("taken_on"),
                schools=Count("pk"),
                tasks_total=Sum("tasks_total"),
                tasks_done=Sum("tasks_done"),
                teachers=Sum("teachers"),
                accounts=Sum("accounts"),
                trained_teachers=Sum("trained_teachers"),
                events_held=Sum("events_held"),
            )
            .order_by("programme_id", "-taken_on")
        )
        # The last period that has ended: this period's own snapshot (taken by hand) is a fallback.
        current = {
            p.pk: period_label(self.today, p.snapshot_months)
            for p in self.programmes.values()
            if p is not None
        }
        self.snapshots: dict[int, dict] = {}
        fallback: dict[int, dict] = {}
        for row in periods:
            mid = row["municipality_id"]
            if row["period"] == current.get(row["programme_id"]):
                fallback.setdefault(mid, row)
            elif mid not in self.snapshots:
                self.snapshots[mid] = row
        for mid, row in fallback.items():
            self.snapshots.setdefault(mid, row)
        self.school_snapshots: dict[int, dict] = {}
        if not self.region_mode and (self.school_ids is not None or self.snapshots):
            condition = Q(pk__in=[])
            for row in self.snapshots.values():
                condition |= Q(programme_id=row["programme_id"], period=row["period"])
            rows = Snapshot.objects.filter(condition)
            if self.detail_ids is not None:  # only the schools whose rows are shown
                rows = rows.filter(school_id__in=self.detail_ids)
            for snap in rows.values(
                "school_id", "tasks_done", "tasks_total", "accounts", "trained_teachers", "teachers"
            ):
                self.school_snapshots[snap["school_id"]] = snap
        # The day each municipality's trend starts from (dated facts are counted as of then).
        self.since = {mid: row["taken_on"] for mid, row in self.snapshots.items()}

    def period_of(self, municipality) -> str:
        row = self.snapshots.get(municipality.pk if municipality else None)
        return row["period"] if row else ""

    def _since_q(self, municipality_field: str, date_field: str, *, moment: bool = False) -> Q:
        """Rows dated up to the end of each municipality's snapshot day (no snapshot: none)."""
        condition = Q(pk__in=[])
        for mid, day in self.since.items():
            if moment:
                condition |= Q(
                    **{
                        municipality_field: mid,
                        f"{date_field}__lt": _start_of(day + timedelta(days=1), self.tz[mid]),
                    }
                )
            else:
                condition |= Q(**{municipality_field: mid, f"{date_field}__lte": day})
        return condition

    def _schools(self) -> None:
        self.rows: dict[int, SchoolRow] = {}
        if self.region_mode:
            self.school_mid = dict(
                School.objects.filter(municipality_id__in=self.mids).values_list("pk", "municipality_id")
            )
            for mid in self.school_mid.values():
                self.counts[mid]["schools"] += 1
            return
        schools = School.objects.filter(municipality_id__in=self.mids)
        if self.school_ids is not None:
            schools = schools.filter(pk__in=self.school_ids)
        for values in schools.order_by("name", "pk").values_list(
            "pk", "name", "kind", "code", "municipality_id"
        ):
            row = SchoolRow(SchoolRef(*values))
            row.previous = self.school_snapshots.get(values[0], {})
            self.rows[values[0]] = row

    def _school_filter(self, field_name: str) -> dict:
        if self.school_ids is not None:
            return {f"{field_name}__in": self.school_ids}
        return {}

    def school_count(self, mid) -> int:
        return self.counts[mid]["schools"]

    # -- programme tasks --

    def _tasks(self) -> None:
        today = self.today
        overdue = Q(activity__due_on__lt=today) & ~Q(status=TaskStatus.DONE)
        tasks = Task.objects.filter(activity__programme_id__in=self.pids)
        self.stage_list = list(
            Stage.objects.filter(programme_id__in=self.pids).order_by(
                "programme_id", "order", "starts_on", "pk"
            )
        )
        # One row per school: its totals and the rank of the first stage in which it still has
        # something to do (its stage), computed by the database rather than row by stage.
        rank = Case(
            *(When(activity__stage_id=stage.pk, then=Value(i)) for i, stage in enumerate(self.stage_list)),
            default=None,
            output_field=IntegerField(),
        )
        not_done = ~Q(status=TaskStatus.DONE)
        per_school = tasks.filter(school__isnull=False, **self._school_filter("school_id"))
        if self.detail_ids == []:  # the region shows no school's stage
            per_school = per_school.none()
        for row in (
            per_school.values("school_id")
            .annotate(
                total=Count("pk"),
                done=Count("pk", filter=Q(status=TaskStatus.DONE)),
                late=Count("pk", filter=overdue),
                open=Count("pk", filter=not_done),
                first_open=Min(rank, filter=not_done),
            )
            .order_by()
        ):
            school = self.rows.get(row["school_id"])
            if school is None:
                continue
            school.tasks_total += row["total"]
            school.tasks_done += row["done"]
            school.overdue += row["late"]
            if row["first_open"] is not None:
                index = row["first_open"]
                school.stage, school.stage_order = self.stage_list[index].name, index
            elif not row["open"]:
                school.stage, school.stage_order = str(_("Every stage done")), -1
            else:
                school.stage, school.stage_order = str(_("Activities outside stages")), len(self.stage_list)
        # The programme as a whole (every task, the programme-level ones too), per municipality.
        self.task_totals = {}
        if self.school_ids is None:
            for row in (
                tasks.values("municipality_id")
                .annotate(
                    total=Count("pk"),
                    done=Count("pk", filter=Q(status=TaskStatus.DONE)),
                    late=Count("pk", filter=overdue),
                    late_before=Count(
                        "pk",
                        filter=self._overdue_before_q(),
                    ),
                )
                .order_by()
            ):
                self.task_totals[row["municipality_id"]] = row
            self.overdue_list = [
                {
                    "activity_id": row["activity_id"],
                    "title": row["activity__title"],
                    "due_on": row["activity__due_on"],
                    "municipality_id": row["municipality_id"],
                    "tasks": row["n"],
                }
                for row in tasks.filter(overdue)
                .values("activity_id", "activity__title", "activity__due_on", "municipality_id")
                .annotate(n=Count("pk"))
                .order_by("activity__due_on", "activity__title")[:25]
            ]
        else:
            self.overdue_list = []

    def _overdue_before_q(self) -> Q:
        """Overdue on the snapshot's day: due before it and not done by then."""
        condition = Q(pk__in=[])
        for mid, day in self.since.items():
            end = _start_of(day + timedelta(days=1), self.tz[mid])
            condition |= Q(municipality_id=mid, activity__due_on__lt=day) & (
                Q(
                    done_at__isnull=True,
                    status__in=[TaskStatus.PLANNED, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED],
                )
                | Q(done_at__gte=end)
            )
        return condition

    # -- accounts --

    def _accounts(self) -> None:
        """Teachers, those with an account (per provider too) and those trained: one pass over
        the roster per school and one per municipality. Each condition is an uncorrelated
        subquery, which SQLite and PostgreSQL both read once into a hash per query."""
        from integrations.models import Provider
        from trainings.queries import completed_enrolments

        # ``completed_teachers`` without its join to the roster: the outer queries keep teachers.
        trained = completed_enrolments().filter(municipality_id__in=self.mids).values("person_id")
        through = Person.schools.through.objects.filter(
            school__municipality_id__in=self.mids, person__role=PersonRole.TEACHER
        )
        if self.detail_ids is not None:
            through = through.filter(school_id__in=self.detail_ids)
        # A person is on a school's roster once (the pair is unique): no DISTINCT needed.
        for row in (
            through.values("school_id")
            .annotate(
                teachers=Count("person_id"),
                accounts=Count("person_id", filter=_has_account("person__")),
                trained=Count("person_id", filter=Q(person_id__in=trained)),
            )
            .order_by()
        ):
            school = self.rows.get(row["school_id"])
            if school is not None:
                school.teachers, school.accounts, school.trained = (
                    row["teachers"],
                    row["accounts"],
                    row["trained"],
                )
        self.people = {}
        self.providers: dict[int, list] = defaultdict(list)
        if self.school_ids is not None:
            return
        for row in (
            Person.objects.filter(role=PersonRole.TEACHER, municipality_id__in=self.mids)
            .values("municipality_id")
            .annotate(
                teachers=Count("pk"),
                accounts=Count("pk", filter=_has_account()),
                trained=Count("pk", filter=Q(pk__in=trained)),
            )
            .order_by()
        ):
            self.people[row["municipality_id"]] = row
        if self.region_mode:
            return  # the region compares municipalities' totals, not their providers
        # Per provider: the accounts its jobs created or adopted (people of every role, each
        # item once), against everyone on the roster.
        roster = dict(
            Person.objects.filter(municipality_id__in=self.mids)
            .values("municipality_id")
            .annotate(n=Count("pk"))
            .values_list("municipality_id", "n")
            .order_by()
        )
        # One scan of an index: a count per job, and the (few) jobs' providers.
        from integrations.models import Job

        per_job = list(
            _created_accounts()
            .filter(municipality_id__in=self.mids)
            .values("municipality_id", "job_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        provider_of = dict(Job.objects.filter(municipality_id__in=self.mids).values_list("pk", "provider"))
        counts: Counter = Counter()
        for row in per_job:
            counts[row["municipality_id"], provider_of[row["job_id"]]] += row["n"]
        for mid in sorted({mid for mid, _provider in counts}):
            for value, label in Provider.choices:
                if counts.get((mid, value)):
                    self.providers[mid].append(
                        {
                            "provider": value,
                            "label": label,
                            "accounts": counts[mid, value],
                            "roster": roster.get(mid, 0),
                            "share": pct(counts[mid, value], roster.get(mid, 0)),
                        }
                    )

    # -- trainings, certifications, feedback --

    def _trainings(self) -> None:
        from trainings import queries as training_queries

        grouped = training_queries.dashboard_facts(
            self.mids,
            self.today,
            school_ids=self.detail_ids,
            municipal=self.school_ids is None,
            curricula=not self.region_mode,
            since_q=lambda municipality_field, date_field, moment=False: self._since_q(
                municipality_field, date_field, moment=moment
            ),
        )
        for school_id, values in grouped["schools"].items():
            school = self.rows.get(school_id)
            if school is None:
                continue
            for name, value in values.items():
                setattr(school, name, value)
        self.trainings = grouped["municipalities"]
        self.curricula = grouped["curricula"]
        self.targets = grouped["targets"]

    # -- readiness surveys and pilot groups --

    def _surveys(self) -> None:
        from django.apps import apps

        self.surveyed_before: dict[int, int] = defaultdict(int)
        self.pilot_groups: dict[int, object] = {}
        self.campaigns: dict[int, object] = {}
        if not apps.is_installed("surveys"):
            return
        from surveys import queries as survey_queries
        from surveys.models import PilotGroup, Response

        submitted = Response.objects.filter(
            status=Response.Status.SUBMITTED, **self._school_filter("school_id")
        )
        if self.school_ids is None:
            self._survey_counts(submitted)
        if self.region_mode:
            self._region_pilots(PilotGroup)
            return
        for school_id in submitted.values_list("school_id", flat=True).distinct().order_by():
            school = self.rows.get(school_id)
            if school is not None:
                school.surveyed = True
        if self.detail_ids == []:  # the region compares municipalities, not schools' readiness
            results = {"campaigns": {}, "schools": {}}
        else:
            results = survey_queries.readiness_by_school(self.mids, school_ids=self.school_ids)
        self.campaigns = results["campaigns"]
        for school_id, (score, level) in results["schools"].items():
            school = self.rows.get(school_id)
            if school is not None:
                school.readiness, school.score = level, score
        groups = list(PilotGroup.objects.filter(municipality_id__in=self.mids).order_by("-created_at", "-pk"))
        for group in groups:
            self.pilot_groups.setdefault(group.municipality_id, group)
        members = PilotGroup.schools.through.objects.filter(
            pilotgroup_id__in=[g.pk for g in self.pilot_groups.values()]
        ).values_list("school_id", flat=True)
        for school_id in members:
            if school_id in self.rows:
                self.rows[school_id].pilot = True

    def _survey_counts(self, submitted) -> None:
        """Schools that submitted a readiness survey, now and by the snapshot's day."""
        for row in (
            submitted.values("municipality_id")
            .annotate(
                n=Count("school_id", distinct=True),
                before=Count(
                    "school_id",
                    distinct=True,
                    filter=self._since_q("municipality_id", "submitted_at", moment=True),
                ),
            )
            .order_by()
        ):
            self.counts[row["municipality_id"]]["surveyed"] = row["n"]
            self.surveyed_before[row["municipality_id"]] = row["before"]

    def _region_pilots(self, pilot_group_model) -> None:
        for group in pilot_group_model.objects.filter(municipality_id__in=self.mids).order_by(
            "-created_at", "-pk"
        ):
            self.pilot_groups.setdefault(group.municipality_id, group)
        members = pilot_group_model.schools.through.objects.filter(
            pilotgroup_id__in=[g.pk for g in self.pilot_groups.values()]
        ).values_list("school_id", flat=True)
        for school_id in set(members):
            if school_id in self.school_mid:
                self.counts[self.school_mid[school_id]]["pilot"] += 1

    # -- event quotas --

    def _quotas(self) -> None:
        from trainings import queries as training_queries

        status = training_queries.quota_status_by_school(
            self.municipalities, self.today, school_ids=self.school_ids
        )
        if self.region_mode:
            for school_id, (met, _missed, _events) in status.items():
                if met is not None and school_id in self.school_mid:
                    counts = self.counts[self.school_mid[school_id]]
                    counts["quota_with"] += 1
                    counts["quota_met"] += met
            return
        for school_id, (met, missed, events) in status.items():
            school = self.rows.get(school_id)
            if school is not None:
                school.quota_met, school.quota_missed, school.events = met, missed, events

    # -- budget --

    def _budget(self) -> None:
        self.budget_years: dict[int, list] = defaultdict(list)
        if self.school_ids is not None:
            return
        for row in (
            BudgetLine.objects.filter(municipality_id__in=self.mids)
            .values("municipality_id", "year")
            .annotate(planned=Sum("planned"), actual=Sum("actual"))
            .order_by("municipality_id", "year")
        ):
            self.budget_years[row["municipality_id"]].append(
                {
                    "year": row["year"],
                    "planned": row["planned"] or Decimal(0),
                    "actual": row["actual"] or Decimal(0),
                    "share": pct(row["actual"] or 0, row["planned"]),
                }
            )

    # -- putting it together --

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
