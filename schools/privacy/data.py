"""Everything the portal holds about one person, across the apps, and its export as JSON and CSV.

A fixed number of queries whatever the person's history. Temporary passwords are never
exported (they are credentials, not data about the person); teachers' survey answers are
anonymous by design, so only the personal links sent to the person are theirs."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from infra.exports import neutralise
from schools.models import AuditEvent, Person, PersonalDataAccess


@dataclass
class Footprint:
    """The rows that belong to a person, by model: what export and erasure walk over."""

    job_items: list
    enrolments: list
    certifications: list
    survey_links: list
    addresses: list[str]

    def audit_filter(self, person: Person) -> Q:
        """Audit events whose object is the person or one of their rows, or whose actor they are."""
        query = Q(object_type="schools.person", object_id=str(person.pk))
        for label, rows in (
            ("integrations.jobitem", self.job_items),
            ("trainings.enrolment", self.enrolments),
            ("trainings.externalcertification", self.certifications),
        ):
            if rows:
                query |= Q(object_type=label, object_id__in=[str(row.pk) for row in rows])
        certificates = [e.certificate.pk for e in self.enrolments if _certificate(e) is not None]
        if certificates:
            query |= Q(object_type="trainings.certificate", object_id__in=[str(pk) for pk in certificates])
        if person.user_id:
            query |= Q(actor_id=person.user_id)
        return query


def _certificate(enrolment):
    try:
        return enrolment.certificate
    except enrolment._meta.model.certificate.RelatedObjectDoesNotExist:
        return None


def _feedback(enrolment):
    try:
        return enrolment.feedback
    except enrolment._meta.model.feedback.RelatedObjectDoesNotExist:
        return None


def footprint(person: Person) -> Footprint:
    from integrations.models import JobItem
    from surveys.models import TeacherLink
    from trainings.models import Enrolment, ExternalCertification

    addresses = {person.account_email} - {""}
    job_items = list(
        JobItem.objects.filter(Q(person=person) | Q(key__in=addresses)).select_related("job").order_by("pk")
    )
    addresses |= {item.key for item in job_items if item.op.endswith("_user") and "@" in item.key}
    enrolments = list(
        Enrolment.objects.filter(person=person)
        .select_related("session__curriculum", "certificate", "feedback")
        .prefetch_related("attendances", "feedback__answers__question")
        .order_by("queued_at", "pk")
    )
    certifications = list(ExternalCertification.objects.filter(person=person).order_by("obtained_on", "pk"))
    links = list(
        TeacherLink.objects.filter(person=person).select_related("campaign", "school").order_by("pk")
    )
    return Footprint(job_items, enrolments, certifications, links, sorted(addresses))


def _when(value):
    return value.isoformat() if value else ""


def person_data(person: Person) -> dict:
    """Sections of records (lists of flat dicts), in the order a reader wants them."""
    from integrations.models import Provider

    prints = footprint(person)
    providers = dict(Provider.choices)
    data = {
        "exported_at": timezone.now().isoformat(),
        "municipality": person.municipality.name,
        "person": [
            {
                "id": person.pk,
                "first_name": person.first_name,
                "middle_name": person.middle_name,
                "last_name": person.last_name,
                "role": person.role,
                "personal_email": person.personal_email,
                "account_email": person.account_email,
                "account_made_at": _when(person.account_made_at),
                "login_override": person.login_override,
                "portal_user": person.user.email if person.user_id else "",
                "left_on": _when(person.left_on),
                "erased_at": _when(person.erased_at),
                "created_at": _when(person.created_at),
                "updated_at": _when(person.updated_at),
            }
        ],
        "schools": [{"name": s.name, "code": s.code} for s in person.schools.order_by("name")],
        "accounts": [
            {
                "provider": str(providers.get(item.job.provider, item.job.provider)),
                "job": item.job_id,
                "operation": item.op,
                "address": item.key,
                "school": item.school,
                "status": item.status,
                "outcome": item.outcome,
                "finished_at": _when(item.finished_at),
            }
            for item in prints.job_items
        ],
        "trainings": [_enrolment(e) for e in prints.enrolments],
        "certifications": [
            {
                "certification": c.name,
                "obtained_on": _when(c.obtained_on),
                "expires_on": _when(c.expires_on),
                "evidence_url": c.evidence_url,
            }
            for c in prints.certifications
        ],
        "survey_links": [
            {
                "campaign": link.campaign.name,
                "school": link.school.name,
                "sent_at": _when(link.sent_at),
                "answered_on": _when(link.used_at),
            }
            for link in prints.survey_links
        ],
        "audit": [
            {
                "at": _when(event.at),
                "who": event.actor_label,
                "action": event.action,
                "object_type": event.object_type,
                "object": event.object_repr,
                "changes": json.dumps(event.changes, ensure_ascii=False, sort_keys=True),
            }
            for event in AuditEvent.objects.filter(prints.audit_filter(person)).order_by("at", "pk")
        ],
        "access_log": [
            {"at": _when(row.at), "who": row.user_label, "what": row.kind, "detail": row.detail}
            for row in PersonalDataAccess.objects.filter(person=person).order_by("at", "pk")
        ],
    }
    return data


def _enrolment(enrolment) -> dict:
    certificate = _certificate(enrolment)
    feedback = _feedback(enrolment)
    return {
        "course": enrolment.session.curriculum.title,
        "session_starts": _when(enrolment.session.starts_at),
        "status": enrolment.status,
        "completed_at": _when(enrolment.completed_at),
        "meetings_attended": ", ".join(str(a.meeting) for a in enrolment.attendances.all()),
        "feedback_comment": feedback.comment if feedback else "",
        "feedback_scores": (
            "; ".join(f"{a.question.text}: {a.score}" for a in feedback.answers.all()) if feedback else ""
        ),
        "certificate": certificate.code if certificate else "",
        "certificate_name": certificate.holder_name if certificate else "",
        "certificate_issued_on": _when(certificate.issued_on) if certificate else "",
    }


SECTIONS = (
    "person",
    "schools",
    "accounts",
    "trainings",
    "certifications",
    "survey_links",
    "audit",
    "access_log",
)


def as_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def as_csv(data: dict) -> bytes:
    """One table: section, record number, field, value (every cell neutralised)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "record", "field", "value"])
    for section in SECTIONS:
        for number, record in enumerate(data[section], start=1):
            for field, value in record.items():
                writer.writerow([neutralise(section), number, neutralise(field), neutralise(value)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
