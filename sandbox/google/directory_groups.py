"""groups.insert / get / list / patch / update / delete and members.insert / get / list / delete /
hasMember of the Directory API."""

from __future__ import annotations

import hashlib

from sandbox.google import directory, errors, model
from sandbox.google.directory import SEGMENT, public, route
from sandbox.google.directory_users import check_domain, check_email
from sandbox.http import Request, Response, Router
from sandbox.store import Conflict

GROUP_WRITE = ["admin.directory.group"]
GROUP_READ = ["admin.directory.group", "admin.directory.group.readonly"]
MEMBER_WRITE = ["admin.directory.group", "admin.directory.group.member"]
MEMBER_READ = MEMBER_WRITE + ["admin.directory.group.member.readonly", "admin.directory.group.readonly"]
ROLES = ("OWNER", "MANAGER", "MEMBER")
GROUP = rf"/groups/(?P<groupKey>{SEGMENT})"


def register(router: Router) -> None:
    route(router, "POST", "/groups", GROUP_WRITE, "groups.insert")(insert_group)
    route(router, "GET", "/groups", GROUP_READ, "groups.list")(list_groups)
    route(router, "GET", GROUP, GROUP_READ, "groups.get")(get_group)
    route(router, "PATCH", GROUP, GROUP_WRITE, "groups.patch")(patch_group)
    route(router, "PUT", GROUP, GROUP_WRITE, "groups.update")(patch_group)
    route(router, "DELETE", GROUP, GROUP_WRITE, "groups.delete")(delete_group)
    member = GROUP + rf"/members/(?P<memberKey>{SEGMENT})"
    route(router, "POST", GROUP + "/members", MEMBER_WRITE, "members.insert")(insert_member)
    route(router, "GET", GROUP + "/members", MEMBER_READ, "members.list")(list_members)
    route(router, "GET", member, MEMBER_READ, "members.get")(get_member)
    route(router, "DELETE", member, MEMBER_WRITE, "members.delete")(delete_member)
    route(router, "GET", GROUP + rf"/hasMember/(?P<memberKey>{SEGMENT})", MEMBER_READ, "members.hasMember")(
        has_member
    )


# --- groups ---------------------------------------------------------------------------------------
def find_group(sandbox, principal, key: str) -> dict:
    if "@" in key:
        domain = model.domain_owner(sandbox, model.domain_of(key))
        if domain is None or domain["_customer"] != principal.customer:
            raise errors.forbidden()
    group = model.find_by_key(sandbox, model.GROUP, principal.customer, key)
    if group is None:
        raise errors.not_found("groupKey")
    return group


def insert_group(sandbox, request: Request, principal) -> Response:
    data = directory.body(request)
    customer = principal.customer
    if not data.get("email"):
        raise errors.required("email")
    email = check_email(data["email"])
    check_domain(sandbox, customer, email)
    group_id = model.new_group_id(sandbox)
    delay = sandbox.replication_delay
    if not model.claim_address(sandbox, email, "group", group_id, customer, delay):
        raise errors.duplicate()
    group = {
        "kind": "admin#directory#group",
        "id": group_id,
        "email": email,
        "name": str(data.get("name") or email.split("@", 1)[0]),
        "description": str(data.get("description") or ""),
        "directMembersCount": "0",
        "adminCreated": True,
        "nonEditableAliases": [],
    }
    model.with_etag(group)
    sandbox.store.insert(model.GROUP, customer, group_id, group, delay)
    return Response.json(200, public(group))


def get_group(sandbox, request: Request, principal, groupKey: str) -> Response:
    return Response.json(200, public(find_group(sandbox, principal, groupKey)))


def list_groups(sandbox, request: Request, principal) -> Response:
    customer_key, domain, user_key = request.arg("customer"), request.arg("domain"), request.arg("userKey")
    if not (customer_key or domain or user_key) or (customer_key and user_key):
        raise errors.bad_request()
    customer = directory.customer_of(principal, customer_key)
    groups = sandbox.store.list(model.GROUP, customer)
    if domain:
        owner = model.domain_owner(sandbox, domain)
        if owner is None or owner["_customer"] != customer:
            raise errors.forbidden()
        groups = [group for group in groups if model.domain_of(group["email"]) == domain.lower()]
    if user_key:
        from sandbox.google.directory_users import find

        member_id = find(sandbox, principal, user_key)["id"]
        containing = {doc["_group"] for doc in sandbox.store.list(model.MEMBER) if doc["id"] == member_id}
        groups = [group for group in groups if group["id"] in containing]
    descending = (request.arg("sortOrder") or "").upper() == "DESCENDING"

    def key(group: dict) -> tuple[str, str]:
        return (group["email"].lower(), group["id"])

    groups.sort(key=key, reverse=descending)
    chunk, token = directory.page(groups, request, 200, 200, key=key, descending=descending)
    result: dict = {"kind": "admin#directory#groups", "etag": model.etag({"g": [g["etag"] for g in chunk]})}
    if chunk:
        result["groups"] = [public(group) for group in chunk]
    if token:
        result["nextPageToken"] = token
    return Response.json(200, result)


def patch_group(sandbox, request: Request, principal, groupKey: str) -> Response:
    data = directory.body(request)
    with sandbox.store.lock:
        group = find_group(sandbox, principal, groupKey)
        for key in ("name", "description"):
            if key in data:
                group[key] = str(data[key] or "")
        if "email" in data and str(data["email"]).lower() != group["email"].lower():
            email = check_email(data["email"])
            check_domain(sandbox, principal.customer, email)
            if not model.claim_address(sandbox, email, "group", group["id"], principal.customer, 0.0):
                raise errors.duplicate()
            group["aliases"] = sorted({*group.get("aliases", []), group["email"]} - {email})
            group["email"] = email
        model.with_etag(group)
        sandbox.store.update(model.GROUP, principal.customer, group["id"], group)
    return Response.json(200, public(group))


def delete_group(sandbox, request: Request, principal, groupKey: str) -> Response:
    with sandbox.store.lock:
        group = find_group(sandbox, principal, groupKey)
        sandbox.store.delete(model.GROUP, principal.customer, group["id"])
        for address in [group["email"], *group.get("aliases", [])]:
            model.release_address(sandbox, address)
        for member in sandbox.store.list(model.MEMBER, group["id"], include_invisible=True):
            sandbox.store.delete(model.MEMBER, group["id"], member["id"])
        remove_memberships_of(sandbox, group["id"])
    return Response.empty(204)


def remove_memberships_of(sandbox, member_id: str) -> None:
    """A deleted user or group leaves every group it was a direct member of."""
    for doc in sandbox.store.list(model.MEMBER, include_invisible=True):
        if doc["id"] == member_id and sandbox.store.delete(model.MEMBER, doc["_group"], member_id):
            _count(sandbox, doc["_customer"], doc["_group"], -1)


def _count(sandbox, customer: str, group_id: str, change: int) -> None:
    group = sandbox.store.get(model.GROUP, customer, group_id, include_invisible=True)
    if group is not None:
        group["directMembersCount"] = str(max(int(group.get("directMembersCount", "0")) + change, 0))
        model.with_etag(group)
        sandbox.store.update(model.GROUP, customer, group_id, group)


# --- members --------------------------------------------------------------------------------------
def _external_id(email: str) -> str:
    return "1" + str(int(hashlib.sha256(email.lower().encode()).hexdigest(), 16))[:20].rjust(20, "0")


def _resolve_new_member(sandbox, principal, data: dict) -> tuple[str, str, str]:
    """(id, email, type) of the user or group to add: ours must be visible; outsiders are external."""
    customer = principal.customer
    if data.get("id"):
        for kind, label in ((model.USER, "USER"), (model.GROUP, "GROUP")):
            found = sandbox.store.get(kind, customer, str(data["id"]))
            if found is not None:
                return found["id"], found.get("primaryEmail") or found["email"], label
        raise errors.not_found("memberKey")
    email = str(data.get("email") or "")
    if not email:
        raise errors.required("memberKey")
    if not model.EMAIL.match(email):
        raise errors.invalid("Invalid Input: memberKey")
    domain = model.domain_owner(sandbox, model.domain_of(email))
    entry = model.address(sandbox, email)
    if domain is not None and domain["_customer"] == customer:
        if entry is None:
            raise errors.not_found("memberKey")  # not there, or not replicated yet
        kind = model.USER if entry["type"] == "user" else model.GROUP
        found = sandbox.store.get(kind, customer, entry["id"])
        if found is None:
            raise errors.not_found("memberKey")
        return found["id"], found.get("primaryEmail") or found["email"], entry["type"].upper()
    return _external_id(email), email, "USER"


def _reaches(sandbox, start: str, target: str) -> bool:
    """Whether ``target`` is ``start`` or nested anywhere under group ``start``."""
    seen, queue = set(), [start]
    while queue:
        group_id = queue.pop()
        if group_id == target:
            return True
        if group_id in seen:
            continue
        seen.add(group_id)
        queue.extend(
            member["id"]
            for member in sandbox.store.list(model.MEMBER, group_id, include_invisible=True)
            if member["type"] == "GROUP"
        )
    return False


def insert_member(sandbox, request: Request, principal, groupKey: str) -> Response:
    data = directory.body(request)
    group = find_group(sandbox, principal, groupKey)
    role = str(data.get("role") or "MEMBER").upper()
    if role not in ROLES:
        raise errors.invalid("Invalid Input: role")
    member_id, email, kind = _resolve_new_member(sandbox, principal, data)
    if kind == "GROUP" and _reaches(sandbox, member_id, group["id"]):
        raise errors.condition_not_met(errors.CYCLIC)
    member = {
        "kind": "admin#directory#member",
        "id": member_id,
        "email": email,
        "role": role,
        "type": kind,
        "status": "ACTIVE",
    }
    if data.get("delivery_settings"):
        member["delivery_settings"] = str(data["delivery_settings"])
    model.with_etag(member)
    stored = {**member, "_group": group["id"], "_customer": principal.customer}
    with sandbox.store.lock:
        try:
            sandbox.store.insert(model.MEMBER, group["id"], member_id, stored, sandbox.replication_delay)
        except Conflict:
            raise errors.duplicate(errors.MEMBER_EXISTS) from None
        _count(sandbox, principal.customer, group["id"], +1)
    return Response.json(200, member)


def _find_member(sandbox, group_id: str, key: str) -> dict | None:
    found = sandbox.store.get(model.MEMBER, group_id, key)
    if found is not None or "@" not in key:
        return found
    entry = model.address(sandbox, key)
    if entry is not None:
        return sandbox.store.get(model.MEMBER, group_id, entry["id"])
    return sandbox.store.get(model.MEMBER, group_id, _external_id(key))


def get_member(sandbox, request: Request, principal, groupKey: str, memberKey: str) -> Response:
    group = find_group(sandbox, principal, groupKey)
    member = _find_member(sandbox, group["id"], memberKey)
    if member is None:
        raise errors.not_found("memberKey")
    return Response.json(200, public(member))


def list_members(sandbox, request: Request, principal, groupKey: str) -> Response:
    group = find_group(sandbox, principal, groupKey)
    members = sandbox.store.list(model.MEMBER, group["id"])
    if directory.flag(request, "includeDerivedMembership"):
        members = _derived(sandbox, group["id"])
    if request.arg("roles"):
        roles = {role.strip().upper() for role in request.arg("roles").split(",")}
        members = [member for member in members if member["role"] in roles]
    chunk, token = directory.page(members, request, 200, 200)
    result: dict = {"kind": "admin#directory#members", "etag": model.etag({"m": [m["etag"] for m in chunk]})}
    if chunk:
        result["members"] = [public(member) for member in chunk]
    if token:
        result["nextPageToken"] = token
    return Response.json(200, result)


def _derived(sandbox, group_id: str) -> list[dict]:
    """Direct members, then the users of nested groups (each once)."""
    result, seen_members, seen_groups, queue = [], set(), set(), [group_id]
    while queue:
        current = queue.pop(0)
        if current in seen_groups:
            continue
        seen_groups.add(current)
        for member in sandbox.store.list(model.MEMBER, current):
            if member["type"] == "GROUP":
                queue.append(member["id"])
            if member["id"] not in seen_members and (current == group_id or member["type"] != "GROUP"):
                seen_members.add(member["id"])
                result.append(member)
    return result


def delete_member(sandbox, request: Request, principal, groupKey: str, memberKey: str) -> Response:
    group = find_group(sandbox, principal, groupKey)
    with sandbox.store.lock:
        member = _find_member(sandbox, group["id"], memberKey)
        if member is None or not sandbox.store.delete(model.MEMBER, group["id"], member["id"]):
            raise errors.not_found("memberKey")
        _count(sandbox, principal.customer, group["id"], -1)
    return Response.empty(204)


def has_member(sandbox, request: Request, principal, groupKey: str, memberKey: str) -> Response:
    group = find_group(sandbox, principal, groupKey)
    if "@" in memberKey:
        entry = model.address(sandbox, memberKey)
        member_id = entry["id"] if entry is not None else _external_id(memberKey)
    else:
        member_id = memberKey
    known = (
        sandbox.store.get(model.USER, principal.customer, member_id) is not None
        or sandbox.store.get(model.GROUP, principal.customer, member_id) is not None
        or any(doc["id"] == member_id for doc in sandbox.store.list(model.MEMBER))
    )
    if not known:
        raise errors.invalid("Invalid Input: memberKey")
    found = any(member["id"] == member_id for member in _derived(sandbox, group["id"]))
    return Response.json(200, {"isMember": found})
