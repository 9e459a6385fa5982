"""What every Graph v1.0 endpoint does before and after its own work.

``Routes`` collects a module's endpoints; each is wrapped so that it (1) gets a request id,
(2) checks the bearer token and the app's application permissions, (3) passes the throttling
limits (``throttling.admit``), then (4) runs, and every answer, error or not, carries the
``request-id`` / ``client-request-id`` headers and ``x-ms-resource-unit``.
Handlers are ``fn(sandbox, request, caller, **path_params)`` with path parameters percent-decoded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from sandbox.http import ApiError, Request, Response
from sandbox.microsoft import directory, errors, throttling, tokens

PREFIX = r"/v1\.0"
TOP_SEGMENTS = {"users", "groups", "domains", "subscribedSkus", "$batch", "directoryObjects"}

USERS_READ = {"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
USERS_WRITE = {"User.ReadWrite.All", "Directory.ReadWrite.All"}
GROUPS_READ = {
    "Group.Read.All",
    "Group.ReadWrite.All",
    "GroupMember.Read.All",
    "GroupMember.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
}
GROUPS_WRITE = {"Group.ReadWrite.All", "Directory.ReadWrite.All"}
MEMBERS_WRITE = {"GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"}
DOMAINS_READ = {"Domain.Read.All", "Domain.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
DOMAINS_WRITE = {"Domain.ReadWrite.All"}
LICENCES_READ = {
    "LicenseAssignment.Read.All",
    "LicenseAssignment.ReadWrite.All",
    "Organization.Read.All",
    "Organization.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
}
LICENCES_WRITE = {"LicenseAssignment.ReadWrite.All", "User.ReadWrite.All", "Directory.ReadWrite.All"}


@dataclass(frozen=True)
class Caller:
    tenant_id: str
    app_id: str
    roles: frozenset[str]


def authenticate(sandbox, request: Request) -> Caller:
    claims = tokens.verify(sandbox, request.bearer, request.base_url)
    tenant_id, app_id = str(claims.get("tid", "")), str(claims.get("appid", ""))
    app = directory.app(sandbox, app_id)
    if directory.tenant(sandbox, tenant_id) is None or app is None or app["tenantId"] != tenant_id:
        raise errors.invalid_token("Access token validation failure.")
    return Caller(tenant_id, app_id, frozenset(claims.get("roles") or ()))


class Routes:
    """A module's Graph endpoints, added to the sandbox router by ``register``."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, Callable, str]] = []

    def __call__(
        self,
        method: str,
        pattern: str,
        name: str,
        *,
        permissions: Iterable[str],
        cost: int = 1,
        throttle: bool = True,
    ):
        def decorator(fn: Callable) -> Callable:
            handler = endpoint(fn, method, set(permissions), cost, throttle)
            self.items.append((method, PREFIX + pattern, handler, name))
            return fn

        return decorator

    def register(self, router) -> None:
        for method, pattern, handler, name in self.items:
            router.route(method, pattern, name)(handler)


def endpoint(fn: Callable, method: str, permissions: set[str], cost: int, throttle: bool = True) -> Callable:
    def handler(sandbox, request: Request, **params) -> Response:
        token = errors.begin(request)
        try:
            extra: dict[str, str] = {}
            try:
                caller = authenticate(sandbox, request)
                if permissions and not (caller.roles & permissions):
                    raise errors.forbidden()
                if throttle:
                    extra = throttling.admit(sandbox, request, caller, method, cost)
                response = fn(sandbox, request, caller, **{k: unquote(v) for k, v in params.items()})
            except ApiError as error:
                response = error.response
            response.headers.update(extra)
            for key, value in errors.graph_headers().items():
                response.headers.setdefault(key, value)
            return response
        finally:
            errors.end(token)

    handler.__name__ = getattr(fn, "__name__", "graph_endpoint")
    return handler


def body(request: Request) -> dict:
    """The JSON object a write carries, or the 400 Graph answers with."""
    if not request.body:
        return {}
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise errors.invalid_json() from None
    if not isinstance(data, dict):
        raise errors.invalid_json()
    return data


def check_properties(data: dict, allowed: Iterable[str], type_name: str) -> None:
    allowed = set(allowed)
    for key in data:
        if key not in allowed and not key.startswith("@odata.") and not key.endswith("@odata.bind"):
            raise errors.unknown_property(key, type_name)


# --- anything else under /v1.0 --------------------------------------------------------------------
def register_fallback(router, known: list[tuple[str, str, Callable, str]]) -> None:
    """Answer like Graph for an unknown segment or a method the target does not allow."""
    compiled = [(method, re.compile(f"^{pattern}$")) for method, pattern, _fn, _name in known]

    def fallback(sandbox, request: Request) -> Response:
        token = errors.begin(request)
        try:
            if any(pattern.match(request.path) for _method, pattern in compiled):
                error = errors.graph_error(
                    405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target."
                )
            else:
                segments = [unquote(s) for s in request.path.split("/")[2:] if s]
                if not segments:
                    segment = "v1.0"
                elif segments[0] not in TOP_SEGMENTS:
                    segment = segments[0]
                else:
                    segment = segments[-1]
                error = errors.bad_request(
                    f"Resource not found for the segment '{segment}'.", code="BadRequest"
                )
            response = error.response
            response.headers.update(errors.graph_headers())
            return response
        finally:
            errors.end(token)

    for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
        router.route(method, PREFIX + r"(/.*)?", "graph.unknown")(fallback)
