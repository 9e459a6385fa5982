"""Quotas, chaos storms and replication delay of the Google sandbox, as the real client meets them."""

import json
import multiprocessing
import threading
import time

import google.auth.transport.requests
import pytest
import requests
from googleapiclient.errors import HttpError

from sandbox.process import RunningSandbox, start_sandbox
from sandbox.tests.test_google_support import (
    DOMAIN,
    control,
    delegated,
    directory,
    error_of,
    new_customer,
    stats,
    user_body,
)

QUOTA_MESSAGE = (
    "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service "
    "'admin.googleapis.com' for consumer 'project_number:"
)
EXHAUSTED = {
    "error": {
        "code": 429,
        "message": "Resource has been exhausted (e.g. check quota).",
        "errors": [
            {
                "message": "Resource has been exhausted (e.g. check quota).",
                "domain": "global",
                "reason": "rateLimitExceeded",
            }
        ],
        "status": "RESOURCE_EXHAUSTED",
    }
}


def _bearer(sandbox, info, attempts: int = 10) -> str:
    credentials = delegated(info)
    with sandbox.session() as session:
        for attempt in range(attempts):  # the chaos profile may fail the token call too
            try:
                credentials.refresh(google.auth.transport.requests.Request(session))
                return credentials.token
            except Exception:
                if attempt == attempts - 1:
                    raise
    raise AssertionError("unreachable")


def test_per_user_quota_answers_403_user_rate_limit_exceeded(fresh_sandbox):
    info = new_customer(fresh_sandbox)
    assert control(fresh_sandbox, "GET", "google/quotas")["per_user_per_minute"] == 2400
    control(fresh_sandbox, "POST", "google/quotas", {"per_user_per_minute": 5})
    with directory(fresh_sandbox, info) as service:
        for _ in range(5):
            service.users().get(userKey=info["admin_email"]).execute()
        with pytest.raises(HttpError) as raised:
            service.users().get(userKey=info["admin_email"]).execute()
        body = json.loads(raised.value.content)["error"]
        assert raised.value.resp.status == 403
        assert body["status"] == "PERMISSION_DENIED" and body["code"] == 403
        assert body["message"].startswith(QUOTA_MESSAGE)
        assert body["errors"] == [
            {"message": body["message"], "domain": "usageLimits", "reason": "userRateLimitExceeded"}
        ]
        # quotaUser charges another user's bucket, as Google documents
        service.users().get(userKey=info["admin_email"], quotaUser="school-42").execute()
    window = stats(fresh_sandbox)["quotas"]["windows"]["google:per-user"]
    assert window["refused"] == 1 and max(window["highest_in_any_window"].values()) == 5
    assert stats(fresh_sandbox)["throttled"] == 1


def test_concurrent_requests_per_customer_answer_429(fresh_sandbox):
    info = new_customer(fresh_sandbox)
    control(fresh_sandbox, "POST", "google/quotas", {"concurrent_per_customer": 0})
    with directory(fresh_sandbox, info) as service:
        assert error_of(service.users().get(userKey=info["admin_email"])) == (
            429,
            "rateLimitExceeded",
            "Resource has been exhausted (e.g. check quota).",
        )
    control(fresh_sandbox, "POST", "google/quotas", {"concurrent_per_customer": 1})
    bearer = _bearer(fresh_sandbox, info)
    url = f"{fresh_sandbox.base_url}/admin/directory/v1/users/{info['admin_email']}"
    refused, deadline = [], time.monotonic() + 15

    def hammer():
        with fresh_sandbox.session() as session:
            while not refused and time.monotonic() < deadline:
                response = session.get(url, headers={"Authorization": f"Bearer {bearer}"}, timeout=30)
                if response.status_code == 429:
                    refused.append(response.json())

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert refused and refused[0] == EXHAUSTED
    concurrency = stats(fresh_sandbox)["quotas"]["concurrency"]["google:concurrent"]
    assert concurrency["highest_concurrent"][info["customer_id"]] == 1 and concurrency["refused"] >= 1


def test_chaos_storms_answer_429(tmp_path):
    running = start_sandbox(tmp_path / "chaos", profile="chaos", time_scale=10)
    try:
        info = new_customer(running)
        bearer = _bearer(running, info)
        url = f"{running.base_url}/admin/directory/v1/users/{info['admin_email']}"
        seen: dict[int, dict] = {}
        for _ in range(600):
            with running.session() as session:
                try:
                    response = session.get(url, headers={"Authorization": f"Bearer {bearer}"}, timeout=30)
                except requests.ConnectionError:
                    seen.setdefault(0, {})  # a dropped connection
                    continue
            seen.setdefault(response.status_code, response.json())
            if {429, 503, 200} <= set(seen):
                break
        assert seen[429] == EXHAUSTED
        assert seen[503]["error"]["errors"][0]["reason"] == "backendError"
    finally:
        running.stop()


def _wait_until_visible(call, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            call()
            return
        except HttpError as error:
            assert error.resp.status == 404 and time.monotonic() < deadline


def test_replication_delay_hides_new_objects(tmp_path):
    # The lagging profile answers at once and shows anything new after a minute, here 1.5 s: the
    # checks fit inside the delay however busy the machine is.
    running = start_sandbox(tmp_path / "lagging", profile="lagging", time_scale=40)
    try:
        info = new_customer(running)
        with directory(running, info) as service:
            users, members = service.users(), service.members()
            staff = service.groups().insert(body={"email": f"staff@{DOMAIN}", "name": "Staff"}).execute()
            assert error_of(members.insert(groupKey=staff["id"], body={"email": info["admin_email"]})) == (
                404,
                "notFound",
                "Resource Not Found: groupKey",
            )
            _wait_until_visible(lambda: service.groups().get(groupKey=staff["id"]).execute())
            before = time.monotonic()
            user = users.insert(body=user_body(f"new@{DOMAIN}")).execute()
            assert error_of(users.get(userKey=user["id"])) == (404, "notFound", "Resource Not Found: userKey")
            # The other checks go in one batch: its parts are answered together, inside the delay.
            answers = {}
            batch = service.new_batch_http_request(
                callback=lambda request_id, response, error: answers.__setitem__(
                    request_id, (response, error)
                )
            )
            batch.add(users.get(userKey=f"new@{DOMAIN}"), request_id="get")
            batch.add(users.list(customer="my_customer"), request_id="list")
            batch.add(users.insert(body=user_body(f"new@{DOMAIN}")), request_id="again")
            batch.add(
                members.insert(groupKey=staff["id"], body={"email": f"new@{DOMAIN}"}), request_id="member"
            )
            batch.execute()
            assert answers["get"][1].resp.status == 404
            assert [u["primaryEmail"] for u in answers["list"][0]["users"]] == [info["admin_email"]]
            assert answers["again"][1].resp.status == 409  # Google knows the address is taken
            assert b"Resource Not Found: memberKey" in answers["member"][1].content
            _wait_until_visible(lambda: users.get(userKey=f"new@{DOMAIN}").execute())
            assert time.monotonic() - before >= 1.5 * 0.9
            members.insert(groupKey=staff["id"], body={"email": f"new@{DOMAIN}"}).execute()
            assert (
                members.hasMember(groupKey=staff["id"], memberKey=user["id"]).execute()["isMember"] is False
            )
    finally:
        running.stop()


def _hammer(base_url: str, ca: str, info: dict, results) -> None:
    """One process: batches of users.get and single calls until the quota refuses it (or, a
    safety net only, a minute has passed)."""
    counts = {"200": 0, "403": 0, "other": 0}
    try:
        running = RunningSandbox(None, base_url, ca, None, None)
        with directory(running, info) as service:

            def tally(_id, _response, error):
                if error is None:
                    counts["200"] += 1
                elif error.resp.status == 403 and b"userRateLimitExceeded" in error.content:
                    counts["403"] += 1
                else:
                    counts["other"] += 1

            deadline = time.monotonic() + 60
            while not counts["403"] and time.monotonic() < deadline:
                batch = service.new_batch_http_request(callback=tally)
                for _ in range(20):
                    batch.add(service.users().get(userKey=info["admin_email"]))
                batch.execute()
                try:
                    service.users().get(userKey=info["admin_email"]).execute()
                    tally(None, None, None)
                except HttpError as error:
                    tally(None, None, error)
        results.put(counts)
    except BaseException as error:  # report, never hang the parent
        results.put({"error": repr(error)})


def test_quota_holds_across_processes(fresh_sandbox):
    """Four processes share one user's quota of 300 queries a minute: together they are granted
    exactly 300 (the whole run lies inside one window), every other call is refused with
    userRateLimitExceeded, and the sandbox's own count agrees. How the window slides on is
    checked on the sandbox's clock in test_quotas.py."""
    info = new_customer(fresh_sandbox)
    control(fresh_sandbox, "POST", "google/quotas", {"per_user_per_minute": 300})
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [
        context.Process(target=_hammer, args=(fresh_sandbox.base_url, str(fresh_sandbox.ca), info, results))
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    counts = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert all("error" not in count for count in counts), counts
    assert all(count["403"] > 0 for count in counts)  # each process met the quota
    assert sum(count["other"] for count in counts) == 0
    assert sum(count["200"] for count in counts) == 300
    window = stats(fresh_sandbox)["quotas"]["windows"]["google:per-user"]
    assert window["window_seconds"] == 60.0
    assert list(window["highest_in_any_window"].values()) == [300]  # one user's bucket, full
    assert window["refused"] == sum(count["403"] for count in counts)
