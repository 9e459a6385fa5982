"""Throttling under load: four processes hammer POST /users (directly and in $batch) on a time-scaled
sandbox. The write limit of 3,000 requests per 150 s per app and tenant holds whoever sends, and
the refusals are Graph's 429s with Retry-After, top level and inside batches."""

import multiprocessing
import time
import uuid

import pytest
import requests
from msal.exceptions import MsalServiceError

from sandbox.process import start_sandbox
from sandbox.tests.test_graph_support import PASSWORD, make_tenant

# The 150 s window lasts 60 s: every process is throttled well before it ends, even when the
# machine is busy (3,000 writes take a few seconds on an idle one).
TIME_SCALE = 2.5
PROCESSES = 4
RUN_LIMIT = 90.0  # seconds, a safety net; a process stops once it has seen both kinds of 429
JSON = {"Content-Type": "application/json"}


def _user(prefix: str, domain: str) -> dict:
    local = f"{prefix}{uuid.uuid4().hex[:12]}"
    return {
        "accountEnabled": True,
        "displayName": local,
        "mailNickname": local,
        "userPrincipalName": f"{local}@{domain}",
        "passwordProfile": {"password": PASSWORD},
    }


def _check_429(headers: dict, window_seconds: float) -> None:
    retry_after = int(headers["Retry-After"])
    assert 1 <= retry_after <= window_seconds + 1, headers
    assert headers["x-ms-throttle-scope"].startswith("Tenant_Application/Write/"), headers
    assert headers["x-ms-throttle-information"] == "WriteLimitExceeded", headers


def hammer(base_url: str, ca: str, token: str, domain: str, worker: int) -> dict:
    """One process: batches of 20 POST /users, every fourth round a single POST /users."""
    window = 150 / TIME_SCALE
    result = {"created": 0, "throttled": 0, "inner_throttled": 0, "other": 0, "upns": [], "percentage": 0.0}
    session = requests.Session()
    session.trust_env = False
    session.verify = ca
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + RUN_LIMIT
    round_ = 0
    try:
        while time.monotonic() < deadline and not (result["throttled"] and result["inner_throttled"]):
            round_ += 1
            if round_ % 4 == 0:
                body = _user(f"w{worker}d", domain)
                response = session.post(f"{base_url}/v1.0/users", json=body, headers=headers, timeout=30)
                if response.status_code == 201:
                    result["created"] += 1
                    result["upns"].append(body["userPrincipalName"].lower())
                elif response.status_code == 429:
                    _check_429(response.headers, window)
                    assert response.json()["error"]["code"] == "TooManyRequests"
                    result["throttled"] += 1
                else:
                    result["other"] += 1
                continue
            steps = [
                {
                    "id": str(i),
                    "method": "POST",
                    "url": "/users",
                    "headers": JSON,
                    "body": _user(f"w{worker}b", domain),
                }
                for i in range(20)
            ]
            response = session.post(
                f"{base_url}/v1.0/$batch", json={"requests": steps}, headers=headers, timeout=30
            )
            assert response.status_code == 200, response.text
            bodies = {s["id"]: s["body"] for s in steps}
            for part in response.json()["responses"]:
                if part["status"] == 201:
                    used = float(part["headers"].get("x-ms-throttle-limit-percentage", 0))
                    result["percentage"] = max(result["percentage"], used)
                    result["created"] += 1
                    result["upns"].append(bodies[part["id"]]["userPrincipalName"].lower())
                elif part["status"] == 429:
                    _check_429(part["headers"], window)
                    assert part["body"]["error"]["code"] == "TooManyRequests"
                    result["inner_throttled"] += 1
                else:
                    result["other"] += 1
    finally:
        session.close()
    return result


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    running = start_sandbox(tmp_path_factory.mktemp("throttled"), profile="fast", time_scale=TIME_SCALE)
    yield running
    running.stop()


def test_write_limit_holds_across_processes(scaled):
    with scaled.session() as session:
        tenant = make_tenant(scaled, session)
        started = time.monotonic()
        context = multiprocessing.get_context("spawn")
        pool = context.Pool(PROCESSES)
        try:
            args = [
                (scaled.base_url, str(scaled.ca), tenant.token, tenant.initial_domain, w)
                for w in range(PROCESSES)
            ]
            results = pool.starmap(hammer, args)
        finally:
            pool.close()
            pool.join()
        elapsed = time.monotonic() - started
        stats = tenant.stats()

    assert all(r["throttled"] and r["inner_throttled"] for r in results), results
    assert sum(r["other"] for r in results) == 0
    assert max(r["percentage"] for r in results) > 0.8  # the warning header came before the 429s
    window = stats["quotas"]["windows"]["microsoft:write:app+tenant"]
    assert window["limit"] == 3000 and window["window_seconds"] == pytest.approx(150 / TIME_SCALE)
    highest = window["highest_in_any_window"][f"{tenant.client_id}:{tenant.tenant_id}"]
    assert highest == 3000  # reached, never exceeded
    assert window["refused"] >= sum(r["throttled"] + r["inner_throttled"] for r in results)
    assert stats["throttled"] >= PROCESSES * 2

    created = sum(r["created"] for r in results)
    assert created >= 3000
    if elapsed < 150 / TIME_SCALE:
        assert created == 3000
    counters = {
        key.rsplit(":", 1)[1]: value
        for key, value in stats["created"].items()
        if key.startswith(f"created:microsoft:{tenant.tenant_id}:")
    }
    upns = [upn for r in results for upn in r["upns"]]
    assert sorted(counters) == sorted(upns) and set(counters.values()) == {1}


def test_chaos_storms_answer_429_with_retry_after(tmp_path):
    chaos = start_sandbox(tmp_path / "chaos", profile="chaos", time_scale=20)
    try:
        with chaos.session() as session:
            tenant = None
            for _attempt in range(20):  # the token endpoint meets the chaos too
                try:
                    tenant = make_tenant(chaos, session)
                    break
                except (requests.ConnectionError, AssertionError, MsalServiceError):  # drop, 503
                    continue
            assert tenant is not None
            # Batch steps each meet the storms and server errors on their own (drops and latency
            # apply to the batch as a whole), so 300 steps cost a dozen round trips.
            parts = []
            steps = [{"id": str(i), "method": "GET", "url": "/users?$top=1"} for i in range(20)]
            while len(parts) < 300:
                try:
                    response = tenant.post("/$batch", json={"requests": steps})
                except requests.ConnectionError:  # a dropped connection
                    continue
                if response.status_code == 200:
                    parts += response.json()["responses"]
            direct = None
            for _ in range(400):  # a storm at the top level too (5 % of calls)
                try:
                    response = tenant.get("/users?$top=1")
                except requests.ConnectionError:
                    continue
                if response.status_code == 429:
                    direct = response
                    break
            stats = tenant.stats()
    finally:
        chaos.stop()

    statuses = {part["status"] for part in parts}
    assert statuses <= {200, 429, 503} and {200, 429, 503} <= statuses
    for part in parts:
        if part["status"] == 429:
            assert int(part["headers"]["Retry-After"]) >= 1
            assert part["headers"]["x-ms-throttle-information"] == "CPULimitExceeded"
            assert part["body"]["error"]["code"] == "TooManyRequests"
        elif part["status"] == 503:
            assert part["body"]["error"]["code"] == "serviceNotAvailable"
    assert direct is not None
    assert int(direct.headers["Retry-After"]) >= 1
    assert direct.json()["error"]["code"] == "TooManyRequests"
    assert direct.headers["request-id"] == direct.json()["error"]["innerError"]["request-id"]
    assert stats["throttled"] >= sum(part["status"] == 429 for part in parts) + 1
