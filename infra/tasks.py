"""Queueing Celery work once the database change that asked for it is committed, and the base
every task of the portal runs on (``config.celery`` makes it the app's default task class)."""

from __future__ import annotations

import logging
import time
from contextlib import nullcontext

from celery.contrib.django.task import DjangoTask
from django.db import transaction
from django.utils import translation
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


_outbox = None  # where queued work is kept until the broker has it (``use_outbox``)


def use_outbox(store) -> None:
    """``store(task, args)`` writes the work in the current transaction and hands it over after
    the commit (``schools.outbox``, registered when the schools app is ready)."""
    global _outbox
    _outbox = store


def enqueue_on_commit(task, *args) -> None:
    """Queue ``task(*args)`` once the current transaction commits (at once outside one).

    The broker may be unreachable then: what the user did is already committed, so the page
    must still answer, not turn into a server error after the fact. With the outbox (always, once
    Django is set up) the work is a row of the same transaction and is handed over later; without
    it the miss is logged and beat's sweeps pick the work up (``send_unsent_invitations``,
    ``reporting.tasks.requeue_reports``, the survey reminders, the job reconciler)."""
    if _outbox is not None:
        _outbox(task, args)
        return

    def send() -> None:
        try:
            task.delay(*args)
        except (OperationalError, OSError) as error:
            logger.warning(
                "%s not queued, the broker is unavailable (%s); beat queues it later", task.name, error
            )

    transaction.on_commit(send)


def recipient_language(language: str | None):
    """Inside: the recipient's language; without one, the language already active (a tenant
    task runs in its municipality's, ``schools.tasks.TenantTask``)."""
    return translation.override(language) if language else nullcontext()


class PortalTask(DjangoTask):
    """Every task: queued after the commit with ``delay_on_commit`` (a broker that is down is
    logged, not raised, see ``enqueue_on_commit``), and its duration logged when it ends."""

    def delay_on_commit(self, *args) -> None:
        enqueue_on_commit(self, *args)

    def __call__(self, *args, **kwargs):
        started = time.monotonic()
        try:
            return super().__call__(*args, **kwargs)
        finally:
            logger.info("task %s took %.3f s", self.name, time.monotonic() - started)
