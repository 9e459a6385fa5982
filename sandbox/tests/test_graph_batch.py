"""Graph $batch: up to 20 steps, each answered on its own (status, headers, body), dependsOn with
424 for the dependents of a failed step, and the batch-level 400s. (Inner 429s: see
test_graph_throttling.py.)"""

import pytest

from sandbox.tests.test_graph_support import assert_graph_error, make_tenant

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def tenant(fresh_sandbox):
    with fresh_sandbox.session() as session:
        yield make_tenant(fresh_sandbox, session)


def parts(response):
    assert response.status_code == 200, response.text
    return {part["id"]: part for part in response.json()["responses"]}


def test_steps_are_answered_one_by_one(tenant):
    existing = tenant.create_user("istnieje")
    ghost = "5d6f7a8b-0000-4000-8000-000000000000"
    answer = parts(
        tenant.post(
            "/$batch",
            json={
                "requests": [
                    {
                        "id": "1",
                        "method": "POST",
                        "url": "/users",
                        "headers": JSON,
                        "body": tenant.user_body("nowy"),
                    },
                    {
                        "id": "2",
                        "method": "POST",
                        "url": "users",
                        "headers": JSON,
                        "body": tenant.user_body("istnieje"),
                    },
                    {"id": "3", "method": "GET", "url": f"/users/{ghost}"},
                    {"id": "4", "method": "GET", "url": f"/users/{existing['id']}?$select=displayName"},
                    {
                        "id": "5",
                        "method": "GET",
                        "url": "/users?$filter=startswith(userPrincipalName,'nowy')",
                    },
                    {"id": "6", "method": "GET", "url": "/nonsense"},
                ]
            },
        )
    )
    assert answer["1"]["status"] == 201 and answer["1"]["body"]["userPrincipalName"].startswith("nowy@")
    assert answer["1"]["headers"]["Content-Type"].startswith("application/json")
    assert answer["1"]["headers"]["x-ms-resource-unit"] == "1"
    assert answer["2"]["status"] == 400
    assert answer["2"]["body"]["error"]["details"][0]["code"] == "ObjectConflict"
    assert answer["3"]["status"] == 404 and answer["3"]["body"]["error"]["code"] == "Request_ResourceNotFound"
    assert answer["4"]["status"] == 200 and answer["4"]["body"]["displayName"] == "Istnieje"
    assert [u["userPrincipalName"].split("@")[0] for u in answer["5"]["body"]["value"]] == ["nowy"]
    assert answer["6"]["status"] == 400
    # Each step went through the sandbox on its own and shows in the statistics.
    calls = tenant.stats()["calls"]
    assert calls["graph.users.create"] == 3 and calls["graph.users.get"] == 2 and calls["graph.batch"] == 1


def test_depends_on_and_failed_dependency(tenant):
    answer = parts(
        tenant.post(
            "/$batch",
            json={
                "requests": [
                    {"id": "c", "dependsOn": ["b"], "method": "GET", "url": "/users?$select=id"},
                    {
                        "id": "a",
                        "method": "POST",
                        "url": "/groups",
                        "headers": JSON,
                        "body": {"displayName": "x"},
                    },
                    {
                        "id": "b",
                        "dependsOn": ["a"],
                        "method": "POST",
                        "url": "/users",
                        "headers": JSON,
                        "body": tenant.user_body("zalezny"),
                    },  # fmt: skip
                    {
                        "id": "d",
                        "method": "POST",
                        "url": "/users",
                        "headers": JSON,
                        "body": tenant.user_body("wolny"),
                    },
                ]
            },
        )
    )
    assert answer["a"]["status"] == 400  # group without mailNickname etc.
    assert answer["b"]["status"] == 424 and answer["c"]["status"] == 424
    assert answer["d"]["status"] == 201
    assert tenant.get("/users?$filter=startswith(userPrincipalName,'zalezny')").json()["value"] == []

    ordered = parts(
        tenant.post(
            "/$batch",
            json={
                "requests": [
                    {
                        "id": "2",
                        "dependsOn": ["1"],
                        "method": "GET",
                        "url": "/users?$filter=mailNickname eq 'po'",
                    },
                    {
                        "id": "1",
                        "method": "POST",
                        "url": "/users",
                        "headers": JSON,
                        "body": tenant.user_body("po"),
                    },
                ]
            },
        )
    )
    assert ordered["1"]["status"] == 201 and len(ordered["2"]["body"]["value"]) == 1


def step(i):
    return {"id": str(i), "method": "GET", "url": "/users"}


def test_batch_level_errors(tenant):
    too_many = tenant.post("/$batch", json={"requests": [step(i) for i in range(21)]})
    assert_graph_error(
        too_many, 400, "BadRequest", "Number of batch request steps exceeds the maximum of 20."
    )
    assert tenant.post("/$batch", json={"requests": [step(i) for i in range(20)]}).status_code == 200

    duplicate = tenant.post("/$batch", json={"requests": [step(1), step(1)]})
    assert_graph_error(duplicate, 400, "BadRequest")
    no_type = tenant.post(
        "/$batch",
        json={"requests": [{"id": "1", "method": "POST", "url": "/users", "body": tenant.user_body()}]},
    )
    assert_graph_error(
        no_type, 400, "BadRequest", "Write request id : 1 does not contain Content-Type header or body."
    )
    unknown_dependency = tenant.post("/$batch", json={"requests": [{**step(1), "dependsOn": ["9"]}]})
    assert_graph_error(unknown_dependency, 400, "BadRequest")
    assert_graph_error(tenant.post("/$batch", json={"requests": "no"}), 400, "BadRequest")

    unauthenticated = tenant.session.post(f"{tenant.graph}/$batch", json={"requests": [step(1)]}, timeout=30)
    assert_graph_error(unauthenticated, 401, "InvalidAuthenticationToken", "Access token is empty.")
