"""Queueing Celery work once the database change that asked for it is committed."""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args) -> None:
    """Queue ``task(*args)`` once the current transaction commits (at once outside one).

    The broker may be unreachable then: what the user did is already committed, so the page
    must still answer, not turn into a server error after the fact. The miss is logged, and a
    beat task picks the work up once the broker is back (``send_unsent_invitations``,
    ``reporting.tasks.requeue_reports``, the survey reminders, the job reconciler)."""

    def send() -> None:
        from kombu.exceptions import OperationalError

        try:
            task.delay(*args)
        except (OperationalError, OSError) as error:
            logger.warning(
                "%s not queued, the broker is unavailable (%s); beat queues it later", task.name, error
            )

    transaction.on_commit(send)
