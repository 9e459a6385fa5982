"""Monitoring snapshots: every covered school's indicators frozen once per period."""

from __future__ import annotations

from django.db import transaction

from rollout.models import Programme, Snapshot
from rollout.queries import covered_schools, indicators, period_label, previous_period, today_for
from schools.audit import ActionContext, record


@transaction.atomic
def take_snapshots(ctx: ActionContext, programme: Programme, *, now=None, previous: bool = False) -> int:
    """Freeze every covered school's indicators for the current period, or with ``previous`` for
    the period that ended last (what the daily beat task does). Once per school and period."""
    today = today_for(programme.municipality, now)
    period = period_label(today, programme.snapshot_months)
    if previous:
        period = previous_period(today, programme.snapshot_months)
        if (
            period is None
            or programme.starts_on > today
            or period_label(programme.starts_on, programme.snapshot_months) > period
        ):
            return 0  # the programme had not started in the period that ended
    schools = list(covered_schools(programme))
    taken = set(
        Snapshot.objects.filter(programme=programme, period=period).values_list("school_id", flat=True)
    )
    missing = [s for s in schools if s.pk not in taken]
    if not missing:
        return 0
    values = indicators(programme, missing, today)
    Snapshot.objects.bulk_create(
        [
            Snapshot(
                programme=programme,
                municipality=programme.municipality,
                school=school,
                period=period,
                taken_on=today,
                **values[school.pk],
            )
            for school in missing
        ]
    )
    record(ctx, "snapshot.create", programme, {"period": period, "schools": len(missing)})
    return len(missing)
