"""Roster import pages: upload → review with the column mapping and every row's problems → import."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from integrations.models import RosterImport
from integrations.roster import actions
from integrations.roster.forms import FIELD_LABELS, MappingForm, UploadForm
from integrations.roster.readers import RosterFileError
from schools.access import get_for
from schools.audit import context_from
from schools.views.decorators import tenant_view

PREVIEW_ROWS = 50


@tenant_view("manage_people")
def roster_upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            roster_import = actions.upload(context_from(request), form.cleaned_data["file"])
        except RosterFileError as error:
            form.add_error("file", str(error))
        else:
            return redirect(
                "schools:roster_review",
                municipality_slug=request.tenant.municipality.slug,
                import_id=roster_import.pk,
            )
    recent = RosterImport.objects.select_related("uploaded_by")[:10]
    return render(request, "integrations/roster_upload.html", {"form": form, "recent": recent})


@tenant_view("manage_people")
def roster_review(request, import_id):
    roster_import = get_for(request, RosterImport.objects.all(), pk=import_id)
    headers = roster_import.table.get("headers", [])
    initial = {name: "" if col is None else str(col) for name, col in roster_import.mapping.items()}
    form = MappingForm(request.POST or None, headers=headers, initial=initial)
    mapping = form.mapping() if request.method == "POST" and form.is_valid() else roster_import.mapping
    if request.method == "POST" and form.is_valid() and "apply" in request.POST:
        try:
            result = actions.apply(
                context_from(request), roster_import, mapping, only_valid=form.cleaned_data["only_valid"]
            )
        except actions.ImportRefused:
            messages.error(
                request,
                _("Nothing was imported: correct the rows below, or choose to import only the valid rows."),
            )
        except ValueError:
            messages.error(request, _("This import was already applied or discarded."))
        else:
            messages.success(
                request, _("%(created)s people imported, %(skipped)s already on the roster.") % result
            )
            return redirect("schools:people", municipality_slug=request.tenant.municipality.slug)
    checked = (
        actions.check(roster_import, mapping) if roster_import.status == RosterImport.Status.PREVIEW else None
    )
    return render(
        request,
        "integrations/roster_review.html",
        {
            "roster_import": roster_import,
            "form": form,
            "checked": checked,
            "preview": checked.rows[:PREVIEW_ROWS] if checked else [],
            "field_labels": FIELD_LABELS,
            "missing_labels": [FIELD_LABELS[name] for name in (checked.missing_columns if checked else [])],
        },
    )


@require_POST
@tenant_view("manage_people")
def roster_discard(request, import_id):
    roster_import = get_for(request, RosterImport.objects.all(), pk=import_id)
    actions.discard(context_from(request), roster_import)
    messages.success(request, _("The uploaded file was discarded."))
    return redirect("schools:roster_upload", municipality_slug=request.tenant.municipality.slug)
