"""Erasing a person closes their accounts at the provider (the sandbox), per the municipality's
policy, before our records are pseudonymised; a provider that cannot be reached leaves our data
as it was and says what to do."""

import json

import pytest
from django.utils import translation
from django_scopes import scope, scopes_disabled

from integrations.models import Connection, Job, JobItem
from integrations.providers import client_for as provider_client
from integrations.provisioning import runner
from schools.models import AuditEvent, Person, PrivacyPolicy
from tests.integrations.conftest import apply_plan, make_plan, operations, roster

pytestmark = pytest.mark.django_db

FIRST, LAST = "Радослава", "Кирилова"


def _provisioned(world, client_for, provider):
    """Two teachers on the roster with accounts made at the sandbox by a job: (person, address)."""
    roster(world, [(FIRST, LAST), ("Стоян", "Другов")])
    slug = world.a.municipality.slug
    it_admin = client_for(world.a.users["it_admin"])
    it_admin.post(f"/m/{slug}/connections/sandbox/{provider}/")
    with scope(municipality=world.a.municipality.pk):
        assert Connection.objects.filter(provider=provider).exists()
    plan = make_plan(it_admin, slug, provider)
    apply_plan(it_admin, slug, plan)
    with scope(municipality=world.a.municipality.pk):
        job = Job.objects.get(plan=plan)
        for _ in range(50):
            if not runner.work(job.pk, budget_seconds=30):
                break
        person = Person.objects.get(first_name=FIRST)
        item = JobItem.objects.get(job=job, op="create_user", payload__person=person.pk)
        assert item.outcome == "created", item.error
    return person, item.key


def _users(provider):
    """The provider's accounts as the portal's client reads them: address → suspended?"""
    connection = Connection.objects.get(provider=provider)
    client = provider_client(connection)
    try:
        users = list(client.list_users())
    finally:
        client.close()
    return {u.address: u.suspended for u in users}


@pytest.mark.parametrize(
    ("provider", "policy"),
    [("google", "suspend"), ("microsoft", "suspend"), ("google", "delete"), ("microsoft", "delete")],
)
def test_erasure_closes_the_account_at_the_provider_then_pseudonymises(
    world, client_for, portal_uses, provider, policy
):
    person, address = _provisioned(world, client_for, provider)
    with scopes_disabled():
        PrivacyPolicy.objects.create(municipality=world.a.municipality, cloud_on_erasure=policy)
    slug = world.a.municipality.slug
    with scope(municipality=world.a.municipality.pk):
        before = _users(provider)
        assert before[address] is False  # an active account
        other = next(a for a in before if a != address and "drugov" in a)
    world.a.users["officer"].language = "en"  # the officer reads the portal in English
    world.a.users["officer"].save(update_fields=["language"])
    officer = client_for(world.a.users["officer"])
    with translation.override("en"):
        response = officer.post(f"/m/{slug}/people/{person.pk}/erase/", {"confirm": "yes"}, follow=True)
    notes = [str(m) for m in response.context["messages"]]
    with scope(municipality=world.a.municipality.pk):
        after = _users(provider)
        if policy == "suspend":
            assert after[address] is True, notes
        else:
            assert address not in after, notes
        assert after[other] is False  # nobody else's account was touched
        person.refresh_from_db()
        assert person.is_erased and person.first_name == "Erased person"
        trail = "\n".join(
            f"{r} {json.dumps(c, ensure_ascii=False)}"
            for r, c in AuditEvent.objects.values_list("object_repr", "changes")
        )
        assert FIRST not in trail and address not in trail
        erase = AuditEvent.objects.get(action="person.erase")
        assert list(erase.changes["cloud"].values()) == ["suspended" if policy == "suspend" else "deleted"]
    expected = "suspended" if policy == "suspend" else "deleted"
    assert any(expected in note for note in notes), notes


def test_a_provider_that_cannot_be_reached_leaves_our_data_untouched(world, client_for, portal_uses):
    person, address = _provisioned(world, client_for, "microsoft")
    with scope(municipality=world.a.municipality.pk):
        trail_before = list(AuditEvent.objects.values_list("pk", "object_repr", "changes"))
        # The provider goes away (nothing listens on port 9).
        api = Connection.objects.get(provider="microsoft").api_base_url
        Connection.objects.filter(provider="microsoft").update(api_base_url="https://127.0.0.1:9/")
    world.a.users["officer"].language = "en"  # the officer reads the portal in English
    world.a.users["officer"].save(update_fields=["language"])
    officer = client_for(world.a.users["officer"])
    with translation.override("en"):
        response = officer.post(
            f"/m/{world.a.municipality.slug}/people/{person.pk}/erase/", {"confirm": "yes"}
        )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Nothing was erased" in page and "Try again in a few minutes" in page
    with scope(municipality=world.a.municipality.pk):
        person.refresh_from_db()
        assert not person.is_erased and person.first_name == FIRST and person.schools.exists()
        trail = list(
            AuditEvent.objects.exclude(action="person.erase_failed").values_list(
                "pk", "object_repr", "changes"
            )
        )
        assert trail == trail_before
        assert JobItem.objects.filter(key=address).exists()
        failed = AuditEvent.objects.get(action="person.erase_failed")
        assert FIRST not in json.dumps(failed.changes, ensure_ascii=False) + failed.object_repr
        # The account is still active at the provider: the officer tries again later.
        Connection.objects.filter(provider="microsoft").update(api_base_url=api)
        assert _users("microsoft")[address] is False


def test_the_next_plan_suspends_a_leavers_account(world, client_for, portal_uses):
    from datetime import timedelta

    from django.utils import timezone

    person, address = _provisioned(world, client_for, "google")
    slug = world.a.municipality.slug
    with scope(municipality=world.a.municipality.pk):
        Person.objects.filter(pk=person.pk).update(left_on=timezone.localdate() - timedelta(days=1))
    plan = make_plan(client_for(world.a.users["it_admin"]), slug, "google")
    ops = {(item["op"], item["key"]) for item in operations(plan)}
    assert ("suspend_user", address) in ops
    assert not any(key == address for op, key in ops if op != "suspend_user")
