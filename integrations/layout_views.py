"""The account layout (domain, login rule, unit tree) and the logins it gives everyone."""

import re

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from integrations.logins import assign_addresses
from integrations.models import Connection, Layout
from integrations.providers import client_for
from schools.access import get_for
from schools.audit import form_changes, log_action
from schools.forms import style_fields
from schools.models import Person, on_roster
from schools.views.decorators import query_string, tenant_view

DOMAIN = r"(?i)^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"


class LayoutForm(forms.ModelForm):
    domain = forms.RegexField(
        regex=DOMAIN,
        label=_("Domain for accounts"),
        error_messages={"invalid": _("Enter a domain like school.example.org.")},
    )

    class Meta:
        model = Layout
        fields = [
            "domain",
            "per_school_subdomains",
            "login_pattern",
            "name_language",
            "ou_root",
            "teachers_group",
            "directors_group",
            "school_groups",
            "microsoft_group_type",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields)

    def clean_domain(self):
        return self.cleaned_data["domain"].lower()

    def _group(self, name):
        value = self.cleaned_data[name].strip().lower()
        if value and not re.fullmatch(r"[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?", value):
            raise forms.ValidationError(_("Use Latin letters, digits, dots, hyphens and underscores."))
        return value

    def clean_teachers_group(self):
        return self._group("teachers_group")

    def clean_directors_group(self):
        return self._group("directors_group")

    def clean_ou_root(self):
        value = "/" + self.cleaned_data["ou_root"].strip().strip("/")
        return value if value != "/" else "/"


def default_layout(municipality) -> Layout:
    language = municipality.language if municipality.language in ("bg", "ru", "uk") else "pl"
    return Layout(
        municipality=municipality, domain=f"{municipality.slug}.edu.example", name_language=language
    )


@tenant_view("manage_integrations")
def layout_edit(request):
    municipality = request.tenant.municipality
    layout = Layout.objects.filter().first() or default_layout(municipality)
    form = LayoutForm(request.POST or None, instance=layout)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save(commit=False)
            saved.municipality = municipality
            saved.save()
            log_action("layout.update", obj=saved, changes=form_changes(form), request=request)
        messages.success(request, _("The layout was saved. Existing accounts keep their addresses."))
        return redirect("schools:logins", municipality_slug=municipality.slug)
    connections = list(Connection.objects.all())
    statuses = [(c, layout.domain_status.get(c.provider, {})) for c in connections]
    return render(
        request, "integrations/layout_form.html", {"form": form, "layout": layout, "statuses": statuses}
    )


@tenant_view("view_integrations")
def login_list(request):
    layout = Layout.objects.first() or default_layout(request.tenant.municipality)
    people = list(Person.objects.filter(on_roster()).exclude(role="student").prefetch_related("schools"))
    addresses = assign_addresses(
        people, domain=layout.domain_for, pattern=layout.login_pattern, language=layout.name_language
    )
    addresses.sort(key=lambda a: (a.person.last_name, a.person.first_name))
    page = Paginator(addresses, 100).get_page(request.GET.get("page"))
    counts = {
        source: sum(1 for a in addresses if a.source == source) for source in ("existing", "manual", "rule")
    }
    counts["numbered"] = sum(1 for a in addresses if a.numbered)
    counts["conflicts"] = sum(1 for a in addresses if a.conflict)
    return render(
        request,
        "integrations/login_list.html",
        {
            "layout": layout,
            "page": page,
            "counts": counts,
            "saved": layout.pk is not None,
            "query_string": query_string(request),
        },
    )


@require_POST
@tenant_view("manage_integrations")
def domain_check(request, connection_id):
    """Add the layout's domain at one provider (when missing) and record whether it is verified."""
    connection = get_for(request, Connection.objects.all(), pk=connection_id)
    layout = Layout.objects.first()
    if layout is None:
        messages.error(request, _("Save the account layout first."))
        return redirect("schools:layout", municipality_slug=request.tenant.municipality.slug)
    client = client_for(connection)
    try:
        status = client.domain_status(layout.domain, add=True).as_json()
    except Exception as error:  # the provider's answer, in plain words where we have them
        status = {"added": False, "verified": False, "records": [], "message": str(error)[:300]}
    finally:
        client.close()
    status["checked_at"] = timezone.now().isoformat()
    with transaction.atomic():
        statuses = {**layout.domain_status, connection.provider: status}
        Layout.objects.filter(pk=layout.pk).update(domain_status=statuses)
        log_action(
            "layout.domain_check",
            obj=layout,
            changes={"provider": connection.provider, "verified": status["verified"]},
            request=request,
        )
    if status["verified"]:
        messages.success(request, _("%(domain)s is verified.") % {"domain": layout.domain})
    else:
        messages.warning(request, _("%(domain)s is not verified yet.") % {"domain": layout.domain})
    return redirect("schools:layout", municipality_slug=request.tenant.municipality.slug)
