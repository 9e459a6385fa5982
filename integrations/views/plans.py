"""Plan pages: ask for a plan (a worker makes it), follow its progress, review it school by school
and page by page, download it, override the safety limit."""

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infra.links import signed_download
from integrations import planning, queries
from integrations.models import Job, Plan, Provider
from schools.access import get_for
from schools.audit import context_from
from schools.models import PersonalDataAccess
from schools.privacy.access import record_access
from schools.views.decorators import tenant_view

# A worker is making the plan, or checking the provider before applying it: the page waits.
WAITING = (Plan.Status.MAKING, Plan.Status.APPLYING)


def _to_plan(request, plan):
    return redirect("schools:plan", municipality_slug=request.tenant.municipality.slug, plan_id=plan.pk)


@tenant_view("view_integrations")
def plan_list(request):
    plans = Plan.objects.select_related("created_by")[:20]
    return render(request, "integrations/plan_list.html", {"plans": plans, "providers": Provider.choices})


@require_POST
@tenant_view("manage_integrations")
def plan_create(request, provider):
    """A worker makes the plan; its page shows how far it got."""
    try:
        plan = planning.start_plan(context_from(request), provider)
    except planning.NoConnection:
        messages.error(request, _("Connect %(provider)s first.") % {"provider": Provider(provider).label})
        return redirect("schools:connections", municipality_slug=request.tenant.municipality.slug)
    return _to_plan(request, plan)


@tenant_view("view_integrations")
def plan_detail(request, plan_id):
    plan = get_for(request, Plan.objects.select_related("override_by"), pk=plan_id)
    context = {"plan": plan, "failure": planning.failure_message(plan)}
    if plan.status not in (*WAITING, Plan.Status.FAILED):
        context.update(queries.plan_review(plan, request.GET))
    return render(request, "integrations/plan_detail.html", context)


@tenant_view("view_integrations")
def plan_progress(request, plan_id):
    """The htmx fragment polled while a worker makes (or checks) the plan; once it is done, the
    whole page is loaded again (or the job's, once one started)."""
    plan = get_for(request, Plan.objects.all(), pk=plan_id)
    if plan.status in WAITING:
        return render(request, "integrations/_plan_progress.html", {"plan": plan})
    response = HttpResponse("")
    job = Job.objects.filter(plan=plan).first()
    if job is not None and plan.status == Plan.Status.APPLIED:
        slug = request.tenant.municipality.slug
        response["HX-Redirect"] = reverse("schools:job", kwargs={"municipality_slug": slug, "job_id": job.pk})
    else:
        response["HX-Refresh"] = "true"
    return response


@tenant_view("view_integrations")
@signed_download
def plan_download(request, plan_id):
    plan = get_for(request, Plan.objects.all(), pk=plan_id)
    record_access(
        context_from(request),
        PersonalDataAccess.Kind.REPORT,
        count=queries.plan_people(plan),
        detail=f"plan {plan.pk}",
    )
    response = StreamingHttpResponse(queries.plan_csv(plan), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.provider}-{plan.pk}.csv"'
    return response


@require_POST
@tenant_view("manage_integrations")
def plan_override(request, plan_id):
    plan = get_for(request, Plan.objects.all(), pk=plan_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that these accounts should be suspended."))
    else:
        planning.override_safety_limit(context_from(request), plan)
        messages.success(request, _("The safety limit was lifted for this plan; your name is recorded."))
    return _to_plan(request, plan)
