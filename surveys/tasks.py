"""Thin Celery tasks: invitations, reminders (Celery beat) and teachers' links, each e-mail in the
recipient's language and each sent once: a row is claimed with a conditional UPDATE before sending."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from infra.tasks import recipient_language
from schools.access import municipality_scope
from schools.models import Membership, School
from schools.roles import Role
from schools.tasks import UNSENT_AFTER, TenantTask
from surveys.actions import teacher_link_token
from surveys.models import Campaign, Response, TeacherLink

logger = logging.getLogger(__name__)

REMIND_BEFORE = timedelta(days=3)  # the reminder before the deadline comes this long before its end
INVITATION_GRACE = timedelta(days=1)  # no "deadline soon" reminder right after the invitation


def _directors(response: Response) -> list:
    memberships = Membership.objects.filter(role=Role.DIRECTOR, schools=response.school_id).select_related(
        "user"
    )
    return [m.user for m in memberships if m.user.is_active]


def _send(kind: str, response: Response) -> int:
    campaign = response.campaign
    link = f"{settings.SITE_URL}/m/{campaign.municipality.slug}/surveys/responses/{response.pk}/"
    sent = 0
    for user in _directors(response):
        with translation.override(user.language or campaign.municipality.language):
            context = {
                "campaign": campaign,
                "response": response,
                "school": response.school,
                "link": link,
                "kind": kind,
            }
            subject = render_to_string("surveys/email/director_subject.txt", context).strip()
            body = render_to_string("surveys/email/director.txt", context)
        send_mail(subject, body, None, [user.email])
        sent += 1
    return sent


def _claim(response_id: int, field: str) -> bool:
    """Mark an e-mail as sent before sending it: a second beat or a retried task finds it taken."""
    return bool(Response.objects.filter(pk=response_id, **{field: None}).update(**{field: timezone.now()}))


def _send_claimed(kind: str, response: Response, field: str) -> int:
    """The number of e-mails sent (none if another run already claimed this one)."""
    if not _claim(response.pk, field):
        return 0
    try:
        return _send(kind, response)
    except Exception:
        Response.objects.filter(pk=response.pk).update(**{field: None})  # try again on the next beat
        raise


@shared_task(
    base=TenantTask,
    tenant_objects={"campaign_id": Campaign},
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_invitations(campaign_id: int, municipality_id: int) -> None:
    responses = Response.objects.filter(campaign_id=campaign_id, invited_at=None).select_related(
        "campaign", "campaign__municipality", "campaign__template", "school"
    )
    for response in responses:
        _send_claimed("invitation", response, "invited_at")


def due_reminders(now=None) -> list[tuple[int, int, str]]:
    """(response id, municipality id, kind) of every reminder due now, across municipalities, and
    of every invitation still unsent a while after the launch."""
    now = now or timezone.now()
    due = []
    with scopes_disabled():  # ESCAPE HATCH: Celery beat looks at every municipality's open campaigns
        responses = (
            Response.objects.filter(campaign__status=Campaign.Status.OPEN)
            .exclude(status=Response.Status.SUBMITTED)
            .filter(reminded_overdue_at=None)
            .select_related("campaign", "campaign__municipality")
        )
        for response in responses:
            ends = response.campaign.deadline_ends_at
            if response.invited_at is None and now - response.campaign.created_at >= UNSENT_AFTER:
                # Its invitation was never queued (the broker was down at the launch).
                due.append((response.pk, response.municipality_id, "invitation"))
            elif now >= ends:
                due.append((response.pk, response.municipality_id, "overdue"))
            elif (
                now >= ends - REMIND_BEFORE
                and response.reminded_before_at is None
                and (response.invited_at is None or now - response.invited_at >= INVITATION_GRACE)
            ):
                due.append((response.pk, response.municipality_id, "before"))
    return due


@shared_task
def send_reminders() -> int:
    """Celery beat: the reminder before the deadline and the one when overdue, each once per school,
    and the invitations never sent. Returns how many e-mails went out."""
    sent = 0
    for response_id, municipality_id, kind in due_reminders():
        field = {"invitation": "invited_at", "overdue": "reminded_overdue_at"}.get(kind, "reminded_before_at")
        with municipality_scope(municipality_id):
            response = (
                Response.objects.filter(pk=response_id)
                .select_related("campaign", "campaign__municipality", "school")
                .first()
            )
            if response is None:
                continue
            sent += _send_claimed(kind, response, field)
    return sent


@shared_task(
    base=TenantTask,
    tenant_objects={"campaign_id": Campaign, "school_id": School},
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_teacher_links(campaign_id: int, school_id: int, municipality_id: int) -> None:
    links = (
        TeacherLink.objects.filter(campaign_id=campaign_id, school_id=school_id, sent_at=None, used_at=None)
        .exclude(person__personal_email="")
        .select_related("person", "campaign", "campaign__municipality", "school")
    )
    for link in links:
        if not TeacherLink.objects.filter(pk=link.pk, sent_at=None).update(sent_at=timezone.now()):
            continue
        url = f"{settings.SITE_URL}/t/{teacher_link_token(link)}/"
        with recipient_language(link.person.user.language if link.person.user_id else ""):
            context = {"link": link, "url": url, "school": link.school}
            subject = render_to_string("surveys/email/teacher_subject.txt", context).strip()
            body = render_to_string("surveys/email/teacher.txt", context)
        try:
            send_mail(subject, body, None, [link.person.personal_email])
        except Exception:
            TeacherLink.objects.filter(pk=link.pk).update(sent_at=None)
            raise
    logger.info("teacher links of campaign %s, school %s sent", campaign_id, school_id)
