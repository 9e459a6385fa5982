"""A worker's round on a job, and one claimed chunk of items run against the provider's client."""

from __future__ import annotations

import secrets
import socket
import string
import time
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone, translation

from integrations.models import Connection, Job, JobItem
from integrations.operations import Op
from integrations.plans import person_key
from integrations.providers import (
    Operation,
    ProviderClient,
    ProviderError,
    TemporaryError,
    client_class,
    client_for,
    unreachable,
)
from integrations.provisioning import claims, jobs
from integrations.provisioning.outcomes import Outcomes, record, record_visible, runnable
from integrations.provisioning.progress import unfinished
from integrations.ratelimit import Limiter, answered, shared_limiter, wait_for_slot

IDLE_POLL_SECONDS = 0.2
# No look-alikes (0/O/o, 1/l/I): the password is typed from a printed slip.
PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0Oo1lI")


def initial_password() -> str:
    """12 characters from a cryptographic generator, with the classes the providers require."""
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(11)) + secrets.choice("-!+.")
        if (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password)
        ):
            return password


def run_items(
    client: ProviderClient, items: list[JobItem], *, connection: Connection, limiter: Limiter | None = None
) -> str | None:
    """Wait for the shared quota, record the attempts, call the provider (batched where the
    client can), record each outcome; a failure inside a batch is handled for its item alone.
    The database is written per batch, not per item: a few queries for a hundred calls.

    Items whose object was made and waits to be seen (``ProviderClient.confirmed``) are read back
    instead, in the same round; items that need something the provider does not show yet go
    back to the queue unattempted (``outcomes.runnable``): no call is spent on one that must fail.

    Returns the reason when no call of the round got through (the provider unreachable or
    failing): the job's notice; empty when some got through, None when none was made."""
    outcomes, notice = Outcomes(), None
    confirmed = client.confirmed
    to_confirm = [item for item in items if item.outcome and Op(item.op) in confirmed]
    to_run, later = runnable(
        outcomes,
        [item for item in items if item not in to_confirm],
        replication_seconds=client.replication_seconds,
        confirmed=confirmed,
    )
    claims.hold_back(later)
    if to_run or to_confirm:
        operations = [
            Operation(
                op=Op(item.op),
                key=item.key,
                payload=item.payload,
                password=initial_password() if item.op == Op.CREATE_USER else "",
                external_id=person_key(item.payload.get("person") or 0),
            )
            for item in to_run
        ]
        reads = [Operation(Op(item.op), item.key, item.payload) for item in to_confirm]
        wait, ticket = 0.0, secrets.token_hex(8)
        count = (client.calls_for(operations) if operations else 0) + (1 if reads else 0)
        if limiter is not None:
            wait = wait_for_slot(
                limiter,
                connection,
                time_scale=settings.PROVIDER_QUOTA_TIME_SCALE,
                count=count,
                ticket=ticket,
            )
        if wait > 0:  # the quota is spent for a while: give the items back, unattempted
            claims.give_back([*to_run, *to_confirm], wait)
        else:
            JobItem.objects.filter(pk__in=[i.pk for i in to_run]).update(attempts=F("attempts") + 1)
            results = client.apply_many(operations) if operations else []
            seen = client.visible(reads) if reads else []
            if limiter is not None:
                answered(limiter, connection, ticket, count, time_scale=settings.PROVIDER_QUOTA_TIME_SCALE)
            for item, operation, result in zip(to_run, operations, results, strict=True):
                record(
                    outcomes,
                    item,
                    operation,
                    result,
                    connection=connection,
                    limiter=limiter,
                    confirmed=confirmed,
                    replication_seconds=client.replication_seconds,
                )
            for item, result in zip(to_confirm, seen, strict=True):
                record_visible(outcomes, item, result)
            answers = [*results, *seen]
            stopped = [
                r for r in answers if isinstance(r, TemporaryError) and not (r.throttled or r.replication)
            ]
            notice = str(stopped[0]) if len(stopped) == len(answers) else ""
    outcomes.save()
    return notice


def work(job_id: int, *, budget_seconds: float = 20.0) -> bool:
    """Work on a job for a while; True when more remains (the task re-enqueues itself).

    In the municipality's language: the reasons recorded on its items are read on its pages
    (a worker, or ``manage.py provision``, has no language of its own)."""
    language = Job.objects.filter(pk=job_id).values_list("municipality__language", flat=True).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        return _work(job_id, budget_seconds=budget_seconds)


def _work(job_id: int, *, budget_seconds: float) -> bool:
    job = Job.objects.get(pk=job_id)  # not the plan: its items are megabytes of JSON
    if job.status in (Job.Status.CANCELLED, Job.Status.DONE, Job.Status.PAUSED):
        return False
    jobs.begin(job)
    claims.reconcile(job)
    connection = Connection.objects.get(provider=job.provider)
    try:
        client = client_for(connection)
    except Exception as error:  # noqa: BLE001 (the provider's sign-in endpoint failed: the next round tries again)
        reason = (
            error if isinstance(error, ProviderError) else unreachable(client_class(job.provider).name, error)
        )
        _tell(job, str(reason))
        return True
    limiter = shared_limiter()
    worker = f"{socket.gethostname()}:{secrets.token_hex(4)}"
    deadline = timezone.now() + timedelta(seconds=budget_seconds)
    heartbeat = claims.Heartbeat(worker, job.municipality_id)
    heartbeat.start()
    try:
        while timezone.now() < deadline:
            status = Job.objects.filter(pk=job.pk).values_list("status", flat=True).first()
            if status != Job.Status.RUNNING:
                return False
            items = claims.claim(job, worker, size=client.batch_size)
            if items:
                _tell(job, run_items(client, items, connection=connection, limiter=limiter))
                continue
            # Nothing to take now: the rest of the phase is in other workers' hands, or waits
            # for its back-off. Stay for the next moment rather than leave and queue again.
            if not unfinished(job):
                break
            soonest = claims.soonest_waiting(job)
            if soonest is not None and soonest > deadline:
                break
            time.sleep(IDLE_POLL_SECONDS)
    finally:
        heartbeat.stop()
        client.close()
    remaining = unfinished(job)
    if not remaining:
        jobs.finish(job)
    return remaining


def _tell(job: Job, notice: str | None) -> None:
    """Show why the job is not moving on its page (or that it moves again)."""
    if notice is not None and notice != job.notice:
        Job.objects.filter(pk=job.pk).update(notice=notice[:500])
        job.notice = notice
