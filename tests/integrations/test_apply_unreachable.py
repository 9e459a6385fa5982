"""A provider that cannot be reached: each item's log says so in plain words, in the
municipality's language (not the worker's, which has none), and the item waits for its next
attempt instead of failing."""

import gc
import warnings

import pytest
from django.utils import translation
from django_scopes import scope, scopes_disabled

from integrations.models import Connection, JobItem
from integrations.provisioning import runner
from sandbox.process import start_sandbox
from tests.integrations.test_apply_sandbox import _started

pytestmark = pytest.mark.django_db


@pytest.fixture
def vanishing(tmp_path, settings, world):
    running = start_sandbox(tmp_path / "vanishing", time_scale=20)
    settings.SANDBOX_URL, settings.SANDBOX_CA_FILE = running.base_url, running.ca
    with scopes_disabled():
        Connection.objects.filter(pk=world.a.connection.pk).delete()
    yield running
    running.stop()


def _plain(world, name: str) -> set[str]:
    """What a refused or dropped connection reads like, in the municipality's language."""
    with translation.override(world.a.municipality.language):  # Bulgarian
        return {
            translation.gettext(text) % {"provider": name}
            for text in (
                "%(provider)s refused the connection.",
                "%(provider)s closed the connection before answering.",
            )
        }


@pytest.mark.parametrize(("provider", "name"), [("google", "Google"), ("microsoft", "Microsoft")])
def test_a_provider_gone_mid_job_is_explained_in_plain_words(world, client_for, vanishing, provider, name):
    with scope(municipality=world.a.municipality.pk):
        client, slug, _plan, job = _started(
            world, client_for, [("Щерьо", "Стойчев"), ("Мария", "Иванова")], provider=provider
        )
        vanishing.stop()  # the provider's address now refuses every connection
        translation.activate("en")  # what a worker process has: no language of its own
        try:
            assert runner.work(job.pk, budget_seconds=1)  # more to do
        finally:
            translation.deactivate()
            with warnings.catch_warnings():
                # httplib2 leaves the socket of a refused connection to the garbage collector
                # (HTTPSConnectionWithTimeout.connect closes self.sock, never assigned then):
                # collected here, not as an "unclosed socket" in whichever test runs next.
                warnings.simplefilter("ignore", ResourceWarning)
                gc.collect()
        job.refresh_from_db()
        plain = _plain(world, name)
        # The job's page says why it does not move (Microsoft fails at the sign-in, before any
        # item; Google at the first batch).
        assert job.notice in plain, job.notice
        page = client.get(f"/m/{slug}/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="bg").content.decode()
        assert job.notice in page
        tried = JobItem.objects.filter(job=job).exclude(error="")
        assert set(tried.values_list("error", flat=True)) <= plain
        assert not JobItem.objects.filter(job=job, status="failed").exists()  # they wait, not fail
