"""How far a job is: counts by status, the pace over the last minute and the shared quota."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, TypedDict

from django.conf import settings
from django.utils import timezone

from integrations.models import Connection, Job, JobItem
from integrations.ratelimit import quota_state, shared_limiter

PACE_SECONDS = 60  # the rate on the job's page: items finished over the last minute or two
AT_QUOTA = 0.9  # "at the provider's quota" from this share of it on


class Progress(TypedDict):
    counts: dict[str, int]  # items by status
    total: int
    done: int
    failed: int
    remaining: int
    percent: int  # finished (done or failed) of the total


class Pace(TypedDict):
    rate: int  # items finished per minute
    eta: datetime | None
    soon: bool  # less than a minute left
    waiting: int  # items waiting for a retry
    quota: dict[str, Any] | None  # ``ratelimit.quota_state``, with "full"; None without a connection


def progress(job: Job) -> Progress:
    """From the job's counters (one row read by its key), whatever the number of its items."""
    counters = Job.objects.filter(pk=job.pk).values_list("items_total", "items_done", "items_failed").first()
    total, done, failed = counters or (None, 0, 0)
    if total is None:  # no worker has begun it yet: counted now, once
        total = count_items(job)
    remaining = max(total - done - failed, 0)
    return {
        "counts": {
            JobItem.Status.DONE: done,
            JobItem.Status.FAILED: failed,
            JobItem.Status.PENDING: remaining,
        },
        "total": total,
        "done": done,
        "failed": failed,
        "remaining": remaining,
        "percent": round(100 * (done + failed) / total) if total else 100,
    }


def count_items(job: Job) -> int:
    """The job's total, counted once (the first worker to begin it, or the first look before);
    the items are all inserted when the job is made."""
    total = JobItem.objects.filter(job=job).count()
    Job.objects.filter(pk=job.pk, items_total__isnull=True).update(items_total=total)
    return total


def pace(job: Job, remaining: int) -> Pace:
    """For the job's page while it runs: items finished per minute, when the rest should be
    done at that pace, how many wait for a retry, and the shared quota (used, paused).

    The rate compares the counters with a reading kept on the job (``pace_at``) that moves on
    once it is a minute old: over the last one to two minutes, without counting items."""
    now = timezone.now()
    row = (
        Job.objects.filter(pk=job.pk).values("items_done", "items_failed", "pace_at", "pace_finished").first()
    )
    if row is None:
        row = {"items_done": 0, "items_failed": 0, "pace_at": None, "pace_finished": 0}
    finished = row["items_done"] + row["items_failed"]
    since, before = row["pace_at"] or job.created_at, row["pace_finished"] if row["pace_at"] else 0
    elapsed = (now - since).total_seconds()
    rate = (finished - before) / elapsed * 60 if elapsed >= 1 else 0.0
    if elapsed >= PACE_SECONDS:  # the next reading; whoever looks first moves it
        Job.objects.filter(pk=job.pk, pace_at=row["pace_at"]).update(pace_at=now, pace_finished=finished)
    connection = Connection.objects.filter(provider=job.provider).first()
    quota = None
    if connection is not None:
        quota = quota_state(shared_limiter(), connection, time_scale=settings.PROVIDER_QUOTA_TIME_SCALE)
        quota["paused"] = math.ceil(quota["paused"])
        quota["full"] = quota["used"] >= AT_QUOTA * quota["limit"]
    minutes_left = remaining / rate if rate and remaining else None
    return {
        "rate": round(rate),
        "eta": now + timedelta(minutes=minutes_left) if minutes_left is not None else None,
        "soon": minutes_left is not None and minutes_left < 1,
        # Read from the waiting index: the items whose back-off has not passed, not the job's.
        "waiting": JobItem.objects.filter(job=job, status=JobItem.Status.PENDING, not_before__gt=now).count(),
        "quota": quota,
    }


def unfinished(job: Job) -> bool:
    """Items not finished yet (waiting or in a worker's hands)."""
    return JobItem.objects.filter(
        job=job, status__in=[JobItem.Status.PENDING, JobItem.Status.CLAIMED]
    ).exists()
