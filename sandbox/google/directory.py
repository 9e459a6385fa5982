"""What every Directory API method shares: the route wrapper (Bearer → scopes → quotas → admin
check → handler), customer resolution, paging tokens, ``maxResults`` and partial responses."""

from __future__ import annotations

import base64
import bisect
import json
from urllib.parse import unquote

from sandbox.google import auth, errors, quota
from sandbox.http import Request, Response, Router

PREFIX = "/admin/directory/v1"
SEGMENT = r"[^/]+"


def route(router: Router, method: str, pattern: str, scopes: list[str], name: str):
    """Register ``fn(sandbox, request, principal, **path_params)`` as a Directory method."""
    accepted = [auth.SCOPE_PREFIX + scope for scope in scopes]

    def decorator(fn):
        def handler(sandbox, request: Request, **params) -> Response:
            params = {key: unquote(value) for key, value in params.items() if value is not None}
            principal = auth.authenticate(sandbox, request)
            auth.require_scope(principal, accepted)
            with quota.admit(sandbox, request, principal):
                auth.require_admin(sandbox, principal)
                response = fn(sandbox, request, principal, **params)
            return partial(request, response)

        router.route(method, PREFIX + pattern, name=f"google.{name}")(handler)
        return fn

    return decorator


def customer_of(principal, key: str | None) -> str:
    """``my_customer`` or the caller's own id; another customer's id → 403 as Google answers."""
    if not key or key == "my_customer" or key == principal.customer:
        return principal.customer
    raise errors.forbidden()


def body(request: Request) -> dict:
    try:
        data = request.json()
    except (ValueError, UnicodeDecodeError):
        raise errors.bad_request("Invalid JSON payload received.") from None
    if not isinstance(data, dict):
        raise errors.bad_request("Invalid JSON payload received.")
    return data


def max_results(request: Request, default: int, maximum: int) -> int:
    raw = request.arg("maxResults")
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.invalid(
            f"Invalid value '{raw}'. Values must be within the range: [1, {maximum}]"
        ) from None
    if value < 1 or value > maximum:
        raise errors.out_of_range("maxResults", raw, 1, maximum)
    return value


def page(
    items: list, request: Request, default: int, maximum: int, key=None, descending: bool = False
) -> tuple[list, str | None]:
    """A page of ``items`` and the next page token, if any.

    With ``key`` (the sort key the items are ordered by, ``descending`` or not), the token holds
    the last key handed out, so objects inserted or deleted between pages shift nothing."""
    size = max_results(request, default, maximum)
    start = 0
    token = request.arg("pageToken")
    if token:
        try:
            state = json.loads(base64.urlsafe_b64decode(token.encode() + b"==="))
            if key is None:
                start = int(state["o"])
            else:
                last = state["k"]
                if descending:
                    start = next(
                        (index for index, item in enumerate(items) if list(key(item)) < last), len(items)
                    )
                else:  # sorted: the first key after the last one handed out, by bisection
                    start = bisect.bisect_right(items, last, key=lambda item: list(key(item)))
        except (ValueError, KeyError, TypeError):
            raise errors.invalid("Invalid page token") from None
    chunk = items[start : start + size]
    if start + size >= len(items):
        return chunk, None
    if key is None:
        state = {"o": start + size}
    else:
        state = {"k": list(key(chunk[-1]))}
    return chunk, base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def flag(request: Request, name: str) -> bool:
    return (request.arg(name) or "").lower() == "true"


def public(doc: dict) -> dict:
    """The resource as the API shows it: internal fields (leading underscore) removed."""
    return {key: value for key, value in doc.items() if not key.startswith("_")}


# --- partial responses (?fields=) ---------------------------------------------------------------
def partial(request: Request, response: Response) -> Response:
    selector = request.arg("fields")
    if not selector or response.status >= 300 or not response.body:
        return response
    try:
        tree = _parse_fields(selector)
    except ValueError:
        raise errors.bad_request(f"Invalid field selection {selector}") from None
    data = _select(json.loads(response.body), tree)
    return Response.json(response.status, data)


def _parse_fields(text: str) -> dict:
    """``users(id,name/givenName),kind`` → ``{"users": {"id": {}, "name": {"givenName": {}}}, …}``."""
    tree: dict = {}
    stack = [tree]
    token = ""

    def add(path: str, node: dict) -> dict:
        for part in path.strip().split("/"):
            if not part:
                raise ValueError(text)
            node = node.setdefault(part, {})
        return node

    for char in text:
        if char == ",":
            if token.strip():
                add(token, stack[-1])
            token = ""
        elif char == "(":
            stack.append(add(token, stack[-1]))
            token = ""
        elif char == ")":
            if token.strip():
                add(token, stack[-1])
            token = ""
            if len(stack) == 1:
                raise ValueError(text)
            stack.pop()
        else:
            token += char
    if token.strip():
        add(token, stack[-1])
    if len(stack) != 1:
        raise ValueError(text)
    return tree


def _select(value, tree: dict):
    if not tree:
        return value
    if isinstance(value, list):
        return [_select(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    if "*" in tree:
        return value
    return {key: _select(value[key], sub) for key, sub in tree.items() if key in value}
