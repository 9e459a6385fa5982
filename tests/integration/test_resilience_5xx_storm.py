"""A storm of provider server errors: the sandbox's "storm5xx" profile answers a third of the
calls with 500/503, one in ten of them after the work was done (the account exists, the answer
is lost). With a real worker and Redis the job still ends with every account made exactly once
and none missing: retries back off and adopt what exists."""

import os

import pytest
from django.db.models import Q
from django_scopes import scope

from integrations.models import JobItem
from tests.integration.resilience import stack

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists("/usr/bin/redis-server"), reason="needs redis-server"),
]

PEOPLE = 60


@pytest.mark.parametrize("provider", ["google", "microsoft"])
def test_a_5xx_storm_ends_with_every_account_made_once(tmp_path, client_for, provider):
    with stack(tmp_path, profile="storm5xx", time_scale=20, JOB_PARALLEL_TASKS=2) as running:
        world, client, plan = running.prepare(client_for, PEOPLE, provider=provider)
        running.start_worker("storm", pool="prefork", concurrency=2)
        job = running.apply(world, client, plan)  # first reads the provider to compare: the storm may refuse
        running.finish(world, job, timeout=300)
        stats = running.assert_every_account_once(PEOPLE)
        server_errors = sum(
            count for key, count in stats["statuses"].items() if key.endswith((":500", ":503"))
        )
        assert server_errors >= 3, stats["statuses"]  # it was a storm (fewer calls now: none spent in vain)
        with scope(municipality=world.a.municipality.pk):
            # Tried again: after a 500 (an attempt more) or a 503 with Retry-After (a wait, no attempt).
            retried = JobItem.objects.filter(Q(attempts__gt=1) | Q(waits__gt=0), job=job).count()
        assert retried > 0
