"""Retention: each municipality's policy applied once a day (``schools.tasks.purge_personal_data``).

Per category, what is past its period goes: leavers are erased (pseudonymised, see
``erasure.pseudonymise``), uploaded roster files deleted, temporary passwords deleted, audit
events and access-log rows deleted. Every run writes a ``PurgeReport`` with the counts, and an
audit event without personal data."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from schools.audit import log_action, redaction
from schools.models import AuditEvent, Municipality, Person, PersonalDataAccess, PurgeReport
from schools.privacy.erasure import pseudonymise_people
from schools.privacy.policy import policy_for, retention_days


@transaction.atomic
def purge(municipality: Municipality, *, now=None) -> PurgeReport:
    """Call inside the municipality's scope."""
    from integrations.models import JobItem, RosterImport

    now = now or timezone.now()
    days = retention_days(policy_for(municipality))

    def cutoff(category: str):
        return now - timedelta(days=days[category])

    counts = {}
    leaving_day = timezone.localdate(now) - timedelta(days=days["leavers"])
    leavers = list(Person.objects.filter(erased_at__isnull=True, left_on__lt=leaving_day).order_by("pk"))
    counts["leavers"] = pseudonymise_people(leavers, reason="retention") if leavers else 0
    imports = RosterImport.objects.filter(created_at__lt=cutoff("imports"))
    counts["imports"] = imports.count()
    imports.delete()
    counts["credentials"] = (
        JobItem.objects.filter(finished_at__lt=cutoff("credentials"))
        .exclude(secret_ciphertext="")
        .update(secret_ciphertext="")
    )
    with redaction():
        counts["audit"] = AuditEvent.objects.filter(at__lt=cutoff("audit")).delete()[0]
    counts["access_log"] = PersonalDataAccess.objects.filter(at__lt=cutoff("audit")).delete()[0]
    report = PurgeReport.objects.create(municipality=municipality, ran_at=now, counts=counts, policy=days)
    log_action("privacy.purge", municipality=municipality, changes={"removed": counts, "days": days})
    return report
