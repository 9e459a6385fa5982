"""Which worker holds which items: claimed with a conditional UPDATE (two workers never take the
same item), kept fresh while the worker works, released when the worker stopped."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection as database
from django.db.models import Q
from django.utils import timezone

from integrations.models import Job, JobItem
from schools.access import municipality_scope

logger = logging.getLogger(__name__)

CHUNK = 25


def lowest_open_phase(job: Job) -> int | None:
    """The phase being worked: one look into the claiming index per status (a ``MIN`` over both
    statuses at once would read every open item of the job)."""
    phases = [
        JobItem.objects.filter(job=job, status=status)
        .order_by("phase")
        .values_list("phase", flat=True)
        .first()
        for status in (JobItem.Status.PENDING, JobItem.Status.CLAIMED)
    ]
    found = [phase for phase in phases if phase is not None]
    return min(found) if found else None


def claim(job: Job, worker: str, size: int = CHUNK) -> list[JobItem]:
    """Take up to ``size`` pending items of the lowest unfinished phase (a conditional update),
    first in the order of work: the claiming index (job, status, phase, seq) gives them in order,
    so a claim reads the chunk it takes and the waiting items ahead of it, never the whole job."""
    now = timezone.now()
    phase = lowest_open_phase(job)
    if phase is None:
        return []
    candidates = list(
        JobItem.objects.filter(job=job, phase=phase, status=JobItem.Status.PENDING)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .order_by("seq")
        .values_list("pk", flat=True)[:size]
    )
    if not candidates:
        return []
    JobItem.objects.filter(pk__in=candidates, status=JobItem.Status.PENDING).update(
        status=JobItem.Status.CLAIMED, claimed_by=worker, claimed_at=now
    )
    # The worker's name is new for every round of work and its earlier chunks are settled, so
    # the candidates now claimed in its name are the ones this update took (the heartbeat may
    # already have moved their claimed_at).
    return list(
        JobItem.objects.select_related("municipality").filter(
            pk__in=candidates, status=JobItem.Status.CLAIMED, claimed_by=worker
        )
    )


def give_back(items: list[JobItem], delay: float) -> None:
    """The quota is spent for a while: the items go back to the queue, unattempted."""
    JobItem.objects.filter(pk__in=[i.pk for i in items], status=JobItem.Status.CLAIMED).update(
        status=JobItem.Status.PENDING,
        claimed_by="",
        not_before=timezone.now() + timedelta(seconds=delay),
    )


def hold_back(until: dict[int, datetime]) -> None:
    """Items that need something the provider does not show yet go back to the queue until
    then, unattempted (one UPDATE per moment, usually one or two for a chunk)."""
    moments: dict[datetime, list[int]] = {}
    for pk, when in until.items():
        moments.setdefault(when, []).append(pk)
    for when, pks in moments.items():
        JobItem.objects.filter(pk__in=pks, status=JobItem.Status.CLAIMED).update(
            status=JobItem.Status.PENDING, claimed_by="", not_before=when
        )


def soonest_waiting(job: Job) -> datetime | None:
    """When the first item waiting for its back-off may go (the waiting index, read at one end)."""
    return (
        JobItem.objects.filter(job=job, status=JobItem.Status.PENDING, not_before__isnull=False)
        .order_by("not_before")
        .values_list("not_before", flat=True)
        .first()
    )


class Heartbeat(threading.Thread):
    """Keeps the claim on a worker's items fresh while it waits for the quota or the provider, so
    that ``reconcile`` releases only the items of a worker that stopped (killed, lost), never
    those of one that is slow; two workers never call the provider for the same item."""

    def __init__(self, worker: str, municipality_id: int):
        super().__init__(name=f"claims {worker}", daemon=True)
        self.worker, self.municipality_id = worker, municipality_id
        self.every = max(1.0, settings.JOB_ITEM_STUCK_SECONDS / 3)
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.every):
                try:
                    with municipality_scope(self.municipality_id):  # the job's tenant, in this thread too
                        JobItem.objects.filter(claimed_by=self.worker, status=JobItem.Status.CLAIMED).update(
                            claimed_at=timezone.now()
                        )
                except Exception:  # noqa: BLE001 (a busy database: the next beat tries again)
                    logger.warning("worker %s: could not refresh its claims", self.worker, exc_info=True)
        finally:
            database.close()  # this thread's own connection

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)


def idle(job: Job) -> bool:
    """Items wait but no worker holds any: the tasks were lost (a broker restarted empty)."""
    items = JobItem.objects.filter(job=job)
    return (
        not items.filter(status=JobItem.Status.CLAIMED).exists()
        and items.filter(status=JobItem.Status.PENDING).exists()
    )


def reconcile(job: Job) -> int:
    """Release items claimed by a worker that stopped (killed, lost) so others take them."""
    return JobItem.objects.filter(
        job=job,
        status=JobItem.Status.CLAIMED,
        claimed_at__lt=timezone.now() - timedelta(seconds=settings.JOB_ITEM_STUCK_SECONDS),
    ).update(status=JobItem.Status.PENDING, claimed_by="")
