"""Graph /domains (add, DNS records, verify after the control API says the record is published) and
licences (/subscribedSkus, assignLicense with its usage-location and seat errors)."""

import pytest

from sandbox.tests.test_graph_support import assert_graph_error, make_tenant

A1_FACULTY = "94763226-9b3c-4e75-a931-5c89701abe66"
A1_STUDENT = "314c4481-f395-4525-be8b-2ec4bb1e9d91"


@pytest.fixture
def tenant(fresh_sandbox):
    with fresh_sandbox.session() as session:
        yield make_tenant(
            fresh_sandbox,
            session,
            skus=[
                {"skuPartNumber": "STANDARDWOFFPACK_FACULTY", "units": 2},
                {"skuPartNumber": "STANDARDWOFFPACK_STUDENT", "units": 100},
            ],
        )


def test_domains_from_add_to_verified(tenant):
    listed = tenant.get("/domains").json()["value"]
    assert {(d["id"], d["isVerified"], d["isInitial"]) for d in listed} == {
        (tenant.initial_domain, True, True),
        ("pruszkow-edu.example", False, False),
    }

    added = tenant.post("/domains", json={"id": "sp2.pruszkow-edu.example"})
    assert added.status_code == 201, added.text
    assert added.json()["isVerified"] is False and added.json()["authenticationType"] == "Managed"
    assert_graph_error(
        tenant.post("/domains", json={"id": "SP2.pruszkow-edu.example"}), 400, "Request_BadRequest"
    )
    assert tenant.get("/domains/sp2.pruszkow-edu.example").json()["isRoot"] is True

    records = tenant.get("/domains/pruszkow-edu.example/verificationDnsRecords").json()["value"]
    txt = next(r for r in records if r["recordType"] == "Txt")
    assert txt["@odata.type"] == "#microsoft.graph.domainDnsTxtRecord"
    assert txt["label"] == "pruszkow-edu.example" and txt["ttl"] == 3600 and txt["isOptional"] is False
    assert txt["text"].startswith("MS=ms") and len(txt["text"]) == 13

    early = tenant.post("/domains/pruszkow-edu.example/verify")
    error = assert_graph_error(early, 400, "Request_BadRequest")
    assert error["message"].startswith("Domain verification failed with the following error:")
    refused = tenant.post("/users", json=tenant.user_body("dyrektor", domain="pruszkow-edu.example"))
    assert_graph_error(refused, 400, "Request_BadRequest")

    marked = tenant.control(
        "POST",
        "domains/verify",
        json={"provider": "microsoft", "scope": tenant.tenant_id, "domain": "pruszkow-edu.example"},
    )
    assert marked.status_code == 200
    verified = tenant.post("/domains/pruszkow-edu.example/verify")
    assert verified.status_code == 200, verified.text
    assert verified.json()["isVerified"] is True and "Email" in verified.json()["supportedServices"]
    assert_graph_error(tenant.post("/domains/pruszkow-edu.example/verify"), 400, "Request_BadRequest")
    tenant.create_user("dyrektor", domain="pruszkow-edu.example")
    subdomain = tenant.post("/domains", json={"id": "sp1.pruszkow-edu.example"}).json()
    assert subdomain["isVerified"] is True and subdomain["isRoot"] is False  # verified with its root

    assert_graph_error(tenant.get("/domains/nowhere.example"), 404, "Request_ResourceNotFound")
    unknown = tenant.control(
        "POST",
        "domains/verify",
        json={"provider": "microsoft", "scope": tenant.tenant_id, "domain": "nowhere.example"},
    )
    assert unknown.status_code == 404


def sku(tenant, sku_id):
    skus = tenant.get("/subscribedSkus").json()["value"]
    return next(s for s in skus if s["skuId"] == sku_id)


def test_subscribed_skus(tenant):
    faculty = sku(tenant, A1_FACULTY)
    assert faculty["skuPartNumber"] == "STANDARDWOFFPACK_FACULTY"
    assert faculty["prepaidUnits"]["enabled"] == 2 and faculty["consumedUnits"] == 0
    assert faculty["id"] == f"{tenant.tenant_id}_{A1_FACULTY}"
    assert faculty["capabilityStatus"] == "Enabled" and faculty["appliesTo"] == "User"
    assert any(p["servicePlanName"] == "EXCHANGE_S_STANDARD" for p in faculty["servicePlans"])
    assert sku(tenant, A1_STUDENT)["prepaidUnits"]["enabled"] == 100


def test_assign_license_needs_usage_location_and_free_seats(tenant):
    users = [tenant.create_user(f"n{i}") for i in range(3)]
    body = {"addLicenses": [{"skuId": A1_FACULTY, "disabledPlans": []}], "removeLicenses": []}

    no_location = tenant.post(f"/users/{users[0]['id']}/assignLicense", json=body)
    assert_graph_error(
        no_location,
        400,
        "Request_BadRequest",
        "License assignment cannot be done for user with invalid usage location.",
    )
    for user in users:
        assert tenant.patch(f"/users/{user['id']}", json={"usageLocation": "PL"}).status_code == 204

    assigned = tenant.post(f"/users/{users[0]['userPrincipalName']}/assignLicense", json=body)
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["id"] == users[0]["id"]
    assert assigned.json()["mail"] == users[0]["userPrincipalName"]  # the Exchange plan gives a mailbox
    assert tenant.post(f"/users/{users[1]['id']}/assignLicense", json=body).status_code == 200
    assert sku(tenant, A1_FACULTY)["consumedUnits"] == 2
    # Assigning the same licence again takes no extra seat.
    assert tenant.post(f"/users/{users[1]['id']}/assignLicense", json=body).status_code == 200

    exhausted = tenant.post(f"/users/{users[2]['id']}/assignLicense", json=body)
    assert_graph_error(
        exhausted,
        400,
        "Request_BadRequest",
        f"Subscription with SKU {A1_FACULTY} does not have any available licenses.",
    )
    details = tenant.get(f"/users/{users[0]['id']}/licenseDetails").json()["value"]
    assert [d["skuPartNumber"] for d in details] == ["STANDARDWOFFPACK_FACULTY"]
    licences = tenant.get(f"/users/{users[0]['id']}?$select=assignedLicenses").json()["assignedLicenses"]
    assert licences == [{"disabledPlans": [], "skuId": A1_FACULTY}]

    licensed = tenant.get(f"/users?$filter=assignedLicenses/any(x:x/skuId eq {A1_FACULTY})&$select=id").json()
    assert sorted(u["id"] for u in licensed["value"]) == sorted(u["id"] for u in users[:2])

    swap = {"addLicenses": [{"skuId": A1_STUDENT, "disabledPlans": []}], "removeLicenses": [A1_FACULTY]}
    assert tenant.post(f"/users/{users[1]['id']}/assignLicense", json=swap).status_code == 200
    assert tenant.delete(f"/users/{users[0]['id']}").status_code == 204  # deleting frees its seat too
    assert sku(tenant, A1_FACULTY)["consumedUnits"] == 0
    assert sku(tenant, A1_STUDENT)["consumedUnits"] == 1
    assert tenant.post(f"/users/{users[2]['id']}/assignLicense", json=body).status_code == 200

    unknown = {"addLicenses": [{"skuId": "00000000-0000-0000-0000-000000000001"}], "removeLicenses": []}
    assert_graph_error(
        tenant.post(f"/users/{users[2]['id']}/assignLicense", json=unknown), 400, "Request_BadRequest"
    )
    missing_remove = tenant.post(f"/users/{users[2]['id']}/assignLicense", json={"addLicenses": []})
    assert_graph_error(missing_remove, 400, "Request_BadRequest")
    assert_graph_error(
        tenant.post("/users/nobody@x.example/assignLicense", json=body), 404, "Request_ResourceNotFound"
    )
