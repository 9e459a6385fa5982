"""Provider connections of a municipality."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from integrations import actions, queries
from integrations.forms import GoogleConnectionForm, MicrosoftConnectionForm
from integrations.models import Connection, Provider
from schools.access import get_for
from schools.audit import context_from
from schools.views.decorators import tenant_view

FORMS = {Provider.GOOGLE: GoogleConnectionForm, Provider.MICROSOFT: MicrosoftConnectionForm}


def _back(request):
    return redirect("schools:connections", municipality_slug=request.tenant.municipality.slug)


def _tested(request, ctx, connection):
    result = actions.test_connection(ctx, connection)
    (messages.success if result.ok else messages.error)(request, result.message)
    return _back(request)


@tenant_view("view_integrations")
def connection_list(request):
    return render(request, "integrations/connection_list.html", {"cards": queries.connection_cards()})


# Error reports show these fields as stars (the secrets typed or pasted into the form).
@sensitive_post_parameters("key_text", "client_secret", "certificate")
@tenant_view("manage_integrations")
def connection_edit(request, provider):
    existing = Connection.objects.filter(provider=provider).first()
    form = FORMS[provider](request.POST or None, request.FILES or None, instance=existing)
    if request.method == "POST" and form.is_valid():
        actions.save_connection(
            context_from(request), provider, form.values(), secret=form.cleaned_data.get("secret", "")
        )
        messages.success(request, _("The connection was saved. Test it to see whether it works."))
        return _back(request)
    return render(
        request,
        "integrations/connection_form.html",
        {
            "form": form,
            "provider": provider,
            "provider_label": Provider(provider).label,
            "connection": existing,
        },
    )


@require_POST
@tenant_view("manage_integrations")
def connection_test(request, connection_id):
    connection = get_for(request, Connection.objects.all(), pk=connection_id)
    return _tested(request, context_from(request), connection)


@require_POST
@tenant_view("manage_integrations")
def connection_delete(request, connection_id):
    connection = get_for(request, Connection.objects.all(), pk=connection_id)
    actions.delete_connection(context_from(request), connection)
    messages.success(request, _("The connection was removed; its secret is deleted."))
    return _back(request)


@require_POST
@tenant_view("manage_integrations")
def connection_sandbox(request, provider):
    ctx = context_from(request)
    try:
        connection = actions.connect_sandbox(ctx, provider)
    except actions.SandboxUnavailable:
        messages.error(request, _("The sandbox is not running. `make run` starts it; then try again."))
        return _back(request)
    except actions.RealConnectionExists:
        messages.error(
            request, _("This municipality is connected to its real tenant: remove that connection first.")
        )
        return _back(request)
    return _tested(request, ctx, connection)
