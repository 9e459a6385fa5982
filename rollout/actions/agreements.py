"""Partnership agreements: the yearly review (the agreement, its parties and plan are plain saves,
``schools.actions.save_for_tenant``)."""

from __future__ import annotations

from django.db import transaction

from rollout.models import AgreementReview
from schools.audit import ActionContext, record


@transaction.atomic
def save_review(ctx: ActionContext, agreement, year: int, review_text: str) -> AgreementReview:
    review, _created = AgreementReview.objects.update_or_create(
        agreement=agreement,
        year=year,
        defaults={"text": review_text, "municipality": agreement.municipality},
    )
    record(ctx, "agreement_review.save", review, {"year": year})
    return review
