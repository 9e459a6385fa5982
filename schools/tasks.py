"""The base of every tenant task (ids in, refused when foreign, the tenant's scope and language
restored inside) and the tasks of ``schools``: invitations, the worker heartbeat, retention."""

from __future__ import annotations

import inspect
import logging
import socket
import threading
from datetime import timedelta
from functools import cached_property

from celery import shared_task
from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import close_old_connections, connection
from django.db.models import Model
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from infra.tasks import PortalTask, recipient_language
from schools import outbox
from schools.access import municipality_scope
from schools.actions import invitation_token
from schools.models import Invitation, Municipality, WorkerHeartbeat
from schools.privacy.retention import purge

logger = logging.getLogger(__name__)


# --- The base of every task that acts for one municipality ------------------------------------
def belongs_to_tenant(task: str, municipality_id: int, model, pk) -> bool:
    """True when row ``pk`` of ``model`` belongs to ``municipality_id``.

    A row of another municipality is refused with a warning (a bug or a forged message, never a
    normal event); a row that no longer exists is not worth one.
    """
    with scopes_disabled():  # ESCAPE HATCH: reads only the owner's id, to refuse a foreign row
        owner = model.objects.filter(pk=pk).values_list("municipality_id", flat=True).first()
    if owner is not None and owner != municipality_id:
        logger.warning(
            "task %s refused %s %s: it belongs to municipality %s, not %s",
            task,
            model._meta.label,
            pk,
            owner,
            municipality_id,
        )
        return False
    return owner is not None


class TenantTask(PortalTask):
    """A task that acts for one municipality: ``@shared_task(base=TenantTask, tenant_objects=...)``.

    It takes a ``municipality_id`` argument, and ``tenant_objects`` maps each argument holding an
    object id to that object's model. Before the body runs, each id must name a row of that
    municipality: a foreign row is refused with a warning in the log, a vanished one quietly, and
    the task returns ``refused_result`` without running. The body then runs in the municipality's
    scope (``municipality_scope``) and language; around an e-mail to someone with a language of
    their own it sets theirs (``infra.tasks.recipient_language``). Like every task it is queued
    after the commit with ``delay_on_commit`` and logs its duration (``infra.tasks.PortalTask``).
    """

    tenant_objects: dict[str, type[Model]] = {}
    refused_result = None

    @cached_property
    def _signature(self) -> inspect.Signature:
        return inspect.signature(self.run)

    def __call__(self, *args, **kwargs):
        arguments = self._signature.bind(*args, **kwargs).arguments
        municipality_id = arguments["municipality_id"]
        municipality = Municipality.objects.filter(pk=municipality_id).first()
        if municipality is None:
            logger.warning("task %s refused: municipality %s does not exist", self.name, municipality_id)
            return self.refused_result
        for name, model in self.tenant_objects.items():
            if not belongs_to_tenant(self.name, municipality_id, model, arguments[name]):
                return self.refused_result
        with municipality_scope(municipality), translation.override(municipality.language):
            return super().__call__(*args, **kwargs)


@shared_task(
    base=TenantTask,
    tenant_objects={"invitation_id": Invitation},
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_invitation(invitation_id: int, municipality_id: int) -> None:
    invitation = (
        Invitation.objects.select_related("municipality", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.status != "pending" or invitation.sent_at is not None:
        return
    link = f"{settings.SITE_URL}/invite/{invitation_token(invitation)}/"
    with recipient_language(invitation.language):
        context = {"invitation": invitation, "link": link, "days": settings.INVITATION_DAYS}
        subject = render_to_string("schools/email/invitation_subject.txt", context).strip()
        body = render_to_string("schools/email/invitation.txt", context)
        html = render_to_string("schools/email/invitation.html", context)
    message = EmailMultiAlternatives(subject, body, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    message.send()
    Invitation.objects.filter(pk=invitation.pk, sent_at=None).update(sent_at=timezone.now())
    logger.info("invitation %s sent", invitation.pk)


@shared_task
def flush_outbox() -> int:
    """Celery beat, every minute: hand the broker what a change queued while it was down."""
    return outbox.flush()


# E-mails not sent within this long after they were asked for were not queued (the broker was
# down) or failed every retry: beat sends them (invitations for a day, surveys while open).
UNSENT_AFTER = timedelta(minutes=10)
UNSENT_FOR = timedelta(days=1)


@shared_task
def send_unsent_invitations() -> int:
    """Celery beat: queue the pending invitations that were never sent. Returns how many."""
    now = timezone.now()
    with scopes_disabled():  # ESCAPE HATCH: beat looks at every municipality's pending invitations
        unsent = list(
            Invitation.objects.filter(
                sent_at=None,
                accepted_at=None,
                revoked_at=None,
                expires_at__gt=now,
                created_at__lte=now - UNSENT_AFTER,
                created_at__gte=now - UNSENT_FOR,
            ).values_list("pk", "municipality_id")
        )
    for invitation_id, municipality_id in unsent:
        send_invitation.delay(invitation_id, municipality_id)
    return len(unsent)


# --- Worker heartbeat -------------------------------------------------------------------------
_stop = threading.Event()


def beat_once(hostname: str, started_at) -> None:
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(hostname=hostname).update(last_seen=now, started_at=started_at)
    if not updated:
        WorkerHeartbeat.objects.create(hostname=hostname, started_at=started_at, last_seen=now)


def _heartbeat_loop(hostname: str) -> None:
    started_at = timezone.now()
    while not _stop.is_set():
        try:
            close_old_connections()
            beat_once(hostname, started_at)
        except Exception:  # a database hiccup must not kill the worker; /healthz will show it
            logger.exception("worker heartbeat failed")
        finally:
            connection.close()
        _stop.wait(settings.WORKER_HEARTBEAT_SECONDS)


@worker_ready.connect
def _start_heartbeat(sender=None, **kwargs):
    hostname = getattr(sender, "hostname", None) or socket.gethostname()
    _stop.clear()
    threading.Thread(target=_heartbeat_loop, args=(hostname,), name="heartbeat", daemon=True).start()


@worker_shutdown.connect
def _stop_heartbeat(**kwargs):
    _stop.set()


# --- Personal data retention ------------------------------------------------------------------
@shared_task
def purge_personal_data() -> int:
    """Once a day (Celery beat): each municipality's retention policy applied in its own scope
    and transaction; one municipality's failure does not stop the others'."""
    done = 0
    for municipality in Municipality.objects.order_by("pk"):
        try:
            with municipality_scope(municipality):
                purge(municipality)
            done += 1
        except Exception:
            logger.exception("retention purge failed for municipality %s", municipality.pk)
    return done
