"""Throttling as published for Microsoft Graph identity and access (directory) resources.

Numbers (provider seconds; the sandbox's time scale shortens every window) and their sources are
in SOURCES.md. Quota windows in ``GET /_sandbox/stats`` → ``quotas.windows``:

| window | limit | per | key |
|---|---|---|---|
| ``microsoft:write:app+tenant`` | 3,000 writes | 150 s | ``<client id>:<tenant id>`` |
| ``microsoft:write:tenant`` | 18,000 writes | 300 s | ``<tenant id>`` |
| ``microsoft:write:app`` | 70,000 writes | 300 s | ``<client id>`` |
| ``microsoft:ru:app+tenant`` | 3,500 / 5,000 / 8,000 RU (< 50 / 50-500 / > 500 users) | 10 s | as above |
| ``microsoft:ru:app`` | 150,000 resource units | 20 s | ``<client id>`` |
| ``microsoft:global:app`` | 130,000 requests | 10 s | ``<client id>`` |

Request cost in resource units: the base cost of the path (GET users 2, GET subscribedSkus 3,
GET groups/{id}/members 3, anything else 1), −1 with ``$select``, +1 with ``$expand``, −1 with
``$top`` below 20, never below 1. Writes (POST, PATCH, PUT, DELETE) also cost 1 write.
Windows are checked in the order above; a request refused by a later window has already been
counted by the earlier ones (Graph, too, keeps logging usage while a client is throttled).

Chaos storms: with the profile's ``storm_rate`` a request is answered 429 and its app+tenant
stays throttled for ``STORM_SECONDS`` (provider time); ``Retry-After`` says how long.
"""

from __future__ import annotations

import math
import time

from sandbox.http import Request
from sandbox.microsoft import directory, errors

WRITE_APP_TENANT = (3_000, 150.0)
WRITE_TENANT = (18_000, 300.0)
WRITE_APP = (70_000, 300.0)
RU_APP_TENANT = {"S": 3_500, "M": 5_000, "L": 8_000}
RU_APP_TENANT_SECONDS = 10.0
RU_APP = (150_000, 20.0)
GLOBAL_APP = (130_000, 10.0)
STORM_SECONDS = 2.0  # sandbox choice, not a published number
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


def tenant_size(users: int) -> str:
    """S under 50 users, M 50-500, L above 500."""
    if users < 50:
        return "S"
    return "M" if users <= 500 else "L"


def request_cost(request: Request, base: int) -> int:
    cost = base
    if request.arg("$select"):
        cost -= 1
    if request.arg("$expand"):
        cost += 1
    top = request.arg("$top") or ""
    if top.isdigit() and int(top) < 20:
        cost -= 1
    return max(cost, 1)


def admit(sandbox, request: Request, caller, method: str, base_cost: int) -> dict[str, str]:
    """Headers for the answer when the request may go on; raises the 429 otherwise."""
    app, tenant = caller.app_id, caller.tenant_id
    pair = f"{app}:{tenant}"
    _storm(sandbox, pair, app, tenant)
    units = request_cost(request, base_cost)
    quotas = sandbox.quotas
    checks = []
    if method in WRITE_METHODS:
        checks += [
            (
                quotas.window("microsoft:write:app+tenant", *WRITE_APP_TENANT),
                pair,
                1,
                "Tenant_Application",
                "Write",
            ),
            (quotas.window("microsoft:write:tenant", *WRITE_TENANT), tenant, 1, "Tenant", "Write"),
            (quotas.window("microsoft:write:app", *WRITE_APP), app, 1, "Application", "Write"),
        ]
    ru_pair = quotas.window("microsoft:ru:app+tenant", RU_APP_TENANT["S"], RU_APP_TENANT_SECONDS)
    ru_pair.limit = RU_APP_TENANT[tenant_size(directory.count(sandbox, directory.USER, tenant))]
    checks += [
        (ru_pair, pair, units, "Tenant_Application", "ReadWrite"),
        (quotas.window("microsoft:ru:app", *RU_APP), app, units, "Application", "ReadWrite"),
        (quotas.window("microsoft:global:app", *GLOBAL_APP), app, 1, "Application", "ReadWrite"),
    ]
    highest = 0.0
    for window, key, cost, scope, limit in checks:
        ok, retry_after = window.acquire(key, cost)
        if not ok:
            with window.lock:
                used = (window.totals.get(key, 0.0) + cost) / window.limit
            info = "WriteLimitExceeded" if limit == "Write" else "ResourceUnitLimitExceeded"
            raise throttled(retry_after, f"{scope}/{limit}/{app}/{tenant}", info, used)
        with window.lock:
            highest = max(highest, window.totals.get(key, 0.0) / window.limit)
    headers = {"x-ms-resource-unit": str(units)}
    if highest > 0.8:
        headers["x-ms-throttle-limit-percentage"] = f"{min(highest, 1.8):.2f}"
    return headers


def _storm(sandbox, pair: str, app: str, tenant: str) -> None:
    rate = sandbox.profile.storm_rate
    if not rate:
        return
    key = f"microsoft:{pair}"
    now = time.monotonic()
    until = sandbox.throttle_until.get(key, 0.0)
    if until <= now:
        if sandbox.random() >= rate:
            return
        until = now + sandbox.scaled(STORM_SECONDS)
        sandbox.throttle_until[key] = until
    raise throttled(until - now, f"Tenant_Application/ReadWrite/{app}/{tenant}", "CPULimitExceeded", 1.0)


def retry_after_header(seconds: float) -> str:
    """Whole seconds, rounded up (Graph sends an integer); at least 1."""
    return str(max(1, math.ceil(seconds - 1e-9)))


def throttled(retry_after: float, scope: str, information: str, used: float):
    headers = {
        "Retry-After": retry_after_header(retry_after),
        "x-ms-throttle-scope": scope,
        "x-ms-throttle-information": information,
        "x-ms-throttle-limit-percentage": f"{min(max(used, 0.8), 1.8):.2f}",
    }
    return errors.graph_error(
        429,
        "TooManyRequests",
        "Please retry again later.",
        headers=headers,
        inner={"code": "429", "message": "Please retry after", "status": "429"},
    )
