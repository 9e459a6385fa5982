"""Home, the municipality overview, schools and the region overview."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from infra.exports import export_response, requested_format
from schools import actions
from schools.access import get_for, user_memberships, user_region_memberships
from schools.audit import context_from
from schools.forms import SchoolForm, edit_from
from schools.models import School
from schools.permissions import require
from schools.views.decorators import query_string, tenant_view


@login_required
def home(request):
    """One membership: straight to it. Several: the municipality switcher."""
    memberships = user_memberships(request.user)
    regions = user_region_memberships(request.user)
    municipalities = list({m.municipality_id: m.municipality for m in memberships}.values())
    if len(municipalities) == 1 and not regions:
        return redirect("schools:overview", municipality_slug=municipalities[0].slug)
    if not municipalities and len(regions) == 1:
        return redirect("region:overview", region_slug=regions[0].region.slug)
    return render(
        request,
        "schools/home.html",
        {"municipalities": municipalities, "regions": [r.region for r in regions]},
    )


@tenant_view("view_schools")
def school_list(request):
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    schools = School.objects.annotate(
        teacher_count=Count("people", filter=Q(people__role="teacher"), distinct=True)
    ).order_by("name")
    if query:
        schools = schools.filter(
            Q(name__icontains=query) | Q(code__icontains=query) | Q(address__icontains=query)
        )
    if kind in School.Kind.values:
        schools = schools.filter(kind=kind)
    fmt = requested_format(request)
    if fmt:
        return export_response(
            fmt,
            "schools",
            [_("Name"), _("Kind"), _("Official code"), _("Address"), _("Phone"), _("E-mail"), _("Teachers")],
            (
                [s.name, s.get_kind_display(), s.code, s.address, s.phone, s.email, s.teacher_count]
                for s in schools
            ),
            title=_("Schools"),
        )
    page = Paginator(schools, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "schools/school_list.html",
        {
            "page": page,
            "query": query,
            "kind": kind,
            "kinds": School.Kind.choices,
            "query_string": query_string(request),
        },
    )


@tenant_view("manage_schools")
def school_create(request):
    form = SchoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        school = actions.save_for_tenant(context_from(request), edit_from(form), audit_action="school")
        messages.success(request, _("The school was added."))
        return redirect(
            "schools:school", municipality_slug=request.tenant.municipality.slug, school_id=school.pk
        )
    return render(request, "schools/school_form.html", {"form": form})


@tenant_view("view_schools")
def school_edit(request, school_id):
    school = get_for(request, School.objects.all(), pk=school_id)
    require(request.tenant, "edit_school", school)
    form = SchoolForm(request.POST or None, instance=school)
    if request.method == "POST" and form.is_valid():
        actions.save_for_tenant(context_from(request), edit_from(form), audit_action="school")
        messages.success(request, _("The school was saved."))
        return redirect(
            "schools:school", municipality_slug=request.tenant.municipality.slug, school_id=school.pk
        )
    return render(request, "schools/school_form.html", {"form": form, "school": school})
