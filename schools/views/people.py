"""The people roster of a municipality."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infra.exports import export_response, requested_format
from infra.links import refuse_unsigned
from infra.numbers import int_param
from schools import actions
from schools.access import get_for
from schools.audit import context_from, record
from schools.forms import PersonForm, edit_from
from schools.models import Person, PersonalDataAccess, School
from schools.permissions import has_perm, require
from schools.privacy.access import record_access
from schools.roles import PersonRole, Role
from schools.views.decorators import query_string, tenant_view


def _director_only(request) -> bool:
    """A director (without a municipal role) manages only the people of their schools."""
    return not has_perm(request.tenant, "manage_people") and Role.DIRECTOR in request.tenant.roles


@tenant_view("view_people")
def person_list(request):
    query = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    school_id = request.GET.get("school", "")
    people = Person.objects.prefetch_related("schools").order_by("last_name", "first_name")
    if query:
        for word in query.split():
            people = people.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(middle_name__icontains=word)
                | Q(personal_email__icontains=word)
            )
    if role in PersonRole.values:
        people = people.filter(role=role)
    if _director_only(request):  # a director reads the people of her own schools only
        people = people.filter(schools__pk__in=request.tenant.school_ids).distinct()
    if (school := int_param(school_id)) is not None:
        people = people.filter(schools__pk=school)
    fmt = requested_format(request)
    if fmt:
        if (refusal := refuse_unsigned(request)) is not None:
            return refusal
        ctx = context_from(request)
        record_access(ctx, PersonalDataAccess.Kind.REPORT, count=people.count(), detail=f"people.{fmt}")
        record(ctx, "people.export", None, {"format": fmt, "role": role, "school": school_id})
        return export_response(
            fmt,
            "people",
            [_("Name"), _("Role"), _("Schools"), _("Account address")],
            (
                [
                    p.full_name,
                    p.get_role_display(),
                    ", ".join(s.name for s in p.schools.all()),
                    p.account_email,
                ]
                for p in people
            ),
            title=_("People"),
        )
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    record_access(
        context_from(request),
        PersonalDataAccess.Kind.PEOPLE_LIST,
        count=len(page.object_list),
        # The filters, not the search words (they may be a name).
        detail=" ".join(
            part
            for part in (f"role={role}" if role else "", f"school={school_id}" if school_id else "")
            + (("search",) if query else ())
            if part
        ),
    )
    return render(
        request,
        "schools/person_list.html",
        {
            "page": page,
            "query": query,
            "role": role,
            "school_id": school_id,
            "roles": PersonRole.choices,
            "schools": School.objects.order_by("name").only("pk", "name"),
            "can_add": has_perm(request.tenant, "add_person"),
            "query_string": query_string(request),
        },
    )


def _person_form(request, person=None):
    allowed = sorted(request.tenant.school_ids) if _director_only(request) else None
    return PersonForm(request.POST or None, instance=person, allowed_school_ids=allowed)


@tenant_view("view_people")
def person_create(request):
    require(request.tenant, "add_person")
    form = _person_form(request)
    if request.method == "POST" and form.is_valid():
        actions.save_for_tenant(context_from(request), edit_from(form), audit_action="person")
        messages.success(request, _("The person was added to the roster."))
        return redirect("schools:people", municipality_slug=request.tenant.municipality.slug)
    return render(request, "schools/person_form.html", {"form": form})


@tenant_view("view_people")
def person_edit(request, person_id):
    person = get_for(request, Person.objects.prefetch_related("schools"), "edit_person", pk=person_id)
    if person.is_erased:
        messages.info(request, _("This person's data was erased; the pseudonym cannot be edited."))
        return redirect("schools:people", municipality_slug=request.tenant.municipality.slug)
    form = _person_form(request, person)
    if request.method == "GET":
        record_access(context_from(request), PersonalDataAccess.Kind.PERSON, person=person)
    if request.method == "POST" and form.is_valid():
        actions.save_for_tenant(context_from(request), edit_from(form), audit_action="person")
        messages.success(request, _("The person was saved."))
        return redirect("schools:people", municipality_slug=request.tenant.municipality.slug)
    return render(request, "schools/person_form.html", {"form": form, "person": person})


@require_POST
@tenant_view("view_people")
def person_delete(request, person_id):
    """ "Remove from the roster": the person leaves today, or loses only a director's schools."""
    person = get_for(request, Person.objects.prefetch_related("schools"), "edit_person", pk=person_id)
    school_ids = sorted(request.tenant.school_ids) if _director_only(request) else None
    outcome = actions.remove_from_roster(context_from(request), person, school_ids=school_ids)
    if outcome == "unlinked":
        messages.success(request, _("The person was removed from your schools; other schools keep them."))
    else:
        messages.success(
            request, _("The person was marked as having left today; their accounts will be suspended.")
        )
    return redirect("schools:people", municipality_slug=request.tenant.municipality.slug)
