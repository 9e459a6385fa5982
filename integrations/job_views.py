"""Applying a plan: start, watch (htmx progress), pause, resume, cancel."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from integrations import engine
from integrations.models import Job, JobItem, Plan
from integrations.plan_views import OP_LABELS
from schools.access import get_for
from schools.audit import log_action
from schools.views.decorators import tenant_view


@require_POST
@tenant_view("manage_integrations")
def plan_apply(request, plan_id):
    plan = get_for(request, Plan.objects.all(), pk=plan_id)
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


def _context(job):
    failed = [
        {"label": OP_LABELS.get(item.op, item.op), "key": item.key, "error": item.error}
        for item in JobItem.objects.filter(job=job, status=JobItem.Status.FAILED).order_by("seq")[:200]
    ]
    return {"job": job, "progress": engine.progress(job), "failed": failed, "workers": _workers()}


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
                from integrations.tasks import work_job

                work_job.delay(job.pk, job.municipality_id)
    return redirect("schools:job", municipality_slug=request.tenant.municipality.slug, job_id=job.pk)


@tenant_view("view_integrations")
def job_report(request, job_id):
    """Every item of the job with its outcome, as CSV (formula cells neutralised)."""
    import csv
    import io

    from django.http import HttpResponse

    from integrations.plan_actions import safe_cell

    job = get_for(request, Job.objects.all(), pk=job_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["operation", "object", "school", "status", "outcome", "attempts", "error"])
    for item in JobItem.objects.filter(job=job).order_by("seq").iterator():
        writer.writerow(
            [
                safe_cell(v)
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
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="job-{job.provider}-{job.pk}.csv"'
    return response
