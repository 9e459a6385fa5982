"""``/v1.0/groups``: create (with ``members@odata.bind`` / ``owners@odata.bind``), list, get, update,
delete, and the ``members`` / ``owners`` reference collections.

At most 20 references may be bound in one create or update (members and owners together).
A new group is stored with ``visible_after`` = the replication delay, as users are; a reference
to a user or group not yet visible is answered 404 like any missing object.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import unquote, urlparse

from sandbox.http import Request, Response
from sandbox.microsoft import directory, errors, odata
from sandbox.microsoft.graph import (
    GROUPS_READ,
    GROUPS_WRITE,
    MEMBERS_WRITE,
    Routes,
    body,
    check_properties,
)
from sandbox.microsoft.users import DEFAULT_PROPS as USER_DEFAULT_PROPS
from sandbox.microsoft.users import SELECTABLE as USER_SELECTABLE
from sandbox.microsoft.users import mail_nickname_ok

routes = Routes()
TYPE = "microsoft.graph.group"
RESOURCE = "Group"
MAX_LINKS = 20
GRAPH_HOSTS = {"graph.microsoft.com"}

DEFAULT_PROPS = [
    "id", "deletedDateTime", "classification", "createdDateTime", "creationOptions", "description",
    "displayName", "expirationDateTime", "groupTypes", "isAssignableToRole", "mail", "mailEnabled",
    "mailNickname", "membershipRule", "membershipRuleProcessingState", "onPremisesDomainName",
    "onPremisesLastSyncDateTime", "onPremisesNetBiosName", "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier", "onPremisesSyncEnabled", "preferredDataLocation", "preferredLanguage",
    "proxyAddresses", "renewedDateTime", "resourceBehaviorOptions", "resourceProvisioningOptions",
    "securityEnabled", "securityIdentifier", "theme", "visibility",
]  # fmt: skip
WRITABLE = [
    "description", "displayName", "groupTypes", "mailEnabled", "mailNickname", "securityEnabled",
    "visibility", "isAssignableToRole", "preferredDataLocation", "preferredLanguage", "classification",
    "theme", "resourceBehaviorOptions", "resourceProvisioningOptions",
]  # fmt: skip
SELECTABLE = DEFAULT_PROPS
FILTERABLE = [p for p in DEFAULT_PROPS if p not in ("deletedDateTime",)]
REQUIRED = ["displayName", "mailEnabled", "mailNickname", "securityEnabled"]
REF_PATH = re.compile(r"^/v1\.0/(?:directoryObjects|users|groups)/(?P<id>[^/]+)/?$")
VISIBILITY = {"Public", "Private", "HiddenMembership"}


def _reference(request: Request, url, prop: str) -> str:
    """The object id in a ``…/directoryObjects/{id}`` URL, or the 400 for a malformed one."""
    parsed = urlparse(url) if isinstance(url, str) else None
    host_ok = parsed is not None and (
        parsed.netloc.lower() in GRAPH_HOSTS
        or parsed.netloc.lower() == urlparse(request.base_url).netloc.lower()
    )
    match = REF_PATH.match(parsed.path) if parsed is not None else None
    if not host_ok or parsed.scheme != "https" or match is None:
        raise errors.bad_request(f"Invalid URL format specified in @odata.bind for {prop}")
    return unquote(match.group("id"))


def _bindings(request: Request, data: dict) -> dict[str, list[str]]:
    links: dict[str, list[str]] = {}
    for prop in ("members", "owners"):
        urls = data.get(f"{prop}@odata.bind")
        if urls is None:
            continue
        if not isinstance(urls, list):
            raise errors.bad_request(f"Invalid URL format specified in @odata.bind for {prop}")
        links[prop] = [_reference(request, url, prop) for url in urls]
    for key in data:
        if key.endswith("@odata.bind") and key.split("@")[0] not in ("members", "owners"):
            raise errors.unknown_property(key.split("@")[0], TYPE)
    if sum(len(ids) for ids in links.values()) > MAX_LINKS:
        raise errors.bad_request(f"A resource cannot contain more than {MAX_LINKS} link changes")
    return links


def _resolve(sandbox, tenant_id: str, key: str) -> str:
    found = directory.directory_object(sandbox, tenant_id, key)
    if found is None:
        raise errors.not_found(key)
    return found[1]["id"]


def _validate(data: dict, *, creating: bool) -> None:
    for prop in ("mailEnabled", "securityEnabled", "isAssignableToRole"):
        if prop in data and not isinstance(data[prop], bool):
            raise errors.invalid_value(prop, RESOURCE)
    for prop in ("displayName", "mailNickname", "description"):
        if data.get(prop) is not None and not isinstance(data[prop], str):
            raise errors.invalid_value(prop, RESOURCE)
    if "groupTypes" in data and (
        not isinstance(data["groupTypes"], list)
        or not set(data["groupTypes"]) <= {"Unified", "DynamicMembership"}
    ):
        raise errors.invalid_value("groupTypes", RESOURCE)
    if data.get("mailNickname") is not None and not mail_nickname_ok(data["mailNickname"]):
        raise errors.invalid_value("mailNickname", RESOURCE)
    if data.get("visibility") is not None and data["visibility"] not in VISIBILITY:
        raise errors.invalid_value("visibility", RESOURCE)
    if creating and data["mailEnabled"] and "Unified" not in (data.get("groupTypes") or []):
        raise errors.bad_request(
            "Mail-enabled security groups and distribution groups can't be created through Microsoft "
            "Graph; set groupTypes to ['Unified'] for a Microsoft 365 group."
        )


def shape(request: Request, group: dict, props: list[str] | None = None) -> dict:
    shaped = {"@odata.context": odata.context(request, "groups", props, entity=True)}
    shaped.update(odata.project(group, props or DEFAULT_PROPS))
    return shaped


def load(sandbox, caller, group_id: str) -> dict:
    group = directory.group(sandbox, caller.tenant_id, group_id)
    if group is None:
        raise errors.not_found(group_id)
    return group


def forget_member(sandbox, tenant_id: str, object_id: str) -> None:
    """Drop a deleted object from every group's members and owners (caller holds the store lock)."""
    for group in sandbox.store.list(directory.GROUP, tenant_id, include_invisible=True):
        if object_id in group["members"] or object_id in group["owners"]:
            group["members"] = [m for m in group["members"] if m != object_id]
            group["owners"] = [o for o in group["owners"] if o != object_id]
            sandbox.store.update(directory.GROUP, tenant_id, group["id"], group)


@routes("POST", r"/groups", "graph.groups.create", permissions=GROUPS_WRITE)
def create(sandbox, request: Request, caller) -> Response:
    data = body(request)
    check_properties(data, WRITABLE, TYPE)
    for prop in REQUIRED:
        if data.get(prop) in (None, ""):
            raise errors.required(prop)
    _validate(data, creating=True)
    links = _bindings(request, data)
    tenant_id = caller.tenant_id
    with sandbox.store.lock:
        members = [_resolve(sandbox, tenant_id, key) for key in links.get("members", [])]
        owners = [_resolve(sandbox, tenant_id, key) for key in links.get("owners", [])]
        unified = "Unified" in (data.get("groupTypes") or [])
        domain = directory.default_domain(sandbox, tenant_id)
        group = dict.fromkeys(DEFAULT_PROPS)
        group.update(
            {
                "groupTypes": [],
                "proxyAddresses": [],
                "resourceBehaviorOptions": [],
                "resourceProvisioningOptions": [],
                "creationOptions": [],
                "isAssignableToRole": None,
            }
        )
        group.update({k: v for k, v in data.items() if k in WRITABLE})
        group_id = str(uuid.uuid4())
        group.update(
            {
                "id": group_id,
                "createdDateTime": directory.now_iso(),
                "renewedDateTime": directory.now_iso(),
                "securityIdentifier": f"S-1-12-1-{uuid.uuid4().int % 10**10}",
                "members": list(dict.fromkeys(members)),
                "owners": list(dict.fromkeys(owners)),
            }
        )
        if unified:
            group["mail"] = f"{data['mailNickname']}@{domain}"
            group["proxyAddresses"] = [f"SMTP:{group['mail']}"]
            group["visibility"] = data.get("visibility") or "Public"
        sandbox.store.insert(
            directory.GROUP, tenant_id, group_id, group, visible_after=sandbox.replication_delay
        )
    return errors.graph_json(201, shape(request, group))


@routes("GET", r"/groups", "graph.groups.list", permissions=GROUPS_READ)
def list_groups(sandbox, request: Request, caller) -> Response:
    answer = odata.collection(
        request,
        sandbox.store.list(directory.GROUP, caller.tenant_id),
        context_path="groups",
        filterable=FILTERABLE,
        selectable=SELECTABLE,
        default_props=DEFAULT_PROPS,
        type_name=TYPE,
    )
    return errors.graph_json(200, answer)


@routes("GET", r"/groups/(?P<group_id>[^/]+)", "graph.groups.get", permissions=GROUPS_READ)
def get_group(sandbox, request: Request, caller, group_id: str) -> Response:
    odata.reject_unsupported(request)
    props = odata.select(request, SELECTABLE, TYPE)
    return errors.graph_json(200, shape(request, load(sandbox, caller, group_id), props))


@routes("PATCH", r"/groups/(?P<group_id>[^/]+)", "graph.groups.update", permissions=GROUPS_WRITE)
def update_group(sandbox, request: Request, caller, group_id: str) -> Response:
    data = body(request)
    check_properties(data, WRITABLE, TYPE)
    _validate(data, creating=False)
    links = _bindings(request, data)
    tenant_id = caller.tenant_id
    with sandbox.store.lock:
        group = load(sandbox, caller, group_id)
        for prop in ("members", "owners"):
            ids = [_resolve(sandbox, tenant_id, key) for key in links.get(prop, [])]
            if any(i in group[prop] for i in ids):
                raise _already_exists(prop)
            group[prop] = list(dict.fromkeys([*group[prop], *ids]))
        group.update({k: v for k, v in data.items() if k in WRITABLE})
        sandbox.store.update(directory.GROUP, tenant_id, group["id"], group)
    return Response.empty(204)


@routes("DELETE", r"/groups/(?P<group_id>[^/]+)", "graph.groups.delete", permissions=GROUPS_WRITE)
def delete_group(sandbox, request: Request, caller, group_id: str) -> Response:
    with sandbox.store.lock:
        group = load(sandbox, caller, group_id)
        forget_member(sandbox, caller.tenant_id, group["id"])
        sandbox.store.delete(directory.GROUP, caller.tenant_id, group["id"])
    return Response.empty(204)


def _already_exists(prop: str):
    return errors.bad_request(
        f"One or more added object references already exist for the following modified properties: '{prop}'."
    )


def _list_references(sandbox, request: Request, caller, group_id: str, prop: str) -> Response:
    group = load(sandbox, caller, group_id)
    objects = []
    for object_id in group[prop]:
        found = directory.directory_object(sandbox, caller.tenant_id, object_id)
        if found is None:
            continue
        kind, document = found
        objects.append(
            {**document, "@odata.type": "#microsoft.graph.user" if kind == directory.USER else f"#{TYPE}"}
        )

    def decorate(document: dict, shaped: dict) -> dict:
        return {"@odata.type": document["@odata.type"], **shaped}

    answer = odata.collection(
        request,
        objects,
        context_path="directoryObjects",
        filterable=["id", "displayName", "userPrincipalName", "mail", "mailNickname"],
        selectable=list(dict.fromkeys([*USER_SELECTABLE, *SELECTABLE])),
        default_props=USER_DEFAULT_PROPS,
        type_name="microsoft.graph.directoryObject",
        decorate=decorate,
    )
    return errors.graph_json(200, answer)


def _add_reference(sandbox, request: Request, caller, group_id: str, prop: str) -> Response:
    data = body(request)
    check_properties(data, [], "microsoft.graph.directoryObject")
    if "@odata.id" not in data:
        raise errors.required("@odata.id")
    key = _reference(request, data["@odata.id"], prop)
    with sandbox.store.lock:
        group = load(sandbox, caller, group_id)
        object_id = _resolve(sandbox, caller.tenant_id, key)
        if object_id in group[prop]:
            raise _already_exists(prop)
        group[prop].append(object_id)
        sandbox.store.update(directory.GROUP, caller.tenant_id, group["id"], group)
    return Response.empty(204)


def _remove_reference(
    sandbox, request: Request, caller, group_id: str, object_id: str, prop: str
) -> Response:
    with sandbox.store.lock:
        group = load(sandbox, caller, group_id)
        target = directory.user_id_for(sandbox, caller.tenant_id, object_id) or object_id.lower()
        if target not in group[prop]:
            raise errors.not_found(object_id)
        group[prop] = [m for m in group[prop] if m != target]
        sandbox.store.update(directory.GROUP, caller.tenant_id, group["id"], group)
    return Response.empty(204)


GID = r"/groups/(?P<group_id>[^/]+)"


@routes("GET", GID + r"/members", "graph.groups.members", permissions=GROUPS_READ, cost=3)
def list_members(sandbox, request: Request, caller, group_id: str) -> Response:
    return _list_references(sandbox, request, caller, group_id, "members")


@routes("POST", GID + r"/members/\$ref", "graph.groups.add_member", permissions=MEMBERS_WRITE)
def add_member(sandbox, request: Request, caller, group_id: str) -> Response:
    return _add_reference(sandbox, request, caller, group_id, "members")


@routes(
    "DELETE",
    GID + r"/members/(?P<object_id>[^/]+)/\$ref",
    "graph.groups.remove_member",
    permissions=MEMBERS_WRITE,
)
def remove_member(sandbox, request: Request, caller, group_id: str, object_id: str) -> Response:
    return _remove_reference(sandbox, request, caller, group_id, object_id, "members")


@routes("GET", GID + r"/owners", "graph.groups.owners", permissions=GROUPS_READ)
def list_owners(sandbox, request: Request, caller, group_id: str) -> Response:
    return _list_references(sandbox, request, caller, group_id, "owners")


@routes("POST", GID + r"/owners/\$ref", "graph.groups.add_owner", permissions=GROUPS_WRITE)
def add_owner(sandbox, request: Request, caller, group_id: str) -> Response:
    return _add_reference(sandbox, request, caller, group_id, "owners")


@routes(
    "DELETE",
    GID + r"/owners/(?P<object_id>[^/]+)/\$ref",
    "graph.groups.remove_owner",
    permissions=GROUPS_WRITE,
)
def remove_owner(sandbox, request: Request, caller, group_id: str, object_id: str) -> Response:
    return _remove_reference(sandbox, request, caller, group_id, object_id, "owners")
