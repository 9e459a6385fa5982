"""Rollout objects of a test tenant, made on first use (the isolation walk fills URL ids from them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.files.base import ContentFile
from django_scopes import scopes_disabled

from rollout.actions.programmes import create_programme
from rollout.models import Agreement, BudgetLine, Evidence, LibraryDocument, Programme, Task
from rollout.programme_templates import SHIPPED
from schools.audit import ActionContext


@dataclass
class RolloutObjects:
    programme: Programme
    stage_id: int
    activity_id: int
    task: Task
    evidence: Evidence
    budget_line: BudgetLine
    document: LibraryDocument
    agreement: Agreement


def rollout_objects(tenant) -> RolloutObjects:
    cached = getattr(tenant, "_rollout", None)
    if cached is not None:
        return cached
    municipality = tenant.municipality
    with scopes_disabled():
        programme = create_programme(
            ActionContext(municipality),
            SHIPPED["haskovo-school-in-the-cloud"],
            language="bg",
            starts_on=date(2026, 9, 1),
            coverage=Programme.Coverage.CHOSEN,
            schools=[tenant.school],
        )
        task = Task.objects.filter(activity__programme=programme, school=tenant.school).order_by("pk").first()
        evidence = Evidence.objects.create(
            task=task,
            municipality=municipality,
            kind="file",
            file=ContentFile(b"%PDF-1.4 minutes", name="minutes.pdf"),
        )
        budget_line = BudgetLine.objects.create(
            municipality=municipality,
            programme=programme,
            year=2026,
            line="Training",
            planned=30000,
            document=ContentFile(b"budget", name="decision.pdf"),
        )
        document = LibraryDocument.objects.create(
            municipality=municipality,
            title="Rules for e-communication",
            language="bg",
            file=ContentFile(b"rules", name="rules.pdf"),
        )
        agreement = Agreement.objects.create(
            municipality=municipality,
            title="Network agreement",
            subject="Joint master classes",
            starts_on=date(2026, 9, 1),
            signed_document=ContentFile(b"signed", name="agreement.pdf"),
        )
        objects = RolloutObjects(
            programme=programme,
            stage_id=programme.stages.first().pk,
            activity_id=task.activity_id,
            task=task,
            evidence=evidence,
            budget_line=budget_line,
            document=document,
            agreement=agreement,
        )
    tenant._rollout = objects
    return objects


def report_of(tenant=None, region=None):
    """A finished report (a council report of the tenant, or the region's monitoring report) with a
    stored file, made on first use."""
    from rollout.models import Report

    owner = tenant if tenant is not None else region
    cached = getattr(owner, "_report", None)
    if cached is not None:
        return cached
    with scopes_disabled():
        report = Report(
            kind=Report.Kind.COUNCIL if tenant is not None else Report.Kind.REGIONAL,
            municipality=tenant.municipality if tenant is not None else None,
            region=region,
            period="2026-Q4",
            starts_on=date(2026, 10, 1),
            ends_on=date(2026, 12, 31),
            language="bg",
            status=Report.Status.DONE,
            progress=100,
            pages=1,
        )
        report.file.save("report.pdf", ContentFile(b"%PDF-1.7 report"), save=False)
        report.save()
    owner._report = report
    return report
