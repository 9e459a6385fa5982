"""A plan of 20,000 operations: its page shows the schools × kinds table and the changes a page
at a time (by school, by kind), and its CSV streams every operation."""

import csv
import io

import pytest
from django.test import override_settings
from django.utils import translation
from django.utils.html import escape
from django_scopes import scope, scopes_disabled

from integrations import planning
from integrations.models import Connection, PlanOperation
from integrations.operations import Op
from integrations.providers import client_for as provider_client
from schools.models import PersonalDataAccess
from tests.integrations.conftest import make_plan, roster
from tests.links import signed

pytestmark = pytest.mark.django_db

SCHOOLS = 120
KINDS = (Op.CREATE_USER, Op.ADD_MEMBER)


def _big_plan(world):
    """20,000 operations over 120 schools, written straight as rows (as the worker stores them)."""
    plan = world.a.plan
    with scopes_disabled():
        plan.operations.all().delete()
        rows = []
        for seq in range(20_000):
            school = f"School {seq % SCHOOLS:03d}"
            op = KINDS[seq % 2]
            rows.append(
                PlanOperation(
                    plan=plan,
                    municipality=plan.municipality,
                    seq=seq,
                    phase=Op(op).item_phase(""),
                    op=op,
                    key=f"person{seq}@town.example",
                    school=school,
                    details={"given": "Anna", "family": f"Nowak{seq}"},
                )
            )
        PlanOperation.objects.bulk_create(rows, batch_size=5000)
        plan.summary = planning.summarise(plan, managed_users=0)
        plan.status = "ready"
        plan.save(update_fields=["summary", "status"])
    return plan


def test_a_plan_of_20000_operations_pages_by_school_and_kind(world, client_for):
    plan = _big_plan(world)
    assert plan.summary["counts"] == {"add_member": 10_000, "create_user": 10_000}
    assert len(plan.summary["by_school"]) == SCHOOLS
    client = client_for(world.a.users["it_admin"])
    url = f"/m/{world.a.municipality.slug}/plans/{plan.pk}/"

    page = client.get(url)
    assert page.status_code == 200
    details = page.context["details"]
    assert details.paginator.count == 20_000 and details.paginator.num_pages == 200
    assert [row.key for row in details][:2] == ["person0@town.example", "person1@town.example"]
    assert len(page.context["school_rows"]) == 50  # the first page of the schools' table
    assert page.context["schools"].paginator.num_pages == 3

    last = client.get(url, {"page": 200})
    assert [row.key for row in last.context["details"]][-1] == "person19999@town.example"

    third = client.get(url, {"schools": 3})
    assert [name for name, _cells in third.context["school_rows"]][0] == "School 100"

    # One school's memberships: 83 of them (seq 7, 247, …, every 240th), over a page and a bit.
    expected = [f"person{seq}@town.example" for seq in range(20_000) if seq % SCHOOLS == 7 and seq % 2]
    seen = []
    for number in (1, 2):
        one = client.get(url, {"school": "School 007", "op": "add_member", "page": number})
        assert one.context["details"].paginator.count == len(expected)
        assert all(row.school == "School 007" and row.op == "add_member" for row in one.context["details"])
        seen += [row.key for row in one.context["details"]]
    assert seen == expected[:200]


def test_the_csv_of_20000_operations_streams_every_row_and_is_recorded(world, client_for):
    plan = _big_plan(world)
    client = client_for(world.a.users["it_admin"])
    response = client.get(signed(client, f"/m/{world.a.municipality.slug}/plans/{plan.pk}/csv/"))
    assert response.status_code == 200 and response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["operation", "object", "school", "details"]
    assert len(rows) == 20_001
    assert rows[1][:3] == ["create_user", "person0@town.example", "School 000"]
    assert rows[-1][1] == "person19999@town.example"
    with scope(municipality=world.a.municipality.pk):
        access = PersonalDataAccess.objects.latest("pk")
    assert access.detail == f"plan {plan.pk}"


def test_a_provider_beyond_the_read_bound_fails_the_plan_saying_which(world, client_for, portal_uses):
    roster(world, [("Anna", "Nowak")], language="pl")
    slug = world.a.municipality.slug
    client = client_for(world.a.users["it_admin"])
    client.post(f"/m/{slug}/connections/sandbox/google/")
    with scopes_disabled():
        connection = Connection.objects.get(municipality=world.a.municipality, provider="google")
    google = provider_client(connection)  # an account made in the Admin console
    google.service.users().insert(
        body={
            "primaryEmail": f"someone@{connection.primary_domain}",
            "name": {"givenName": "Some", "familyName": "One"},
            "password": "Console-pass-1",
        }
    ).execute()
    google.close()
    with override_settings(PLAN_READ_LIMITS={"accounts": 0, "groups": 500, "members": 5000}):
        refused = make_plan(client, slug, "google")
    assert refused.status == "failed"
    assert refused.failure == {"kind": "bound", "what": "accounts", "limit": 0}
    page = client.get(f"/m/{slug}/plans/{refused.pk}/")
    with translation.override(page.context["LANGUAGE_CODE"]):
        assert page.context["failure"] == planning.failure_message(refused)
    assert escape(page.context["failure"]) in page.content.decode()
    assert "kinds" not in page.context  # no review of a plan that was not made


def test_a_provider_that_cannot_be_read_fails_the_plan_in_plain_words(world, client_for, portal_uses):
    roster(world, [("Anna", "Nowak")], language="pl")
    slug = world.a.municipality.slug
    client = client_for(world.a.users["it_admin"])
    client.post(f"/m/{slug}/connections/sandbox/microsoft/")
    with scopes_disabled():
        Connection.objects.filter(municipality=world.a.municipality).update(
            api_base_url="https://127.0.0.1:9/"
        )
    failed = make_plan(client, slug, "microsoft")
    assert failed.status == "failed" and failed.failure["kind"] == "unreadable", failed.failure
    page = client.get(f"/m/{slug}/plans/{failed.pk}/")
    with translation.override(page.context["LANGUAGE_CODE"]):
        said = translation.gettext("The provider could not be read, so no plan was made (%(reason)s).")
    assert page.context["failure"] == said % {"reason": failed.failure["reason"]}
