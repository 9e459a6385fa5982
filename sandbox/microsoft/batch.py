"""``POST /v1.0/$batch``: JSON batching.

Up to 20 steps with unique ids; ``url`` is relative to ``/v1.0``; a step with a body needs a
``Content-Type`` header. Steps run in the order given, a step with ``dependsOn`` after the steps
it names; a step whose dependency failed is answered 424. Each step is dispatched through
``sandbox.handle(step, inner=True)``: it counts against throttling (and may come back 429 with
``Retry-After`` in its own headers), may hit the profile's chaos errors, and shows in the stats
under its own endpoint. The batch itself answers 200 once it could be parsed.
"""

from __future__ import annotations

import json
from email.message import Message
from urllib.parse import parse_qs

from sandbox.http import Request, Response
from sandbox.microsoft import errors
from sandbox.microsoft.graph import Routes, body

routes = Routes()
MAX_STEPS = 20
METHODS = {"GET", "POST", "PATCH", "PUT", "DELETE"}
ENVELOPE_ONLY = {"request-id", "client-request-id", "x-ms-ags-diagnostic", "strict-transport-security"}


def _bad(message: str):
    return errors.bad_request(message, code="BadRequest")


def _steps(data: dict) -> list[dict]:
    steps = data.get("requests")
    if not isinstance(steps, list) or not steps:
        raise _bad("Invalid batch payload format.")
    if len(steps) > MAX_STEPS:
        raise _bad(f"Number of batch request steps exceeds the maximum of {MAX_STEPS}.")
    seen: set[str] = set()
    for step in steps:
        if not isinstance(step, dict):
            raise _bad("Invalid batch payload format.")
        step_id, method, url = step.get("id"), step.get("method"), step.get("url")
        if not isinstance(step_id, str) or not step_id or not isinstance(url, str) or not url:
            raise _bad("Invalid batch payload format.")
        if not isinstance(method, str) or method.upper() not in METHODS:
            raise _bad(f"Invalid method '{method}' specified for request id : {step_id}.")
        if step_id.lower() in seen:
            raise _bad(f"Batch request contains duplicate request id : {step_id}.")
        seen.add(step_id.lower())
        headers = step.get("headers") or {}
        if not isinstance(headers, dict):
            raise _bad("Invalid batch payload format.")
        has_type = any(k.lower() == "content-type" for k in headers)
        if "body" in step and step["body"] is not None and not has_type:
            raise _bad(f"Write request id : {step_id} does not contain Content-Type header or body.")
    ids = {s["id"].lower() for s in steps}
    for step in steps:
        depends = step.get("dependsOn") or []
        if not isinstance(depends, list) or not all(isinstance(d, str) and d.lower() in ids for d in depends):
            raise _bad(f"Request id : {step['id']} depends on a request id that is not in the batch.")
    return steps


def _order(steps: list[dict]) -> list[dict]:
    """Steps in the given order, each after the steps it depends on (a cycle is a bad batch)."""
    by_id = {s["id"].lower(): s for s in steps}
    done: list[dict] = []
    state: dict[str, str] = {}

    def visit(step: dict) -> None:
        key = step["id"].lower()
        if state.get(key) == "done":
            return
        if state.get(key) == "visiting":
            raise _bad("The batch request steps' dependencies form a cycle.")
        state[key] = "visiting"
        for dependency in step.get("dependsOn") or []:
            visit(by_id[dependency.lower()])
        state[key] = "done"
        done.append(step)

    for step in steps:
        visit(step)
    return done


def _inner_request(outer: Request, step: dict) -> Request:
    url = step["url"].lstrip("/")
    path, _, query = url.partition("?")
    headers = Message()
    for key, value in (step.get("headers") or {}).items():
        headers[key] = str(value)
    for name in ("Authorization", "client-request-id"):
        if outer.header(name) and name not in headers:
            headers[name] = outer.header(name)
    payload = step.get("body")
    if payload is None:
        data = b""
    elif isinstance(payload, str):
        data = payload.encode("utf-8")
    else:
        data = json.dumps(payload).encode("utf-8")
    request = Request(
        step["method"].upper(),
        f"/v1.0/{path}",
        parse_qs(query, keep_blank_values=True),
        headers,
        data,
        outer.host,
        outer.scheme,
    )
    request.client = outer.client
    return request


def _part(step_id: str, response: Response) -> dict:
    part: dict = {
        "id": step_id,
        "status": response.status,
        "headers": {k: v for k, v in response.headers.items() if k.lower() not in ENVELOPE_ONLY},
    }
    if response.body:
        try:
            part["body"] = json.loads(response.body)
        except ValueError:
            part["body"] = response.body.decode("utf-8", "replace")
    return part


def _failed_dependency(step_id: str) -> dict:
    return {
        "id": step_id,
        "status": 424,
        "headers": {"Content-Type": "application/json"},
        "body": errors.error_body("FailedDependency", "Failed Dependency"),
    }


@routes("POST", r"/\$batch", "graph.batch", permissions=(), throttle=False)
def batch(sandbox, request: Request, caller) -> Response:
    steps = _order(_steps(body(request)))
    statuses: dict[str, int] = {}
    parts = []
    for step in steps:
        step_id = step["id"]
        if any(statuses.get(d.lower(), 200) >= 400 for d in step.get("dependsOn") or []):
            statuses[step_id.lower()] = 424
            parts.append(_failed_dependency(step_id))
            continue
        inner = _inner_request(request, step)
        if inner.path.rstrip("/") == "/v1.0/$batch":
            response = errors.bad_request(
                "Nested batch requests are not supported.", code="BadRequest"
            ).response
        else:
            response = sandbox.handle(inner, inner=True)
        statuses[step_id.lower()] = response.status
        parts.append(_part(step_id, response))
    return errors.graph_json(200, {"responses": parts})
