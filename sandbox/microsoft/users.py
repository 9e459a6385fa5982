"""``/v1.0/users``: create, list (``$filter``, ``$select``, ``$top``, paging), get, update, delete.

A new user is stored with ``visible_after`` = the profile's replication delay: until then get,
list, ``$filter`` and member-add do not see it, while its UPN is taken at once (a second create
with the same UPN conflicts). Each successful create increments
``created:microsoft:<tenant>:<upn lower case>``.
"""

from __future__ import annotations

import re
import uuid

from sandbox.http import Request, Response
from sandbox.microsoft import directory, errors, odata
from sandbox.microsoft.graph import USERS_READ, USERS_WRITE, Routes, body, check_properties
from sandbox.store import Conflict

routes = Routes()
TYPE = "microsoft.graph.user"
RESOURCE = "User"

DEFAULT_PROPS = [
    "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation",
    "preferredLanguage", "surname", "userPrincipalName", "id",
]  # fmt: skip
STRING_PROPS = [
    "displayName", "givenName", "surname", "jobTitle", "mail", "mobilePhone", "officeLocation",
    "preferredLanguage", "mailNickname", "userPrincipalName", "usageLocation", "department", "employeeId",
    "employeeType", "companyName", "city", "country", "state", "streetAddress", "postalCode", "ageGroup",
    "consentProvidedForMinor", "passwordPolicies", "onPremisesImmutableId", "userType",
]  # fmt: skip
LIST_PROPS = ["businessPhones", "otherMails"]
WRITABLE = [*STRING_PROPS, *LIST_PROPS, "accountEnabled", "passwordProfile"]
READ_ONLY = ["id", "createdDateTime", "assignedLicenses", "assignedPlans", "proxyAddresses", "creationType"]
SELECTABLE = [*dict.fromkeys([*DEFAULT_PROPS, *WRITABLE, *READ_ONLY, "deletedDateTime"])]
FILTERABLE = [p for p in SELECTABLE if p not in ("passwordProfile", "deletedDateTime")]
REQUIRED = ["accountEnabled", "displayName", "mailNickname", "userPrincipalName"]

UPN_LOCAL = re.compile(r"^[A-Za-z0-9'.\-_!#^~]+$")
MAIL_NICKNAME = re.compile(r"^[\x21-\x7e]+$")
MAIL_NICKNAME_FORBIDDEN = set('@()\\[]";:<>,')
USAGE_LOCATION = re.compile(r"^[A-Z]{2}$")
PASSWORD_SYMBOLS = set("@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<> ")


def upn_problem(sandbox, tenant_id: str, upn: str):
    """The 400 Graph gives for this UPN, or None when it is acceptable."""
    local, at, domain = upn.rpartition("@")
    invalid = errors.bad_request(
        "Property userPrincipalName is invalid.",
        details=[
            {
                "code": "InvalidValue",
                "message": "Property userPrincipalName is invalid.",
                "target": "userPrincipalName",
            }
        ],
    )
    if not at or not local or not domain or "@" in local:
        return invalid
    if (
        len(local) > 64
        or len(domain) > 48
        or not UPN_LOCAL.match(local)
        or local.startswith(".")
        or local.endswith(".")
    ):
        return invalid
    if not directory.verified_domain(sandbox, tenant_id, domain):
        return errors.bad_request(
            "The domain portion of the userPrincipalName property is invalid. You must use one of the "
            "verified domain names in your organization.",
            details=[
                {
                    "code": "InvalidValue",
                    "message": "The domain portion of the userPrincipalName property is invalid.",
                    "target": "userPrincipalName",
                }
            ],
        )
    return None


def password_ok(password: str, policies: str | None) -> bool:
    if not 8 <= len(password) <= 256 or any(not (32 <= ord(c) < 127) for c in password):
        return False
    if policies and "DisableStrongPassword" in policies:
        return True
    classes = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(c in PASSWORD_SYMBOLS for c in password),
    ]
    return sum(classes) >= 3


def mail_nickname_ok(value: str) -> bool:
    return (
        len(value) <= 64 and bool(MAIL_NICKNAME.match(value)) and not (set(value) & MAIL_NICKNAME_FORBIDDEN)
    )


def _validate_values(sandbox, caller, data: dict, *, creating: bool, current: dict | None = None) -> None:
    for prop in STRING_PROPS:
        if prop in data and data[prop] is not None and not isinstance(data[prop], str):
            raise errors.invalid_value(prop, RESOURCE)
    for prop in LIST_PROPS:
        value = data.get(prop)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise errors.invalid_value(prop, RESOURCE)
    if "accountEnabled" in data and not isinstance(data["accountEnabled"], bool):
        raise errors.invalid_value("accountEnabled", RESOURCE)
    if len(data.get("businessPhones") or []) > 1:
        raise errors.bad_request("Only one value is allowed for property businessPhones.")
    if data.get("usageLocation") is not None and not USAGE_LOCATION.match(data["usageLocation"]):
        raise errors.invalid_value("usageLocation", RESOURCE)
    if data.get("mailNickname") is not None and not mail_nickname_ok(data["mailNickname"]):
        raise errors.invalid_value("mailNickname", RESOURCE)
    if "userPrincipalName" in data:
        problem = upn_problem(sandbox, caller.tenant_id, data["userPrincipalName"] or "")
        if problem:
            raise problem
    if "passwordProfile" in data:
        profile = data["passwordProfile"]
        if not isinstance(profile, dict) or (creating and not profile.get("password")):
            raise errors.required("passwordProfile")
        password = profile.get("password")
        if password is not None:
            policies = data.get("passwordPolicies", (current or {}).get("passwordPolicies"))
            if not isinstance(password, str) or not password_ok(password, policies):
                raise errors.bad_request(
                    "The specified password does not comply with password complexity requirements. Please "
                    "provide a different password."
                )


def shape(request: Request, user: dict, props: list[str] | None = None, *, entity: bool = True) -> dict:
    chosen = props or DEFAULT_PROPS
    shaped = {"@odata.context": odata.context(request, "users", props, entity=entity)}
    shaped.update(odata.project(user, chosen))
    return shaped


def load(sandbox, caller, key: str) -> dict:
    found = directory.user(sandbox, caller.tenant_id, key)
    if found is None:
        raise errors.not_found(key)
    return found


@routes("POST", r"/users", "graph.users.create", permissions=USERS_WRITE)
def create(sandbox, request: Request, caller) -> Response:
    data = body(request)
    check_properties(data, WRITABLE, TYPE)
    for prop in REQUIRED:
        if data.get(prop) in (None, ""):
            raise errors.required(prop)
    if not isinstance(data.get("passwordProfile"), dict) or not data["passwordProfile"].get("password"):
        raise errors.required("passwordProfile")
    _validate_values(sandbox, caller, data, creating=True)

    tenant_id = caller.tenant_id
    upn = data["userPrincipalName"]
    user_id = str(uuid.uuid4())
    user = {p: ([] if p in LIST_PROPS else None) for p in SELECTABLE}
    user.update({k: v for k, v in data.items() if k in WRITABLE and k != "passwordProfile"})
    profile = data["passwordProfile"]
    user.update(
        {
            "id": user_id,
            "createdDateTime": directory.now_iso(),
            "creationType": None,
            "userType": data.get("userType") or "Member",
            "assignedLicenses": [],
            "assignedPlans": [],
            "proxyAddresses": [],
            "passwordProfile": None,
            "forceChangePasswordNextSignIn": bool(profile.get("forceChangePasswordNextSignIn", True)),
        }
    )
    with sandbox.store.lock:
        try:
            sandbox.store.insert(directory.UPN, tenant_id, upn.lower(), {"userId": user_id})
        except Conflict:
            raise errors.object_conflict("userPrincipalName") from None
        sandbox.store.insert(
            directory.USER, tenant_id, user_id, user, visible_after=sandbox.replication_delay
        )
    sandbox.store.increment(f"created:microsoft:{tenant_id}:{upn.lower()}")
    return errors.graph_json(201, shape(request, user))


@routes("GET", r"/users", "graph.users.list", permissions=USERS_READ, cost=2)
def list_users(sandbox, request: Request, caller) -> Response:
    users = sandbox.store.shared(directory.USER, caller.tenant_id)  # read-only: collection() copies
    answer = odata.collection(
        request,
        users,
        context_path="users",
        filterable=FILTERABLE,
        selectable=SELECTABLE,
        default_props=DEFAULT_PROPS,
        type_name=TYPE,
    )
    return errors.graph_json(200, answer)


@routes("GET", r"/users/(?P<key>[^/]+)", "graph.users.get", permissions=USERS_READ)
def get_user(sandbox, request: Request, caller, key: str) -> Response:
    odata.reject_unsupported(request)
    props = odata.select(request, SELECTABLE, TYPE)
    return errors.graph_json(200, shape(request, load(sandbox, caller, key), props))


@routes("PATCH", r"/users/(?P<key>[^/]+)", "graph.users.update", permissions=USERS_WRITE)
def update_user(sandbox, request: Request, caller, key: str) -> Response:
    data = body(request)
    for prop in READ_ONLY:
        if prop in data:
            raise errors.bad_request(f"Property '{prop}' is read-only and cannot be set.")
    check_properties(data, WRITABLE, TYPE)
    for prop in REQUIRED:
        if prop in data and data[prop] in (None, ""):
            raise errors.invalid_value(prop, RESOURCE)
    tenant_id = caller.tenant_id
    with sandbox.store.lock:
        user = load(sandbox, caller, key)
        _validate_values(sandbox, caller, data, creating=False, current=user)
        new_upn = data.get("userPrincipalName")
        if new_upn and new_upn.lower() != user["userPrincipalName"].lower():
            try:
                sandbox.store.insert(directory.UPN, tenant_id, new_upn.lower(), {"userId": user["id"]})
            except Conflict:
                raise errors.object_conflict("userPrincipalName") from None
            sandbox.store.delete(directory.UPN, tenant_id, user["userPrincipalName"].lower())
        for prop, value in data.items():
            if prop == "passwordProfile":
                if "forceChangePasswordNextSignIn" in value:
                    user["forceChangePasswordNextSignIn"] = bool(value["forceChangePasswordNextSignIn"])
            elif prop in WRITABLE:
                user[prop] = value
        sandbox.store.update(directory.USER, tenant_id, user["id"], user)
    return Response.empty(204)


@routes("DELETE", r"/users/(?P<key>[^/]+)", "graph.users.delete", permissions=USERS_WRITE)
def delete_user(sandbox, request: Request, caller, key: str) -> Response:
    from sandbox.microsoft import groups, licences

    tenant_id = caller.tenant_id
    with sandbox.store.lock:
        user = load(sandbox, caller, key)
        licences.release_all(sandbox, tenant_id, user)
        groups.forget_member(sandbox, tenant_id, user["id"])
        sandbox.store.delete(directory.USER, tenant_id, user["id"])
        sandbox.store.delete(directory.UPN, tenant_id, user["userPrincipalName"].lower())
    return Response.empty(204)
