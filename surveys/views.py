"""Survey pages: thin views that parse input, check access, call one action, and redirect."""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.formats import time_format
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infra.exports import export_response
from infra.links import signed_download
from infra.numbers import int_param
from infra.uploads import ALLOWED_EXTENSIONS
from schools.access import get_for
from schools.audit import context_from
from schools.models import Membership
from schools.permissions import has_perm
from schools.roles import Role
from schools.views.decorators import tenant_view
from surveys import actions, export, pdf, queries, scoring
from surveys.forms import LaunchForm, PilotGroupForm, SurveyForm, TeacherForm
from surveys.models import Campaign, Evidence, Response, TeacherLink


def _campaigns(request):
    return Campaign.objects.select_related("template", "teacher_template", "municipality")


def _response(request, response_id, perm="answer_survey"):
    response = get_for(
        request,
        Response.objects.select_related(
            "school", "campaign", "campaign__template", "campaign__teacher_template", "campaign__municipality"
        ),
        pk=response_id,
    )
    if not (has_perm(request.tenant, perm, response) or has_perm(request.tenant, "view_survey_results")):
        raise PermissionDenied
    return response


@tenant_view("view_surveys")
def survey_index(request):
    ctx = request.tenant
    campaigns = []
    if has_perm(ctx, "view_survey_results"):
        campaigns = list(
            _campaigns(request)
            .annotate(
                total=Count("responses"),
                submitted=Count("responses", filter=Q(responses__status=Response.Status.SUBMITTED)),
            )
            .order_by("-created_at")
        )
    own = list(queries.director_responses(ctx.school_ids)) if Role.DIRECTOR in ctx.roles else []
    groups = list(queries.pilot_groups(ctx.municipality)) if has_perm(ctx, "view_survey_results") else []
    return render(request, "surveys/index.html", {"campaigns": campaigns, "own": own, "pilot_groups": groups})


@tenant_view("manage_surveys")
def campaign_create(request):
    form = LaunchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        campaign = actions.launch_campaign(
            context_from(request),
            template=data["template"],
            name=data["name"],
            deadline=data["deadline"],
            schools=data["schools"],
        )
        messages.success(
            request,
            _("The survey was sent to %(n)s schools; their directors get an e-mail.")
            % {"n": len(data["schools"])},
        )
        return redirect(
            "schools:survey_campaign",
            municipality_slug=request.tenant.municipality.slug,
            campaign_id=campaign.pk,
        )
    return render(request, "surveys/campaign_form.html", {"form": form})


@tenant_view("view_survey_results")
def campaign_detail(request, campaign_id):
    campaign = get_for(request, _campaigns(request), pk=campaign_id)
    results = queries.campaign_results(campaign)
    group = request.GET.get("group", "")
    group = group if group in scoring.CRITERION_GROUPS else ""
    status = request.GET.get("status", "")
    status = status if status in Response.Status.values else ""
    criterion = request.GET.get("criterion", "")
    min_score = int_param(request.GET.get("min_score"), maximum=100)
    rows = queries.filter_results(results, status=status, fails=criterion, min_score=min_score)
    columns = queries.criteria_columns(campaign, group)
    ranked = sorted((r for r in results if r.rank), key=lambda r: r.rank)
    counts = {s: sum(r.response.status == s for r in results) for s in Response.Status.values}
    # Schools whose director is not in the portal get no e-mail: the officer should know.
    with_director = set(
        Membership.objects.filter(role=Role.DIRECTOR, user__is_active=True).values_list("schools", flat=True)
    )
    form = PilotGroupForm(
        campaign=campaign,
        initial={
            "name": _("Pilot group: %(name)s") % {"name": campaign.name},
            "schools": [r.school for r in ranked[:3]],
        },
    )
    return render(
        request,
        "surveys/campaign_detail.html",
        {
            "campaign": campaign,
            "rows": [
                {"result": r, "cells": _cells(r, columns), "no_director": r.school.pk not in with_director}
                for r in rows
            ],
            "columns": columns,
            "ranked": ranked,
            "counts": counts,
            "groups": scoring.CRITERION_GROUPS,
            "statuses": Response.Status.choices,
            "all_columns": queries.criteria_columns(campaign),
            "filters": {"group": group, "status": status, "criterion": criterion, "min_score": min_score},
            "pilot_form": form,
            "pilot_groups": [
                g for g in queries.pilot_groups(request.tenant.municipality) if g.campaign_id == campaign.pk
            ],
            "min_teachers": scoring.MIN_TEACHER_RESPONSES,
            "has_previous": any(r.previous_score is not None for r in results),
        },
    )


def _cells(result, columns):
    by_key = result.evaluation.by_key() if result.evaluation else {}
    return [by_key.get(column["key"]) for column in columns]


@tenant_view("view_survey_results")
@signed_download
def campaign_export(request, campaign_id, fmt):
    campaign = get_for(request, _campaigns(request), pk=campaign_id)
    rows = export.table(campaign, queries.campaign_results(campaign))
    response = export_response(
        fmt, slugify(campaign.name) or f"campaign-{campaign.pk}", rows[0], rows[1:], title=campaign.name
    )
    return response


@require_POST
@tenant_view("manage_surveys")
def campaign_status(request, campaign_id):
    campaign = get_for(request, _campaigns(request), pk=campaign_id)
    status = request.POST.get("status", "")
    if status in Campaign.Status.values:
        actions.set_campaign_status(context_from(request), campaign, status)
        if status == Campaign.Status.CLOSED:
            messages.success(
                request, _("The campaign is closed: schools can no longer answer, and no reminders go out.")
            )
        else:
            messages.success(request, _("The campaign is open again."))
    return redirect(
        "schools:survey_campaign", municipality_slug=request.tenant.municipality.slug, campaign_id=campaign.pk
    )


@require_POST
@tenant_view("manage_surveys")
def pilot_group_create(request, campaign_id):
    campaign = get_for(request, _campaigns(request), pk=campaign_id)
    form = PilotGroupForm(request.POST, campaign=campaign)
    if form.is_valid():
        group = actions.create_pilot_group(
            context_from(request),
            name=form.cleaned_data["name"],
            campaign=campaign,
            schools=list(form.cleaned_data["schools"]),
        )
        messages.success(
            request,
            _("The pilot group “%(name)s” now has %(n)s schools.")
            % {"name": group.name, "n": group.schools.count()},
        )
    else:
        messages.error(request, _("Give the pilot group a name and choose at least one school."))
    return redirect(
        "schools:survey_campaign", municipality_slug=request.tenant.municipality.slug, campaign_id=campaign.pk
    )


def _answer_page(request, response, form):
    campaign = response.campaign
    stats = queries.teacher_stats(campaign).get(response.school_id, scoring.TeacherStats())
    evaluation = None
    if response.status == Response.Status.SUBMITTED and campaign.template.has_criteria:
        evaluation = scoring.evaluate(campaign.template.definition, response.answers, stats)
    can_answer = (
        has_perm(request.tenant, "answer_survey", response) and campaign.status == Campaign.Status.OPEN
    )
    links = TeacherLink.objects.filter(campaign=campaign, school=response.school)
    return render(
        request,
        "surveys/response.html",
        {
            "response": response,
            "campaign": campaign,
            "form": form,
            "editable": can_answer and response.status != Response.Status.SUBMITTED,
            "can_answer": can_answer,
            "evaluation": evaluation,
            "teachers": stats,
            "min_teachers": scoring.MIN_TEACHER_RESPONSES,
            "sections": queries.answered_sections(campaign.template.definition, response.answers),
            "side_by_side": queries.side_by_side(campaign, response),
            "evidence": list(response.evidence.all()),
            "teacher_links": {"total": links.count(), "used": links.exclude(used_at=None).count()},
        },
    )


@tenant_view("view_surveys")
def response_detail(request, response_id):
    response = _response(request, response_id)
    definition = response.campaign.template.definition
    if request.method == "POST":
        if not has_perm(request.tenant, "answer_survey", response):
            raise PermissionDenied
        if response.campaign.status != Campaign.Status.OPEN:
            messages.error(request, _("This campaign is closed: answers can no longer be changed."))
            return redirect(request.path)
        if response.status == Response.Status.SUBMITTED:
            messages.error(request, _("This survey was already submitted; the officer can reopen it."))
            return redirect(request.path)
        submitting = "submit" in request.POST
        form = SurveyForm(
            definition, request.POST, request.FILES, answers=response.answers, submitting=submitting
        )
        ctx = context_from(request)
        if form.is_valid():
            for key, upload in request.FILES.items():
                if key in form.by_key and form.by_key[key]["type"] == "file":
                    if upload.size > actions.MAX_EVIDENCE_BYTES:
                        form.add_error(key, _("The file is larger than 10 MB."))
                        return _answer_page(request, response, form)
                    if os.path.splitext(upload.name)[1].lower() not in ALLOWED_EXTENSIONS:
                        form.add_error(key, _("This kind of file is not accepted here."))
                        return _answer_page(request, response, form)
                    actions.add_evidence(ctx, response, key, upload)
            if submitting and form.check_complete(response.answers):
                actions.submit_response(ctx, response, form.answers)
                messages.success(request, _("Thank you: the survey was submitted."))
                return redirect(request.path)
            response = actions.save_draft(ctx, response, form.answers)
            if not submitting:
                messages.success(request, _("Your answers were saved as a draft."))
                return redirect(request.path)
        else:
            response = actions.save_draft(ctx, response, form.parsed())  # keep what fits
        return _answer_page(request, response, form)
    form = SurveyForm(definition, answers=response.answers)
    return _answer_page(request, response, form)


@require_POST
@tenant_view("view_surveys")
def response_autosave(request, response_id):
    """htmx: the draft saved while the director types (files only with the form's save buttons)."""
    response = _response(request, response_id)
    if not has_perm(request.tenant, "answer_survey", response):
        raise PermissionDenied
    form = SurveyForm(response.campaign.template.definition, request.POST)
    try:
        saved = actions.save_draft(context_from(request), response, form.parsed())
    except actions.NotAllowed:
        return HttpResponse(_("Submitted or closed: not saved."), status=409)
    local = timezone.localtime(saved.updated_at)
    return HttpResponse(_("Draft saved at %(time)s.") % {"time": time_format(local, "H:i")})


@require_POST
@tenant_view("manage_surveys")
def response_reopen(request, response_id):
    response = _response(request, response_id)
    if response.status == Response.Status.SUBMITTED:
        actions.reopen_response(context_from(request), response)
        messages.success(
            request, _("The survey of %(school)s is open again.") % {"school": response.school.name}
        )
    return redirect(
        "schools:survey_response", municipality_slug=request.tenant.municipality.slug, response_id=response.pk
    )


@tenant_view("view_surveys")
@signed_download
def response_report(request, response_id):
    response = _response(request, response_id)
    content = pdf.render_report(response)
    result = HttpResponse(content, content_type="application/pdf")
    name = slugify(f"{response.school.name}-{response.campaign.name}") or f"report-{response.pk}"
    result["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return result


@tenant_view("view_surveys")
def response_teachers(request, response_id):
    """Personal links for the school's teachers and managers: created, e-mailed, listed for handing out."""
    response = _response(request, response_id)
    campaign = response.campaign
    if campaign.teacher_template is None:
        raise Http404
    # The school (or the officer) hands the links out; a regional coordinator sees only who answered.
    hands_out = has_perm(request.tenant, "answer_survey", response)
    can_create = hands_out and campaign.status == Campaign.Status.OPEN
    if request.method == "POST":
        if not can_create:
            raise PermissionDenied
        made = actions.create_teacher_links(context_from(request), campaign, response.school)
        messages.success(
            request, _("%(n)s new personal links; those with an e-mail address get theirs.") % {"n": made}
        )
        return redirect(request.path)
    links = TeacherLink.objects.filter(campaign=campaign, school=response.school).select_related("person")
    rows = [
        {
            "person": link.person,
            "url": request.build_absolute_uri(f"/t/{actions.teacher_link_token(link)}/") if hands_out else "",
            "sent_at": link.sent_at,
            "used": link.used_at is not None,
        }
        for link in links.order_by("person__last_name", "person__first_name")
    ]
    return render(
        request,
        "surveys/teacher_links.html",
        {"response": response, "campaign": campaign, "rows": rows, "can_create": can_create},
    )


@tenant_view("view_surveys")
@signed_download
def evidence_download(request, survey_file_id):
    evidence = get_for(
        request, Evidence.objects.select_related("response", "response__school"), pk=survey_file_id
    )
    _response(request, evidence.response_id)
    with evidence.file.open("rb") as handle:  # evidence is small (10 MB at most)
        content = handle.read()
    result = HttpResponse(content, content_type="application/octet-stream")
    result["Content-Disposition"] = content_disposition_header(True, evidence.name)
    return result


# --- Public: a teacher's personal link (no account needed) -------------------------------------
def teacher_assessment(request, token):
    link = actions.teacher_link_from_token(token)
    if link is None or link.campaign.teacher_template is None:
        raise Http404
    # The school's language, unless the teacher chose another one on the page.
    chosen = request.GET.get("lang", "")
    language = chosen if chosen in dict(settings.LANGUAGES) else link.municipality.language
    translation.activate(language)
    request.LANGUAGE_CODE = language
    definition = link.campaign.teacher_template.definition
    done = link.used_at is not None
    form = None
    if not done:
        form = TeacherForm(definition, request.POST or None, submitting=request.method == "POST")
        if request.method == "POST" and form.is_valid() and form.check_complete({}):
            if actions.submit_teacher_response(link, form.answers):
                return render(request, "surveys/teacher_done.html", {"link": link, "just_now": True})
            done = True
    if done:
        return render(request, "surveys/teacher_done.html", {"link": link, "just_now": False})
    return render(
        request,
        "surveys/teacher_form.html",
        {"link": link, "form": form, "template": link.campaign.teacher_template},
    )
