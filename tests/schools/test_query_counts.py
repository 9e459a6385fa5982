"""The cost of a page does not grow with the number of schools or people."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from tests.factories import PersonFactory, SchoolFactory

pytestmark = pytest.mark.django_db

PAGES = ["", "schools/", "people/", "members/", "audit/"]


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", PAGES)
def test_query_count_is_flat(world, client_for, page):
    client = client_for(world.a.users["officer"])
    path = f"/m/{world.a.municipality.slug}/{page}"
    client.get(path)  # the first request of a session also settles the MFA check
    before = _queries(client, path)
    with scopes_disabled():
        for _ in range(15):
            school = SchoolFactory(municipality=world.a.municipality)
            for _ in range(3):
                PersonFactory(municipality=world.a.municipality).schools.add(school)
    assert _queries(client, path) == before
