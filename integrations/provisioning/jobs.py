"""Jobs: made from a reviewed plan (one item per operation, in the order of work), their workers
enqueued after the commit, and their transitions (running, paused, resumed, cancelled, done)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection as database
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from infra.tasks import enqueue_on_commit
from integrations.models import Connection, Job, JobItem, Plan, PlanOperation
from integrations.plans import read_current
from integrations.providers import client_for
from integrations.provisioning.progress import count_items, progress
from schools.audit import ActionContext, log_action, record

logger = logging.getLogger(__name__)


class PlanChanged(Exception):
    """The provider changed since the plan was made: apply refuses, the reason says what to do."""


class ProviderUnreadable(Exception):
    """The provider could not be read to compare it with the plan: nothing was applied."""


class PlanNotReady(ValueError):
    """Only a plan ready for review (not blocked, not applied) can be applied."""


# action → (the states it may leave, the state it goes to)
TRANSITIONS = {
    "pause": ([Job.Status.QUEUED, Job.Status.RUNNING], Job.Status.PAUSED),
    "resume": ([Job.Status.PAUSED], Job.Status.RUNNING),
    "cancel": ([Job.Status.QUEUED, Job.Status.RUNNING, Job.Status.PAUSED], Job.Status.CANCELLED),
}


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


def request_apply(ctx: ActionContext, plan: Plan) -> None:
    """ "Apply": the plan waits in "applying" while a worker checks the provider and starts the
    job (``integrations.tasks.apply_plan``); the request reads nothing from the provider."""
    from integrations.tasks import apply_plan as apply_plan_task  # cycle: the tasks run this package

    with transaction.atomic():
        ready = Plan.objects.filter(pk=plan.pk, status__in=[Plan.Status.READY, Plan.Status.APPROVED])
        asked_by = ctx.actor.pk if ctx.actor else None  # the job is theirs, whichever task starts it
        if not ready.update(
            status=Plan.Status.APPLYING, failure={}, progress={**plan.progress, "apply_by": asked_by}
        ):
            raise PlanNotReady("only a plan ready for review (not blocked, not applied) can be applied")
        record(ctx, "plan.apply", plan)
        enqueue_on_commit(apply_plan_task, plan.pk, plan.municipality_id, asked_by)


def apply_requested(ctx: ActionContext, plan: Plan) -> Job | None:
    """The worker's part of "Apply": the provider read again and, unchanged, the job started.
    Changed, the plan says so; unreadable, it is ready again with the reason. None then."""
    if plan.status != Plan.Status.APPLYING:
        return None
    try:
        return apply_plan(ctx, plan)
    except PlanChanged:
        Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.CHANGED)
    except ProviderUnreadable as error:
        failure = {"kind": "apply_unreadable", "reason": str(error)}
        Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.READY, failure=failure)
    except PlanNotReady:  # the task delivered twice: the other delivery started the job
        pass
    return None


def apply_plan(ctx: ActionContext, plan: Plan) -> Job:
    """The provider is read again (outside any transaction) and, unchanged, the job starts."""
    try:
        check_unchanged(plan)
    except PlanChanged:
        raise
    except Exception as error:  # noqa: BLE001 (any failure to read the provider: nothing is applied)
        raise ProviderUnreadable(type(error).__name__) from error
    return start_job(ctx, plan)


@transaction.atomic
def start_job(ctx: ActionContext, plan: Plan) -> Job:
    """Turn a reviewed plan into a job; enqueue the workers after the commit."""
    startable = [Plan.Status.READY, Plan.Status.APPROVED, Plan.Status.APPLYING]
    if not Plan.objects.select_for_update().filter(pk=plan.pk, status__in=startable).exists():
        raise PlanNotReady("only a plan ready for review (not blocked, not applied) can be applied")
    job = Job.objects.create(
        municipality=plan.municipality,
        plan=plan,
        provider=plan.provider,
        created_by=ctx.actor,
        status=Job.Status.QUEUED,
    )
    count = _insert_items(job, plan)
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.APPLIED)
    record(ctx, "job.start", job, {"items": count})
    transaction.on_commit(lambda: enqueue_work(job))
    return job


def _insert_items(job: Job, plan: Plan) -> int:
    """The job's items from the plan's rows in one INSERT … SELECT: the plan never passes through
    Python, however many operations it has.

    The order of work: phase by phase (``Op.item_phase``, stored on each row), and inside a phase
    the kinds of operation interleaved (the n-th licence beside the n-th membership: the rank of
    a row among its phase and kind), so that every chunk a worker claims mixes what costs quota
    with what costs little and no kind is left to run alone at the end. Rows that are not work
    (conflicts) have no phase and are left out."""
    quote = database.ops.quote_name
    columns = ["job_id", "municipality_id", "seq", "phase", "op", "key", "school", "person_id", "payload"]
    columns += ["status", "attempts", "waits", "claimed_by", "outcome", "error", "secret_ciphertext"]
    if database.vendor == "postgresql":
        payload = "COALESCE(details, '{}'::jsonb) || jsonb_build_object('person', person_id)"
    else:
        payload = "json_set(COALESCE(details, '{}'), '$.person', person_id)"
    sql = f"""
        INSERT INTO {quote(JobItem._meta.db_table)} ({", ".join(quote(c) for c in columns)})
        SELECT %s, municipality_id, row_number() OVER (ORDER BY phase, rank, seq) - 1, phase, op,
               {quote("key")}, school, person_id, {payload}, %s, 0, 0, '', '', '', ''
        FROM (
            SELECT *, row_number() OVER (PARTITION BY phase, op ORDER BY seq) AS rank
            FROM {quote(PlanOperation._meta.db_table)}
            WHERE plan_id = %s AND phase IS NOT NULL
        ) AS planned
    """  # noqa: S608 (our own table and column names)
    with database.cursor() as cursor:
        cursor.execute(sql, [job.pk, JobItem.Status.PENDING, plan.pk])
        return int(cursor.rowcount)


def enqueue_work(job: Job) -> bool:
    """Several tasks side by side: the workers share the job, each claiming its own chunks.

    With the broker down the job stays stored and queued (the page does not fail): the
    reconciler, Celery beat's task, starts it once the broker is back. False then."""
    from integrations.tasks import work_job  # cycle: the tasks run this package

    try:
        for _lane in range(settings.JOB_PARALLEL_TASKS):
            work_job.delay(job.pk, job.municipality_id)
    except (OperationalError, OSError) as error:
        logger.warning("job %s: the broker is unavailable (%s); the reconciler will start it", job.pk, error)
        return False
    return True


@transaction.atomic
def control(ctx: ActionContext, job: Job, action: str) -> bool:
    """Pause, resume or cancel (``TRANSITIONS``); False when the job's state does not allow it."""
    if action not in TRANSITIONS:
        return False
    allowed, target = TRANSITIONS[action]
    if not Job.objects.filter(pk=job.pk, status__in=allowed).update(status=target):
        return False
    record(ctx, f"job.{action}", job)
    if action == "resume":
        transaction.on_commit(lambda: enqueue_work(job))
    return True


def begin(job: Job) -> None:
    """The first worker to take a queued job marks it running and counts its items (once: the
    page and the dashboards read the counters from then on)."""
    if Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(status=Job.Status.RUNNING):
        count_items(job)


def finish(job: Job) -> bool:
    """No item left: the job is done. Only the worker that finished it records it and has the
    person who started it told (False for the others)."""
    from integrations.tasks import notify_job_finished  # cycle: the tasks run this package

    finished = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
        status=Job.Status.DONE, finished_at=timezone.now()
    )
    if finished:
        log_action("job.finish", municipality=job.municipality, obj=job, changes=progress(job)["counts"])
        enqueue_on_commit(notify_job_finished, job.pk, job.municipality_id)
    return bool(finished)
