"""Graph /groups: security and Microsoft 365 groups, @odata.bind on create and update (at most 20
links), members/$ref add and remove, the members list, and their error shapes."""

import pytest

from sandbox.tests.test_graph_support import assert_graph_error, make_tenant


@pytest.fixture
def tenant(fresh_sandbox):
    with fresh_sandbox.session() as session:
        yield make_tenant(fresh_sandbox, session)


def ref(tenant, object_id, host="https://graph.microsoft.com"):
    return f"{host}/v1.0/directoryObjects/{object_id}"


def member_ids(tenant, group_id, query=""):
    response = tenant.get(f"/groups/{group_id}/members{query}")
    assert response.status_code == 200, response.text
    return [m["id"] for m in response.json()["value"]]


def test_microsoft_365_group_with_members_and_owners(tenant):
    teacher = tenant.create_user("teacher")
    pupils = [tenant.create_user(f"pupil{i}") for i in range(3)]
    created = tenant.post(
        "/groups",
        json={
            "displayName": "Klasa 7a",
            "description": "Klasa 7a, SP 1 Pruszków",
            "mailNickname": "klasa7a",
            "mailEnabled": True,
            "securityEnabled": False,
            "groupTypes": ["Unified"],
            "owners@odata.bind": [ref(tenant, teacher["id"])],
            "members@odata.bind": [ref(tenant, p["id"], tenant.sandbox.base_url) for p in pupils],
        },
    )
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["@odata.context"] == f"{tenant.graph}/$metadata#groups/$entity"
    assert group["groupTypes"] == ["Unified"] and group["mail"] == f"klasa7a@{tenant.initial_domain}"
    assert group["visibility"] == "Public"

    assert sorted(member_ids(tenant, group["id"])) == sorted(p["id"] for p in pupils)
    owners = tenant.get(f"/groups/{group['id']}/owners").json()["value"]
    assert [o["id"] for o in owners] == [teacher["id"]]
    members = tenant.get(f"/groups/{group['id']}/members?$select=id,displayName").json()
    assert members["value"][0]["@odata.type"] == "#microsoft.graph.user"
    assert set(members["value"][0]) == {"@odata.type", "id", "displayName"}

    listed = tenant.get("/groups?$filter=groupTypes/any(c:c eq 'Unified')").json()["value"]
    assert [g["id"] for g in listed] == [group["id"]]
    assert tenant.get("/groups?$filter=mailNickname eq 'klasa7a'&$select=id").json()["value"] == [
        {"id": group["id"]}
    ]


def test_member_add_remove_and_errors(tenant):
    group = tenant.create_group("nauczyciele")
    user = tenant.create_user("ewa")
    body = {"@odata.id": ref(tenant, user["id"])}

    added = tenant.post(f"/groups/{group['id']}/members/$ref", json=body)
    assert added.status_code == 204 and added.content == b""
    again = tenant.post(f"/groups/{group['id']}/members/$ref", json=body)
    assert_graph_error(
        again,
        400,
        "Request_BadRequest",
        "One or more added object references already exist for the following modified properties: 'members'.",
    )
    assert member_ids(tenant, group["id"]) == [user["id"]]

    ghost = "0c8f8d0e-1111-4a2b-9c3d-000000000000"
    missing_member = tenant.post(
        f"/groups/{group['id']}/members/$ref", json={"@odata.id": ref(tenant, ghost)}
    )
    assert_graph_error(
        missing_member,
        404,
        "Request_ResourceNotFound",
        f"Resource '{ghost}' does not exist or one of its queried reference-property objects are not present.",
    )
    assert_graph_error(
        tenant.post(f"/groups/{ghost}/members/$ref", json=body), 404, "Request_ResourceNotFound"
    )
    bad_url = tenant.post(f"/groups/{group['id']}/members/$ref", json={"@odata.id": "https://evil.example/x"})
    assert_graph_error(bad_url, 400, "Request_BadRequest")

    removed = tenant.delete(f"/groups/{group['id']}/members/{user['id']}/$ref")
    assert removed.status_code == 204
    assert member_ids(tenant, group["id"]) == []
    assert_graph_error(
        tenant.delete(f"/groups/{group['id']}/members/{user['id']}/$ref"), 404, "Request_ResourceNotFound"
    )

    # Groups can be members of groups; deleting a user drops it from every group.
    parent = tenant.create_group("wszyscy", **{"members@odata.bind": [ref(tenant, group["id"])]})
    assert member_ids(tenant, parent["id"]) == [group["id"]]
    tenant.post(f"/groups/{group['id']}/members/$ref", json=body)
    assert tenant.delete(f"/users/{user['id']}").status_code == 204
    assert member_ids(tenant, group["id"]) == []

    assert tenant.delete(f"/groups/{group['id']}").status_code == 204
    assert_graph_error(tenant.get(f"/groups/{group['id']}"), 404, "Request_ResourceNotFound")
    assert member_ids(tenant, parent["id"]) == []


def test_at_most_twenty_links_per_request(tenant):
    users = []
    for start in range(0, 21, 20):
        steps = [
            {
                "id": str(i),
                "method": "POST",
                "url": "/users",
                "headers": {"Content-Type": "application/json"},
                "body": tenant.user_body(f"p{i:02d}"),
            }
            for i in range(start, min(start + 20, 21))
        ]
        users += [
            part["body"] for part in tenant.post("/$batch", json={"requests": steps}).json()["responses"]
        ]
    links = [ref(tenant, u["id"]) for u in users]

    too_many = tenant.post(
        "/groups",
        json={
            "displayName": "7b",
            "mailNickname": "7b",
            "mailEnabled": False,
            "securityEnabled": True,
            "members@odata.bind": links[:20],
            "owners@odata.bind": links[20:],
        },
    )
    assert_graph_error(
        too_many, 400, "Request_BadRequest", "A resource cannot contain more than 20 link changes"
    )

    group = tenant.create_group("7b", **{"members@odata.bind": links[:20]})
    assert len(member_ids(tenant, group["id"])) == 20
    patched_too_many = tenant.patch(f"/groups/{group['id']}", json={"members@odata.bind": links[:21]})
    assert_graph_error(
        patched_too_many, 400, "Request_BadRequest", "A resource cannot contain more than 20 link changes"
    )
    patched = tenant.patch(
        f"/groups/{group['id']}", json={"members@odata.bind": links[20:], "description": "7b"}
    )
    assert patched.status_code == 204
    assert len(member_ids(tenant, group["id"])) == 21
    assert len(member_ids(tenant, group["id"], "?$top=5")) == 5
    assert tenant.get(f"/groups/{group['id']}?$select=description").json()["description"] == "7b"


def test_group_validation(tenant):
    missing = tenant.post("/groups", json={"displayName": "x", "mailEnabled": False, "securityEnabled": True})
    assert_graph_error(
        missing, 400, "Request_BadRequest", "Property mailNickname value is required but is empty or missing."
    )
    bad_nickname = tenant.post(
        "/groups",
        json={"displayName": "x", "mailNickname": "klasa 7a", "mailEnabled": False, "securityEnabled": True},
    )
    assert_graph_error(
        bad_nickname,
        400,
        "Request_BadRequest",
        "Invalid value specified for property 'mailNickname' of resource 'Group'.",
    )
    mail_security = tenant.post(
        "/groups",
        json={"displayName": "x", "mailNickname": "x", "mailEnabled": True, "securityEnabled": True},
    )
    assert_graph_error(mail_security, 400, "Request_BadRequest")
