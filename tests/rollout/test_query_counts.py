"""The rollout pages cost the same number of queries with 2 schools or 17."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from rollout.models import Task
from tests.factories import PersonFactory, SchoolFactory
from tests.rollout.helpers import start

pytestmark = pytest.mark.django_db


def _queries(client, path) -> int:
    client.get(path)  # settles anything the facts change
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "page",
    [
        "programmes/",
        "programmes/{p}/",
        "programmes/{p}/timeline/",
        "my-tasks/",
        "monitoring/",
        "activities/{a}/",
    ],
)
@pytest.mark.parametrize("role", ["officer", "director"])
def test_query_count_is_flat(world, client_for, page, role):
    if role == "director" and page == "monitoring/":
        pytest.skip("directors do not see monitoring")
    programme = start(world.a)  # covers all schools
    with scopes_disabled():
        activity = (
            Task.objects.filter(activity__programme=programme, activity__fact_kind="teacher_accounts")
            .first()
            .activity
        )
    client = client_for(world.a.users[role])
    path = f"/m/{world.a.municipality.slug}/" + page.format(p=programme.pk, a=activity.pk)
    client.get(path)  # the first request of a session also settles the MFA check
    before = _queries(client, path)
    with scopes_disabled():
        for _ in range(15):
            school = SchoolFactory(municipality=world.a.municipality)
            for _ in range(3):
                PersonFactory(municipality=world.a.municipality).schools.add(school)
            world.a.memberships["director"].schools.add(school)
        assert Task.objects.filter(activity=activity).count() == 17
    assert _queries(client, path) == before
