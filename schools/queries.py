"""Read-side aggregates: a fixed number of queries whatever the number of schools or people."""

from django.db.models import Count, Q
from django.utils import timezone

from schools.models import Invitation, Membership, Municipality, Person, School
from schools.roles import PersonRole


def municipality_stats(municipality: Municipality) -> dict:
    kinds = dict(School.Kind.choices)
    by_kind = [
        {"kind": row["kind"], "label": kinds.get(row["kind"], row["kind"]), "count": row["n"]}
        for row in School.objects.values("kind").annotate(n=Count("id")).order_by("kind")
    ]
    roles = dict(PersonRole.choices)
    by_role = [
        {"role": row["role"], "label": roles.get(row["role"], row["role"]), "count": row["n"]}
        for row in Person.objects.values("role").annotate(n=Count("id")).order_by("role")
    ]
    return {
        "schools": sum(row["count"] for row in by_kind),
        "schools_by_kind": by_kind,
        "people": sum(row["count"] for row in by_role),
        "people_by_role": by_role,
        "members": Membership.objects.values("user").distinct().count(),
        "pending_invitations": Invitation.objects.filter(
            accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
        ).count(),
    }


def region_rows(region) -> list[Municipality]:
    return list(
        Municipality.objects.filter(region=region)
        .annotate(
            school_count=Count("schools", distinct=True),
            teacher_count=Count("people", filter=Q(people__role=PersonRole.TEACHER), distinct=True),
        )
        .order_by("name")
    )
