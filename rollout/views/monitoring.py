"""Monitoring snapshots: the municipality's and the region's (read-only for coordinators)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infra.exports import export_response, requested_format
from rollout import queries
from rollout.actions.monitoring import take_snapshots
from rollout.models import Programme, Snapshot
from rollout.views.common import to
from schools.access import get_for
from schools.audit import context_from
from schools.permissions import has_perm
from schools.views.decorators import tenant_view


def _periods(snapshots) -> list[dict]:
    groups: dict = {}
    for snap in snapshots:
        key = (snap.municipality_id, snap.programme_id, snap.period)
        groups.setdefault(
            key,
            {
                "programme": snap.programme,
                "municipality": snap.municipality,
                "period": snap.period,
                "rows": [],
            },
        )
        groups[key]["rows"].append(snap)
    return list(groups.values())


@tenant_view("view_monitoring")
def snapshot_list(request):
    snapshots = Snapshot.objects.select_related("school", "programme", "municipality").order_by(
        "programme__name", "-taken_on", "school__name"
    )
    fmt = requested_format(request)
    if fmt:
        return _export(fmt, "snapshots", snapshots)
    return render(
        request,
        "rollout/snapshots.html",
        {
            "periods": _periods(snapshots),
            "programmes": Programme.objects.order_by("name"),
            "can_take": has_perm(request.tenant, "manage_programmes"),
        },
    )


@require_POST
@tenant_view("manage_programmes")
def snapshot_take(request, programme_id):
    programme = get_for(request, Programme.objects.all(), pk=programme_id)
    count = take_snapshots(context_from(request), programme)
    if count:
        messages.success(request, _("The indicators of %(count)s schools were frozen.") % {"count": count})
    else:
        messages.info(request, _("This period's snapshot was already taken."))
    return to("snapshots", request)


def _export(fmt, filename, snapshots):
    header = [
        _("Municipality"),
        _("Programme"),
        _("Period"),
        _("Taken"),
        _("School"),
        _("Stage"),
        _("Tasks done"),
        _("Tasks"),
        _("Teachers"),
        _("Teacher accounts"),
        _("Trained teachers"),
        _("Events held"),
    ]
    rows = (
        [
            s.municipality.name,
            s.programme.name,
            s.period,
            s.taken_on,
            s.school.name,
            s.stage_name,
            s.tasks_done,
            s.tasks_total,
            s.teachers,
            s.accounts,
            s.trained_teachers,
            s.events_held,
        ]
        for s in snapshots
    )
    return export_response(fmt, filename, header, rows, title=_("Monitoring snapshots"))


@tenant_view("view_region")
def region_snapshots(request):
    fmt = requested_format(request)
    if fmt:
        return _export(
            fmt, f"{request.tenant.region.slug}-snapshots", queries.region_snapshots(request.tenant.region)
        )
    return render(
        request,
        "rollout/snapshots.html",
        {"periods": _periods(queries.region_snapshots(request.tenant.region)), "in_region": True},
    )
