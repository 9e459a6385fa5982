"""Retention: each municipality's policy applied once a day (``schools.tasks.purge_personal_data``).

Each registered part removes what is past its period (``registry.PersonalData.purge``): leavers
are erased (pseudonymised, see ``erasure.pseudonymise_people``), uploaded roster files deleted,
temporary passwords deleted, audit events and access-log rows deleted. Every run writes a
``PurgeReport`` with the counts, and an audit event without personal data."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from schools.audit import log_action
from schools.models import Municipality, PurgeReport
from schools.privacy.policy import policy_for, retention_days
from schools.privacy.registry import parts


@transaction.atomic
def purge(municipality: Municipality, *, now=None) -> PurgeReport:
    """Call inside the municipality's scope."""
    now = now or timezone.now()
    policy = policy_for(municipality)
    days = retention_days(policy)
    counts: dict[str, int] = {}
    for part in parts():
        counts.update(part.purge(municipality, policy, now))
    report = PurgeReport.objects.create(municipality=municipality, ran_at=now, counts=counts, policy=days)
    log_action("privacy.purge", municipality=municipality, changes={"removed": counts, "days": days})
    return report
