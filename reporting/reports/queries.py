"""Which reports a page lists. Municipal reports come through the tenant scope like every row;
the region's own reports have no municipality, so they are read here, by region, for the
region's pages only (the middleware has checked that the reader coordinates that region)."""

from __future__ import annotations

from django_scopes import scopes_disabled

from rollout.models import Report


def municipal_reports():
    return Report.objects.filter(kind=Report.Kind.COUNCIL).select_related("created_by")


def region_reports(region):
    """ESCAPE HATCH: the regional reports of one region (they belong to no municipality)."""
    with scopes_disabled():
        return list(
            Report.objects.filter(kind=Report.Kind.REGIONAL, region=region).select_related("created_by")
        )


def region_report(region, pk: int) -> Report | None:
    """ESCAPE HATCH: one regional report of this region, or None (the page answers 404)."""
    with scopes_disabled():
        return Report.objects.filter(kind=Report.Kind.REGIONAL, region=region, pk=pk).first()
