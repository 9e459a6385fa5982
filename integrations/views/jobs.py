"""Applying a plan: start, watch (htmx progress), pause, resume, cancel; the report and the slips."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infra.links import signed_download
from integrations import actions, queries, slips
from integrations.models import Job, Plan
from integrations.provisioning import jobs
from schools.access import get_for
from schools.audit import context_from
from schools.models import PersonalDataAccess, School
from schools.permissions import has_perm
from schools.privacy.access import record_access
from schools.views.decorators import tenant_view


@require_POST
@tenant_view("manage_integrations")
def plan_apply(request, plan_id):
    """A worker reads the provider again and starts the job; the plan's page waits for it."""
    plan = get_for(request, Plan.objects.all(), pk=plan_id)
    try:
        jobs.request_apply(context_from(request), plan)
    except jobs.PlanNotReady:
        messages.error(
            request,
            _("Only a plan that is ready (not stopped by the safety limit, not applied) can be applied."),
        )
    return redirect("schools:plan", municipality_slug=request.tenant.municipality.slug, plan_id=plan.pk)


@tenant_view("view_integrations")
def job_detail(request, job_id):
    job = get_for(request, Job.objects.select_related("plan", "created_by"), pk=job_id)
    failed_only = request.GET.get("show") == "failed"
    return render(
        request,
        "integrations/job_detail.html",
        {
            **queries.job_page(job),
            **queries.job_items_page(job, request.GET.get("page"), failed_only=failed_only),
            "failed_only": failed_only,
            "query_string": "show=failed" if failed_only else "",
        },
    )


@tenant_view("view_integrations")
def job_progress(request, job_id):
    job = get_for(request, Job.objects.all(), pk=job_id)
    return render(request, "integrations/_job_progress.html", queries.job_page(job))


@require_POST
@tenant_view("manage_integrations")
def job_control(request, job_id):
    job = get_for(request, Job.objects.all(), pk=job_id)
    jobs.control(context_from(request), job, request.POST.get("action", ""))
    return redirect("schools:job", municipality_slug=request.tenant.municipality.slug, job_id=job.pk)


@tenant_view("view_integrations")
@signed_download
def job_report(request, job_id):
    """Every item of the job with its outcome, as CSV (formula cells neutralised)."""
    job = get_for(request, Job.objects.all(), pk=job_id)
    report = queries.job_csv(job)
    record_access(
        context_from(request),
        PersonalDataAccess.Kind.REPORT,
        count=queries.job_people(job),
        detail=f"job {job.pk} report",
    )
    response = HttpResponse(report, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="job-{job.provider}-{job.pk}.csv"'
    return response


@tenant_view("view_schools")
@signed_download
def job_slips(request, job_id):
    """The credential slips of a job as PDF, for one school (?school=…) or all; every download audited.

    IT admins get every school's; a director gets the slips of the schools they lead."""
    job = get_for(request, Job.objects.select_related("municipality"), pk=job_id)
    school = request.GET.get("school")
    of_schools = None
    if not has_perm(request.tenant, "manage_integrations"):
        led = set(School.objects.filter(pk__in=request.tenant.school_ids).values_list("name", flat=True))
        if school is None or school not in led:
            raise PermissionDenied
        of_schools = sorted(request.tenant.school_ids)  # the people she leads, not a name's
    entries = slips.slips_for(job, school, of_schools=of_schools)
    pdf = slips.render_pdf(job, entries)
    actions.slips_downloaded(context_from(request), job, school, len(entries))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="slips-{job.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
