"""Roster import pages: upload → the check's progress → review (counts, the column mapping, the
rows with problems and the people leaving, page by page) → import in the worker.

Every page reads counters and one page of staging rows, so it answers as fast for a file of
220,000 rows as for one of 20."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from integrations.models import RosterImport, RosterImportRow
from integrations.roster import actions
from integrations.roster.forms import FIELD_LABELS, MappingForm, UploadForm
from integrations.roster.readers import RosterFileError
from integrations.roster.staging import leaving_people
from schools.access import get_for
from schools.audit import context_from
from schools.views.decorators import tenant_view

PAGE_ROWS = 50


@tenant_view("manage_people")
def roster_upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            roster_import = actions.upload(context_from(request), form.cleaned_data["file"])
        except RosterFileError as error:
            form.add_error("file", str(error))
        else:
            return _review(request, roster_import)
    recent = RosterImport.objects.select_related("uploaded_by")[:10]
    return render(request, "integrations/roster_upload.html", {"form": form, "recent": recent})


def _review(request, roster_import):
    return redirect(
        "schools:roster_review",
        municipality_slug=request.tenant.municipality.slug,
        import_id=roster_import.pk,
    )


@tenant_view("manage_people")
def roster_review(request, import_id):
    roster_import = get_for(request, RosterImport.objects.all(), pk=import_id)
    initial = {name: "" if col is None else str(col) for name, col in roster_import.mapping.items()}
    initial["mark_leaving"] = roster_import.mark_leaving
    form = MappingForm(request.POST or None, headers=roster_import.headers, initial=initial)
    if request.method == "POST" and form.is_valid():
        ctx = context_from(request)
        try:
            if "apply" in request.POST:
                actions.confirm(
                    ctx,
                    roster_import,
                    only_valid=form.cleaned_data["only_valid"],
                    mark_leaving=form.cleaned_data["mark_leaving"],
                )
                messages.success(request, _("The import has started; this page shows when it is done."))
            else:
                actions.recheck(ctx, roster_import, form.mapping())
        except actions.ImportRefused:
            messages.error(
                request,
                _("Nothing was imported: correct the rows below, or choose to import only the valid rows."),
            )
        except actions.ImportBusy:
            messages.error(request, _("This import is running, or was already applied or discarded."))
        else:
            return _review(request, roster_import)
    counts = roster_import.counts
    problems = Paginator(
        RosterImportRow.objects.filter(roster_import=roster_import, ok=False).order_by("line"), PAGE_ROWS
    ).get_page(request.GET.get("page"))
    leaving = None
    if counts.get("leaving"):
        leaving = Paginator(
            leaving_people(roster_import, counts["covered"]).order_by("last_name", "first_name", "pk"),
            PAGE_ROWS,
        ).get_page(request.GET.get("leaving"))
    return render(
        request,
        "integrations/roster_review.html",
        {
            "roster_import": roster_import,
            "form": form,
            "counts": counts,
            "problems": problems if counts.get("errors") else None,
            "leaving": leaving,
            "preview": RosterImportRow.objects.filter(roster_import=roster_import).order_by("line")[:10],
            "field_labels": FIELD_LABELS,
            "missing_labels": [FIELD_LABELS[name] for name in counts.get("missing_columns", [])],
            "can_confirm": roster_import.status in (RosterImport.Status.PREVIEW, RosterImport.Status.FAILED)
            and "rows" in counts,
            "stalled": actions.stalled(roster_import),
        },
    )


def _page(queryset, count: int, number):
    """A page of ``queryset``, whose size the check has already counted (no COUNT over the
    staging rows or the roster on every view)."""
    paginator = Paginator(queryset, PAGE_ROWS)
    paginator.count = count  # a cached_property: set, it is not computed
    return paginator.get_page(number)


@tenant_view("manage_people")
def roster_progress(request, import_id):
    """The progress box, polled every two seconds by htmx; once the work is done the page reloads."""
    roster_import = get_for(request, RosterImport.objects.all(), pk=import_id)
    if not roster_import.busy and request.htmx:
        return HttpResponseClientRefresh()
    context = {"roster_import": roster_import, "stalled": actions.stalled(roster_import)}
    return render(request, "integrations/_roster_progress.html", context)


@require_POST
@tenant_view("manage_people")
def roster_discard(request, import_id):
    roster_import = get_for(request, RosterImport.objects.all(), pk=import_id)
    try:
        actions.discard(context_from(request), roster_import)
    except actions.ImportBusy:
        messages.error(request, _("This import is running, or was already applied or discarded."))
        return _review(request, roster_import)
    messages.success(request, _("The uploaded file was discarded."))
    return redirect("schools:roster_upload", municipality_slug=request.tenant.municipality.slug)
