"""The municipality overview, a school's page and the region overview: the dashboards where the
role may see them, the roster figures otherwise."""

from django.core.paginator import Paginator
from django.shortcuts import render

from reporting.views.dashboard import municipal_dashboard, region_dashboard, school_context
from schools import queries
from schools.access import get_for
from schools.models import School
from schools.permissions import has_perm
from schools.roles import Role
from schools.views.decorators import tenant_view


@tenant_view("view_municipality")
def overview(request):
    """The officer's dashboard for those who may see it; the roster figures for the others."""
    if has_perm(request.tenant, "view_dashboard"):
        return municipal_dashboard(request)
    municipality = request.tenant.municipality
    role_names = [label for value, label in Role.choices if value in request.tenant.roles]
    return render(
        request,
        "schools/overview.html",
        {"stats": queries.municipality_stats(municipality), "role_names": role_names},
    )


@tenant_view("view_schools")
def school_detail(request, school_id):
    school = get_for(request, School.objects.all(), pk=school_id)
    people = school.people.order_by("role", "last_name", "first_name")
    page = Paginator(people, 100).get_page(request.GET.get("page"))
    directors = school.memberships.select_related("user")
    return render(
        request,
        "schools/school_detail.html",
        {
            "school": school,
            "page": page,
            "directors": directors,
            "can_edit": has_perm(request.tenant, "edit_school", school),
            **school_context(request, school),
        },
    )


@tenant_view("view_region")
def region_overview(request):
    """The regional dashboard: the region's municipalities side by side."""
    return region_dashboard(request)
