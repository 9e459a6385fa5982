"""The figures behind the indicators, read per source (programmes and tasks, accounts, trainings,
surveys, quotas, budget), each in a fixed number of SQL queries for a set of municipalities."""

import zoneinfo
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Max, Min, Q, Sum, Value, When
from django.utils.translation import gettext_lazy as _

from integrations.models import Job, Provider
from reporting.indicators.kinds import (
    SchoolRef,
    SchoolRow,
    pct,
)
from rollout.models import BudgetLine, Snapshot, Stage, Task, TaskStatus
from rollout.queries import period_label
from schools.models import Person, School
from schools.roles import PersonRole
from surveys import queries as survey_queries
from surveys.models import PilotGroup, Response
from trainings import queries as training_queries
from trainings.queries import completed_enrolments


def _has_account(prefix: str = "") -> Q:
    """A teacher with an account: an address on the roster, or one a provisioning job made (or
    adopted), which the engine marks on the person: two columns of the roster, no join."""
    return Q(**{f"{prefix}account_email__gt": ""}) | Q(**{f"{prefix}account_made_at__isnull": False})


def _start_of(day: date, tz: zoneinfo.ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


class FactSources:
    """The loaders of ``Facts``: each fills its own attributes from one source."""

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
        # The jobs' own counters (kept as their items finish): a row per job, not per account.
        counts: Counter = Counter()
        for mid, provider, n in Job.objects.filter(
            municipality_id__in=self.mids, accounts_made__gt=0
        ).values_list("municipality_id", "provider", "accounts_made"):
            counts[mid, provider] += n
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
        self.surveyed_before: dict[int, int] = defaultdict(int)
        self.pilot_groups: dict[int, object] = {}
        self.campaigns: dict[int, object] = {}
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
