"""Report pages: ``/m/<slug>/reports/`` (the council report) and ``/r/<slug>/reports/`` (the
region's quarterly monitoring report). Requesting is one action; building happens in a worker;
the page polls the row with htmx; downloads are served by the view and audited."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from infra.links import signed_download
from reporting.reports import actions, periods, queries
from reporting.reports.build import now_in
from rollout.models import Report
from rollout.views.common import serve_file
from schools.access import get_for
from schools.audit import context_from
from schools.permissions import has_perm, require
from schools.views.decorators import tenant_view


class ReportForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("Period"))

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = periods.choices(today)
        self.fields["period"].widget.attrs["class"] = "form-select"


def _owner(request):
    return request.tenant.municipality or request.tenant.region


def _url(request, name: str, **kwargs):
    if request.tenant.municipality is not None:
        return redirect(f"schools:{name}", municipality_slug=request.tenant.municipality.slug, **kwargs)
    return redirect(f"region:{name}", region_slug=request.tenant.region.slug, **kwargs)


def _report(request, report_id: int) -> Report:
    if request.tenant.municipality is not None:
        return get_for(request, queries.municipal_reports(), pk=report_id)
    report = queries.region_report(request.tenant.region, report_id)
    if report is None:
        raise Http404
    return report


def _list(request, reports, can_request: bool):
    form = ReportForm(request.POST or None, today=now_in(_owner(request)))
    if request.method == "POST":
        if not can_request:
            require(request.tenant, "request_reports")
        if form.is_valid():
            report = actions.request_report(
                context_from(request), period=form.cleaned_data["period"], region=request.tenant.region
            )
            messages.success(request, _("The report is being built; this page shows how far it is."))
            return _url(request, "report", report_id=report.pk)
    return render(
        request,
        "reporting/reports/list.html",
        {"reports": reports, "form": form, "can_request": can_request, "in_region": request.tenant.region},
    )


@tenant_view("view_reports")
def report_list(request):
    return _list(request, queries.municipal_reports(), has_perm(request.tenant, "request_reports"))


@tenant_view("view_region")
def region_report_list(request):
    return _list(request, queries.region_reports(request.tenant.region), True)


def _detail(request, report_id, template):
    report = _report(request, report_id)
    return render(request, template, {"report": report, "in_region": request.tenant.region})


@tenant_view("view_reports")
def report_detail(request, report_id):
    return _detail(request, report_id, "reporting/reports/detail.html")


@tenant_view("view_region")
def region_report_detail(request, report_id):
    return _detail(request, report_id, "reporting/reports/detail.html")


@tenant_view("view_reports")
def report_progress(request, report_id):
    return _detail(request, report_id, "reporting/reports/_progress.html")


@tenant_view("view_region")
def region_report_progress(request, report_id):
    return _detail(request, report_id, "reporting/reports/_progress.html")


def _download(request, report_id):
    report = _report(request, report_id)
    if report.status != Report.Status.DONE:
        raise Http404
    response = serve_file(report.file)
    actions.log_download(context_from(request), report)
    return response


@tenant_view("view_reports")
@signed_download
def report_file(request, report_id):
    return _download(request, report_id)


@tenant_view("view_region")
@signed_download
def region_report_file(request, report_id):
    return _download(request, report_id)
