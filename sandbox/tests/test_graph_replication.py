"""Replication delay, time-scaled to a second and a half: a new user is not seen by get, list,
$filter or member-add until it has replicated, yet its UPN is taken at once. (The "lagging"
profile: its answers come at once, so the checks fit inside the delay however busy the machine.)"""

import time

import pytest

from sandbox.process import start_sandbox
from sandbox.tests.test_graph_support import assert_graph_error, make_tenant, wait_until

JSON = {"Content-Type": "application/json"}
TIME_SCALE = 40.0  # the lagging profile's minute of delay -> 1.5 s
DELAY = 60 / TIME_SCALE


@pytest.fixture(scope="module")
def replicating(tmp_path_factory):
    running = start_sandbox(tmp_path_factory.mktemp("lagging"), profile="lagging", time_scale=TIME_SCALE)
    yield running
    running.stop()


def test_new_objects_are_invisible_until_replicated(replicating):
    with replicating.session() as session:
        tenant = make_tenant(replicating, session)
        group = tenant.create_group("klasa")
        assert wait_until(lambda: tenant.get(f"/groups/{group['id']}").status_code == 200, timeout=30)

        started = time.monotonic()
        user = tenant.create_user("nowa.uczennica")
        upn = user["userPrincipalName"]
        assert_graph_error(tenant.get(f"/users/{user['id']}"), 404, "Request_ResourceNotFound")
        # The rest in one batch, well inside the delay.
        reference = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{user['id']}"}
        steps = [
            {"id": "by-upn", "method": "GET", "url": f"/users/{upn}"},
            {"id": "filter", "method": "GET", "url": f"/users?$filter=userPrincipalName eq '{upn}'"},
            {"id": "list", "method": "GET", "url": "/users"},
            {
                "id": "add",
                "method": "POST",
                "url": f"/groups/{group['id']}/members/$ref",
                "headers": JSON,
                "body": reference,
            },  # fmt: skip
            {
                "id": "retry",
                "method": "POST",
                "url": "/users",
                "headers": JSON,
                "body": tenant.user_body("nowa.uczennica"),
            },  # fmt: skip
        ]
        answer = {p["id"]: p for p in tenant.post("/$batch", json={"requests": steps}).json()["responses"]}
        assert time.monotonic() - started < DELAY, "the checks must run inside the delay"
        assert answer["by-upn"]["status"] == 404
        assert answer["by-upn"]["body"]["error"]["code"] == "Request_ResourceNotFound"
        assert answer["filter"]["body"]["value"] == [] and answer["list"]["body"]["value"] == []
        assert answer["add"]["status"] == 404
        assert answer["add"]["body"]["error"]["code"] == "Request_ResourceNotFound"
        # The UPN is taken already: a retried create conflicts instead of making a second account.
        assert answer["retry"]["status"] == 400
        assert answer["retry"]["body"]["error"]["details"][0]["code"] == "ObjectConflict"

        assert wait_until(lambda: tenant.get(f"/users/{user['id']}").status_code == 200, timeout=30)
        assert time.monotonic() - started >= DELAY * 0.9
        assert [
            u["id"] for u in tenant.get(f"/users?$filter=userPrincipalName eq '{upn}'").json()["value"]
        ] == [user["id"]]
        assert tenant.post(f"/groups/{group['id']}/members/$ref", json=reference).status_code == 204
        created = tenant.stats()["created"]
        assert created == {f"created:microsoft:{tenant.tenant_id}:{upn.lower()}": 1}
