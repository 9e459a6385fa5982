"""The personal data of the ``schools`` app itself: the roster row (first in the export and the
first to be erased) and the audit trail with the access log (last: it names every other part's
rows). Registered by ``SchoolsConfig.ready()``."""

from __future__ import annotations

import json
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from schools.audit import ActionContext, redaction
from schools.models import AuditEvent, Person, PersonalDataAccess
from schools.privacy.erasure import pseudonymise_people
from schools.privacy.registry import ERASED, MEMBER_REFERENCE, PersonalData, parts, scrub, when


class RosterData(PersonalData):
    """The person's roster row and schools; leavers are erased when the policy says so."""

    key = "roster"
    order = 0
    models = ("schools.Person",)
    kept = {
        "schools.Membership": MEMBER_REFERENCE,
        "schools.RegionMembership": MEMBER_REFERENCE,
        "schools.Invitation": MEMBER_REFERENCE + "; the invitee's address goes with the invitation",
    }
    sections = ("person", "schools")

    def export(self, person, prints):
        return {
            "person": [
                {
                    "id": person.pk,
                    "first_name": person.first_name,
                    "middle_name": person.middle_name,
                    "last_name": person.last_name,
                    "role": person.role,
                    "personal_email": person.personal_email,
                    "account_email": person.account_email,
                    "account_made_at": when(person.account_made_at),
                    "login_override": person.login_override,
                    "portal_user": person.user.email if person.user_id else "",
                    "left_on": when(person.left_on),
                    "erased_at": when(person.erased_at),
                    "created_at": when(person.created_at),
                    "updated_at": when(person.updated_at),
                }
            ],
            "schools": [{"name": s.name, "code": s.code} for s in person.schools.order_by("name")],
        }

    def identifiers(self, person, prints):
        return (person.user.email, person.user.full_name) if person.user_id else ()

    def audit_objects(self, person, prints):
        return {"schools.person": [person.pk]}

    def erase(self, erasing, replace):
        now = timezone.now()
        for entry in erasing:
            person = entry.person
            Person.objects.filter(pk=person.pk).update(
                first_name="Erased person",
                middle_name="",
                last_name=f"#{person.pk}",
                personal_email="",
                account_email="",
                account_made_at=None,
                login_override="",
                user=None,
                erased_at=now,
                updated_at=now,
            )
            person.schools.clear()

    def purge(self, municipality, policy, now):
        leaving_day = timezone.localdate(now) - timedelta(days=policy.leavers_days)
        leavers = list(Person.objects.filter(erased_at__isnull=True, left_on__lt=leaving_day).order_by("pk"))
        if not leavers:
            return {"leavers": 0}
        return {"leavers": pseudonymise_people(ActionContext(municipality), leavers, reason="retention")}


class TrailData(PersonalData):
    """The audit trail and the log of reads: about the person's rows in every part, or by their
    portal user; pseudonymised on erasure, deleted after the policy's period."""

    key = "trail"
    order = 1000
    models = ("schools.AuditEvent", "schools.PersonalDataAccess")
    sections = ("audit", "access_log")

    def export(self, person, prints):
        events = AuditEvent.objects.filter(audit_filter(person, prints)).order_by("at", "pk")
        return {
            "audit": [
                {
                    "at": when(event.at),
                    "who": event.actor_label,
                    "action": event.action,
                    "object_type": event.object_type,
                    "object": event.object_repr,
                    "changes": json.dumps(event.changes, ensure_ascii=False, sort_keys=True),
                }
                for event in events
            ],
            "access_log": [
                {"at": when(row.at), "who": row.user_label, "what": row.kind, "detail": row.detail}
                for row in PersonalDataAccess.objects.filter(person=person).order_by("at", "pk")
            ],
        }

    def erase(self, erasing, replace):
        """Every event of the municipality that names one of the people, and every event their
        portal users did, says "Erased person #id" instead; events about their roster rows keep
        no value."""
        rows = {str(entry.person.pk): entry.name for entry in erasing}
        users = {entry.user_id: entry.name for entry in erasing if entry.user_id is not None}
        changed = []
        with redaction():
            events = AuditEvent.objects.only(
                "pk", "object_type", "object_id", "object_repr", "changes", "actor", "actor_label"
            )
            for event in events.iterator(chunk_size=2000):
                own = rows.get(event.object_id) if event.object_type == "schools.person" else None
                if own is not None:  # everything an event about the person's row recorded was theirs
                    repr_, changes = own, scrub(event.changes, lambda _text: ERASED)
                else:
                    repr_, changes = replace(event.object_repr), scrub(event.changes, replace)
                actor_label, actor_id = event.actor_label, event.actor_id
                if actor_id in users:
                    actor_label, actor_id = users[actor_id], None
                if (repr_, changes, actor_label, actor_id) != (
                    event.object_repr,
                    event.changes,
                    event.actor_label,
                    event.actor_id,
                ):
                    event.object_repr, event.changes = repr_[:255], changes
                    event.actor_label, event.actor_id = actor_label, actor_id
                    changed.append(event)
            for start in range(0, len(changed), 500):
                AuditEvent.objects.bulk_update(
                    changed[start : start + 500], ["object_repr", "changes", "actor_label", "actor"]
                )

    def purge(self, municipality, policy, now):
        cutoff = now - timedelta(days=policy.audit_days)
        with redaction():
            audit = AuditEvent.objects.filter(at__lt=cutoff).delete()[0]
        return {"audit": audit, "access_log": PersonalDataAccess.objects.filter(at__lt=cutoff).delete()[0]}


def audit_filter(person, prints) -> Q:
    """Audit events whose object is the person or one of their rows in any part, or whose actor
    is their portal user."""
    query = Q()
    for part in parts():
        for object_type, ids in part.audit_objects(person, prints).items():
            if ids:
                query |= Q(object_type=object_type, object_id__in=[str(pk) for pk in ids])
    if person.user_id:
        query |= Q(actor_id=person.user_id)
    return query
