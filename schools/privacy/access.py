"""The log of reads and downloads of personal data (who, when, what, how many people)."""

from __future__ import annotations

from schools.audit import client_ip
from schools.models import PersonalDataAccess


def record_access(request, kind: str, *, person=None, count: int = 1, detail: str = "") -> PersonalDataAccess:
    """One row per page read or download; ``detail`` names things, never people (the person is linked)."""
    user = request.user if request.user.is_authenticated else None
    return log_access(
        request.tenant.municipality,
        kind,
        user=user,
        ip=client_ip(request),
        person=person,
        count=count,
        detail=detail,
    )


def log_access(
    municipality, kind: str, *, user, ip: str | None = None, person=None, count: int = 1, detail: str = ""
) -> PersonalDataAccess:
    """``record_access`` with the reader given as values (for an action, a command or a task)."""
    return PersonalDataAccess.objects.create(
        municipality=municipality,
        user=user,
        user_label=str(getattr(user, "email", "") or ""),
        kind=kind,
        detail=detail[:255],
        person=person,
        count=count,
        ip=ip,
    )
