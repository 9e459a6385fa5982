"""Connections and plans against the sandbox, both providers, as an IT admin does it in the browser."""

import pytest
from django_scopes import scope, scopes_disabled

from integrations.models import Connection, Layout
from tests.integrations.conftest import make_plan, operations, roster
from tests.links import signed

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("provider", ["google", "microsoft"])
def test_sandbox_in_one_click_then_a_plan_with_bulgarian_logins(world, client_for, portal_uses, provider):
    roster(world, [("Щерьо", "Стойчев"), ("Мария", "Иванова"), ("Щерьо", "Стойчев")])
    client = client_for(world.a.users["it_admin"])
    slug = world.a.municipality.slug
    response = client.post(f"/m/{slug}/connections/sandbox/{provider}/", follow=True)
    messages = [str(m) for m in response.context["messages"]]
    with scope(municipality=world.a.municipality.pk):
        connection = Connection.objects.get(provider=provider)
    assert connection.status == "ok", messages
    assert connection.is_sandbox and "canary" not in response.content.decode()
    assert connection.secret_fingerprint in response.content.decode()  # the fingerprint, never the secret

    plan = make_plan(client, slug, provider)
    items = operations(plan)
    creates = {item["key"] for item in items if item["op"] == "create_user"}
    domain = f"{slug}.sandbox.example"
    assert {f"shteryo.stoychev@{domain}", f"shteryo.stoychev2@{domain}", f"maria.ivanova@{domain}"} <= creates
    if provider == "google":
        assert any(item["op"] == "create_ou" and item["key"].endswith("/Teachers") for item in items)
    else:  # teachers get the teachers' licence of the tenant
        licensed = {item["key"] for item in items if item["op"] == "assign_licence"}
        assert f"maria.ivanova@{domain}" in licensed
    page = client.get(f"/m/{slug}/plans/{plan.pk}/")
    assert page.status_code == 200 and "shteryo.stoychev2" in page.content.decode()
    download = client.get(signed(client, f"/m/{slug}/plans/{plan.pk}/csv/"))
    csv_text = b"".join(download.streaming_content).decode()
    assert "create_user" in csv_text and "maria.ivanova" in csv_text


def test_test_connection_explains_a_wrong_secret(world, client_for, portal_uses):
    client = client_for(world.a.users["it_admin"])
    slug = world.a.municipality.slug
    client.post(f"/m/{slug}/connections/sandbox/microsoft/")
    from integrations.crypto import encrypt_secret

    with scopes_disabled():
        connection = Connection.objects.get(municipality=world.a.municipality, provider="microsoft")
        Connection.objects.filter(pk=connection.pk).update(
            secret_ciphertext=encrypt_secret(world.a.municipality.pk, "not-the-secret")
        )
    client.post(f"/m/{slug}/connections/{connection.pk}/test/")
    with scopes_disabled():
        connection.refresh_from_db()
    assert connection.status == "failed"
    from django.utils import translation

    with translation.override(world.a.municipality.language):  # the page speaks the municipality's language
        assert connection.last_test_message == translation.gettext("The client secret is wrong.")


def test_paging_beyond_500_conflicts_and_the_safety_limit(world, client_for, portal_uses):
    from integrations.providers import client_for as provider_client

    roster(world, [("Мария", "Иванова")])
    client = client_for(world.a.users["it_admin"])
    slug = world.a.municipality.slug
    client.post(f"/m/{slug}/connections/sandbox/google/")
    with scopes_disabled():
        connection = Connection.objects.get(municipality=world.a.municipality, provider="google")
    domain = connection.primary_domain
    # 600 accounts the portal once made for people no longer on the roster, and one the portal
    # never made at the address the rule gives Мария Иванова.
    google = provider_client(connection)
    batch = google.service.new_batch_http_request()
    failures = []
    for n in range(600):
        body = {
            "primaryEmail": f"leaver{n}@{domain}",
            "name": {"givenName": "Leaver", "familyName": str(n)},
            "password": "Leaver-password-1",
            "externalIds": [
                {"type": "custom", "customType": "school-in-the-cloud", "value": f"sitc-9{n:05d}"}
            ],
        }
        batch.add(
            google.service.users().insert(body=body), callback=lambda _id, _r, e: e and failures.append(e)
        )
        if len(batch._order) == 500:
            batch.execute()
            batch = google.service.new_batch_http_request()
    batch.execute()
    google.service.users().insert(
        body={
            "primaryEmail": f"maria.ivanova@{domain}",
            "name": {"givenName": "Maria", "familyName": "X"},
            "password": "Someone-else-1",
        }
    ).execute()
    google.close()
    assert failures == []

    plan = make_plan(client, slug, "google")
    items = operations(plan)
    ops = [item["op"] for item in items]
    assert ops.count("suspend_user") == 600  # all pages were read
    assert plan.status == "blocked" and plan.summary["safety_limit"] < 600
    conflict = next(item for item in items if item["op"] == "conflict")
    assert conflict["key"] == f"maria.ivanova@{domain}"
    # Lifting the limit needs the explicit confirmation, and is audited.
    client.post(f"/m/{slug}/plans/{plan.pk}/override/")
    plan.refresh_from_db()
    assert plan.status == "blocked"
    client.post(f"/m/{slug}/plans/{plan.pk}/override/", {"confirm": "yes"})
    plan.refresh_from_db()
    assert plan.status == "ready" and plan.override_by == world.a.users["it_admin"]


def test_provision_command_prints_the_same_plan(world, client_for, portal_uses):
    import io

    from django.core.management import call_command

    roster(world, [("Юлия", "Щукина")])
    with scopes_disabled():
        Layout.objects.filter(municipality=world.a.municipality).update(name_language="ru")
    client_for(world.a.users["it_admin"]).post(
        f"/m/{world.a.municipality.slug}/connections/sandbox/microsoft/"
    )
    out = io.StringIO()
    call_command("provision", world.a.municipality.slug, "--provider", "microsoft", "--plan", stdout=out)
    text = out.getvalue()
    assert f"iuliia.shchukina@{world.a.municipality.slug}.sandbox.example" in text  # ICAO, as in passports
    assert "Plan " in text


@pytest.mark.parametrize("provider", ["google", "microsoft"])
def test_adding_the_domain_shows_what_to_publish_and_tracks_verification(
    world, client_for, portal_uses, provider
):
    roster(world, [])
    slug = world.a.municipality.slug
    client = client_for(world.a.users["it_admin"])
    client.post(f"/m/{slug}/connections/sandbox/{provider}/")
    with scopes_disabled():
        connection = Connection.objects.get(municipality=world.a.municipality, provider=provider)
        Layout.objects.filter(municipality=world.a.municipality).update(domain=f"new-{slug}.example")
    client.post(f"/m/{slug}/layout/domain/{connection.pk}/")
    with scopes_disabled():
        status = Layout.objects.get(municipality=world.a.municipality).domain_status[provider]
    assert status["added"] and not status["verified"]
    if provider == "microsoft":
        assert any(r["type"] == "TXT" and r["value"].startswith("MS=ms") for r in status["records"])
        assert "MS=ms" in client.get(f"/m/{slug}/layout/").content.decode()
    scope_id = connection.customer_id if provider == "google" else connection.tenant_id
    portal_uses.control(
        "POST",
        "domains/verify",
        json={"provider": provider, "scope": scope_id, "domain": f"new-{slug}.example"},
    )
    client.post(f"/m/{slug}/layout/domain/{connection.pk}/")
    with scopes_disabled():
        status = Layout.objects.get(municipality=world.a.municipality).domain_status[provider]
    assert status["verified"], status


def test_groups_follow_the_layout(world, client_for, portal_uses):
    roster(world, [("Мария", "Иванова")])
    with scopes_disabled():
        Layout.objects.filter(municipality=world.a.municipality).update(
            directors_group="", school_groups=False, microsoft_group_type="microsoft365"
        )
    slug = world.a.municipality.slug
    client = client_for(world.a.users["it_admin"])
    client.post(f"/m/{slug}/connections/sandbox/microsoft/")
    plan = make_plan(client, slug, "microsoft")
    groups = {item["key"]: item["details"] for item in operations(plan) if item["op"] == "create_group"}
    assert list(groups) == [f"teachers@{slug}.sandbox.example"]
    assert groups[f"teachers@{slug}.sandbox.example"]["type"] == "microsoft365"


def test_microsoft_connection_with_a_certificate(world, client_for, portal_uses):
    made = portal_uses.control("POST", "microsoft/tenants", json={"domain": "cert-town.example"})
    slug = world.a.municipality.slug
    client = client_for(world.a.users["it_admin"])
    bundle = made["private_key_pem"] + made["certificate_pem"]
    response = client.post(
        f"/m/{slug}/connections/microsoft/",
        {
            "tenant_id": made["tenant_id"],
            "client_id": made["client_id"],
            "certificate": bundle,
            "usage_location": "pl",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    with scopes_disabled():
        connection = Connection.objects.get(municipality=world.a.municipality, provider="microsoft")
        Connection.objects.filter(pk=connection.pk).update(
            api_base_url=portal_uses.base_url, auth_base_url=portal_uses.base_url, is_sandbox=True
        )
    client.post(f"/m/{slug}/connections/{connection.pk}/test/")
    with scopes_disabled():
        connection.refresh_from_db()
    assert connection.status == "ok", connection.last_test_message
    assert "PRIVATE KEY" not in client.get(f"/m/{slug}/connections/").content.decode()
    # Another certificate, not registered on the app: refused in plain words.
    other = portal_uses.control("POST", "microsoft/tenants", json={"domain": "other-town.example"})
    response = client.post(
        f"/m/{slug}/connections/microsoft/",
        {
            "tenant_id": made["tenant_id"],
            "client_id": made["client_id"],
            "certificate": other["private_key_pem"] + other["certificate_pem"],
        },
    )
    client.post(f"/m/{slug}/connections/{connection.pk}/test/")
    with scopes_disabled():
        connection.refresh_from_db()
    assert connection.status == "failed"


def test_a_pem_without_the_certificate_is_refused(world, client_for, portal_uses):
    made = portal_uses.control("POST", "microsoft/tenants", json={"domain": "cert-town.example"})
    response = client_for(world.a.users["it_admin"]).post(
        f"/m/{world.a.municipality.slug}/connections/microsoft/",
        {
            "tenant_id": made["tenant_id"],
            "client_id": made["client_id"],
            "certificate": made["private_key_pem"],
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["certificate"]


def test_the_sandbox_never_replaces_a_real_connection(world, client_for, portal_uses):
    from integrations.crypto import encrypt_secret

    with scopes_disabled():
        real = Connection.objects.create(
            municipality=world.a.municipality,
            provider="google",
            secret_ciphertext=encrypt_secret(world.a.municipality.pk, "{}"),
        )
    client = client_for(world.a.users["it_admin"])
    client.post(f"/m/{world.a.municipality.slug}/connections/sandbox/google/")
    with scopes_disabled():
        connection = Connection.objects.get(municipality=world.a.municipality, provider="google")
    assert connection.pk == real.pk and not connection.is_sandbox


def test_a_plan_never_makes_an_address_without_a_login(world, client_for, portal_uses):
    """A Greek name in a Polish-rule municipality: a conflict saying which letters, never
    "Create account @…"; the Cyrillic name beside it romanised by its own letters."""
    roster(world, [("Γιώργος", "Νίκου"), ("Андрій", "Шевченко")], language="pl")
    client = client_for(world.a.users["it_admin"])
    slug = world.a.municipality.slug
    client.post(f"/m/{slug}/connections/sandbox/google/")
    items = operations(make_plan(client, slug, "google"))
    users = [item for item in items if item["op"] in ("create_user", "assign_licence", "add_member")]
    assert all(not item["key"].startswith("@") and "←" not in item["key"][:1] for item in users)
    assert not any(item["key"].split(" ← ")[-1].startswith("@") for item in items)
    conflict = next(item for item in items if item["op"] == "conflict")
    assert conflict["details"]["reason"] == "name_not_romanisable" and conflict["key"] == "Γιώργος Νίκου"
    assert any(item["key"] == f"andrii.shevchenko@{slug}.sandbox.example" for item in users)
