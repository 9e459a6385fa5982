"""Programmes: the list, starting one from a template, the board by stage, the timeline."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rollout import queries
from rollout.actions import programmes as actions
from rollout.actions.tasks import refresh_facts
from rollout.forms import ActivityForm, ProgrammeForm, ProgrammeFromTemplateForm, SaveTemplateForm, StageForm
from rollout.models import Activity, Programme, ProgrammeTemplate, Stage
from rollout.programme_templates import SHIPPED, count_activities, text
from rollout.views.common import to, today
from schools.access import get_for
from schools.actions import delete_for_tenant
from schools.audit import context_from
from schools.forms import edit_from
from schools.permissions import has_perm
from schools.views.decorators import tenant_view


@tenant_view("view_programmes")
def programme_list(request):
    language = request.LANGUAGE_CODE
    shipped = [
        {
            "key": key,
            "name": text(t["name"], language),
            "description": text(t["description"], language),
            "languages": t["languages"],
            "stages": len(t["stages"]),
            "activities": count_activities(t),
        }
        for key, t in SHIPPED.items()
    ]
    return render(
        request,
        "rollout/programme_list.html",
        {
            "summaries": queries.programme_summaries(today(request)),
            "shipped": shipped,
            "own_templates": ProgrammeTemplate.objects.order_by("name"),
        },
    )


@tenant_view("manage_programmes")
def programme_create(request):
    municipality = request.tenant.municipality
    key = request.GET.get("template", "")
    languages = (SHIPPED[key]["languages"] if key in SHIPPED else None) or [municipality.language]
    initial = {
        "template": key,
        # The municipality's language when the template has it, else the template's own.
        "language": municipality.language if municipality.language in languages else languages[0],
        "starts_on": today(request),
        "coverage": Programme.Coverage.ALL,
    }
    form = ProgrammeFromTemplateForm(
        request.POST or None, initial=initial, municipality=municipality, language=request.LANGUAGE_CODE
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        programme = actions.create_programme(
            context_from(request),
            data["template_data"],
            language=data["language"],
            starts_on=data["starts_on"],
            coverage=data["coverage"],
            schools=data.get("schools") or [],
            pilot_group_id=data.get("pilot_group_id"),
            name=data.get("name", ""),
        )
        messages.success(request, _("The programme was created."))
        return to("programme", request, programme_id=programme.pk)
    return render(request, "rollout/programme_create.html", {"form": form})


@tenant_view("view_programmes")
def programme_board(request, programme_id):
    programme = get_for(request, Programme.objects.all(), pk=programme_id)
    refresh_facts(programme)
    day = today(request)
    columns = queries.board(programme, day)
    return render(
        request,
        "rollout/programme_board.html",
        {
            "programme": programme,
            "columns": columns,
            "today": day,
            "school_count": queries.covered_schools(programme).count(),
            "template_form": SaveTemplateForm(initial={"name": programme.name}),
        },
    )


@tenant_view("manage_programmes")
def programme_edit(request, programme_id):
    programme = get_for(request, Programme.objects.all(), pk=programme_id)
    form = ProgrammeForm(request.POST or None, instance=programme, municipality=request.tenant.municipality)
    if request.method == "POST" and form.is_valid():
        actions.save_programme(context_from(request), edit_from(form))
        messages.success(request, _("The programme was saved."))
        return to("programme", request, programme_id=programme.pk)
    return render(
        request, "rollout/form.html", {"form": form, "programme": programme, "title": programme.name}
    )


@tenant_view("view_programmes")
def programme_timeline(request, programme_id):
    programme = get_for(request, Programme.objects.all(), pk=programme_id)
    zoom = "quarter" if request.GET.get("zoom") == "quarter" else "month"
    day = today(request)
    return render(
        request,
        "rollout/timeline.html",
        {"programme": programme, "timeline": queries.timeline(programme, day, zoom), "today": day},
    )


@require_POST
@tenant_view("manage_programmes")
def programme_save_template(request, programme_id):
    programme = get_for(request, Programme.objects.all(), pk=programme_id)
    form = SaveTemplateForm(request.POST)
    if form.is_valid():
        actions.save_as_template(context_from(request), programme, form.cleaned_data["name"])
        messages.success(request, _("Saved as a template."))
    else:
        messages.error(request, _("Give the template a name."))
    return to("programme", request, programme_id=programme.pk)


@tenant_view("manage_programmes")
def stage_create(request, programme_id):
    programme = get_for(request, Programme.objects.all(), pk=programme_id)
    form = StageForm(
        request.POST or None, initial={"starts_on": programme.starts_on, "ends_on": programme.ends_on}
    )
    if request.method == "POST" and form.is_valid():
        actions.save_stage(context_from(request), edit_from(form), programme)
        return to("programme", request, programme_id=programme.pk)
    return render(
        request, "rollout/form.html", {"form": form, "programme": programme, "title": _("New stage")}
    )


@tenant_view("manage_programmes")
def stage_edit(request, stage_id):
    stage = get_for(request, Stage.objects.select_related("programme"), pk=stage_id)
    form = StageForm(request.POST or None, instance=stage)
    if request.method == "POST" and form.is_valid():
        actions.save_stage(context_from(request), edit_from(form), stage.programme)
        return to("programme", request, programme_id=stage.programme_id)
    return render(
        request, "rollout/form.html", {"form": form, "programme": stage.programme, "title": stage.name}
    )


@tenant_view("manage_programmes")
def activity_create(request, programme_id):
    programme = get_for(request, Programme.objects.all(), pk=programme_id)
    form = ActivityForm(
        request.POST or None, programme=programme, initial={"stage": request.GET.get("stage")}
    )
    if request.method == "POST" and form.is_valid():
        actions.save_activity(context_from(request), edit_from(form), programme)
        messages.success(request, _("The activity was added."))
        return to("programme", request, programme_id=programme.pk)
    return render(
        request, "rollout/form.html", {"form": form, "programme": programme, "title": _("New activity")}
    )


@tenant_view("view_programmes")
def activity_detail(request, activity_id):
    activity = get_for(
        request,
        Activity.objects.select_related("programme", "stage").prefetch_related("responsible_users"),
        pk=activity_id,
    )
    day = today(request)
    rows = queries.activity_rows(activity.programme, day, with_tasks=True)
    row = next(r for r in rows if r.activity.pk == activity.pk)
    return render(request, "rollout/activity_detail.html", {"activity": activity, "row": row, "today": day})


@tenant_view("view_programmes")
def activity_edit(request, activity_id):
    activity = get_for(request, Activity.objects.select_related("programme"), pk=activity_id)
    if not has_perm(request.tenant, "manage_programmes"):
        raise PermissionDenied
    form = ActivityForm(request.POST or None, instance=activity, programme=activity.programme)
    if request.method == "POST" and form.is_valid():
        actions.save_activity(context_from(request), edit_from(form), activity.programme)
        messages.success(request, _("The activity was saved."))
        return to("activity", request, activity_id=activity.pk)
    return render(
        request, "rollout/form.html", {"form": form, "programme": activity.programme, "title": activity.title}
    )


@require_POST
@tenant_view("manage_programmes")
def activity_delete(request, activity_id):
    activity = get_for(request, Activity.objects.all(), pk=activity_id)
    programme_id = activity.programme_id
    delete_for_tenant(context_from(request), activity, audit_action="activity")
    messages.success(request, _("The activity was removed."))
    return to("programme", request, programme_id=programme_id)
