"""The log of reads and downloads of personal data (who, when, what, how many people)."""

from __future__ import annotations

from schools.audit import ActionContext
from schools.models import PersonalDataAccess


def record_access(
    ctx: ActionContext, kind: str, *, person=None, count: int = 1, detail: str = ""
) -> PersonalDataAccess:
    """One row per page read or download by ``ctx``'s actor; ``detail`` names things, never people
    (the person is linked)."""
    return PersonalDataAccess.objects.create(
        municipality=ctx.tenant(),
        user=ctx.actor,
        user_label=str(getattr(ctx.actor, "email", "") or ""),
        kind=kind,
        detail=detail[:255],
        person=person,
        count=count,
        ip=ctx.ip,
    )
