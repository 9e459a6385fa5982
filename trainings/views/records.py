"""External certifications and targets; network events; quota sets and the schools × periods matrix."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infra.exports import export_response, requested_format
from infra.links import refuse_unsigned
from schools.access import get_for
from schools.actions import delete_for_tenant
from schools.audit import context_from
from schools.forms import edit_from
from schools.models import PersonalDataAccess, School
from schools.permissions import has_perm
from schools.privacy.access import record_access
from schools.roles import Role
from schools.views.decorators import query_string
from trainings import actions, queries
from trainings.forms import (
    CertificationForm,
    EventForm,
    QuotaRuleFormSet,
    QuotaSetForm,
    TargetsForm,
    rules_from,
)
from trainings.models import (
    CertificationTarget,
    EventKindChoices,
    ExternalCertification,
    NetworkEvent,
    QuotaSet,
)
from trainings.views.base import training_view


def _slug(request) -> str:
    return request.tenant.municipality.slug


def _director_schools(request):
    """None for an officer (every school); the director's own schools otherwise."""
    return None if Role.OFFICER in request.tenant.roles else request.tenant.school_ids


# --- External certifications ----------------------------------------------------------------------


@training_view("view_certifications")
def certification_list(request):
    kind = request.GET.get("kind", "")
    certifications = ExternalCertification.objects.select_related("person").order_by("-obtained_on", "-pk")
    if kind in ExternalCertification.Kind.values:
        certifications = certifications.filter(kind=kind)
    if not request.tenant.roles & {Role.OFFICER, Role.TRAINER, Role.COORDINATOR}:
        # A director reads the certifications of her own schools' people only.
        certifications = certifications.filter(person__schools__pk__in=request.tenant.school_ids).distinct()
    fmt = requested_format(request)
    if fmt:
        if (refusal := refuse_unsigned(request)) is not None:
            return refusal
        record_access(
            context_from(request),
            PersonalDataAccess.Kind.REPORT,
            count=certifications.count(),
            detail=f"certifications.{fmt}",
        )
        return export_response(
            fmt,
            "certifications",
            [_("Person"), _("Certification"), _("Obtained"), _("Expires"), _("Evidence (link)")],
            (
                [
                    c.person.full_name,
                    c.custom_name or c.get_kind_display(),
                    c.obtained_on,
                    c.expires_on,
                    c.evidence_url,
                ]
                for c in certifications
            ),
            title=_("Certifications"),
        )
    page = Paginator(certifications, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "trainings/certification_list.html",
        {
            "page": page,
            "kind": kind,
            "kinds": ExternalCertification.Kind.choices,
            "progress": queries.certification_progress(),
            "today": timezone.localdate(),
            "query_string": query_string(request),
        },
    )


def _certification_form(request, instance=None):
    if has_perm(request.tenant, "manage_certifications"):
        return CertificationForm(
            request.POST or None, instance=instance, school_ids=_director_schools(request)
        )
    me = queries.person_for(request.user)
    if me is None:
        raise Http404
    return CertificationForm(request.POST or None, instance=instance, own_person=me)


@training_view("view_trainings")
def certification_edit(request, certification_id=None):
    certification = (
        get_for(request, ExternalCertification.objects.select_related("person"), pk=certification_id)
        if certification_id
        else None
    )
    if certification is not None and not has_perm(request.tenant, "manage_certifications"):
        if certification.person.user_id != request.user.pk:
            raise Http404
    form = _certification_form(request, certification)
    if (
        certification is not None
        and not form.fields["person"].queryset.filter(pk=certification.person_id).exists()
    ):
        raise Http404  # a director edits only the certifications of their own schools' people
    if request.method == "POST" and form.is_valid():
        actions.save_certification(context_from(request), edit_from(form))
        messages.success(request, _("The certification was saved."))
        if has_perm(request.tenant, "view_certifications"):
            return redirect("schools:certifications", municipality_slug=_slug(request))
        return redirect("schools:my_trainings", municipality_slug=_slug(request))
    return render(
        request, "trainings/certification_form.html", {"form": form, "certification": certification}
    )


@require_POST
@training_view("manage_certifications")
def certification_delete(request, certification_id):
    certification = get_for(request, ExternalCertification.objects.all(), pk=certification_id)
    schools = _director_schools(request)
    if schools is not None and not certification.person.schools.filter(pk__in=list(schools)).exists():
        raise Http404
    delete_for_tenant(context_from(request), certification, audit_action="certification")
    messages.success(request, _("The certification was removed."))
    return redirect("schools:certifications", municipality_slug=_slug(request))


@training_view("manage_certification_targets")
def certification_targets(request):
    current = {t.audience: t for t in CertificationTarget.objects.all()}
    initial = {}
    for audience, target in current.items():
        initial[audience] = target.target
        initial[f"{audience}_deadline"] = target.deadline
    form = TargetsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actions.save_targets(context_from(request), form.values())
        messages.success(request, _("The targets were saved."))
        return redirect("schools:certifications", municipality_slug=_slug(request))
    return render(request, "trainings/targets_form.html", {"form": form})


# --- Network events ---------------------------------------------------------------------------------


@training_view("view_events")
def event_list(request):
    kind = request.GET.get("kind", "")
    school_id = request.GET.get("school", "")
    events = NetworkEvent.objects.select_related("school").order_by("-starts_at")
    if kind in EventKindChoices.values:
        events = events.filter(kind=kind)
    if school_id.isdigit():
        events = events.filter(school_id=int(school_id))
    fmt = requested_format(request)
    if fmt:
        return export_response(
            fmt,
            "events",
            [_("Title"), _("Kind"), _("Organising school"), _("Starts"), _("Participants"), _("Link")],
            (
                [
                    e.title,
                    e.get_kind_display(),
                    e.school.name,
                    timezone.localtime(e.starts_at).strftime("%Y-%m-%d %H:%M"),
                    e.participants,
                    e.link,
                ]
                for e in events
            ),
            title=_("Network events"),
        )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    schools = _director_schools(request)
    for event in page:
        event.editable = has_perm(request.tenant, "edit_event", event)
    return render(
        request,
        "trainings/event_list.html",
        {
            "page": page,
            "kind": kind,
            "school_id": school_id,
            "kinds": EventKindChoices.choices,
            "schools": School.objects.order_by("name").only("pk", "name"),
            "can_add": has_perm(request.tenant, "manage_events") and (schools is None or bool(schools)),
            "query_string": query_string(request),
        },
    )


@training_view("manage_events")
def event_edit(request, event_id=None):
    event = get_for(request, NetworkEvent.objects.all(), "edit_event", pk=event_id) if event_id else None
    form = EventForm(request.POST or None, instance=event, school_ids=_director_schools(request))
    if request.method == "POST" and form.is_valid():
        actions.save_event(context_from(request), edit_from(form))
        messages.success(request, _("The event was saved."))
        return redirect("schools:events", municipality_slug=_slug(request))
    return render(request, "trainings/event_form.html", {"form": form, "event": event})


@require_POST
@training_view("manage_events")
def event_delete(request, event_id):
    event = get_for(request, NetworkEvent.objects.all(), "edit_event", pk=event_id)
    delete_for_tenant(context_from(request), event, audit_action="network_event")
    messages.success(request, _("The event was removed."))
    return redirect("schools:events", municipality_slug=_slug(request))


# --- Quotas -----------------------------------------------------------------------------------------


@training_view("view_events")
def quota_matrix(request):
    municipality = request.tenant.municipality
    sets = list(QuotaSet.objects.all())
    chosen = request.GET.get("set", "")
    quota_set = next((s for s in sets if str(s.pk) == chosen), None) or (sets[0] if sets else None)
    now = timezone.now()
    this_year = timezone.localtime(now).year
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else this_year
    tables = queries.quota_matrix(municipality, quota_set, year, now) if quota_set else []
    return render(
        request,
        "trainings/quota_matrix.html",
        {
            "sets": sets,
            "quota_set": quota_set,
            "year": year,
            "years": range(this_year - 3, this_year + 2),
            "tables": tables,
        },
    )


@training_view("manage_quotas")
def quota_set_edit(request, quota_set_id=None):
    quota_set = get_for(request, QuotaSet.objects.all(), pk=quota_set_id) if quota_set_id else None
    form = QuotaSetForm(request.POST or None, instance=quota_set)
    initial = (
        [{"kind": r.kind, "minimum": r.minimum, "period": r.period} for r in quota_set.rules.all()]
        if quota_set
        else []
    )
    initial += [{}] * 3
    formset = QuotaRuleFormSet(request.POST or None, initial=initial, prefix="rules")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        saved = actions.save_quota_set(context_from(request), edit_from(form), rules_from(formset))
        messages.success(request, _("The quotas were saved."))
        return redirect(f"{reverse('schools:quota_matrix', args=[_slug(request)])}?set={saved.pk}")
    return render(
        request, "trainings/quota_set_form.html", {"form": form, "formset": formset, "quota_set": quota_set}
    )
