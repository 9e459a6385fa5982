"""OData query options as Graph applies them to directory objects: ``$filter``, ``$select``,
``$top``, ``$count`` and server-side paging with ``@odata.nextLink`` / ``$skiptoken``.

``$orderby`` takes one property. ``$filter`` supports ``eq``, ``ne``, ``gt``, ``ge``, ``lt``,
``le``, ``in``, ``and``, ``or``, ``not``, parentheses, ``startswith(p,'x')``, ``endswith(p,'x')``
and ``p/any(x:…)`` over collections. String comparisons ignore case, as the directory does.
``ne``, ``not`` and ``endswith`` are advanced queries: without ``ConsistencyLevel: eventual`` they
are refused.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from urllib.parse import quote, urlencode

from sandbox.http import Request
from sandbox.microsoft import errors

DEFAULT_PAGE = 100
MAX_PAGE = 999

TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<string>'(?:[^']|'')*')"
    r"|(?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(?![\w-])"
    r"|(?P<datetime>\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:\d{2}))"
    r"|(?P<number>-?\d+(?:\.\d+)?)(?![\w-])"
    r"|(?P<name>[A-Za-z_$][\w.]*(?:/[A-Za-z_$][\w.]*)*)"
    r"|(?P<punct>[(),:])"
    r")"
)
COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
ADVANCED = {"ne", "not", "endswith"}
Predicate = Callable[[dict, dict], bool]


class _Parser:
    def __init__(self, text: str, properties: dict[str, str], type_name: str, eventual: bool):
        self.text, self.properties, self.type_name, self.eventual = text, properties, type_name, eventual
        self.tokens = self._tokenize(text)
        self.pos = 0
        self.variables: set[str] = set()

    def _invalid(self, detail: str = ""):
        return errors.bad_request(
            f"Invalid filter clause{': ' + detail if detail else ''}", code="BadRequest"
        )

    def _tokenize(self, text: str) -> list[tuple[str, str]]:
        tokens, pos = [], 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            match = TOKEN.match(text, pos)
            if not match or match.end() == pos:
                raise self._invalid(f"Syntax error at position {pos} in '{text}'.")
            kind = match.lastgroup
            tokens.append((kind, match.group(kind)))
            pos = match.end()
        return tokens

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def next(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise self._invalid(f"Unexpected end of expression in '{self.text}'.")
        self.pos += 1
        return token

    def expect(self, value: str) -> None:
        kind, text = self.next()
        if text.lower() != value:
            raise self._invalid(f"Expected '{value}' but found '{text}'.")

    def keyword(self, value: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "name" and token[1].lower() == value

    def advanced(self, operator: str) -> None:
        if operator in ADVANCED and not self.eventual:
            shown = "endsWith" if operator == "endswith" else operator
            raise errors.bad_request(
                f"Operator '{shown}' is not supported because the 'ConsistencyLevel:eventual' header is "
                "missing. Refer to https://aka.ms/graph-docs/advanced-queries for more information",
                code="Request_UnsupportedQuery",
            )

    # grammar: or_expr := and_expr ('or' and_expr)* ; and_expr := unary ('and' unary)*
    def parse(self) -> Predicate:
        predicate = self.or_expr()
        if self.peek() is not None:
            raise self._invalid(f"Syntax error: character '{self.peek()[1]}' is not valid here.")
        return predicate

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.keyword("or"):
            self.next()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda doc, env: any(p(doc, env) for p in parts))

    def and_expr(self) -> Predicate:
        parts = [self.unary()]
        while self.keyword("and"):
            self.next()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda doc, env: all(p(doc, env) for p in parts))

    def unary(self) -> Predicate:
        if self.keyword("not"):
            self.next()
            self.advanced("not")
            inner = self.unary()
            return lambda doc, env: not inner(doc, env)
        token = self.peek()
        if token and token[1] == "(":
            self.next()
            inner = self.or_expr()
            self.expect(")")
            return inner
        if token and token[0] == "name" and token[1].lower() in ("startswith", "endswith"):
            return self.function()
        return self.comparison()

    def function(self) -> Predicate:
        name = self.next()[1].lower()
        self.advanced(name)
        self.expect("(")
        getter = self.operand()
        self.expect(",")
        value = self.literal()
        self.expect(")")
        if not isinstance(value, str):
            raise self._invalid(f"{name} needs a string literal.")
        prefix = value.lower()

        def matches(doc, env):
            found = getter(doc, env)
            if not isinstance(found, str):
                return False
            return (
                found.lower().startswith(prefix) if name == "startswith" else found.lower().endswith(prefix)
            )

        return matches

    def comparison(self) -> Predicate:
        token = self.peek()
        if token and token[0] == "name" and re.search(r"/(any|all)$", token[1], re.IGNORECASE):
            return self.lambda_any()
        getter = self.operand()
        kind, operator = self.next()
        operator = operator.lower()
        if operator == "in":
            self.expect("(")
            values = [self.literal()]
            while self.peek() and self.peek()[1] == ",":
                self.next()
                values.append(self.literal())
            self.expect(")")
            wanted = [_norm(v) for v in values]
            return lambda doc, env: _norm(getter(doc, env)) in wanted
        if operator not in COMPARISONS:
            raise self._invalid(f"Syntax error: '{operator}' is not a comparison operator.")
        self.advanced(operator)
        value = _norm(self.literal())

        def compare(doc, env):
            found = _norm(getter(doc, env))
            if operator == "eq":
                return found == value
            if operator == "ne":
                return found != value
            if found is None or value is None:
                return False
            try:
                return {"gt": found > value, "ge": found >= value, "lt": found < value, "le": found <= value}[
                    operator
                ]
            except TypeError:
                return False

        return compare

    def lambda_any(self) -> Predicate:
        path, function = self.next()[1].rsplit("/", 1)
        collection = self._property(path)
        self.expect("(")
        kind, variable = self.next()
        if kind != "name":
            raise self._invalid("Expected a lambda variable.")
        self.expect(":")
        self.variables.add(variable)
        body = self.or_expr()
        self.variables.discard(variable)
        self.expect(")")
        quantifier = all if function.lower() == "all" else any

        def matches(doc, env):
            items = doc.get(collection) or []
            return quantifier(body(doc, {**env, variable: item}) for item in items)

        return matches

    def _property(self, name: str) -> str:
        canonical = self.properties.get(name.lower())
        if canonical is None:
            raise errors.bad_request(
                f"Unsupported or invalid query filter clause specified for property '{name}' of resource "
                f"'{self.type_name}'.",
                code="Request_UnsupportedQuery",
            )
        return canonical

    def operand(self):
        kind, text = self.next()
        if kind != "name":
            raise self._invalid(f"Expected a property name but found '{text}'.")
        head, _, rest = text.partition("/")
        if head in self.variables:
            keys = rest.split("/") if rest else []

            def from_variable(doc, env):
                value = env.get(head)
                for key in keys:
                    value = value.get(key) if isinstance(value, dict) else None
                return value

            return from_variable
        prop = self._property(head)
        keys = rest.split("/") if rest else []

        def from_document(doc, env):
            value = doc.get(prop)
            for key in keys:
                value = value.get(key) if isinstance(value, dict) else None
            return value

        return from_document

    def literal(self):
        kind, text = self.next()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind in ("guid", "datetime"):
            return text
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind == "name" and text.lower() in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text.lower()]
        raise self._invalid(f"Expected a literal but found '{text}'.")


def _norm(value):
    return value.lower() if isinstance(value, str) else value


def compile_filter(request: Request, properties: list[str], type_name: str) -> Callable[[dict], bool] | None:
    text = request.arg("$filter")
    if text is None:
        return None
    eventual = request.header("ConsistencyLevel").lower() == "eventual"
    parser = _Parser(text, {p.lower(): p for p in properties}, type_name, eventual)
    predicate = parser.parse()
    return lambda doc: bool(predicate(doc, {}))


def select(request: Request, properties: list[str], type_name: str) -> list[str] | None:
    text = request.arg("$select")
    if text is None or not text.strip():
        return None
    known = {p.lower(): p for p in properties}
    chosen = []
    for name in (part.strip() for part in text.split(",")):
        if not name:
            continue
        canonical = known.get(name.lower())
        if canonical is None:
            raise errors.bad_request(
                f"Could not find a property named '{name}' on type '{type_name}'.", code="BadRequest"
            )
        if canonical not in chosen:
            chosen.append(canonical)
    return chosen


def project(doc: dict, props: list[str]) -> dict:
    return {p: (None if p == "passwordProfile" else doc.get(p)) for p in props}


def top(request: Request, default: int = DEFAULT_PAGE, maximum: int = MAX_PAGE) -> int:
    text = request.arg("$top")
    if text is None:
        return default
    if not text.strip().lstrip("-").isdigit():
        raise errors.bad_request(f"Invalid page size specified: '{text}'.", code="Request_UnsupportedQuery")
    value = int(text)
    if not 1 <= value <= maximum:
        raise errors.bad_request(
            f"Invalid page size specified: '{value}'. Must be between 1 and {maximum} inclusive.",
            code="Request_UnsupportedQuery",
        )
    return value


def reject_unsupported(request: Request) -> None:
    for option in ("$expand", "$search", "$skip"):
        if request.arg(option) is not None:
            raise errors.bad_request(
                f"The sandbox does not emulate the {option} query option.", code="Request_UnsupportedQuery"
            )


def order(request: Request, items: list[dict], properties: list[str], type_name: str) -> list[dict]:
    """``$orderby=prop [asc|desc]`` on one property (None sorts last)."""
    text = (request.arg("$orderby") or "").strip()
    if not text:
        return items
    parts = text.split()
    canonical = {p.lower(): p for p in properties}.get(parts[0].lower())
    if (
        "," in text
        or len(parts) > 2
        or canonical is None
        or (len(parts) == 2 and parts[1] not in ("asc", "desc"))
    ):
        raise errors.bad_request(
            f"Unsupported sort property '{parts[0]}' for '{type_name}'.", code="Request_UnsupportedQuery"
        )
    present = [i for i in items if i.get(canonical) is not None]
    missing = [i for i in items if i.get(canonical) is None]
    present.sort(key=lambda i: _norm(i[canonical]), reverse=len(parts) == 2 and parts[1] == "desc")
    return present + missing


def _skiptoken(offset: int, last_id: str | None) -> str:
    raw = json.dumps({"o": offset, "id": last_id}, separators=(",", ":")).encode("utf-8")
    return "SBX" + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _start(request: Request, items: list[dict]) -> int:
    token = request.arg("$skiptoken")
    if token is None:
        return 0
    try:
        raw = token[3:] if token.startswith("SBX") else token
        state = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        offset, last_id = int(state["o"]), state.get("id")
    except (ValueError, KeyError, TypeError):
        raise errors.bad_request("Invalid $skiptoken value.", code="Request_BadRequest") from None
    if last_id is not None:
        for index, item in enumerate(items):
            if item.get("id") == last_id:
                return index + 1
    return offset


def page(request: Request, items: list[dict], size: int) -> tuple[list[dict], str | None]:
    """One page of ``items`` and the ``@odata.nextLink`` to the rest (None on the last page)."""
    start = _start(request, items)
    chunk = items[start : start + size]
    if start + size >= len(items) or not chunk:
        return chunk, None
    params = [(k, v) for k, values in request.query.items() if k != "$skiptoken" for v in values]
    params.append(("$skiptoken", _skiptoken(start + len(chunk), chunk[-1].get("id"))))
    query = urlencode(params, quote_via=quote, safe="$,()'=:")
    return chunk, f"{request.base_url}{request.path}?{query}"


def context(request: Request, path: str, props: list[str] | None = None, *, entity: bool = False) -> str:
    selected = f"({','.join(props)})" if props else ""
    return f"{request.base_url}/v1.0/$metadata#{path}{selected}{'/$entity' if entity else ''}"


def collection(
    request: Request,
    items: list[dict],
    *,
    context_path: str,
    filterable: list[str],
    selectable: list[str],
    default_props: list[str],
    type_name: str,
    decorate: Callable[[dict, dict], dict] | None = None,
) -> dict:
    """A Graph collection answer: filter, count, page, select, context and next link."""
    reject_unsupported(request)
    predicate = compile_filter(request, filterable, type_name)
    chosen = select(request, selectable, type_name)
    size = top(request)
    if predicate is not None:
        items = [item for item in items if predicate(item)]
    items = order(request, items, filterable, type_name)
    chunk, next_link = page(request, items, size)
    value = []
    for item in chunk:
        shaped = project(item, chosen or default_props)
        value.append(decorate(item, shaped) if decorate else shaped)
    answer: dict = {"@odata.context": context(request, context_path, chosen)}
    if (request.arg("$count") or "").lower() == "true" and request.header(
        "ConsistencyLevel"
    ).lower() == "eventual":
        answer["@odata.count"] = len(items)
    if next_link:
        answer["@odata.nextLink"] = next_link
    answer["value"] = value
    return answer
