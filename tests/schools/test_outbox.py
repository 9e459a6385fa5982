"""The outbox: work queued by a change exists only if the change committed, is handed to the
broker once, and stays for beat's flush when the broker is down (the broker-down case with a
real worker and Redis stopped: tests/integration/test_resilience_broker_down.py)."""

import pytest
from django.db import transaction
from django.utils import timezone

from schools import outbox
from schools.models import OutboxMessage
from schools.tasks import send_invitation

pytestmark = pytest.mark.django_db(transaction=True)


def test_work_asked_for_by_a_change_that_was_undone_never_leaves():
    with pytest.raises(RuntimeError), transaction.atomic():
        send_invitation.delay_on_commit(1, 1)
        raise RuntimeError("the change fails")
    assert not OutboxMessage.objects.exists()


def test_committed_work_is_kept_then_handed_over_once():
    with transaction.atomic():
        send_invitation.delay_on_commit(999_999, 999_999)  # no such invitation: the task ignores it
        message = OutboxMessage.objects.get()
        assert message.sent_at is None  # written with the change, before the commit
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 1  # handed over after the commit
    assert message.args == [999_999, 999_999]
    assert outbox.deliver(message.pk) is False and outbox.flush() == 0  # never twice


def test_a_claim_left_by_a_dead_process_is_taken_over_after_its_lease():
    message = OutboxMessage.objects.create(
        task="schools.tasks.send_invitation", args=[1, 1], claimed_at=timezone.now()
    )
    assert outbox.deliver(message.pk) is False  # someone else is handing it over
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_at=timezone.now() - outbox.LEASE * 2)
    assert outbox.flush() == 1
    message.refresh_from_db()
    assert message.sent_at is not None
