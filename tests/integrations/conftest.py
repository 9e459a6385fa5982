"""The portal meeting the sandbox (sandbox/process.py starts it, sandbox/tests test it alone)."""

from __future__ import annotations

import pytest
from django_scopes import scope, scopes_disabled

from integrations import tasks
from integrations.models import Connection, Layout, Plan, PlanOperation
from sandbox.tests.conftest import fresh_sandbox, sandbox  # the same fixtures for the portal's tests
from schools.models import Municipality, Person, School

__all__ = ["apply_plan", "fresh_sandbox", "make_plan", "operations", "portal_uses", "roster", "sandbox"]


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


# --- plans: asked for in the page, made by the worker's task ------------------------------------
def make_plan(client, slug: str, provider: str, **post) -> Plan:
    """ "Make a plan" as the page asks for it, then the worker's task run here, in this process
    (tests/integration runs the same task in a real worker)."""
    response = client.post(f"/m/{slug}/plans/new/{provider}/", **post)
    assert response.status_code == 302, response
    municipality = Municipality.objects.get(slug=slug)
    with scope(municipality=municipality.pk):
        plan = Plan.objects.latest("pk")
    assert plan.status == Plan.Status.MAKING
    tasks.make_plan(plan.pk, municipality.pk)
    plan.refresh_from_db()
    return plan


def apply_plan(client, slug: str, plan: Plan, **post):
    """ "Apply" as the page asks for it, then the worker's check-and-start task run here; the
    response of the page's POST."""
    response = client.post(f"/m/{slug}/plans/{plan.pk}/apply/", **post)
    user_id = client.session.get("_auth_user_id")  # who asked: the job is theirs
    tasks.apply_plan(plan.pk, plan.municipality_id, int(user_id) if user_id else None)
    plan.refresh_from_db()
    return response


def operations(plan: Plan) -> list[dict]:
    """The plan's operations in order, as {op, key, school, person, details}."""
    with scopes_disabled():
        rows = PlanOperation.objects.filter(plan=plan).order_by("seq")
        return list(rows.values("op", "key", "school", "person", "details"))
