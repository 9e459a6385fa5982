"""Applying a plan: a job with one item per operation, worked off in chunks by Celery workers.

- Items are claimed with a conditional UPDATE, so two workers never take the same item.
- Phases keep dependencies: units, then accounts and groups, then changes, then licences and
  memberships side by side.
- The attempt is recorded before the provider call; a retried item (after a crash, a broker
  redelivery or a timeout) adopts the object that already exists instead of making a second one.
- Temporary errors (throttling, 5xx) go back to the queue with exponential back-off and jitter,
  honouring Retry-After; an item that keeps failing stops after MAX_ATTEMPTS. Throttling is not
  the item's fault and costs it no attempt.
- Replication delay (a member whose account was made a moment ago) and "unavailable, come back
  in n seconds" (a 503 with Retry-After) are waited out: the item comes back later, up to
  MAX_WAITS times (a replication wait grows to a quarter of an hour of provider time), without
  spending attempts.
- A worker keeps the claim on its items fresh while it works (``Heartbeat``); items claimed by a
  worker that died go stale and are released by ``reconcile``.
"""

from __future__ import annotations

import logging
import math
import random
import secrets
import socket
import string
import threading
import time
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import connection as database
from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope

from integrations.crypto import encrypt_secret
from integrations.models import Connection, Job, JobItem, Plan
from integrations.operations import PREREQUISITES, Op
from integrations.plans import person_key, read_current
from integrations.providers import (
    Operation,
    PermanentError,
    ProviderError,
    TemporaryError,
    client_class,
    client_for,
    unreachable,
)
from integrations.ratelimit import answered, quota_name, quota_state, shared_limiter, wait_for_slot
from schools.audit import log_action, log_actions
from schools.models import Person

logger = logging.getLogger(__name__)

CHUNK = 25
MAX_ATTEMPTS = 8
MAX_WAITS = 40
REPLICATION_MAX_DELAY = 30.0  # provider seconds between two looks for something not visible yet
IDLE_POLL_SECONDS = 0.2
# No look-alikes (0/O/o, 1/l/I): the password is typed from a printed slip.
PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0Oo1lI")


class PlanChanged(Exception):
    """The provider changed since the plan was made: apply refuses, the reason says what to do."""


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


def check_unchanged(plan: Plan) -> None:
    """Apply exactly what was reviewed: refuse when the provider's state differs from the plan's."""
    connection = Connection.objects.get(provider=plan.provider)
    client = client_for(connection)
    try:
        current = read_current(client)
    finally:
        client.close()
    if current.fingerprint != plan.provider_state_hash:
        raise PlanChanged(plan.pk)


@transaction.atomic
def start_job(plan: Plan, *, actor=None, request=None) -> Job:
    """Turn a reviewed plan into a job; enqueue the workers after the commit."""
    if plan.status not in (Plan.Status.READY, Plan.Status.APPROVED):
        raise ValueError("only a plan ready for review (not blocked, not applied) can be applied")
    job = Job.objects.create(
        municipality=plan.municipality,
        plan=plan,
        provider=plan.provider,
        created_by=actor,
        status=Job.Status.QUEUED,
    )
    # The order of work: phase by phase, and inside a phase the kinds of operation interleaved
    # (the n-th licence beside the n-th membership), so that every chunk a worker claims mixes
    # what costs quota with what costs little and no kind is left to run alone at the end.
    ranks: Counter = Counter()
    ordered = []
    for index, item in enumerate(plan.items):
        phase = Op(item["op"]).item_phase(item["key"])
        if phase is None:
            continue
        ordered.append(((phase, ranks[phase, item["op"]], index), phase, item))
        ranks[phase, item["op"]] += 1
    ordered.sort(key=lambda entry: entry[0])
    items = [
        (
            seq,
            phase,
            item["op"],
            item["key"],
            item.get("school", ""),
            {**(item.get("details") or {}), "person": item.get("person")},
        )
        for seq, (_order, phase, item) in enumerate(ordered)
    ]
    _insert_items(job, items)
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.APPLIED)
    log_action(
        "job.start",
        actor=actor,
        municipality=plan.municipality,
        obj=job,
        changes={"items": len(items)},
        request=request,
    )
    transaction.on_commit(lambda: enqueue_work(job))
    return job


def _insert_items(job: Job, items: list[tuple]) -> None:
    """The job's items, (seq, phase, op, key, school, payload) each, in one statement: tens of
    thousands of rows, where ``bulk_create`` spent seconds preparing every field of every row
    before the first worker could start."""
    columns = ["job_id", "municipality_id", "seq", "phase", "op", "key", "school", "person_id", "payload"]
    columns += ["status", "attempts", "waits", "claimed_by", "outcome", "error", "secret_ciphertext"]
    payload = JobItem._meta.get_field("payload")
    quote = database.ops.quote_name
    sql = (
        f"INSERT INTO {quote(JobItem._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 (our names)
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    rows = [
        (job.pk, job.municipality_id, seq, phase, op, key, school, details.get("person"))
        + (payload.get_db_prep_save(details, database), JobItem.Status.PENDING, 0, 0, "", "", "", "")
        for seq, phase, op, key, school, details in items
    ]
    with database.cursor() as cursor:
        cursor.executemany(sql, rows)


def enqueue_work(job: Job) -> bool:
    """Several tasks side by side: the workers share the job, each claiming its own chunks.

    With the broker down the job stays stored and queued (the page does not fail): the
    reconciler, Celery beat's task, starts it once the broker is back. False then."""
    from kombu.exceptions import OperationalError

    from integrations.tasks import work_job

    try:
        for _lane in range(settings.JOB_PARALLEL_TASKS):
            work_job.delay(job.pk, job.municipality_id)
    except (OperationalError, OSError) as error:
        logger.warning("job %s: the broker is unavailable (%s); the reconciler will start it", job.pk, error)
        return False
    return True


def claim(job: Job, worker: str, size: int = CHUNK) -> list[JobItem]:
    """Take up to ``size`` pending items of the lowest unfinished phase (a conditional update)."""
    now = timezone.now()
    open_items = JobItem.objects.filter(job=job, status__in=[JobItem.Status.PENDING, JobItem.Status.CLAIMED])
    phase = open_items.aggregate(phase=Min("phase"))["phase"]
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
                    with scope(municipality=self.municipality_id):  # the job's tenant, in this thread too
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


def run_items(client, items: list[JobItem], *, limiter=None, connection=None) -> str | None:
    """Wait for the shared quota, record the attempts, call the provider (batched where the
    client can), record each outcome; a failure inside a batch is handled for its item alone.
    The database is written per batch, not per item: a few queries for a hundred calls.

    Returns the reason when no call of the round got through (the provider unreachable or
    failing): the job's notice; empty when some got through, None when none was made."""
    outcomes, notice = Outcomes(), None
    failed = _failed_dependencies(items)
    for item in items:
        if item.pk in failed:
            outcomes.finish(item, JobItem.Status.FAILED, error=failed[item.pk])
    runnable = [item for item in items if item.pk not in failed]
    if runnable:
        operations = [
            Operation(
                op=Op(item.op),
                key=item.key,
                payload=item.payload,
                password=initial_password() if item.op == Op.CREATE_USER else "",
                external_id=person_key(item.payload.get("person") or 0),
            )
            for item in runnable
        ]
        wait, ticket, count = 0.0, secrets.token_hex(8), client.calls_for(operations)
        if limiter is not None:
            wait = wait_for_slot(
                limiter,
                connection,
                time_scale=settings.PROVIDER_QUOTA_TIME_SCALE,
                count=count,
                ticket=ticket,
            )
        if wait > 0:  # the quota is spent for a while: give the items back, unattempted
            JobItem.objects.filter(pk__in=[i.pk for i in runnable], status=JobItem.Status.CLAIMED).update(
                status=JobItem.Status.PENDING,
                claimed_by="",
                not_before=timezone.now() + timedelta(seconds=wait),
            )
        else:
            JobItem.objects.filter(pk__in=[i.pk for i in runnable]).update(attempts=F("attempts") + 1)
            results = client.apply_many(operations)
            if limiter is not None:
                answered(limiter, connection, ticket, count, time_scale=settings.PROVIDER_QUOTA_TIME_SCALE)
            for item, operation, result in zip(runnable, operations, results, strict=True):
                _record(outcomes, item, operation, result, limiter=limiter, connection=connection)
            stopped = [
                r for r in results if isinstance(r, TemporaryError) and not (r.throttled or r.replication)
            ]
            notice = str(stopped[0]) if len(stopped) == len(results) else ""
    outcomes.save()
    return notice


def _record(outcomes: Outcomes, item: JobItem, operation: Operation, result, *, limiter, connection) -> None:
    if isinstance(result, TemporaryError):
        if limiter is not None and result.retry_after and result.throttled:
            # The provider's "slow down" holds for every worker, not just this one; a replication
            # delay or a server error concerns this item only.
            limiter.pause(quota_name(connection), result.retry_after)
        if result.replication or (result.retry_after is not None and not result.throttled):
            # Not visible yet, or "unavailable, come back in n seconds" (Graph's 503 with
            # Retry-After): the provider's condition, not the item's failure.
            _come_back_later(outcomes, item, result)
            return
        # Throttling is not the item's fault either: while a storm lasts an item may be sent
        # many times, and only the failures of its own (a 500, a dropped connection) count.
        attempts = item.attempts if result.throttled else item.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            outcomes.finish(item, JobItem.Status.FAILED, error=str(result))
            return
        if result.throttled and result.retry_after is not None:  # the provider's own Retry-After
            delay = result.retry_after
        else:
            delay = min(60.0, 2**attempts * 0.25)
        delay *= random.uniform(1.0, 1.3)  # noqa: S311 (jitter, not a secret)
        outcomes.retry(item, delay, str(result), attempts=attempts, waits=item.waits)
        return
    if isinstance(result, PermanentError):
        outcomes.finish(item, JobItem.Status.FAILED, error=str(result))
        return
    password = operation.password
    secret = encrypt_secret(item.municipality_id, password) if result == "created" and password else ""
    outcomes.finish(item, JobItem.Status.DONE, outcome=result, secret=secret)


def mark_accounts_made(person_ids: list[int], when=None) -> None:
    """The roster learns who has an account now, so dashboards count accounts from the roster
    alone (one column) instead of reading every job item."""
    if person_ids:
        Person.objects.filter(pk__in=person_ids).update(account_made_at=when or timezone.now())


def _come_back_later(outcomes: Outcomes, item: JobItem, result: TemporaryError) -> None:
    """Try again when the provider said (a replication delay: each time a little later, growing
    to half a minute), up to MAX_WAITS times; the attempt counted before the call is given back.
    Retry-After and hints are in provider time."""
    waits = item.waits + 1
    if waits >= MAX_WAITS:
        error = str(result)
        if result.replication:
            error = _(
                "The provider still does not show what this step needs (made earlier in this job) "
                "after a quarter of an hour of waiting. Apply the plan again later."
            )
        outcomes.finish(item, JobItem.Status.FAILED, error=error)
        return
    delay = result.retry_after or 2.0
    if result.replication:
        delay = min(REPLICATION_MAX_DELAY, delay * 1.5 ** min(waits - 1, 10))
    delay = delay / settings.PROVIDER_QUOTA_TIME_SCALE * random.uniform(1.0, 1.3)  # noqa: S311 (jitter)
    outcomes.retry(item, delay, str(result), attempts=item.attempts, waits=waits)


class Outcomes:
    """What a batch did, written in a few queries: finished items, items to try again, audit rows."""

    def __init__(self):
        self.finished: list[JobItem] = []
        self.retries: list[JobItem] = []

    def finish(
        self, item: JobItem, status: str, *, outcome: str = "", error: str = "", secret: str = ""
    ) -> None:
        item.status, item.outcome, item.error, item.finished_at = status, outcome, error, timezone.now()
        if secret:
            item.secret_ciphertext = secret
        self.finished.append(item)

    def retry(self, item: JobItem, delay: float, error: str, *, attempts: int, waits: int) -> None:
        item.not_before, item.error, item.attempts, item.waits = (
            timezone.now() + timedelta(seconds=delay),
            error,
            attempts,
            waits,
        )
        self.retries.append(item)

    @transaction.atomic
    def save(self) -> None:
        if self.finished:
            self._write_finished()
            # Every provider call's outcome is in the audit trail (never the password).
            log_actions(
                [
                    (
                        f"provider.{item.op}",
                        item,
                        {"outcome": item.outcome or item.status, "error": item.error[:300]},
                    )
                    for item in self.finished
                ],
                municipality=self.finished[0].municipality,
            )
        for item in self.retries:  # only if still ours (a reconciler may have released it)
            JobItem.objects.filter(pk=item.pk, status=JobItem.Status.CLAIMED).update(
                status=JobItem.Status.PENDING,
                claimed_by="",
                not_before=item.not_before,
                error=item.error,
                attempts=item.attempts,
                waits=item.waits,
            )

    def _write_finished(self) -> None:
        """One UPDATE per distinct (status, outcome, error), usually one or two for a whole batch,
        and the new accounts' passwords in one statement (``bulk_update``'s CASE expressions cost
        more in Python than the provider call they record)."""
        groups: dict[tuple, list[int]] = {}
        for item in self.finished:
            groups.setdefault((item.status, item.outcome, item.error), []).append(item.pk)
        finished_at = self.finished[0].finished_at
        for (status, outcome, error), pks in groups.items():
            JobItem.objects.filter(pk__in=pks).update(
                status=status, outcome=outcome, error=error, finished_at=finished_at
            )
        made = [
            item.person_id
            for item in self.finished
            if item.op == Op.CREATE_USER and item.outcome in ("created", "adopted") and item.person_id
        ]
        mark_accounts_made(made, finished_at)
        secrets_ = [(item.secret_ciphertext, item.pk) for item in self.finished if item.secret_ciphertext]
        if secrets_:
            table = database.ops.quote_name(JobItem._meta.db_table)
            with database.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET secret_ciphertext = %s WHERE id = %s",  # noqa: S608 (our table name)
                    secrets_,
                )


def _failed_dependencies(items: list[JobItem]) -> dict[int, str]:
    """A membership or licence whose account or group could not be created fails at once, saying
    which (one query for the whole batch)."""
    needs = {item.pk: Op(item.op).needs(item.key, item.payload) for item in items}
    needs = {pk: pairs for pk, pairs in needs.items() if pairs}
    if not needs:
        return {}
    keys = {key for pairs in needs.values() for _op, key in pairs}
    failed = set(
        JobItem.objects.filter(
            job_id=items[0].job_id,
            status=JobItem.Status.FAILED,
            op__in=PREREQUISITES,
            key__in=keys,
        ).values_list("op", "key")
    )
    found = {}
    for pk, pairs in needs.items():
        for pair in pairs:
            if pair in failed:
                found[pk] = _("%(object)s could not be created, so this step was not tried.") % {
                    "object": pair[1]
                }
                break
    return found


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
    Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(status=Job.Status.RUNNING)
    reconcile(job)
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
    heartbeat = Heartbeat(worker, job.municipality_id)
    heartbeat.start()
    try:
        while timezone.now() < deadline:
            status = Job.objects.filter(pk=job.pk).values_list("status", flat=True).first()
            if status != Job.Status.RUNNING:
                return False
            items = claim(job, worker, size=client.batch_size)
            if items:
                _tell(job, run_items(client, items, limiter=limiter, connection=connection))
                continue
            # Nothing to take now: the rest of the phase is in other workers' hands, or waits
            # for its back-off. Stay for the next moment rather than leave and queue again.
            waiting = JobItem.objects.filter(job=job, status=JobItem.Status.PENDING).aggregate(
                soonest=Min("not_before"), n=Count("pk")
            )
            if (
                not waiting["n"]
                and not JobItem.objects.filter(job=job, status=JobItem.Status.CLAIMED).exists()
            ):
                break
            soonest = waiting["soonest"]
            if soonest is not None and soonest > deadline:
                break
            time.sleep(IDLE_POLL_SECONDS)
    finally:
        heartbeat.stop()
        client.close()
    remaining = JobItem.objects.filter(
        job=job, status__in=[JobItem.Status.PENDING, JobItem.Status.CLAIMED]
    ).exists()
    if not remaining:
        finished = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.DONE, finished_at=timezone.now()
        )
        if finished:  # only the worker that finished it tells
            log_action("job.finish", municipality=job.municipality, obj=job, changes=progress(job)["counts"])
            from infra.tasks import enqueue_on_commit
            from integrations.tasks import notify_job_finished

            enqueue_on_commit(notify_job_finished, job.pk, job.municipality_id)
    return remaining


PACE_SECONDS = 60  # the rate on the job's page: items finished over the last minute
AT_QUOTA = 0.9  # "at the provider's quota" from this share of it on


def pace(job: Job, remaining: int) -> dict:
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


def _tell(job: Job, notice: str | None) -> None:
    """Show why the job is not moving on its page (or that it moves again)."""
    if notice is not None and notice != job.notice:
        Job.objects.filter(pk=job.pk).update(notice=notice[:500])
        job.notice = notice


def progress(job: Job) -> dict:
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
