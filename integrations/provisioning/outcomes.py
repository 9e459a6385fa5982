"""What each provider call did, recorded: done, failed, tried again with back-off, waited out,
or failed at once because the account or group it needs could not be made."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection as database
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.crypto import encrypt_secret
from integrations.models import Connection, Job, JobItem
from integrations.operations import PREREQUISITES, Op
from integrations.providers import Operation, Outcome, ProviderError, TemporaryError
from integrations.ratelimit import Limiter, quota_name
from schools.audit import log_actions
from schools.models import Person

MAX_ATTEMPTS = 8
MAX_WAITS = 40
REPLICATION_MAX_DELAY = 30.0  # provider seconds between two looks for something not visible yet


class Outcomes:
    """What a batch did, written in a few queries: finished items, items to try again, audit rows."""

    def __init__(self) -> None:
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

    def confirm_later(self, item: JobItem, outcome: str, delay: float) -> None:
        """Made, but not finished until the provider shows it: the item comes back after
        ``delay`` (the provider's usual replication time) to be read back (``runner.run_items``)."""
        item.outcome = outcome
        self.retry(item, delay, "", attempts=item.attempts, waits=item.waits)

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
                outcome=item.outcome,
                secret_ciphertext=item.secret_ciphertext,
                attempts=item.attempts,
                waits=item.waits,
            )

    def _write_finished(self) -> None:
        """One UPDATE per distinct (status, outcome, error), usually one or two for a whole batch,
        and the new accounts' passwords in one statement (``bulk_update``'s CASE expressions cost
        more in Python than the provider call they record)."""
        groups: dict[tuple[str, str, str, bool], list[int]] = {}
        for item in self.finished:
            groups.setdefault((item.status, item.outcome, item.error, _is_account(item)), []).append(item.pk)
        finished_at = self.finished[0].finished_at
        counted: dict[str, int] = {JobItem.Status.DONE: 0, JobItem.Status.FAILED: 0}
        accounts = 0
        for (status, outcome, error, account), pks in groups.items():
            # Only items still open: one finished twice (a late answer after a reconcile) counts once.
            n = JobItem.objects.filter(
                pk__in=pks, status__in=[JobItem.Status.PENDING, JobItem.Status.CLAIMED]
            ).update(status=status, outcome=outcome, error=error, finished_at=finished_at)
            counted[status] += n
            accounts += n if account else 0
        Job.objects.filter(pk=self.finished[0].job_id).update(
            items_done=F("items_done") + counted[JobItem.Status.DONE],
            items_failed=F("items_failed") + counted[JobItem.Status.FAILED],
            accounts_made=F("accounts_made") + accounts,
        )
        made = [item.person_id for item in self.finished if item.person_id and _is_account(item)]
        mark_accounts_made(made, finished_at)
        secrets_ = [(item.secret_ciphertext, item.pk) for item in self.finished if item.secret_ciphertext]
        if secrets_:
            table = database.ops.quote_name(JobItem._meta.db_table)
            with database.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET secret_ciphertext = %s WHERE id = %s",  # noqa: S608 (our table name)
                    secrets_,
                )


def _is_account(item: JobItem) -> bool:
    """A roster person's account made (or adopted) by this item."""
    return (
        item.op == Op.CREATE_USER
        and item.status == JobItem.Status.DONE
        and item.outcome in ("created", "adopted")
        and bool(item.person_id)
    )


def record(
    outcomes: Outcomes,
    item: JobItem,
    operation: Operation,
    result: Outcome,
    *,
    connection: Connection,
    limiter: Limiter | None = None,
    confirmed: frozenset[Op] = frozenset(),
    replication_seconds: float = 0.0,
) -> None:
    """One call's result: done (with the new account's password, encrypted), failed, or again later.
    A throttled call pauses ``connection``'s quota in the shared ``limiter`` (None: no shared quota).
    An object of the ``confirmed`` operations, made, comes back to be read back after
    ``replication_seconds`` (the client's) before its item is done."""
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
    if isinstance(result, ProviderError):  # a PermanentError: trying again will not help
        outcomes.finish(item, JobItem.Status.FAILED, error=str(result))
        return
    password = operation.password
    secret = encrypt_secret(item.municipality_id, password) if result == "created" and password else ""
    if secret:  # kept with the item from now on: the password exists only in this call
        item.secret_ciphertext = secret
    if result == "created" and item.op in confirmed:
        outcomes.confirm_later(item, result, replication_seconds / settings.PROVIDER_QUOTA_TIME_SCALE)
        return
    outcomes.finish(item, JobItem.Status.DONE, outcome=result, secret=secret)


def record_visible(outcomes: Outcomes, item: JobItem, result: Outcome) -> None:
    """A reading back of what the item made: seen (the item is done, with the outcome of the call
    that made it), not yet (it comes back later, like any replication delay), or an error."""
    if isinstance(result, TemporaryError) and result.replication:
        _come_back_later(outcomes, item, result)
        return
    if isinstance(result, ProviderError):
        attempts = item.attempts + 1
        if isinstance(result, TemporaryError) and attempts < MAX_ATTEMPTS:
            outcomes.retry(
                item, min(60.0, 2**attempts * 0.25), str(result), attempts=attempts, waits=item.waits
            )
        else:  # made, but it cannot be read: the items that need it would fail too
            outcomes.finish(item, JobItem.Status.FAILED, outcome=item.outcome, error=str(result))
        return
    outcomes.finish(item, JobItem.Status.DONE, outcome=item.outcome)


def mark_accounts_made(person_ids: list[int], when: datetime | None = None) -> None:
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


def runnable(
    outcomes: Outcomes, items: list[JobItem], *, replication_seconds: float, confirmed: frozenset[Op]
) -> tuple[list[JobItem], dict[int, datetime]]:
    """The items worth a call now, and those to send later (pk → when).

    An item whose account, group or unit could not be made fails here. One whose account or group
    was made less than the provider's replication time ago waits until then, unattempted: sent
    now, it would be refused and cost a call (a unit of ``confirmed`` is done only once it was
    read back, so what needs it goes at once). One query for the whole batch."""
    needs = {item.pk: Op(item.op).needs(item.key, item.payload) for item in items}
    needs = {pk: pairs for pk, pairs in needs.items() if pairs}
    if not needs:
        return items, {}
    keys = {key for pairs in needs.values() for _op, key in pairs}
    made = {
        (op, key): (status, outcome, finished_at)
        for op, key, status, outcome, finished_at in JobItem.objects.filter(
            job_id=items[0].job_id, op__in=PREREQUISITES, key__in=keys
        )
        .order_by()  # by the key index alone, no join for the default order
        .values_list("op", "key", "status", "outcome", "finished_at")
    }
    now = timezone.now()
    seen_after = timedelta(seconds=replication_seconds / settings.PROVIDER_QUOTA_TIME_SCALE)
    to_run, later = [], {}
    for item in items:
        failed, until = None, None
        for op, key in needs.get(item.pk, ()):
            if (op, key) not in made:  # not made by this job: the provider had it already
                continue
            status, outcome, finished_at = made[op, key]
            if status == JobItem.Status.FAILED:
                failed = key
                break
            if status != JobItem.Status.DONE:  # still in the works (an earlier phase holds it)
                when = now + seen_after
            elif outcome == "created" and op not in confirmed and finished_at is not None:
                when = finished_at + seen_after
            else:
                continue
            if when > now:
                until = max(until or when, when)
        if failed is not None:
            outcomes.finish(
                item,
                JobItem.Status.FAILED,
                error=_("%(object)s could not be created, so this step was not tried.") % {"object": failed},
            )
        elif until is not None:
            later[item.pk] = until
        else:
            to_run.append(item)
    return to_run, later
