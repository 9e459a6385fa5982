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
    (a minute, run ten times faster: six seconds, still three times the usual)."""
    scale = 10.0 if request.param == "lagging" else 1.0
    running = start_sandbox(tmp_path / "replicating", profile=request.param, time_scale=scale)
    settings.SANDBOX_URL, settings.SANDBOX_CA_FILE = running.base_url, running.ca
    settings.PROVIDER_QUOTA_TIME_SCALE = scale
    with scopes_disabled():
        Connection.objects.filter(pk=world.a.connection.pk).delete()
    yield running
    running.stop()


def _work_for(job, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and runner.work(job.pk, budget_seconds=5):
        time.sleep(0.2)


@pytest.mark.parametrize("replicating", ["realistic"], indirect=True)
def test_members_and_licences_of_accounts_made_a_moment_ago_go_out_once_the_provider_shows_them(
    world, client_for, replicating
):
    """Sent while the new accounts were still invisible, they would be refused and cost a call
    each: they are held back for the provider's replication time and go out once, accepted."""
    names = [("Anna", "Nowak"), ("Jan", "Kowalski"), ("Ewa", "Wiśniewska")]
    with scope(municipality=world.a.municipality.pk):
        _client, _slug, _plan, job = _started(world, client_for, names, provider="microsoft", language="en")
        _work_for(job, 120)
        job.refresh_from_db()
        items = JobItem.objects.filter(job=job)
        assert job.status == "done"
        assert not items.filter(status="failed").exists(), list(items.values_list("op", "key", "error"))
        needing = items.filter(op__in=["add_member", "assign_licence"])
        assert needing.exists()
        assert set(needing.values_list("attempts", "waits")) == {(1, 0)}
    statuses = replicating.control("GET", "stats")["statuses"]
    assert not {k: n for k, n in statuses.items() if k.startswith("graph.licences") and k.endswith(":404")}


@pytest.mark.parametrize("replicating", ["lagging"], indirect=True)
def test_no_account_is_sent_into_a_unit_google_does_not_show_yet(world, client_for, replicating, settings):
    """Google's units replicating for a minute (far longer than usual): each new unit is read
    back until Google shows it, and only then do its child units and its accounts go out, so
    Google never refuses one for a unit it does not know yet."""
    with scope(municipality=world.a.municipality.pk):
        _client, _slug, _plan, job = _started(
            world, client_for, [("Anna", "Nowak"), ("Jan", "Kowalski")], provider="google", language="en"
        )
        _work_for(job, 240)
        job.refresh_from_db()
        items = JobItem.objects.filter(job=job)
        assert job.status == "done"
        assert not items.filter(status="failed").exists(), list(items.values_list("op", "key", "error"))
        units = items.filter(op="create_ou")
        assert units.exists() and set(units.values_list("outcome", flat=True)) == {"created"}
        assert all(waits > 0 for waits in units.values_list("waits", flat=True))  # read back until seen
        assert set(items.filter(op="create_user").values_list("attempts", "waits")) == {(1, 0)}
    statuses = replicating.control("GET", "stats")["statuses"]
    assert statuses.get("google.users.insert:400", 0) == 0
    assert statuses.get("google.orgunits.insert:400", 0) == 0  # no unit under a parent not seen yet


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
