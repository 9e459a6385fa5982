"""Read-side aggregates. Every function costs a fixed number of queries, whatever the number of
schools, people, sessions or events (the dashboards of other apps call these)."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q
from django.utils import timezone

from schools.access import municipality_scope
from schools.models import Person, School
from schools.roles import PersonRole
from trainings.models import (
    Certificate,
    CertificationTarget,
    Curriculum,
    Enrolment,
    ExternalCertification,
    FeedbackAnswer,
    NetworkEvent,
    QuotaRule,
    QuotaSet,
)

# --- Feedback -----------------------------------------------------------------------------------


def _share(positive: int, total: int) -> dict:
    return {
        "positive": positive,
        "answers": total,
        "percent": round(100 * positive / total, 1) if total else None,
    }


def positive_feedback(by: str, ids=None) -> dict:
    """The share of answers of 4 or 5, keyed by session, trainer or curriculum id (one query).

    ``by`` is ``"session"``, ``"trainer"`` or ``"curriculum"``; ``ids`` limits the keys.
    """
    field = {
        "session": "feedback__enrolment__session_id",
        "trainer": "feedback__enrolment__session__trainer_id",
        "curriculum": "feedback__enrolment__session__curriculum_id",
    }[by]
    answers = FeedbackAnswer.objects.all()
    if ids is not None:
        answers = answers.filter(**{f"{field}__in": list(ids)})
    rows = answers.values(field).annotate(total=Count("pk"), positive=Count("pk", filter=Q(score__gte=4)))
    return {row[field]: _share(row["positive"], row["total"]) for row in rows}


def positive_feedback_overall() -> dict:
    row = FeedbackAnswer.objects.aggregate(total=Count("pk"), positive=Count("pk", filter=Q(score__gte=4)))
    return _share(row["positive"], row["total"])


# --- Trained teachers -----------------------------------------------------------------------------


def teachers_trained(school: School, curriculum: Curriculum | None = None) -> int:
    """Distinct teachers of the school who completed a session (of one curriculum, if given)."""
    return teachers_trained_by_school([school], curriculum).get(school.pk, 0)


def teachers_trained_by_school(schools, curriculum: Curriculum | None = None) -> dict[int, int]:
    """``teachers_trained`` for many schools of one municipality in one query: {school id: n}."""
    schools = list(schools)
    if not schools:
        return {}
    with municipality_scope(schools[0].municipality_id):
        completed = Enrolment.objects.filter(
            completed_at__isnull=False,
            person__schools__in=[s.pk for s in schools],
            person__role=PersonRole.TEACHER,
        )
        if curriculum is not None:
            completed = completed.filter(session__curriculum=curriculum)
        rows = (
            completed.values("person__schools")
            .annotate(n=Count("person_id", distinct=True))
            .values_list("person__schools", "n")
        )
        return dict(rows)


def enrolment_counts(session_ids) -> dict[int, dict[str, int]]:
    rows = (
        Enrolment.objects.filter(session_id__in=list(session_ids))
        .values("session_id")
        .annotate(
            enrolled=Count("pk", filter=Q(status=Enrolment.Status.ENROLLED)),
            waiting=Count("pk", filter=Q(status=Enrolment.Status.WAITING)),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
        )
    )
    return {row.pop("session_id"): row for row in rows}


# --- Certifications and targets ---------------------------------------------------------------------


def certification_progress(today: date | None = None) -> list[dict]:
    """For each target of the current municipality: how many distinct people hold a valid
    certification of that kind (not expired), and the share of the target reached."""
    today = today or timezone.localdate()
    valid = ExternalCertification.objects.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    counts = valid.aggregate(
        teachers=Count("person_id", distinct=True),
        trainers=Count(
            "person_id", distinct=True, filter=Q(kind__in=list(ExternalCertification.TRAINER_KINDS))
        ),
    )
    rows = []
    for target in CertificationTarget.objects.all():
        current = counts[target.audience]
        rows.append(
            {
                "target": target,
                "current": current,
                "percent": min(100, round(100 * current / target.target)) if target.target else 100,
                "met": current >= target.target,
            }
        )
    return rows


# --- Network event quotas ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: datetime  # aware, in the municipality's time zone
    end: datetime  # exclusive
    label: str


def periods_of_year(year: int, period: str, tz: zoneinfo.ZoneInfo) -> list[Period]:
    months = QuotaRule.MONTHS[period]
    result = []
    for index, first_month in enumerate(range(1, 13, months), start=1):
        start = datetime(year, first_month, 1, tzinfo=tz)
        end_month = first_month + months
        end = (
            datetime(year + 1, 1, 1, tzinfo=tz) if end_month > 12 else datetime(year, end_month, 1, tzinfo=tz)
        )
        if period == "quarter":
            label = f"Q{index} {year}"
        elif period == "half_year":
            label = f"H{index} {year}"
        else:
            label = str(year)
        result.append(Period(start, end, label))
    return result


def _periods_between(start: datetime, end: datetime, period: str, tz) -> list[Period]:
    """Every period of the rule's length that overlaps [start, end)."""
    result = []
    for year in range(start.astimezone(tz).year, end.astimezone(tz).year + 1):
        result += [p for p in periods_of_year(year, period, tz) if p.start < end and p.end > start]
    return result


def default_quota_set() -> QuotaSet | None:
    return (
        QuotaSet.objects.filter(is_default=True).order_by("pk").first()
        or QuotaSet.objects.order_by("pk").first()
    )


def _event_times(school_ids, kinds, start: datetime, end: datetime) -> dict:
    """{(school_id, kind): [starts_at, ...]} for events in [start, end) — one query."""
    times = defaultdict(list)
    rows = NetworkEvent.objects.filter(
        school_id__in=list(school_ids), kind__in=list(kinds), starts_at__gte=start, starts_at__lt=end
    ).values_list("school_id", "kind", "starts_at")
    for school_id, kind, starts_at in rows:
        times[(school_id, kind)].append(starts_at)
    return times


def _status(count: int, minimum: int, period: Period, now: datetime) -> str:
    if count >= minimum:
        return "met"
    return "due" if period.end > now else "missed"


def event_quota_met(school: School, period_start: datetime, period_end: datetime, quota_set=None) -> bool:
    """Whether the school met every quota of the set (the municipality's default set if none is
    given) in every quota period that overlaps [period_start, period_end). A period still
    running without enough events is not met yet. No quotas: met."""
    return event_quota_met_by_school([school], period_start, period_end, quota_set)[school.pk]


def event_quota_met_by_school(schools, period_start, period_end, quota_set=None) -> dict[int, bool]:
    """``event_quota_met`` for many schools of one municipality in three queries. Dates count
    from the municipality's midnight."""
    schools = list(schools)
    if not schools:
        return {}
    with municipality_scope(schools[0].municipality_id):
        quota_set = quota_set or default_quota_set()
        rules = list(QuotaRule.objects.filter(quota_set=quota_set)) if quota_set is not None else []
        tz = zoneinfo.ZoneInfo(schools[0].municipality.time_zone)
        start, end = _moment(period_start, tz), _moment(period_end, tz)
        checks = [(rule, p) for rule in rules for p in _periods_between(start, end, rule.period, tz)]
        if not checks:
            return {school.pk: True for school in schools}
        first = min(p.start for _rule, p in checks)
        last = max(p.end for _rule, p in checks)
        times = _event_times([s.pk for s in schools], {rule.kind for rule in rules}, first, last)
        return {
            school.pk: all(
                sum(1 for t in times[(school.pk, rule.kind)] if p.start <= t < p.end) >= rule.minimum
                for rule, p in checks
            )
            for school in schools
        }


def events_held_by_school(schools, since, until) -> dict[int, int]:
    """Network events each school organised from ``since`` to ``until`` (dates or moments, both
    included as whole days): {school id: n}, one query."""
    schools = list(schools)
    if not schools:
        return {}
    with municipality_scope(schools[0].municipality_id):
        tz = zoneinfo.ZoneInfo(schools[0].municipality.time_zone)
        start = _moment(since, tz)
        end = _moment(until, tz) + (timedelta(days=1) if not isinstance(until, datetime) else timedelta(0))
        rows = (
            NetworkEvent.objects.filter(
                school_id__in=[s.pk for s in schools], starts_at__gte=start, starts_at__lt=end
            )
            .values("school_id")
            .annotate(n=Count("pk"))
            .values_list("school_id", "n")
        )
        return dict(rows)


def _moment(value, tz) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=tz)


def quota_matrix(municipality, quota_set: QuotaSet, year: int, now: datetime | None = None) -> list[dict]:
    """For each rule of the set: its periods of the year and one row per school with a cell per
    period ("met", "due" or "missed" and the count). Four queries, whatever the size."""
    now = now or timezone.now()
    tz = zoneinfo.ZoneInfo(municipality.time_zone)
    rules = list(QuotaRule.objects.filter(quota_set=quota_set))
    schools = list(School.objects.order_by("name").only("pk", "name"))
    start = datetime(year, 1, 1, tzinfo=tz)
    end = datetime(year + 1, 1, 1, tzinfo=tz)
    times = _event_times([s.pk for s in schools], {r.kind for r in rules}, start, end)
    tables = []
    for rule in rules:
        periods = periods_of_year(year, rule.period, tz)
        rows = []
        totals = {"met": 0, "due": 0, "missed": 0}
        for school in schools:
            cells = []
            for p in periods:
                count = sum(1 for t in times[(school.pk, rule.kind)] if p.start <= t < p.end)
                status = _status(count, rule.minimum, p, now)
                totals[status] += 1
                cells.append({"status": status, "count": count, "period": p})
            rows.append({"school": school, "cells": cells})
        tables.append({"rule": rule, "periods": periods, "rows": rows, "totals": totals})
    return tables


# --- For the dashboards ----------------------------------------------------------------------------


def municipality_indicators(municipality) -> dict:
    """The figures the municipal dashboard and reports show, in a fixed number of queries."""
    with municipality_scope(municipality.pk):
        teachers = Person.objects.filter(role=PersonRole.TEACHER).count()
        completed = Enrolment.objects.filter(completed_at__isnull=False, person__role=PersonRole.TEACHER)
        trained = completed.values("person_id").distinct().count()
        per_curriculum = {
            row["session__curriculum_id"]: row["n"]
            for row in completed.values("session__curriculum_id").annotate(
                n=Count("person_id", distinct=True)
            )
        }
        curricula = [
            {
                "curriculum": c,
                "trained": per_curriculum.get(c.pk, 0),
                "share": round(100 * per_curriculum.get(c.pk, 0) / teachers, 1) if teachers else None,
            }
            for c in Curriculum.objects.order_by("title")
        ]
        certification = {row["target"].audience: row for row in certification_progress()}
        today = timezone.localdate()
        valid = ExternalCertification.objects.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        certified = valid.aggregate(
            teachers=Count("person_id", distinct=True),
            trainers=Count(
                "person_id", distinct=True, filter=Q(kind__in=list(ExternalCertification.TRAINER_KINDS))
            ),
        )
        quotas = quota_compliance(municipality)
        return {
            "teachers": teachers,
            "trained_teachers": trained,
            "trained_share": round(100 * trained / teachers, 1) if teachers else None,
            "curricula": curricula,
            "certificates": Certificate.objects.filter(revoked_at=None).count(),
            "certified_teachers": {
                "current": certified["teachers"],
                "target": certification["teachers"]["target"].target if "teachers" in certification else None,
            },
            "certified_trainers": {
                "current": certified["trainers"],
                "target": certification["trainers"]["target"].target if "trainers" in certification else None,
            },
            "positive_feedback": positive_feedback_overall(),
            "event_quotas": quotas,
        }


def quota_compliance(municipality, year: int | None = None, now: datetime | None = None) -> dict | None:
    """The default quota set's cells of the year: how many met, due and missed, and the share of
    the closed periods that were met."""
    quota_set = default_quota_set()
    if quota_set is None:
        return None
    now = now or timezone.now()
    tz = zoneinfo.ZoneInfo(municipality.time_zone)
    year = year or now.astimezone(tz).year
    totals = {"met": 0, "due": 0, "missed": 0}
    for table in quota_matrix(municipality, quota_set, year, now):
        for status, n in table["totals"].items():
            totals[status] += n
    closed = totals["met"] + totals["missed"]
    return {
        "quota_set": quota_set.name,
        "year": year,
        **totals,
        "percent": round(100 * totals["met"] / closed, 1) if closed else None,
    }


# --- A person's own page ------------------------------------------------------------------------------


def person_for(user) -> Person | None:
    """The roster entry of a signed-in user in the current municipality."""
    return Person.objects.filter(user=user).order_by("pk").first()


# --- Grouped for the dashboards (reporting/indicators/) ----------------------------------------------


def completed_enrolments():
    """Enrolments whose person completed the session (attendance and feedback as required)."""
    return Enrolment.objects.filter(completed_at__isnull=False)


def completed_teachers():
    """Enrolments of teachers who completed a session: who counts as a trained teacher."""
    return completed_enrolments().filter(person__role=PersonRole.TEACHER)


def dashboard_facts(
    municipality_ids,
    today: date,
    *,
    school_ids=None,
    municipal: bool = True,
    curricula: bool = True,
    since_q=None,
) -> dict:
    """Certifications and feedback grouped by school and by municipality, and the teachers
    trained per curriculum, for one municipality or a region's (the caller's scope), in six
    queries whatever the size (who counts as trained: ``completed_teachers``).

    ``since_q(municipality_field, date_field, moment=False)`` gives the condition "dated up to the
    last snapshot" per municipality, for the trends; ``school_ids`` limits the per-school part (an
    empty list: none), ``municipal=False`` leaves out the municipalities' part and
    ``curricula=False`` the teachers trained per curriculum."""
    mids = list(municipality_ids)
    none = Q(pk__in=[])
    since_q = since_q or (lambda *args, **kwargs: none)
    schools: dict[int, dict] = defaultdict(dict)
    completed = completed_teachers().filter(municipality_id__in=mids)
    valid = Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    trainer = Q(kind__in=list(ExternalCertification.TRAINER_KINDS))
    certifications = ExternalCertification.objects.filter(municipality_id__in=mids)
    per_school = (
        certifications.filter(valid)
        .values("person__schools")
        .annotate(
            teachers=Count("person_id", distinct=True),
            trainers=Count("person_id", distinct=True, filter=trainer),
        )
        .order_by()
    )
    if school_ids is not None:
        per_school = per_school.filter(person__schools__in=list(school_ids))
    for row in per_school:
        if row["person__schools"] is not None:
            schools[row["person__schools"]]["certified_teachers"] = row["teachers"]
            schools[row["person__schools"]]["certified_trainers"] = row["trainers"]
    answers = FeedbackAnswer.objects.filter(municipality_id__in=mids)
    positive = Q(score__gte=4)
    per_school = (
        answers.values("feedback__enrolment__person__schools")
        .annotate(total=Count("pk"), positive=Count("pk", filter=positive))
        .order_by()
    )
    if school_ids is not None:
        per_school = per_school.filter(feedback__enrolment__person__schools__in=list(school_ids))
    for row in per_school:
        key = row["feedback__enrolment__person__schools"]
        if key is not None:
            schools[key]["feedback_answers"] = row["total"]
            schools[key]["feedback_positive"] = row["positive"]
    municipalities: dict[int, dict] = defaultdict(dict)
    by_curriculum: dict[int, list] = defaultdict(list)
    targets: dict[tuple, int] = {}
    if municipal:
        # Valid on the snapshot's day: obtained by then and not expired then.
        before = since_q("municipality_id", "obtained_on") & (
            Q(expires_on__isnull=True) | Q(expires_on__gt=F("obtained_on"))
        )
        for row in (
            certifications.values("municipality_id")
            .annotate(
                teachers=Count("person_id", distinct=True, filter=valid),
                trainers=Count("person_id", distinct=True, filter=valid & trainer),
                teachers_before=Count("person_id", distinct=True, filter=before),
                trainers_before=Count("person_id", distinct=True, filter=before & trainer),
            )
            .order_by()
        ):
            municipalities[row["municipality_id"]].update(
                certified_teachers=row["teachers"],
                certified_trainers=row["trainers"],
                certified_teachers_before=row["teachers_before"],
                certified_trainers_before=row["trainers_before"],
            )
        before = since_q("municipality_id", "feedback__created_at", moment=True)
        for row in (
            answers.values("municipality_id")
            .annotate(
                total=Count("pk"),
                positive=Count("pk", filter=positive),
                total_before=Count("pk", filter=before),
                positive_before=Count("pk", filter=before & positive),
            )
            .order_by()
        ):
            municipalities[row["municipality_id"]].update(
                answers=row["total"],
                positive=row["positive"],
                answers_before=row["total_before"],
                positive_before=row["positive_before"],
            )
        if curricula:
            trained_by_curriculum = {
                (row["municipality_id"], row["session__curriculum_id"]): row["n"]
                for row in completed.values("municipality_id", "session__curriculum_id")
                .annotate(n=Count("person_id", distinct=True))
                .order_by()
            }
            for curriculum in Curriculum.objects.filter(municipality_id__in=mids).order_by("title"):
                by_curriculum[curriculum.municipality_id].append(
                    {
                        "curriculum": curriculum,
                        "title": curriculum.title,
                        "trained": trained_by_curriculum.get((curriculum.municipality_id, curriculum.pk), 0),
                    }
                )
        for target in CertificationTarget.objects.filter(municipality_id__in=mids):
            targets[(target.municipality_id, target.audience)] = target.target
    return {
        "schools": schools,
        "municipalities": municipalities,
        "curricula": by_curriculum,
        "targets": targets,
    }


def quota_status_by_school(municipalities, today: date, *, school_ids=None) -> dict[int, tuple]:
    """For every school of the municipalities (a region's too): whether it met each quota of its
    municipality's default set in every period of ``today``'s year that has ended, how many
    (rule, period) checks it missed and how many events it organised this year:
    {school id: (met or None when there are no quotas, missed, events)}. Three queries: the
    events are counted per school and check in the database (a check per rule and period, not
    per school)."""
    municipalities = list(municipalities)
    mids = [m.pk for m in municipalities]
    sets = {}
    for quota_set in QuotaSet.objects.filter(municipality_id__in=mids).order_by("-is_default", "pk"):
        sets.setdefault(quota_set.municipality_id, quota_set)
    rules = defaultdict(list)
    for rule in QuotaRule.objects.filter(quota_set_id__in=[s.pk for s in sets.values()]):
        rules[rule.quota_set_id].append(rule)
    checks: dict[int, list] = {}
    counts = {}
    year_q = Q(pk__in=[])
    for municipality in municipalities:
        tz = zoneinfo.ZoneInfo(municipality.time_zone or "UTC")
        now = datetime(today.year, today.month, today.day, tzinfo=tz)
        year_q |= Q(
            municipality_id=municipality.pk,
            starts_at__gte=datetime(today.year, 1, 1, tzinfo=tz),
            starts_at__lt=datetime(today.year + 1, 1, 1, tzinfo=tz),
        )
        quota_set = sets.get(municipality.pk)
        if quota_set is None:
            continue
        checks[municipality.pk] = []
        for rule in rules[quota_set.pk]:
            for period in periods_of_year(today.year, rule.period, tz):
                if period.end <= now:
                    name = f"c{len(counts)}"
                    counts[name] = Count(
                        "pk",
                        filter=Q(
                            municipality_id=municipality.pk,
                            kind=rule.kind,
                            starts_at__gte=period.start,
                            starts_at__lt=period.end,
                        ),
                    )
                    checks[municipality.pk].append((name, rule.minimum))
    events = NetworkEvent.objects.filter(municipality_id__in=mids)
    schools = School.objects.filter(municipality_id__in=mids).values_list("pk", "municipality_id")
    if school_ids is not None:
        events = events.filter(school_id__in=list(school_ids))
        schools = schools.filter(pk__in=list(school_ids))
    found = {
        row["school_id"]: row
        for row in events.values("school_id").annotate(year=Count("pk", filter=year_q), **counts).order_by()
    }
    out = {}
    for school_id, mid in schools:
        row = found.get(school_id, {})
        held = row.get("year", 0)
        if mid not in checks:
            out[school_id] = (None, 0, held)
            continue
        missed = sum(1 for name, minimum in checks[mid] if row.get(name, 0) < minimum)
        out[school_id] = (missed == 0, missed, held)
    return out
