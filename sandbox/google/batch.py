"""Google's batch endpoint: ``multipart/mixed``, each part an ``application/http`` request with
its own ``Content-ID``; each part goes through the sandbox like any call (Bearer, quota, chaos
errors) and is answered in a part with ``Content-ID: <response-…>``, in the order asked."""

from __future__ import annotations

import re
import secrets
from email.message import Message
from http import HTTPStatus

from sandbox.google import errors
from sandbox.http import Request, Response, Router

MAX_PARTS = 1000
_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)


def register(router: Router) -> None:
    router.route("POST", r"/batch", name="google.batch")(batch)
    router.route("POST", r"/batch/admin/directory_v1", name="google.batch")(batch)
    router.route("POST", r"/batch/admin/v1", name="google.batch")(batch)


def batch(sandbox, request: Request) -> Response:
    content_type = request.header("Content-Type")
    found = _BOUNDARY.search(content_type)
    if not content_type.lower().startswith("multipart/mixed") or not found:
        raise errors.bad_request(
            "Failed to parse batch request, error: Missing boundary. Received batch body"
        )
    parts = _split(request.body, (found.group(1) or found.group(2)).encode())
    if not parts:
        raise errors.bad_request("Failed to parse batch request, error: 0 items. Received batch body")
    if len(parts) > MAX_PARTS:
        raise errors.bad_request(f"A batch request cannot contain more than {MAX_PARTS} requests.")
    boundary = "batch_" + secrets.token_hex(12)
    out = bytearray()
    for headers, payload in parts:
        content_id = headers.get("content-id", "")
        inner = _parse_inner(request, payload)
        if inner is None:
            response = errors.response(400, "badRequest", "Failed to parse batch request part.")
        elif inner.path.startswith("/batch"):
            response = errors.response(400, "badRequest", "Nested batch requests are not allowed.")
        else:
            response = sandbox.handle(inner, inner=True)
        out += _render(boundary, content_id, response)
    out += f"--{boundary}--\r\n".encode()
    return Response(200, bytes(out), {"Content-Type": f"multipart/mixed; boundary={boundary}"})


def _split(body: bytes, boundary: bytes) -> list[tuple[dict[str, str], bytes]]:
    """[(part headers, part payload)] of a multipart body (CRLF or LF line ends)."""
    delimiter = b"--" + boundary
    chunks = body.split(delimiter)
    parts = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk[1:] if chunk.startswith(b"\n") else chunk
        if chunk.endswith(b"\r\n"):
            chunk = chunk[:-2]
        elif chunk.endswith(b"\n"):
            chunk = chunk[:-1]
        head, payload = _head_and_body(chunk)
        parts.append((_headers(head), payload))
    return parts


def _head_and_body(data: bytes) -> tuple[bytes, bytes]:
    for separator in (b"\r\n\r\n", b"\n\n"):
        index = data.find(separator)
        if index >= 0:
            return data[:index], data[index + len(separator) :]
    return data, b""


def _headers(head: bytes) -> dict[str, str]:
    headers = {}
    for line in head.decode("latin-1").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers


def _parse_inner(outer: Request, payload: bytes) -> Request | None:
    head, body = _head_and_body(payload)
    lines = head.decode("latin-1").splitlines()
    if not lines:
        return None
    request_line = lines[0].split()
    if len(request_line) < 2:
        return None
    method, target = request_line[0], request_line[1]
    if target.startswith(("http://", "https://")):
        target = "/" + target.split("://", 1)[1].partition("/")[2]
    headers = Message()
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip()] = value.strip()
    length = headers.get("Content-Length")
    if length and length.isdigit():
        body = body[: int(length)]
    elif body.endswith(b"\r\n"):
        body = body[:-2]
    if "Authorization" not in headers and outer.header("Authorization"):
        headers["Authorization"] = outer.header("Authorization")
    inner = Request.build(method, target, headers, body, outer.host, outer.scheme)
    inner.client = outer.client
    return inner


def _render(boundary: str, content_id: str, response: Response) -> bytes:
    inside = content_id[1:-1] if content_id.startswith("<") and content_id.endswith(">") else content_id
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [
        f"--{boundary}",
        "Content-Type: application/http",
        f"Content-ID: <response-{inside}>",
        "",
        f"HTTP/1.1 {response.status} {reason}",
    ]
    lines += [f"{key}: {value}" for key, value in response.headers.items()]
    lines += [f"Content-Length: {len(response.body)}", "", ""]
    return "\r\n".join(lines).encode() + response.body + b"\r\n"
