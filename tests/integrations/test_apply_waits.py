"""Waiting without failing: the provider's replication delay and a slow worker's claims."""

import time

import pytest
from django.utils import translation
from django_scopes import scope, scopes_disabled

from integrations.models import Connection, JobItem
from integrations.provisioning import claims, outcomes, runner
from sandbox.process import start_sandbox
from tests.integrations.test_apply_sandbox import _started

pytestmark = pytest.mark.django_db


@pytest.fixture
def replicating(tmp_path, settings, world, request):
    """A sandbox on ``request.param``: realistic (two seconds of replication delay) or lagging
    (a minute)."""
    running = start_sandbox(tmp_path / "replicating", profile=request.param)
    settings.SANDBOX_URL, settings.SANDBOX_CA_FILE = running.base_url, running.ca
    settings.PROVIDER_QUOTA_TIME_SCALE = 1.0
    with scopes_disabled():
        Connection.objects.filter(pk=world.a.connection.pk).delete()
    yield running
    running.stop()


def _work_for(job, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and runner.work(job.pk, budget_seconds=5):
        time.sleep(0.2)


@pytest.mark.parametrize("replicating", ["realistic"], indirect=True)
def test_members_of_accounts_made_a_moment_ago_wait_and_are_added_without_spending_attempts(
    world, client_for, replicating
):
    names = [("Anna", "Nowak"), ("Jan", "Kowalski"), ("Ewa", "Wiśniewska")]
    with scope(municipality=world.a.municipality.pk):
        _client, _slug, _plan, job = _started(world, client_for, names, provider="microsoft", language="en")
        _work_for(job, 120)
        job.refresh_from_db()
        items = JobItem.objects.filter(job=job)
        assert job.status == "done"
        assert not items.filter(status="failed").exists(), list(items.values_list("op", "key", "error"))
        waited = items.filter(waits__gt=0)
        # The memberships (and licences) went out while the new accounts were still invisible: they waited…
        assert waited.filter(op="add_member").exists()
        # …and waiting is not failing: one provider attempt that counted, whatever the looks.
        assert set(waited.values_list("attempts", flat=True)) == {1}
        assert set(waited.values_list("outcome", flat=True)) <= {"added", "adopted", "licensed"}


@pytest.mark.parametrize("replicating", ["lagging"], indirect=True)
def test_an_item_that_waits_too_long_fails_with_a_reason_to_come_back_later(
    world, client_for, replicating, monkeypatch
):
    monkeypatch.setattr(outcomes, "MAX_WAITS", 3)  # three looks instead of a quarter of an hour's
    with scope(municipality=world.a.municipality.pk):
        _client, _slug, _plan, job = _started(
            world, client_for, [("Anna", "Nowak")], provider="microsoft", language="en"
        )
        _work_for(job, 60)
        job.refresh_from_db()
        membership = JobItem.objects.filter(job=job, op="add_member").first()
        assert job.status == "done" and membership.status == "failed"
        assert membership.waits == 2 and membership.attempts == 1
        with translation.override(world.a.municipality.language):  # the job's messages are in its language
            assert membership.error == translation.gettext(
                "The provider still does not show what this step needs (made earlier in this job) "
                "after a quarter of an hour of waiting. Apply the plan again later."
            )
        assert set(JobItem.objects.filter(job=job, op="create_user").values_list("status", flat=True)) == {
            "done"
        }


@pytest.mark.django_db(transaction=True)
def test_a_slow_worker_keeps_its_items_and_a_stopped_one_loses_them(world, client_for, portal_uses, settings):
    """The reconciler releases the items of a worker that stopped beating, never those of one
    that is still waiting for the quota or the provider (two workers would call for one item)."""
    settings.JOB_ITEM_STUCK_SECONDS = 3
    with scope(municipality=world.a.municipality.pk):
        _client, _slug, _plan, job = _started(world, client_for, [("Anna", "Nowak"), ("Jan", "Kowalski")])
        items = claims.claim(job, "slow-worker")
        assert items
        heartbeat = claims.Heartbeat("slow-worker", world.a.municipality.pk)
        heartbeat.start()
        try:
            time.sleep(4.5)  # longer than JOB_ITEM_STUCK_SECONDS: only the heartbeat keeps them
            assert claims.reconcile(job) == 0
            assert JobItem.objects.filter(job=job, claimed_by="slow-worker", status="claimed").count() == len(
                items
            )
        finally:
            heartbeat.stop()
        time.sleep(3.5)
        assert claims.reconcile(job) == len(items)
        assert not JobItem.objects.filter(job=job, status="claimed").exists()
