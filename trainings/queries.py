"""Read-side aggregates. Every function costs a fixed number of queries, whatever the number of
schools, people, sessions or events (the dashboards of other apps call these)."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
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
