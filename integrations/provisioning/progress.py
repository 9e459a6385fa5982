"""How far a job is: counts by status, the pace over the last minute and the shared quota."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, TypedDict

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from integrations.models import Connection, Job, JobItem
from integrations.ratelimit import quota_state, shared_limiter

PACE_SECONDS = 60  # the rate on the job's page: items finished over the last minute
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
    rows = JobItem.objects.filter(job=job).values("status").annotate(n=Count("id"))
    counts = {row["status"]: row["n"] for row in rows}
    total = sum(counts.values())
    done = counts.get(JobItem.Status.DONE, 0)
    failed = counts.get(JobItem.Status.FAILED, 0)
    return {
        "counts": counts,
        "total": total,
        "done": done,
        "failed": failed,
        "remaining": total - done - failed,
        "percent": round(100 * (done + failed) / total) if total else 100,
    }


def pace(job: Job, remaining: int) -> Pace:
    """For the job's page while it runs: items finished per minute, when the rest should be
    done at that pace, how many wait for a retry, and the shared quota (used, paused)."""
    now = timezone.now()
    since = max(now - timedelta(seconds=PACE_SECONDS), job.created_at)
    elapsed = (now - since).total_seconds()
    finished = JobItem.objects.filter(job=job, finished_at__gte=since).count()
    rate = finished / elapsed * 60 if elapsed >= 1 else 0.0
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
        "waiting": JobItem.objects.filter(job=job, status=JobItem.Status.PENDING, not_before__gt=now).count(),
        "quota": quota,
    }


def unfinished(job: Job) -> bool:
    """Items not finished yet (waiting or in a worker's hands)."""
    return JobItem.objects.filter(
        job=job, status__in=[JobItem.Status.PENDING, JobItem.Status.CLAIMED]
    ).exists()
