"""The portal meeting the sandbox (sandbox/process.py starts it, sandbox/tests test it alone)."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from integrations.models import Connection, Layout
from sandbox.tests.conftest import fresh_sandbox, sandbox  # the same fixtures for the portal's tests
from schools.models import Person, School

__all__ = ["fresh_sandbox", "portal_uses", "roster", "sandbox"]


# --- the portal pointed at the sandbox (connections, plans, jobs) ------------------------------
@pytest.fixture
def portal_uses(fresh_sandbox, settings, world):
    """The portal's sandbox settings aimed at this test's sandbox; the world's placeholder
    Google connection of municipality A removed so that "use the sandbox" can connect."""
    settings.SANDBOX_URL = fresh_sandbox.base_url
    settings.SANDBOX_CA_FILE = fresh_sandbox.ca
    with scopes_disabled():
        Connection.objects.filter(pk=world.a.connection.pk).delete()
    return fresh_sandbox


def roster(world, names, language="bg"):
    """A layout and a school with these (first, last) names on municipality A's roster."""
    with scopes_disabled():
        Layout.objects.update_or_create(
            municipality=world.a.municipality,
            defaults={"domain": f"{world.a.municipality.slug}.sandbox.example", "name_language": language},
        )
        school = School.objects.create(
            municipality=world.a.municipality, name="СУ „Паисий Хилендарски“", code="2600300"
        )
        for first, last in names:
            Person.objects.create(
                municipality=world.a.municipality, first_name=first, last_name=last
            ).schools.add(school)
    return school
