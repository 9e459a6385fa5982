"""Plan pages: make a plan, review it grouped by school, download it, override the safety limit."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infra.links import signed_download
from integrations import planning, queries
from integrations.models import Plan, Provider
from schools.access import get_for
from schools.audit import context_from
from schools.models import PersonalDataAccess
from schools.privacy.access import record_access
from schools.views.decorators import tenant_view


def _to_plan(request, plan):
    return redirect("schools:plan", municipality_slug=request.tenant.municipality.slug, plan_id=plan.pk)


@tenant_view("view_integrations")
def plan_list(request):
    plans = Plan.objects.select_related("created_by")[:20]
    return render(request, "integrations/plan_list.html", {"plans": plans, "providers": Provider.choices})


@require_POST
@tenant_view("manage_integrations")
def plan_create(request, provider):
    try:
        plan = planning.make_plan(context_from(request), provider)
    except planning.NoConnection:
        messages.error(request, _("Connect %(provider)s first.") % {"provider": Provider(provider).label})
        return redirect("schools:connections", municipality_slug=request.tenant.municipality.slug)
    except Exception as error:  # the provider could not be read: say so in plain words
        messages.error(
            request,
            _("The provider could not be read, so no plan was made (%(reason)s).")
            % {"reason": type(error).__name__},
        )
        return redirect("schools:plans", municipality_slug=request.tenant.municipality.slug)
    return _to_plan(request, plan)


@tenant_view("view_integrations")
def plan_detail(request, plan_id):
    plan = get_for(request, Plan.objects.all(), pk=plan_id)
    return render(request, "integrations/plan_detail.html", {"plan": plan, **queries.plan_review(plan)})


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
    response = HttpResponse(queries.plan_csv(plan), content_type="text/csv; charset=utf-8")
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
