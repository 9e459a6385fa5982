"""Thin Celery tasks: ids in, the tenant's scope and language restored (``schools.tasks.TenantTask``),
each e-mail in the recipient's language."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone
from django_scopes import scopes_disabled

from infra.tasks import recipient_language
from schools.tasks import TenantTask
from trainings.certificates import verification_url
from trainings.models import Certificate, Enrolment, ExternalCertification, NetworkEvent

logger = logging.getLogger(__name__)

SESSION_REMINDER_BEFORE = timedelta(hours=24)
EVENT_REMINDER_BEFORE = timedelta(hours=24)
EXPIRY_REMINDER_BEFORE = timedelta(days=30)

RETRIED = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


def _recipient(person) -> tuple[str, str]:
    """(address, language) of someone on the roster; no address: ("", ""); no language of their
    own: "" (the municipality's, which the task runs in)."""
    user = person.user
    address = (user.email if user else "") or person.personal_email or person.account_email
    return address, (user.language if user else "")


def _send(template: str, address: str, language: str, context: dict) -> None:
    with recipient_language(language):
        subject = render_to_string(f"trainings/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"trainings/email/{template}.txt", context)
    send_mail(subject, body, None, [address])


def _site(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


@shared_task(base=TenantTask, tenant_objects={"enrolment_id": Enrolment}, **RETRIED)
def notify_promoted(enrolment_id: int, municipality_id: int) -> None:
    enrolment = (
        Enrolment.objects.select_related("person__user", "person__municipality", "session__curriculum")
        .filter(pk=enrolment_id, status=Enrolment.Status.ENROLLED)
        .first()
    )
    if enrolment is None:
        return
    address, language = _recipient(enrolment.person)
    if address:
        link = _site(f"/m/{enrolment.person.municipality.slug}/trainings/sessions/{enrolment.session_id}/")
        _send("promoted", address, language, {"enrolment": enrolment, "link": link})


@shared_task(base=TenantTask, tenant_objects={"certificate_id": Certificate}, **RETRIED)
def notify_certificate(certificate_id: int, municipality_id: int) -> None:
    certificate = (
        Certificate.objects.select_related("enrolment__person__user", "enrolment__person__municipality")
        .filter(pk=certificate_id, revoked_at=None)
        .first()
    )
    if certificate is None:
        return
    person = certificate.enrolment.person
    address, language = _recipient(person)
    if address:
        link = _site(f"/m/{person.municipality.slug}/trainings/me/")
        context = {"certificate": certificate, "link": link, "verify": verification_url(certificate)}
        _send("certificate", address, language, context)


@shared_task
def send_reminders() -> dict:
    """Every hour (Celery beat): sessions and events starting within a day, certifications expiring
    within a month. Each reminder once: the row is claimed by a conditional update before sending."""
    now = timezone.now()
    counts = {"sessions": 0, "events": 0, "certifications": 0}
    with scopes_disabled():  # ESCAPE HATCH: the due reminders of every tenant, each sent in its scope
        enrolments = list(
            Enrolment.objects.filter(
                status=Enrolment.Status.ENROLLED,
                reminded_at=None,
                session__starts_at__gt=now,
                session__starts_at__lte=now + SESSION_REMINDER_BEFORE,
            ).values_list("pk", "municipality_id")
        )
        events = list(
            NetworkEvent.objects.filter(
                reminded_at=None, starts_at__gt=now, starts_at__lte=now + EVENT_REMINDER_BEFORE
            ).values_list("pk", "municipality_id")
        )
        certifications = list(
            ExternalCertification.objects.filter(
                expiry_reminded_at=None,
                expires_on__gte=now.date(),
                expires_on__lte=(now + EXPIRY_REMINDER_BEFORE).date(),
            ).values_list("pk", "municipality_id")
        )
    for pk, municipality_id in enrolments:
        counts["sessions"] += remind_session(pk, municipality_id)
    for pk, municipality_id in events:
        counts["events"] += remind_event(pk, municipality_id)
    for pk, municipality_id in certifications:
        counts["certifications"] += remind_expiry(pk, municipality_id)
    return counts


@shared_task(base=TenantTask, tenant_objects={"enrolment_id": Enrolment}, refused_result=False)
def remind_session(enrolment_id: int, municipality_id: int) -> bool:
    if not Enrolment.objects.filter(pk=enrolment_id, reminded_at=None).update(reminded_at=timezone.now()):
        return False
    enrolment = Enrolment.objects.select_related(
        "person__user", "person__municipality", "session__curriculum"
    ).get(pk=enrolment_id)
    address, language = _recipient(enrolment.person)
    if not address:
        return False
    link = _site(f"/m/{enrolment.person.municipality.slug}/trainings/sessions/{enrolment.session_id}/")
    _send("session_reminder", address, language, {"session": enrolment.session, "link": link})
    return True


@shared_task(base=TenantTask, tenant_objects={"event_id": NetworkEvent}, refused_result=False)
def remind_event(event_id: int, municipality_id: int) -> bool:
    if not NetworkEvent.objects.filter(pk=event_id, reminded_at=None).update(reminded_at=timezone.now()):
        return False
    event = NetworkEvent.objects.select_related("created_by", "municipality", "school").get(pk=event_id)
    user = event.created_by
    if user is None:
        return False
    link = _site(f"/m/{event.municipality.slug}/trainings/events/")
    _send("event_reminder", user.email, user.language, {"event": event, "link": link})
    return True


@shared_task(
    base=TenantTask, tenant_objects={"certification_id": ExternalCertification}, refused_result=False
)
def remind_expiry(certification_id: int, municipality_id: int) -> bool:
    claimed = ExternalCertification.objects.filter(pk=certification_id, expiry_reminded_at=None).update(
        expiry_reminded_at=timezone.now()
    )
    if not claimed:
        return False
    certification = ExternalCertification.objects.select_related("person__user", "person__municipality").get(
        pk=certification_id
    )
    address, language = _recipient(certification.person)
    if not address:
        return False
    link = _site(f"/m/{certification.person.municipality.slug}/trainings/me/")
    _send("expiry_reminder", address, language, {"certification": certification, "link": link})
    return True
