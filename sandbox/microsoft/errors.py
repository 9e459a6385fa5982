"""Microsoft Graph and Entra ID error bodies and the headers every Graph response carries.

Shapes follow the published samples (see SOURCES.md): a Graph error is
``{"error": {"code", "message", "details"?, "innerError": {"date", "request-id", "client-request-id"}}}``;
an Entra token error is
``{"error", "error_description": "AADSTSnnnn: …\\r\\nTrace ID: …", "error_codes", …}``.

The request and client-request ids of the Graph call being answered live in a context variable
set by ``graph.endpoint`` (a batch part sets its own and restores the batch's afterwards), so
error helpers deep in a handler can fill ``innerError`` without being handed the request.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import uuid
from dataclasses import dataclass

from sandbox.http import ApiError, Request, Response

GRAPH_JSON = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
)
DIAGNOSTIC = json.dumps(
    {
        "ServerInfo": {
            "DataCenter": "Sandbox",
            "Slice": "E",
            "Ring": "5",
            "ScaleUnit": "000",
            "RoleInstance": "SBX",
        }
    }
)


@dataclass(frozen=True)
class Call:
    request_id: str
    client_request_id: str


_current: contextvars.ContextVar[Call | None] = contextvars.ContextVar("graph_call", default=None)


def begin(request: Request) -> contextvars.Token:
    request_id = str(uuid.uuid4())
    client_request_id = request.header("client-request-id") or request_id
    return _current.set(Call(request_id, client_request_id))


def end(token: contextvars.Token) -> None:
    _current.reset(token)


def current() -> Call:
    call = _current.get()
    if call is None:
        request_id = str(uuid.uuid4())
        return Call(request_id, request_id)
    return call


def graph_headers(call: Call | None = None) -> dict[str, str]:
    call = call or current()
    return {
        "request-id": call.request_id,
        "client-request-id": call.client_request_id,
        "x-ms-ags-diagnostic": DIAGNOSTIC,
        "Cache-Control": "no-cache",
        "Strict-Transport-Security": "max-age=31536000",
    }


def graph_json(status: int, data, headers: dict[str, str] | None = None) -> Response:
    response = Response.json(status, data, headers)
    response.headers["Content-Type"] = GRAPH_JSON
    response.headers["OData-Version"] = "4.0"
    return response


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def error_body(code: str, message: str, details: list[dict] | None = None, inner: dict | None = None) -> dict:
    call = current()
    error: dict = {"code": code, "message": message}
    if details:
        error["details"] = details
    error["innerError"] = {
        **(inner or {}),
        "date": _now(),
        "request-id": call.request_id,
        "client-request-id": call.client_request_id,
    }
    return {"error": error}


def graph_error(
    status: int,
    code: str,
    message: str,
    *,
    details: list[dict] | None = None,
    headers: dict[str, str] | None = None,
    inner: dict | None = None,
) -> ApiError:
    """An ``ApiError`` to raise: ``raise graph_error(400, "Request_BadRequest", "…")``."""
    return ApiError(graph_json(status, error_body(code, message, details, inner), headers))


def not_found(resource: str) -> ApiError:
    return graph_error(
        404,
        "Request_ResourceNotFound",
        f"Resource '{resource}' does not exist or one of its queried reference-property objects "
        "are not present.",
    )


def bad_request(
    message: str, *, code: str = "Request_BadRequest", details: list[dict] | None = None
) -> ApiError:
    return graph_error(400, code, message, details=details)


def object_conflict(prop: str) -> ApiError:
    message = f"Another object with the same value for property {prop} already exists."
    return bad_request(message, details=[{"code": "ObjectConflict", "message": message, "target": prop}])


def required(prop: str) -> ApiError:
    return bad_request(f"Property {prop} value is required but is empty or missing.")


def invalid_value(prop: str, resource: str) -> ApiError:
    return bad_request(f"Invalid value specified for property '{prop}' of resource '{resource}'.")


def unknown_property(prop: str, type_name: str) -> ApiError:
    return bad_request(
        f"The property '{prop}' does not exist on type '{type_name}'. Make sure to only use property names "
        "that are defined by the type or mark the type as open type.",
        code="BadRequest",
    )


def invalid_json() -> ApiError:
    return bad_request(
        "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of "
        "valid JSON format.",
        code="BadRequest",
    )


def forbidden() -> ApiError:
    return graph_error(
        403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
    )


def invalid_token(message: str) -> ApiError:
    return graph_error(
        401,
        "InvalidAuthenticationToken",
        message,
        headers={
            "WWW-Authenticate": 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/'
            'oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"'
        },
    )


def server_error() -> Response:
    """A chaos 503 (``Sandbox.handle`` answers with it for the profile's error rate)."""
    request_id = str(uuid.uuid4())
    call = Call(request_id, request_id)
    token = _current.set(call)
    try:
        body = error_body("serviceNotAvailable", "Service Unavailable")
    finally:
        _current.reset(token)
    return graph_json(503, body, {**graph_headers(call), "Retry-After": "1"})


# --- Entra ID (login.microsoftonline.com) -------------------------------------------------------
def entra_error(
    request: Request, status: int, error: str, code: int, description: str, *, base_url: str | None = None
) -> ApiError:
    trace_id = str(uuid.uuid4())
    correlation_id = request.header("client-request-id") or str(uuid.uuid4())
    now = dt.datetime.now(dt.UTC)
    timestamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
    body = {
        "error": error,
        "error_description": (
            f"AADSTS{code}: {description}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\n"
            f"Timestamp: {timestamp}"
        ),
        "error_codes": [code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"{base_url or request.base_url}/error?code={code}",
    }
    return ApiError(Response.json(status, body, entra_headers(request, trace_id)))


def entra_headers(request: Request, request_id: str | None = None) -> dict[str, str]:
    headers = {
        "Cache-Control": "no-store, no-cache",
        "Pragma": "no-cache",
        "x-ms-request-id": request_id or str(uuid.uuid4()),
        "x-ms-ests-server": "2.1.sandbox",
    }
    client_request_id = request.header("client-request-id")
    if client_request_id:
        headers["client-request-id"] = client_request_id
    return headers
