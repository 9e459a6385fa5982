"""Google's batch endpoint: the client's BatchHttpRequest, per-part results, quotas per part and
the raw multipart format."""

import json
import re

import google.auth.transport.requests
import pytest

from sandbox.tests.test_google_support import (
    DOMAIN,
    control,
    delegated,
    directory,
    new_customer,
    stats,
    user_body,
)


@pytest.fixture
def info(fresh_sandbox):
    return new_customer(fresh_sandbox)


def _bearer(sandbox, info) -> str:
    credentials = delegated(info)
    with sandbox.session() as session:
        credentials.refresh(google.auth.transport.requests.Request(session))
    return credentials.token


def _multipart(parts: list[str], boundary: str = "sandbox_boundary") -> bytes:
    chunks = [
        f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <item{index}>\r\n\r\n{part}\r\n"
        for index, part in enumerate(parts)
    ]
    return ("".join(chunks) + f"--{boundary}--\r\n").encode()


def _post_batch(sandbox, body: bytes, bearer: str | None = None, path: str = "/batch/admin/directory_v1"):
    headers = {"Content-Type": 'multipart/mixed; boundary="sandbox_boundary"'}
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    with sandbox.session() as session:
        return session.post(sandbox.base_url + path, data=body, headers=headers, timeout=60)


def test_150_inserts_with_duplicates_report_per_part(fresh_sandbox, info):
    outcomes = {}
    with directory(fresh_sandbox, info) as service:
        batch = service.new_batch_http_request()
        for index in range(150):
            email = f"pupil{index % 140:03d}@{DOMAIN}"  # the last ten repeat the first ten
            batch.add(
                service.users().insert(body=user_body(email)),
                callback=lambda request_id, response, error: outcomes.__setitem__(
                    request_id, (response, error)
                ),
                request_id=f"row-{index}",
            )
        batch.execute()
        assert len(outcomes) == 150
        for index in range(150):
            response, error = outcomes[f"row-{index}"]
            if index < 140:
                assert error is None and response["primaryEmail"] == f"pupil{index:03d}@{DOMAIN}"
            else:
                assert response is None and error.resp.status == 409
                assert json.loads(error.content)["error"]["errors"][0]["reason"] == "duplicate"
        listed = service.users().list(customer="my_customer", maxResults=500).execute()["users"]
    assert len(listed) == 141
    numbers = stats(fresh_sandbox)
    assert numbers["statuses"]["google.users.insert:200"] == 140
    assert numbers["statuses"]["google.users.insert:409"] == 10
    assert numbers["calls"]["google.batch"] == 1
    assert len(numbers["created"]) == 140 and set(numbers["created"].values()) == {1}


def test_batch_parts_count_against_the_quota(fresh_sandbox, info):
    control(fresh_sandbox, "POST", "google/quotas", {"per_user_per_minute": 25})
    statuses = []
    with directory(fresh_sandbox, info) as service:
        batch = service.new_batch_http_request(
            callback=lambda _id, _response, error: statuses.append(error.resp.status if error else 200)
        )
        for _ in range(40):
            batch.add(service.users().get(userKey=info["admin_email"]))
        batch.execute()
    assert statuses.count(200) == 25 and statuses.count(403) == 15


def test_raw_multipart_format(fresh_sandbox, info):
    bearer = _bearer(fresh_sandbox, info)
    created = json.dumps(user_body(f"raw@{DOMAIN}"))
    parts = [
        f"POST /admin/directory/v1/users HTTP/1.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(created)}\r\n\r\n{created}",
        f"GET /admin/directory/v1/users/{info['admin_email']}?fields=primaryEmail HTTP/1.1\r\n\r\n",
        "GET /admin/directory/v1/users/nobody@haskovo-edu.example HTTP/1.1\r\n\r\n",
        "GET /admin/directory/v1/users?customer=my_customer HTTP/1.1\r\nAuthorization: Bearer ya29.wrong\r\n\r\n",
        f"DELETE /admin/directory/v1/users/raw@{DOMAIN} HTTP/1.1\r\n\r\n",
    ]
    response = _post_batch(fresh_sandbox, _multipart(parts), bearer)
    assert response.status_code == 200
    boundary = re.search(r"boundary=(\S+)", response.headers["Content-Type"]).group(1)
    assert response.headers["Content-Type"].startswith("multipart/mixed")
    answers = [chunk for chunk in response.text.split(f"--{boundary}") if chunk.strip() not in ("", "--")]
    assert len(answers) == 5
    ids = [re.search(r"Content-ID: (\S+)", answer).group(1) for answer in answers]
    assert ids == [f"<response-item{index}>" for index in range(5)]
    statuses = [int(re.search(r"HTTP/1.1 (\d{3}) ", answer).group(1)) for answer in answers]
    assert statuses == [200, 200, 404, 401, 204]
    assert answers[1].rstrip().endswith(json.dumps({"primaryEmail": info["admin_email"]}))
    assert '"Resource Not Found: userKey"' in answers[2]


def test_batch_limits_and_errors(fresh_sandbox, info):
    bearer = _bearer(fresh_sandbox, info)
    get = f"GET /admin/directory/v1/users/{info['admin_email']} HTTP/1.1\r\n\r\n"
    response = _post_batch(fresh_sandbox, _multipart([get] * 1001), bearer, path="/batch")
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["reason"] == "badRequest"
    assert _post_batch(fresh_sandbox, _multipart([get] * 1000), bearer).status_code == 200
    with fresh_sandbox.session() as session:
        plain = session.post(fresh_sandbox.base_url + "/batch", data=b"{}", timeout=30)
    assert plain.status_code == 400
    assert stats(fresh_sandbox)["statuses"]["google.users.get:200"] == 1000
