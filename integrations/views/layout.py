"""The account layout (domain, login rule, unit tree) and the logins it gives everyone."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from integrations import actions, queries
from integrations.forms import LayoutForm
from integrations.models import Connection, Layout
from schools.access import get_for
from schools.audit import context_from
from schools.views.decorators import query_string, tenant_view


@tenant_view("manage_integrations")
def layout_edit(request):
    municipality = request.tenant.municipality
    layout = Layout.current(municipality)
    form = LayoutForm(request.POST or None, instance=layout)
    if request.method == "POST" and form.is_valid():
        actions.save_layout(context_from(request), form.values())
        messages.success(request, _("The layout was saved. Existing accounts keep their addresses."))
        return redirect("schools:logins", municipality_slug=municipality.slug)
    return render(
        request,
        "integrations/layout_form.html",
        {"form": form, "layout": layout, "statuses": queries.domain_statuses(layout)},
    )


@tenant_view("view_integrations")
def login_list(request):
    layout = Layout.current(request.tenant.municipality)
    addresses, counts = queries.logins(layout)
    return render(
        request,
        "integrations/login_list.html",
        {
            "layout": layout,
            "page": Paginator(addresses, 100).get_page(request.GET.get("page")),
            "counts": counts,
            "saved": layout.pk is not None,
            "query_string": query_string(request),
        },
    )


@require_POST
@tenant_view("manage_integrations")
def domain_check(request, connection_id):
    connection = get_for(request, Connection.objects.all(), pk=connection_id)
    layout = Layout.objects.first()
    if layout is None:
        messages.error(request, _("Save the account layout first."))
        return redirect("schools:layout", municipality_slug=request.tenant.municipality.slug)
    status = actions.check_domain(context_from(request), connection, layout)
    if status["verified"]:
        messages.success(request, _("%(domain)s is verified.") % {"domain": layout.domain})
    else:
        messages.warning(request, _("%(domain)s is not verified yet.") % {"domain": layout.domain})
    return redirect("schools:layout", municipality_slug=request.tenant.municipality.slug)
