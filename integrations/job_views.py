"""Applying a plan: start, watch (htmx progress), pause, resume, cancel."""

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infra.links import signed_download
from integrations import engine, operations
from integrations.models import Job, JobItem, Plan
from schools.access import get_for
from schools.audit import log_action
from schools.models import PersonalDataAccess
from schools.privacy.access import record_access
from schools.views.decorators import tenant_view


@require_POST
@tenant_view("manage_integrations")
def plan_apply(request, plan_id):
    plan = get_for(request, Plan.objects.all(), pk=plan_id)
    try:
        engine.check_unchanged(plan)
    except engine.PlanChanged:
        messages.error(
            request,
            _(
                "Something changed at the provider since this plan was made, so it was not applied. "
                "Make a new plan."
            ),
        )
        return redirect("schools:plan", municipality_slug=request.tenant.municipality.slug, plan_id=plan.pk)
    except Exception as error:  # the provider could not be read to compare: say so, apply nothing
        messages.error(
            request,
            _("The provider could not be read, so the plan was not applied; try again (%(reason)s).")
            % {"reason": type(error).__name__},
        )
        return redirect("schools:plan", municipality_slug=request.tenant.municipality.slug, plan_id=plan.pk)
    try:
        job = engine.start_job(plan, actor=request.user, request=request)
    except ValueError:
        messages.error(
            request,
            _("Only a plan that is ready (not stopped by the safety limit, not applied) can be applied."),
        )
        return redirect("schools:plan", municipality_slug=request.tenant.municipality.slug, plan_id=plan.pk)
    return redirect("schools:job", municipality_slug=request.tenant.municipality.slug, job_id=job.pk)


def _workers() -> dict:
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from schools.models import WorkerHeartbeat

    fresh = timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS)
    return {"alive": WorkerHeartbeat.objects.filter(last_seen__gte=fresh).count()}


def _slip_schools(job) -> list[tuple[str, int]]:
    from django.db.models import Count

    rows = (
        JobItem.objects.filter(job=job, op="create_user", outcome="created")
        .exclude(secret_ciphertext="")
        .values("school")
        .annotate(n=Count("id"))
        .order_by("school")
    )
    return [(row["school"], row["n"]) for row in rows]


def _context(job):
    failed = [
        {"label": operations.label(item.op), "key": item.key, "error": item.error}
        for item in JobItem.objects.filter(job=job, status=JobItem.Status.FAILED).order_by("seq")[:200]
    ]
    progress = engine.progress(job)
    return {
        "job": job,
        "progress": progress,
        "pace": engine.pace(job, progress["remaining"]) if job.status == Job.Status.RUNNING else None,
        "failed": failed,
        "workers": _workers(),
        "slip_schools": _slip_schools(job),
        "retention_days": settings.CREDENTIAL_RETENTION_DAYS,
    }


@tenant_view("view_integrations")
def job_detail(request, job_id):
    job = get_for(request, Job.objects.select_related("plan", "created_by"), pk=job_id)
    return render(request, "integrations/job_detail.html", _context(job))


@tenant_view("view_integrations")
def job_progress(request, job_id):
    job = get_for(request, Job.objects.all(), pk=job_id)
    return render(request, "integrations/_job_progress.html", _context(job))


@require_POST
@tenant_view("manage_integrations")
def job_control(request, job_id):
    job = get_for(request, Job.objects.all(), pk=job_id)
    action = request.POST.get("action")
    transitions = {
        "pause": ([Job.Status.QUEUED, Job.Status.RUNNING], Job.Status.PAUSED),
        "resume": ([Job.Status.PAUSED], Job.Status.RUNNING),
        "cancel": ([Job.Status.QUEUED, Job.Status.RUNNING, Job.Status.PAUSED], Job.Status.CANCELLED),
    }
    if action in transitions:
        allowed, target = transitions[action]
        if Job.objects.filter(pk=job.pk, status__in=allowed).update(status=target):
            log_action(f"job.{action}", obj=job, request=request)
            if action == "resume":
                transaction.on_commit(lambda: engine.enqueue_work(job))
    return redirect("schools:job", municipality_slug=request.tenant.municipality.slug, job_id=job.pk)


@tenant_view("view_integrations")
@signed_download
def job_report(request, job_id):
    """Every item of the job with its outcome, as CSV (formula cells neutralised)."""
    import csv
    import io

    from django.http import HttpResponse

    from infra.exports import neutralise

    job = get_for(request, Job.objects.all(), pk=job_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["operation", "object", "school", "status", "outcome", "attempts", "error"])
    for item in JobItem.objects.filter(job=job).order_by("seq").iterator():
        writer.writerow(
            [
                neutralise(v)
                for v in (
                    item.op,
                    item.key,
                    item.school,
                    item.status,
                    item.outcome,
                    item.attempts,
                    item.error,
                )
            ]
        )
    record_access(
        request,
        PersonalDataAccess.Kind.REPORT,
        count=JobItem.objects.filter(job=job, op__endswith="_user").count(),
        detail=f"job {job.pk} report",
    )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="job-{job.provider}-{job.pk}.csv"'
    return response


@tenant_view("view_schools")
@signed_download
def job_slips(request, job_id):
    """The credential slips of a job as PDF, for one school (?school=…) or all; every download audited.

    IT admins get every school's; a director gets the slips of the schools they lead."""
    from django.core.exceptions import PermissionDenied
    from django.http import HttpResponse

    from integrations import slips
    from schools.models import School
    from schools.permissions import has_perm

    job = get_for(request, Job.objects.select_related("municipality"), pk=job_id)
    school = request.GET.get("school")
    if not has_perm(request.tenant, "manage_integrations"):
        led = set(School.objects.filter(pk__in=request.tenant.school_ids).values_list("name", flat=True))
        if school is None or school not in led:
            raise PermissionDenied
    entries = slips.slips_for(job, school)
    pdf = slips.render_pdf(job, entries)
    log_action(
        "job.slips_download",
        obj=job,
        changes={"school": school or "", "slips": len(entries)},
        request=request,
    )
    record_access(
        request, PersonalDataAccess.Kind.SLIPS, count=len(entries), detail=f"job {job.pk} {school or ''}"
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="slips-{job.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
