"""Budget, the document library and partnership agreements."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infra.links import signed_download
from rollout import queries
from rollout.actions.agreements import save_review
from rollout.forms import (
    AgreementForm,
    BudgetLineForm,
    LibraryDocumentForm,
    PartyForm,
    PlanItemForm,
    ReviewForm,
)
from rollout.models import Agreement, BudgetLine, LibraryDocument
from rollout.views.common import serve_file, to
from schools.access import get_for
from schools.actions import delete_for_tenant, save_for_tenant
from schools.audit import context_from
from schools.forms import edit_from
from schools.permissions import has_perm, require
from schools.views.decorators import tenant_view

# --- Budget -----------------------------------------------------------------------------------


@tenant_view("view_budget")
def budget(request):
    lines = BudgetLine.objects.select_related("programme").order_by("year", "line")
    years = queries.budget_years(lines)
    return render(
        request,
        "rollout/budget.html",
        {
            "years": years,
            "planned": sum(y["planned"] for y in years),
            "actual": sum(y["actual"] for y in years),
            "currency": request.tenant.municipality.currency,
            "can_edit": has_perm(request.tenant, "manage_budget"),
        },
    )


def _budget_form(request, line=None):
    form = BudgetLineForm(request.POST or None, request.FILES or None, instance=line)
    if request.method == "POST" and form.is_valid():
        save_for_tenant(context_from(request), edit_from(form), audit_action="budget_line")
        messages.success(request, _("The budget line was saved."))
        return to("budget", request), form
    return None, form


@tenant_view("manage_budget")
def budget_create(request):
    done, form = _budget_form(request)
    return done or render(
        request, "rollout/form.html", {"form": form, "title": _("New budget line"), "upload": True}
    )


@tenant_view("manage_budget")
def budget_edit(request, budget_line_id):
    line = get_for(request, BudgetLine.objects.all(), pk=budget_line_id)
    done, form = _budget_form(request, line)
    return done or render(request, "rollout/form.html", {"form": form, "title": str(line), "upload": True})


@tenant_view("view_budget")
@signed_download
def budget_file(request, budget_line_id):
    return serve_file(get_for(request, BudgetLine.objects.all(), pk=budget_line_id).document)


# --- Library ----------------------------------------------------------------------------------


@tenant_view("view_library")
def library(request):
    municipality = request.tenant.municipality
    return render(
        request,
        "rollout/library.html",
        {
            "documents": LibraryDocument.objects.order_by("category", "title"),
            "shared": queries.shared_documents(municipality),
            "can_edit": has_perm(request.tenant, "manage_library"),
        },
    )


@tenant_view("manage_library")
def library_create(request):
    form = LibraryDocumentForm(
        request.POST or None,
        request.FILES or None,
        initial={"language": request.tenant.municipality.language},
    )
    if request.method == "POST" and form.is_valid():
        ctx, edit = context_from(request), edit_from(form)
        save_for_tenant(ctx, edit, audit_action="library_document", creator_field="uploaded_by")
        messages.success(request, _("The document was added to the library."))
        return to("library", request)
    return render(request, "rollout/form.html", {"form": form, "title": _("New document"), "upload": True})


@tenant_view("view_library")
@signed_download
def library_file(request, document_id):
    document = LibraryDocument.objects.filter(pk=document_id).first()
    if document is None:  # another municipality's document is readable only if it shares it
        document = queries.shared_document(request.tenant.municipality, document_id)
    if document is None:
        return serve_file(None)
    return serve_file(document.file)


@require_POST
@tenant_view("manage_library")
def library_delete(request, document_id):
    document = get_for(request, LibraryDocument.objects.all(), pk=document_id)
    delete_for_tenant(context_from(request), document, audit_action="library_document")
    messages.success(request, _("The document was removed."))
    return to("library", request)


# --- Agreements -------------------------------------------------------------------------------


@tenant_view("view_agreements")
def agreement_list(request):
    agreements = Agreement.objects.select_related("programme").prefetch_related("parties__school")
    return render(
        request,
        "rollout/agreement_list.html",
        {"agreements": agreements, "can_edit": has_perm(request.tenant, "manage_agreements")},
    )


@tenant_view("manage_agreements")
def agreement_create(request):
    form = AgreementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        agreement = save_for_tenant(context_from(request), edit_from(form), audit_action="agreement")
        return to("agreement", request, agreement_id=agreement.pk)
    return render(request, "rollout/form.html", {"form": form, "title": _("New agreement"), "upload": True})


@tenant_view("view_agreements")
def agreement_detail(request, agreement_id):
    agreement = get_for(request, Agreement.objects.select_related("programme"), pk=agreement_id)
    plan = agreement.plan_items.order_by("year", "pk")
    return render(
        request,
        "rollout/agreement_detail.html",
        {
            "agreement": agreement,
            "parties": agreement.parties.select_related("school"),
            "plan": plan,
            "reviews": agreement.reviews.order_by("year"),
            "can_edit": has_perm(request.tenant, "manage_agreements"),
            "party_form": PartyForm(),
            "plan_form": PlanItemForm(),
            "review_form": ReviewForm(),
        },
    )


@tenant_view("manage_agreements")
def agreement_edit(request, agreement_id):
    agreement = get_for(request, Agreement.objects.all(), pk=agreement_id)
    form = AgreementForm(request.POST or None, request.FILES or None, instance=agreement)
    if request.method == "POST" and form.is_valid():
        save_for_tenant(context_from(request), edit_from(form), audit_action="agreement")
        return to("agreement", request, agreement_id=agreement.pk)
    return render(request, "rollout/form.html", {"form": form, "title": agreement.title, "upload": True})


@require_POST
@tenant_view("view_agreements")
def agreement_add(request, agreement_id, part):
    agreement = get_for(request, Agreement.objects.all(), pk=agreement_id)
    require(request.tenant, "manage_agreements")
    ctx = context_from(request)
    if part == "party":
        form = PartyForm(request.POST)
        if form.is_valid():
            save_for_tenant(ctx, edit_from(form), audit_action="agreement_party", agreement=agreement)
    elif part == "plan":
        form = PlanItemForm(request.POST)
        if form.is_valid():
            save_for_tenant(ctx, edit_from(form), audit_action="agreement_plan", agreement=agreement)
    else:
        form = ReviewForm(request.POST)
        if form.is_valid():
            save_review(ctx, agreement, form.cleaned_data["year"], form.cleaned_data["text"])
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return to("agreement", request, agreement_id=agreement.pk)


@tenant_view("view_agreements")
@signed_download
def agreement_file(request, agreement_id):
    return serve_file(get_for(request, Agreement.objects.all(), pk=agreement_id).signed_document)
