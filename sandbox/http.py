"""Request, response and routing for the sandbox: plain data, no framework."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import parse_qs


@dataclass
class Request:
    method: str
    path: str  # without the query string, percent-decoding left to the handler
    query: dict[str, list[str]]
    headers: Message
    body: bytes = b""
    host: str = "localhost"
    scheme: str = "https"
    # Set by the server: a stable name for the caller's connection (for concurrency limits).
    client: str = ""

    @classmethod
    def build(cls, method: str, target: str, headers: Message, body: bytes, host: str, scheme: str = "https"):
        path, _, query = target.partition("?")
        return cls(method.upper(), path, parse_qs(query, keep_blank_values=True), headers, body, host, scheme)

    @property
    def base_url(self) -> str:
        """The URL the client used to reach us: every URL we hand out is built from it."""
        return f"{self.scheme}://{self.host}"

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default) or default

    def json(self):
        if not self.body:
            return {}
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        return {
            key: values[0]
            for key, values in parse_qs(self.body.decode("utf-8"), keep_blank_values=True).items()
        }

    @property
    def bearer(self) -> str | None:
        value = self.header("Authorization")
        if value.lower().startswith("bearer "):
            return value[7:].strip()
        return None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Chaos: close the connection without answering.
    drop: bool = False

    @classmethod
    def json(cls, status: int, data, headers: dict[str, str] | None = None) -> Response:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        return cls(status, body, {"Content-Type": "application/json; charset=UTF-8", **(headers or {})})

    @classmethod
    def empty(cls, status: int = 204, headers: dict[str, str] | None = None) -> Response:
        return cls(status, b"", dict(headers or {}))

    def json_body(self):
        return json.loads(self.body) if self.body else None


class ApiError(Exception):
    """Raised by a handler to answer with ``response`` (an error body in the provider's format)."""

    def __init__(self, response: Response):
        super().__init__(response.status)
        self.response = response


Handler = Callable[..., Response]


class Router:
    """Routes by method and path (whatever the Host header says), first match wins."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern, Handler, str]] = []

    def route(self, method: str, pattern: str, name: str | None = None):
        compiled = re.compile(f"^{pattern}$")

        def decorator(fn: Handler) -> Handler:
            self.routes.append((method.upper(), compiled, fn, name or fn.__name__))
            return fn

        return decorator

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str], str] | None:
        allowed = False
        for route_method, pattern, fn, name in self.routes:
            found = pattern.match(path)
            if found:
                if route_method == method:
                    return fn, found.groupdict(), name
                allowed = True
        if allowed:
            return _method_not_allowed, {}, "method_not_allowed"
        return None


def _method_not_allowed(sandbox, request: Request) -> Response:
    return Response.json(405, {"error": {"code": 405, "message": "Method not allowed."}})
