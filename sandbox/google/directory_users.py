"""users.insert / get / list / patch / update / delete of the Directory API."""

from __future__ import annotations

import re

from sandbox.google import directory, errors, model
from sandbox.google.directory import SEGMENT, flag, public, route
from sandbox.http import Request, Response, Router

WRITE = ["admin.directory.user"]
READ = ["admin.directory.user", "admin.directory.user.readonly"]
NAME_MAX = 60
PASSWORD_MIN, PASSWORD_MAX = 8, 100
CRYPT_ROUNDS_MAX = 10_000
WRITABLE = {
    "addresses",
    "archived",
    "changePasswordAtNextLogin",
    "customSchemas",
    "emails",
    "externalIds",
    "gender",
    "ims",
    "includeInGlobalAddressList",
    "ipWhitelisted",
    "keywords",
    "languages",
    "locations",
    "notes",
    "organizations",
    "phones",
    "posixAccounts",
    "recoveryEmail",
    "recoveryPhone",
    "relations",
    "sshPublicKeys",
    "suspended",
    "websites",
}
PUBLIC_VIEW = {"kind", "id", "etag", "primaryEmail", "name", "emails", "thumbnailPhotoUrl", "customerId"}


def register(router: Router) -> None:
    route(router, "POST", "/users", WRITE, "users.insert")(insert)
    route(router, "GET", "/users", READ, "users.list")(list_users)
    route(router, "GET", rf"/users/(?P<userKey>{SEGMENT})", READ, "users.get")(get)
    route(router, "PATCH", rf"/users/(?P<userKey>{SEGMENT})", WRITE, "users.patch")(patch)
    route(router, "PUT", rf"/users/(?P<userKey>{SEGMENT})", WRITE, "users.update")(patch)
    route(router, "DELETE", rf"/users/(?P<userKey>{SEGMENT})", WRITE, "users.delete")(delete)


# --- validation -----------------------------------------------------------------------------------
def check_domain(sandbox, customer: str, email: str) -> None:
    """The address must be in a domain of this customer (404 ``Domain not found.`` otherwise)."""
    domain = model.domain_owner(sandbox, model.domain_of(email))
    if domain is None or domain["_customer"] != customer:
        raise errors.not_found_message(errors.DOMAIN_NOT_FOUND)
    if not domain["verified"]:
        raise errors.invalid("Domain is not verified.")


def check_email(email) -> str:
    if not isinstance(email, str) or not model.EMAIL.match(email.strip()):
        raise errors.invalid(errors.INVALID_EMAIL)
    return email.strip()


def check_name(name) -> dict:
    if not isinstance(name, dict):
        name = {}
    for field, label in (("familyName", "FamilyName"), ("givenName", "GivenName")):
        value = name.get(field)
        if not isinstance(value, str) or not value.strip() or len(value) > NAME_MAX:
            raise errors.invalid(f"Invalid Given/Family Name: {label}")
    result = {"givenName": name["givenName"], "familyName": name["familyName"]}
    result["fullName"] = f"{result['givenName']} {result['familyName']}"
    if isinstance(name.get("displayName"), str):
        result["displayName"] = name["displayName"][:256]
    return result


def check_password(password, hash_function) -> None:
    if not isinstance(password, str):
        raise errors.invalid(errors.INVALID_PASSWORD)
    if hash_function in (None, ""):
        if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX or not password.isascii():
            raise errors.invalid(errors.INVALID_PASSWORD)
        return
    if hash_function == "MD5":
        valid = re.fullmatch(r"[0-9a-fA-F]{32}", password)
    elif hash_function == "SHA-1":
        valid = re.fullmatch(r"[0-9a-fA-F]{40}", password)
    elif hash_function == "crypt":
        found = re.fullmatch(r"\$(1|5|6)\$(rounds=(\d+)\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]+", password)
        valid = (found and (not found.group(3) or int(found.group(3)) <= CRYPT_ROUNDS_MAX)) or re.fullmatch(
            r"[./0-9A-Za-z]{13}", password
        )
    else:
        raise errors.invalid("Invalid Input: hashFunction")
    if not valid:
        raise errors.invalid(errors.INVALID_PASSWORD)


def check_orgunit(sandbox, customer: str, path) -> str:
    unit = model.find_orgunit(sandbox, customer, path if isinstance(path, str) and path else "/")
    if unit is None:
        raise errors.invalid(errors.INVALID_OU)
    return unit["orgUnitPath"]


def find(sandbox, principal, key: str) -> dict:
    """A visible user by id, address or alias; another domain's address → 403, unknown → 404."""
    customer = principal.customer
    if "@" in key:
        domain = model.domain_owner(sandbox, model.domain_of(key))
        if domain is None or domain["_customer"] != customer:
            raise errors.forbidden()
    user = model.find_by_key(sandbox, model.USER, customer, key)
    if user is None:
        raise errors.not_found("userKey")
    return user


# --- methods --------------------------------------------------------------------------------------
def insert(sandbox, request: Request, principal) -> Response:
    data = directory.body(request)
    customer = principal.customer
    email = check_email(data.get("primaryEmail"))
    check_domain(sandbox, customer, email)
    name = check_name(data.get("name"))
    if model.address(sandbox, email, include_invisible=True) is not None:
        raise errors.duplicate()
    check_password(data.get("password"), data.get("hashFunction"))
    ou_path = check_orgunit(sandbox, customer, data.get("orgUnitPath"))
    user_id = model.new_user_id(sandbox)
    delay = sandbox.replication_delay
    if not model.claim_address(sandbox, email, "user", user_id, customer, delay):
        raise errors.duplicate()
    now = model.now_rfc3339()
    user = {
        "kind": "admin#directory#user",
        "id": user_id,
        "primaryEmail": email,
        "name": name,
        "isAdmin": False,
        "isDelegatedAdmin": False,
        "lastLoginTime": "1970-01-01T00:00:00.000Z",
        "creationTime": now,
        "agreedToTerms": False,
        "suspended": False,
        "archived": False,
        "changePasswordAtNextLogin": False,
        "ipWhitelisted": False,
        "emails": [{"address": email, "primary": True}],
        "customerId": customer,
        "orgUnitPath": ou_path,
        "isMailboxSetup": False,
        "isEnrolledIn2Sv": False,
        "isEnforcedIn2Sv": False,
        "includeInGlobalAddressList": True,
    }
    user.update({key: value for key, value in data.items() if key in WRITABLE})
    _suspension(user)
    model.with_etag(user)
    sandbox.store.insert(model.USER, customer, user_id, user, delay)
    sandbox.store.increment(f"created:google:{customer}:{email.lower()}")
    return Response.json(200, public(user))


def get(sandbox, request: Request, principal, userKey: str) -> Response:
    user = public(find(sandbox, principal, userKey))
    if request.arg("viewType") == "domain_public":
        user = {key: value for key, value in user.items() if key in PUBLIC_VIEW}
    return Response.json(200, user)


def list_users(sandbox, request: Request, principal) -> Response:
    customer_key, domain = request.arg("customer"), request.arg("domain")
    if not customer_key and not domain:
        raise errors.bad_request()
    customer = directory.customer_of(principal, customer_key)
    if domain:
        owner = model.domain_owner(sandbox, domain)
        if owner is None or owner["_customer"] != customer:
            raise errors.forbidden()
    deleted = flag(request, "showDeleted")
    order = request.arg("orderBy") or "email"
    if order not in ("email", "givenName", "familyName"):
        raise errors.invalid(f"Invalid value for orderBy: {order}")
    descending = (request.arg("sortOrder") or "").upper() == "DESCENDING"

    def key(user: dict) -> tuple[str, str]:
        if order == "email":
            return (user["primaryEmail"].lower(), user["id"])
        return (str(user.get("name", {}).get(order, "")).lower(), user["id"])

    # Sorted once for every page that follows (read-only: filtered into new lists below).
    users = sandbox.store.shared(
        model.DELETED_USER if deleted else model.USER,
        customer,
        f"sorted:{order}:{descending}",
        lambda documents: sorted(documents, key=key, reverse=descending),
    )
    if domain:
        users = [user for user in users if model.domain_of(user["primaryEmail"]) == domain.lower()]
    if request.arg("query"):
        match = _query(request.arg("query"))
        users = [user for user in users if match(user)]
    chunk, token = directory.page(users, request, 100, 500, key=key, descending=descending)
    result: dict = {
        "kind": "admin#directory#users",
        "etag": model.etag({"users": [u["etag"] for u in chunk]}),
    }
    if chunk:
        result["users"] = [public(user) for user in chunk]
    if token:
        result["nextPageToken"] = token
    return Response.json(200, result)


def patch(sandbox, request: Request, principal, userKey: str) -> Response:
    """users.patch and users.update: Google documents patch semantics for both."""
    data = directory.body(request)
    customer = principal.customer
    with sandbox.store.lock:
        user = find(sandbox, principal, userKey)
        if "name" in data:
            merged = {**user.get("name", {}), **(data["name"] if isinstance(data["name"], dict) else {})}
            user["name"] = check_name(merged)
        if "password" in data:
            check_password(data["password"], data.get("hashFunction"))
        if "orgUnitPath" in data:
            user["orgUnitPath"] = check_orgunit(sandbox, customer, data["orgUnitPath"])
        for key, value in data.items():
            if key in WRITABLE:
                user[key] = value
        _suspension(user)
        if "primaryEmail" in data and str(data["primaryEmail"]).lower() != user["primaryEmail"].lower():
            _rename(sandbox, customer, user, check_email(data["primaryEmail"]))
        model.with_etag(user)
        sandbox.store.update(model.USER, customer, user["id"], user)
    return Response.json(200, public(user))


def delete(sandbox, request: Request, principal, userKey: str) -> Response:
    from sandbox.google.directory_groups import remove_memberships_of

    customer = principal.customer
    with sandbox.store.lock:
        user = find(sandbox, principal, userKey)
        sandbox.store.delete(model.USER, customer, user["id"])
        for address in [user["primaryEmail"], *user.get("aliases", [])]:
            model.release_address(sandbox, address)
        user["deletionTime"] = model.now_rfc3339()
        sandbox.store.delete(model.DELETED_USER, customer, user["id"])
        sandbox.store.insert(model.DELETED_USER, customer, user["id"], user)
        remove_memberships_of(sandbox, user["id"])
    return Response.empty(204)


def _rename(sandbox, customer: str, user: dict, email: str) -> None:
    """A new primary address; the old one stays the user's alias, as in the Admin console."""
    check_domain(sandbox, customer, email)
    if not model.claim_address(sandbox, email, "user", user["id"], customer, 0.0):
        raise errors.duplicate()
    old = user["primaryEmail"]
    user["primaryEmail"] = email
    user["aliases"] = sorted({*user.get("aliases", []), old} - {email})
    user["emails"] = [{"address": email, "primary": True}] + [
        item
        for item in user.get("emails", [])
        if item.get("address", "").lower() not in (old.lower(), email.lower())
    ]


def _suspension(user: dict) -> None:
    if user.get("suspended"):
        user.setdefault("suspensionReason", "ADMIN")
    else:
        user.pop("suspensionReason", None)


# --- users.list query ---------------------------------------------------------------------------
_CLAUSE = re.compile(r"^(?:(?P<field>[A-Za-z.]+)(?P<op>[:=]))?(?P<value>.*)$")
_BOOLEAN_FIELDS = {
    "isSuspended": "suspended",
    "isAdmin": "isAdmin",
    "isDelegatedAdmin": "isDelegatedAdmin",
    "isArchived": "archived",
    "isEnrolledIn2Sv": "isEnrolledIn2Sv",
    "isEnforcedIn2Sv": "isEnforcedIn2Sv",
}


def _clauses(query: str) -> list[str]:
    clauses, current, quoted = [], "", False
    for char in query:
        if char == "'":
            quoted = not quoted
            current += char
        elif char.isspace() and not quoted:
            if current:
                clauses.append(current)
            current = ""
        else:
            current += char
    if quoted:
        raise errors.invalid("Invalid Input")
    if current:
        clauses.append(current)
    return clauses


def _text_match(op: str, value: str, candidates: list[str]) -> bool:
    value = value.lower()
    candidates = [candidate.lower() for candidate in candidates if candidate]
    if op == "=":
        return value in candidates
    if value.endswith("*"):
        prefix = value[:-1]
        words = [word for candidate in candidates for word in re.split(r"[\s@._-]+", candidate)]
        return any(item.startswith(prefix) for item in candidates + words)
    return any(value in candidate for candidate in candidates)


def _query(query: str):
    """``email:jane*``, ``givenName:Jane``, ``familyName=Doe``, ``isSuspended=true``,
    ``orgUnitPath='/Schools/X'`` (the unit and everything under it), clauses ANDed."""
    tests = []
    for clause in _clauses(query):
        found = _CLAUSE.match(clause)
        field, op = found.group("field"), found.group("op") or ":"
        value = found.group("value").strip("'")
        if field is None:
            tests.append(
                lambda user, v=value: _text_match(
                    ":",
                    v,
                    [user["name"]["givenName"], user["name"]["familyName"], user["primaryEmail"]],
                )
            )
        elif field == "email":
            tests.append(
                lambda user, o=op, v=value: _text_match(
                    o, v, [user["primaryEmail"], *user.get("aliases", [])]
                )
            )
        elif field in ("givenName", "familyName"):
            tests.append(lambda user, f=field, o=op, v=value: _text_match(o, v, [user["name"].get(f, "")]))
        elif field == "name":
            tests.append(lambda user, o=op, v=value: _text_match(o, v, [user["name"].get("fullName", "")]))
        elif field in _BOOLEAN_FIELDS and op == "=" and value.lower() in ("true", "false"):
            wanted = value.lower() == "true"
            tests.append(lambda user, k=_BOOLEAN_FIELDS[field], v=wanted: bool(user.get(k)) == v)
        elif field == "orgUnitPath" and op == "=":
            wanted = model.normalise_ou_path(value).lower()
            tests.append(
                lambda user, w=wanted: (
                    w == "/"
                    or user.get("orgUnitPath", "/").lower() == w
                    or user.get("orgUnitPath", "/").lower().startswith(w + "/")
                )
            )
        else:
            raise errors.invalid("Invalid Input")
    return lambda user: all(test(user) for test in tests)
