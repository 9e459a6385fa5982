"""The job's page while it runs: its pace (operations per minute), when it should end at that
pace, what waits to be tried again, and the quota shared by every worker (how much is in use,
or the pause the provider asked for)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from integrations.models import Job, JobItem
from integrations.ratelimit import quota, quota_name, shared_limiter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_limiter(settings, tmp_path):
    """This test's quota alone (the embedded limiter, in its own folder); the Redis one reads the
    same way (tests/integrations/test_ratelimit.py)."""
    settings.REDIS_URL, settings.VAR_DIR = "", tmp_path


def running_job(world, *, done: int, pending: int, retrying: int = 0):
    """A job started five minutes ago whose ``done`` items finished within the last minute: its
    counters as the workers keep them, and the page's reading of them taken a minute ago."""
    now = timezone.now()
    with scopes_disabled():
        job = world.a.job
        Job.objects.filter(pk=job.pk).update(status="running", created_at=now - timedelta(minutes=5))

        def item(n: int, **fields) -> JobItem:
            return JobItem(
                job=job,
                municipality=job.municipality,
                seq=n,
                phase=1,
                op="create_user",
                key=f"u{n}@x",
                **fields,
            )

        JobItem.objects.bulk_create(
            [item(n, status="done", finished_at=now - timedelta(seconds=30)) for n in range(done)]
            + [item(done + n, status="pending") for n in range(pending)]
            + [item(done + pending + n, not_before=now + timedelta(minutes=1)) for n in range(retrying)]
        )
        Job.objects.filter(pk=job.pk).update(
            items_total=done + pending + retrying,
            items_done=done,
            pace_at=now - timedelta(minutes=1),
            pace_finished=0,
        )
    return job


def progress_page(world, client_for, job) -> str:
    """The bar's partial as the IT admin's browser polls it, read in English."""
    admin = world.a.users["it_admin"]
    admin.language = "en"
    admin.save(update_fields=["language"])
    return client_for(admin).get(f"/m/{world.a.municipality.slug}/jobs/{job.pk}/progress/").content.decode()


def test_the_pace_and_the_time_left(world, client_for):
    # 120 done in the last minute, 240 left (2 of them waiting for a retry): about two minutes.
    job = running_job(world, done=120, pending=238, retrying=2)
    page = progress_page(world, client_for, job)
    # 120 over the minute since the reading, and the moment it took to open the page
    rate = int(re.search(r"(\d+) operations per minute", page).group(1))
    assert 100 <= rate <= 120
    assert "about 2\xa0minutes left" in page or "about 1\xa0minute left" in page
    assert "2 operations wait to be tried again" in page
    assert "0 of 2328 calls allowed per 60 s in use" in page  # nothing taken from the quota yet


def test_the_quota_in_use_and_a_pause_asked_by_the_provider(world, client_for, settings):
    job = running_job(world, done=10, pending=5)
    limiter = shared_limiter()
    name, (limit, window) = quota_name(world.a.connection), quota(world.a.connection)
    assert limiter.try_acquire(name, limit, window, count=limit - 100) == 0  # the workers' calls
    page = progress_page(world, client_for, job)
    assert re.search(r"(9|10) operations per minute · less than a minute left", page)  # 5 left at 10 a minute
    assert "At the provider's quota" in page and f"{limit - 100} of {limit} calls" in page
    limiter.pause(name, 30)  # a Retry-After of 30 s seen by one worker
    page = progress_page(world, client_for, job)
    assert "The provider asked us to slow down: every worker waits 30 more seconds." in page


def test_no_pace_once_the_job_is_over(world, client_for):
    job = running_job(world, done=5, pending=0)
    with scopes_disabled():
        Job.objects.filter(pk=job.pk).update(status="done")
    page = progress_page(world, client_for, job)
    assert "per minute" not in page and "calls allowed" not in page
