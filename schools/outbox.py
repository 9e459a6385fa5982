"""The transactional outbox: work queued by a change is first a row written in the change's own
transaction (``OutboxMessage``), then handed to the broker once the transaction commits.

If the broker is down at that moment the row stays unsent and ``flush`` (Celery beat, every
minute) hands it over once the broker is back: a notification is delayed, never lost. A row is
claimed for a short lease before it is handed over and marked sent after, so two flushes do
not both send it and a process that dies in between leaves it to the next flush (at least
once: the tasks behind it tolerate a repeat, e.g. an invitation records when it was sent).

Every ``delay_on_commit`` and ``infra.tasks.enqueue_on_commit`` goes through here: the
schools app registers ``store`` with ``infra.tasks.use_outbox`` when it is ready.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import current_app
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from schools.models import OutboxMessage

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)  # a claimed row not marked sent by then is handed over again
KEEP_SENT = timedelta(days=7)
FLUSH_BATCH = 500


def store(task, args: tuple) -> None:
    """Write the message in the current transaction; try to hand it over after the commit."""
    message = OutboxMessage.objects.create(task=task.name, args=list(args))
    transaction.on_commit(lambda: deliver(message.pk, task))


def deliver(message_id: int, task=None) -> bool:
    """Hand one unsent message to the broker (``task``: the task object when the caller has it,
    else found by name); False when it is sent already, claimed by another process, or the
    broker is unavailable (it then stays for ``flush``)."""
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE), pk=message_id, sent_at__isnull=True
    ).update(claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        (task or current_app.tasks[message.task]).delay(*message.args)
    except (OperationalError, OSError) as error:
        OutboxMessage.objects.filter(pk=message_id).update(claimed_at=None, last_error=str(error)[:255])
        logger.warning(
            "%s not queued, the broker is unavailable (%s); the outbox keeps it", message.task, error
        )
        return False
    OutboxMessage.objects.filter(pk=message_id).update(sent_at=timezone.now(), last_error="")
    return True


def flush() -> int:
    """Hand over every unsent message (oldest first); drop those sent long ago. How many went."""
    now = timezone.now()
    OutboxMessage.objects.filter(sent_at__lt=now - KEEP_SENT).delete()
    pending = OutboxMessage.objects.filter(sent_at__isnull=True).order_by("created_at")
    sent = 0
    for message_id in pending.values_list("pk", flat=True)[:FLUSH_BATCH]:
        sent += deliver(message_id)
    return sent
