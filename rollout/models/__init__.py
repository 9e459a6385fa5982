"""Rollout programmes: stages, activities, per-school tasks with evidence; monitoring snapshots;
budget; the document library; partnership agreements. Every row is scoped to its municipality."""

from rollout.models.agreements import Agreement, AgreementParty, AgreementPlanItem, AgreementReview
from rollout.models.library import BudgetLine, LibraryDocument
from rollout.models.monitoring import DigestLog, Notification, Snapshot
from rollout.models.programmes import (
    Activity,
    Comment,
    Evidence,
    Programme,
    ProgrammeTemplate,
    Stage,
    Task,
    TaskStatus,
)
from rollout.models.reports import Report

__all__ = [
    "Activity",
    "Agreement",
    "AgreementParty",
    "AgreementPlanItem",
    "AgreementReview",
    "BudgetLine",
    "Comment",
    "DigestLog",
    "Evidence",
    "LibraryDocument",
    "Notification",
    "Programme",
    "ProgrammeTemplate",
    "Report",
    "Snapshot",
    "Stage",
    "Task",
    "TaskStatus",
]
