"""Graph /users: create, read by id and UPN, update, delete, filters, select, paging, and the
error shapes a provisioning client has to recognise."""

import pytest

from sandbox.tests.test_graph_support import assert_graph_error, make_tenant


@pytest.fixture
def tenant(fresh_sandbox):
    with fresh_sandbox.session() as session:
        yield make_tenant(fresh_sandbox, session)


def test_create_read_update_delete(tenant):
    created = tenant.create_user("anna.nowak", displayName="Anna Nowak", givenName="Anna", surname="Nowak")
    assert created["@odata.context"] == f"{tenant.graph}/$metadata#users/$entity"
    assert created["userPrincipalName"] == f"anna.nowak@{tenant.initial_domain}"
    assert "passwordProfile" not in created and created["mail"] is None
    user_id = created["id"]

    by_id = tenant.get(f"/users/{user_id}").json()
    by_upn = tenant.get(f"/users/{created['userPrincipalName']}").json()
    assert by_id == by_upn and by_id["displayName"] == "Anna Nowak"

    selected = tenant.get(f"/users/{user_id}?$select=accountEnabled,usageLocation,displayName").json()
    assert selected == {
        "@odata.context": f"{tenant.graph}/$metadata#users(accountEnabled,usageLocation,displayName)/$entity",
        "accountEnabled": True,
        "usageLocation": None,
        "displayName": "Anna Nowak",
    }

    update = tenant.patch(f"/users/{user_id}", json={"jobTitle": "Nauczycielka", "usageLocation": "PL"})
    assert update.status_code == 204 and update.content == b""
    assert tenant.get(f"/users/{user_id}?$select=jobTitle,usageLocation").json()["usageLocation"] == "PL"

    renamed = f"a.nowak@{tenant.initial_domain}"
    assert tenant.patch(f"/users/{user_id}", json={"userPrincipalName": renamed}).status_code == 204
    assert tenant.get(f"/users/{renamed}").json()["id"] == user_id
    assert_graph_error(tenant.get(f"/users/{created['userPrincipalName']}"), 404, "Request_ResourceNotFound")

    assert tenant.delete(f"/users/{user_id}").status_code == 204
    gone = tenant.get(f"/users/{user_id}")
    assert_graph_error(
        gone,
        404,
        "Request_ResourceNotFound",
        f"Resource '{user_id}' does not exist or one of its queried reference-property objects are not present.",
    )
    # The UPN is free again once the user is deleted.
    tenant.create_user("a.nowak")


def test_duplicate_upn_is_an_object_conflict_and_creations_are_counted(tenant):
    tenant.create_user("jan.kowalski")
    again = tenant.post("/users", json=tenant.user_body("JAN.KOWALSKI"))
    message = "Another object with the same value for property userPrincipalName already exists."
    error = assert_graph_error(again, 400, "Request_BadRequest", message)
    assert error["details"] == [{"code": "ObjectConflict", "message": message, "target": "userPrincipalName"}]
    created = tenant.stats()["created"]
    assert created == {f"created:microsoft:{tenant.tenant_id}:jan.kowalski@{tenant.initial_domain}": 1}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"passwordProfile": None}, "Property passwordProfile value is required but is empty or missing."),
        ({"displayName": ""}, "Property displayName value is required but is empty or missing."),
        ({"accountEnabled": None}, "Property accountEnabled value is required but is empty or missing."),
        ({"userPrincipalName": "zofia wiśniewska@x"}, "Property userPrincipalName is invalid."),
        (
            {"userPrincipalName": "zofia@pruszkow-edu.example"},
            "The domain portion of the userPrincipalName property is invalid. You must use one of the verified "
            "domain names in your organization.",
        ),
        (
            {"passwordProfile": {"password": "password"}},
            "The specified password does not comply with password complexity requirements. Please provide a "
            "different password.",
        ),
        (
            {"usageLocation": "Poland"},
            "Invalid value specified for property 'usageLocation' of resource 'User'.",
        ),
    ],
)
def test_create_validation(tenant, change, message):
    response = tenant.post("/users", json={**tenant.user_body("zofia"), **change})
    assert_graph_error(response, 400, "Request_BadRequest", message)


def test_unknown_property_and_bad_json(tenant):
    response = tenant.post("/users", json={**tenant.user_body(), "shoeSize": 42})
    error = assert_graph_error(response, 400, "BadRequest")
    assert error["message"].startswith(
        "The property 'shoeSize' does not exist on type 'microsoft.graph.user'."
    )
    broken = tenant.post("/users", data=b"{not json", headers={"Content-Type": "application/json"})
    assert_graph_error(broken, 400, "BadRequest")


def test_paging_across_250_users(tenant):
    for start in range(0, 250, 20):
        requests_ = [
            {
                "id": str(i),
                "method": "POST",
                "url": "/users",
                "headers": {"Content-Type": "application/json"},
                "body": tenant.user_body(f"uczen{i:03d}", displayName=f"Uczeń {i:03d}"),
            }
            for i in range(start, min(start + 20, 250))
        ]
        answer = tenant.post("/$batch", json={"requests": requests_}).json()
        assert {part["status"] for part in answer["responses"]} == {201}

    first = tenant.get("/users").json()
    assert len(first["value"]) == 100  # the default page
    assert first["@odata.nextLink"].startswith(f"{tenant.graph}/users?")

    seen, url, pages = [], "/users?$top=120&$select=id,userPrincipalName", 0
    while url:
        page = tenant.get(url).json()
        assert set(page["value"][0]) == {"id", "userPrincipalName"}
        seen += [u["userPrincipalName"] for u in page["value"]]
        url = page.get("@odata.nextLink")
        pages += 1
    assert pages == 3 and len(seen) == len(set(seen)) == 250
    assert seen == sorted(seen)  # stable order: creation order

    error = assert_graph_error(tenant.get("/users?$top=1000"), 400, "Request_UnsupportedQuery")
    assert error["message"] == "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."
    assert len(tenant.get("/users?$top=999").json()["value"]) == 250


def test_filters(tenant):
    anna = tenant.create_user("anna", displayName="Anna Nowak", mail="anna@school.example", department="7a")
    tenant.create_user("andrzej", displayName="Andrzej Zając", accountEnabled=False, department="7b")
    tenant.create_user("beata", displayName="Beata O'Brien", department="7a")

    def upns(query, **kwargs):
        response = tenant.get(f"/users?{query}", **kwargs)
        assert response.status_code == 200, response.text
        return sorted(u["userPrincipalName"].split("@")[0] for u in response.json()["value"])

    assert upns(f"$filter=userPrincipalName eq '{anna['userPrincipalName'].upper()}'") == ["anna"]
    assert upns("$filter=mail eq 'anna@school.example'") == ["anna"]
    assert upns("$filter=startswith(displayName,'an')") == ["andrzej", "anna"]
    assert upns("$filter=displayName eq 'Beata O''Brien'") == ["beata"]
    assert upns("$filter=accountEnabled eq false") == ["andrzej"]
    assert upns("$filter=department eq '7a' and startswith(displayName,'B')") == ["beata"]
    assert upns("$filter=department in ('7b', '7c') or mail eq 'anna@school.example'") == ["andrzej", "anna"]
    assert upns(f"$filter=id eq '{anna['id']}'&$select=userPrincipalName") == ["anna"]

    ordered = tenant.get("/users?$orderby=displayName desc&$select=displayName").json()["value"]
    assert [u["displayName"] for u in ordered] == ["Beata O'Brien", "Anna Nowak", "Andrzej Zając"]

    refused = tenant.get("/users?$filter=department ne '7a'")
    error = assert_graph_error(refused, 400, "Request_UnsupportedQuery")
    assert "'ConsistencyLevel:eventual' header is missing" in error["message"]
    eventual = {"ConsistencyLevel": "eventual"}
    assert upns("$filter=department ne '7a'&$count=true", headers=eventual) == ["andrzej"]
    assert upns("$filter=endswith(displayName,'nowak')", headers=eventual) == ["anna"]
    counted = tenant.get("/users?$count=true&$filter=department eq '7a'", headers=eventual).json()
    assert counted["@odata.count"] == 2

    assert_graph_error(tenant.get("/users?$filter=shoeSize eq 42"), 400, "Request_UnsupportedQuery")
    assert_graph_error(tenant.get("/users?$filter=displayName eq"), 400, "BadRequest")
    selected = assert_graph_error(tenant.get("/users?$select=shoeSize"), 400, "BadRequest")
    assert selected["message"] == "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'."
