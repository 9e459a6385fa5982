"""customers.get, domains.insert / get / list / delete and orgunits.insert / get / list / patch /
update / delete of the Directory API."""

from __future__ import annotations

import re

from sandbox.google import directory, errors, model
from sandbox.google.directory import SEGMENT, public, route
from sandbox.http import Request, Response, Router
from sandbox.store import Conflict

CUSTOMER_READ = ["admin.directory.customer", "admin.directory.customer.readonly"]
DOMAIN_WRITE = ["admin.directory.domain"]
DOMAIN_READ = ["admin.directory.domain", "admin.directory.domain.readonly"]
OU_WRITE = ["admin.directory.orgunit"]
OU_READ = ["admin.directory.orgunit", "admin.directory.orgunit.readonly"]
DOMAIN_NAME = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
OU_NOT_FOUND = "Org unit not found"
OU_NOT_EMPTY = "Org unit has children or users and cannot be deleted"


def register(router: Router) -> None:
    route(router, "GET", rf"/customers/(?P<customerKey>{SEGMENT})", CUSTOMER_READ, "customers.get")(
        get_customer
    )
    domains = rf"/customer/(?P<customer>{SEGMENT})/domains"
    domain = domains + rf"/(?P<domainName>{SEGMENT})"
    route(router, "POST", domains, DOMAIN_WRITE, "domains.insert")(insert_domain)
    route(router, "GET", domains, DOMAIN_READ, "domains.list")(list_domains)
    route(router, "GET", domain, DOMAIN_READ, "domains.get")(get_domain)
    route(router, "DELETE", domain, DOMAIN_WRITE, "domains.delete")(delete_domain)
    units = rf"/customer/(?P<customerId>{SEGMENT})/orgunits"
    unit = units + r"/(?P<orgUnitPath>.+)"
    route(router, "POST", units, OU_WRITE, "orgunits.insert")(insert_orgunit)
    route(router, "GET", units, OU_READ, "orgunits.list")(list_orgunits)
    route(router, "GET", unit, OU_READ, "orgunits.get")(get_orgunit)
    route(router, "PATCH", unit, OU_WRITE, "orgunits.patch")(patch_orgunit)
    route(router, "PUT", unit, OU_WRITE, "orgunits.update")(patch_orgunit)
    route(router, "DELETE", unit, OU_WRITE, "orgunits.delete")(delete_orgunit)


# --- customers ------------------------------------------------------------------------------------
def get_customer(sandbox, request: Request, principal, customerKey: str) -> Response:
    customer = directory.customer_of(principal, customerKey)
    doc = sandbox.store.get(model.CUSTOMER, customer, customer)
    if doc is None:
        raise errors.not_found("customerKey")
    return Response.json(200, public(doc))


# --- domains --------------------------------------------------------------------------------------
def new_domain(name: str, customer: str, *, verified: bool, primary: bool) -> dict:
    return model.with_etag(
        {
            "kind": "admin#directory#domain",
            "domainName": name,
            "verified": verified,
            "isPrimary": primary,
            "creationTime": model.now_millis(),
            "domainAliases": [],
            "_customer": customer,
        }
    )


def _own_domain(sandbox, customer: str, name: str) -> dict:
    domain = sandbox.store.get(model.DOMAIN, model.GLOBAL, name.lower())
    if domain is None or domain["_customer"] != customer:
        raise errors.not_found_message(errors.DOMAIN_NOT_FOUND)
    return domain


def insert_domain(sandbox, request: Request, principal, customer: str) -> Response:
    customer = directory.customer_of(principal, customer)
    name = str(directory.body(request).get("domainName") or "").strip().lower()
    if not name:
        raise errors.required("domainName")
    if not DOMAIN_NAME.match(name):
        raise errors.invalid("Invalid Input: domainName")
    domain = new_domain(name, customer, verified=False, primary=False)
    try:
        sandbox.store.insert(model.DOMAIN, model.GLOBAL, name, domain, sandbox.replication_delay)
    except Conflict:
        raise errors.duplicate() from None
    return Response.json(200, public(domain))


def get_domain(sandbox, request: Request, principal, customer: str, domainName: str) -> Response:
    customer = directory.customer_of(principal, customer)
    return Response.json(200, public(_own_domain(sandbox, customer, domainName)))


def list_domains(sandbox, request: Request, principal, customer: str) -> Response:
    customer = directory.customer_of(principal, customer)
    domains = [public(doc) for doc in model.customer_domains(sandbox, customer)]
    return Response.json(
        200,
        {"kind": "admin#directory#domains", "etag": model.etag({"d": domains}), "domains": domains},
    )


def delete_domain(sandbox, request: Request, principal, customer: str, domainName: str) -> Response:
    customer = directory.customer_of(principal, customer)
    with sandbox.store.lock:
        domain = _own_domain(sandbox, customer, domainName)
        if domain["isPrimary"]:
            raise errors.invalid("Cannot delete primary domain")
        name = domain["domainName"]
        in_use = any(
            model.domain_of(user["primaryEmail"]) == name
            for user in sandbox.store.list(model.USER, customer, include_invisible=True)
        ) or any(
            model.domain_of(group["email"]) == name
            for group in sandbox.store.list(model.GROUP, customer, include_invisible=True)
        )
        if in_use:
            raise errors.failed_precondition("Domain has users or groups and cannot be deleted")
        sandbox.store.delete(model.DOMAIN, model.GLOBAL, name)
    return Response.empty(204)


# --- organisational units -------------------------------------------------------------------------
def new_orgunit(unit_id: str, name: str, path: str, parent: dict | None, description: str = "") -> dict:
    unit = {
        "kind": "admin#directory#orgUnit",
        "name": name,
        "description": description,
        "orgUnitPath": path,
        "orgUnitId": unit_id,
        "blockInheritance": False,
    }
    if parent is not None:
        unit["parentOrgUnitPath"] = parent["orgUnitPath"]
        unit["parentOrgUnitId"] = parent["orgUnitId"]
    else:
        unit["_root"] = True
    return model.with_etag(unit)


def _find_unit(sandbox, customer: str, key: str) -> dict:
    unit = model.find_orgunit(sandbox, customer, key)
    if unit is None or unit.get("_root") and key.strip("/") != "":
        raise errors.not_found_message(OU_NOT_FOUND)
    return unit


def _parent(sandbox, customer: str, data: dict) -> dict:
    key = data.get("parentOrgUnitId") or data.get("parentOrgUnitPath")
    parent = model.find_orgunit(sandbox, customer, str(key)) if key else None
    if parent is None:
        raise errors.invalid(errors.INVALID_PARENT_OU)
    return parent


def _check_name(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise errors.required("name")
    if "/" in name or len(name) > 255:
        raise errors.invalid("Invalid Ou Id")
    return name.strip()


def _path(parent: dict, name: str) -> str:
    return (parent["orgUnitPath"].rstrip("/") + "/" + name) if parent else "/" + name


def insert_orgunit(sandbox, request: Request, principal, customerId: str) -> Response:
    customer = directory.customer_of(principal, customerId)
    data = directory.body(request)
    name = _check_name(data.get("name"))
    with sandbox.store.lock:
        parent = _parent(sandbox, customer, data)
        path = _path(parent, name)
        if model.find_orgunit(sandbox, customer, path, include_invisible=True) is not None:
            raise errors.invalid("Invalid Ou Id")
        unit = new_orgunit(
            model.new_orgunit_id(sandbox), name, path, parent, str(data.get("description") or "")
        )
        sandbox.store.insert(model.ORGUNIT, customer, unit["orgUnitId"], unit, sandbox.replication_delay)
    return Response.json(200, public(unit))


def get_orgunit(sandbox, request: Request, principal, customerId: str, orgUnitPath: str) -> Response:
    customer = directory.customer_of(principal, customerId)
    return Response.json(200, public(_find_unit(sandbox, customer, orgUnitPath)))


def list_orgunits(sandbox, request: Request, principal, customerId: str) -> Response:
    customer = directory.customer_of(principal, customerId)
    kind = request.arg("type") or "children"
    if kind not in ("all", "children", "allIncludingParent"):
        raise errors.invalid(f"Invalid value for type: {kind}")
    top = model.find_orgunit(sandbox, customer, request.arg("orgUnitPath") or "/")
    if top is None:
        raise errors.not_found_message(OU_NOT_FOUND)
    base = top["orgUnitPath"].rstrip("/").lower()
    units = []
    for unit in model.orgunits(sandbox, customer):
        path = unit["orgUnitPath"].lower()
        if unit.get("_root") or not path.startswith(base + "/"):
            if not (kind == "allIncludingParent" and unit["orgUnitId"] == top["orgUnitId"]):
                continue
        elif kind == "children" and unit.get("parentOrgUnitId") != top["orgUnitId"]:
            continue
        units.append(public(unit))
    result: dict = {"kind": "admin#directory#orgUnits", "etag": model.etag({"u": units})}
    if units:
        result["organizationUnits"] = units
    return Response.json(200, result)


def patch_orgunit(sandbox, request: Request, principal, customerId: str, orgUnitPath: str) -> Response:
    """Rename or move a unit; the paths of everything under it (units and users) follow."""
    customer = directory.customer_of(principal, customerId)
    data = directory.body(request)
    with sandbox.store.lock:
        unit = _find_unit(sandbox, customer, orgUnitPath)
        if unit.get("_root"):
            raise errors.invalid("Invalid Ou Id")
        name = _check_name(data["name"]) if "name" in data else unit["name"]
        parent = (
            _parent(sandbox, customer, data)
            if data.get("parentOrgUnitId") or data.get("parentOrgUnitPath")
            else model.find_orgunit(sandbox, customer, unit["parentOrgUnitId"], include_invisible=True)
        )
        old_path, new_path = unit["orgUnitPath"], _path(parent, name)
        if parent["orgUnitId"] == unit["orgUnitId"] or parent["orgUnitPath"].lower().startswith(
            old_path.lower() + "/"
        ):
            raise errors.invalid(errors.INVALID_PARENT_OU)
        if new_path.lower() != old_path.lower():
            if model.find_orgunit(sandbox, customer, new_path, include_invisible=True) is not None:
                raise errors.invalid("Invalid Ou Id")
        if "description" in data:
            unit["description"] = str(data["description"] or "")
        unit.update(
            name=name,
            orgUnitPath=new_path,
            parentOrgUnitPath=parent["orgUnitPath"],
            parentOrgUnitId=parent["orgUnitId"],
        )
        sandbox.store.update(model.ORGUNIT, customer, unit["orgUnitId"], model.with_etag(unit))
        if new_path != old_path:
            _move_subtree(sandbox, customer, old_path, new_path)
    return Response.json(200, public(unit))


def _moved(path: str, old: str, new: str) -> str | None:
    if path.lower() == old.lower():
        return new
    if path.lower().startswith(old.lower() + "/"):
        return new + path[len(old) :]
    return None


def _move_subtree(sandbox, customer: str, old: str, new: str) -> None:
    for unit in model.orgunits(sandbox, customer, include_invisible=True):
        path = _moved(unit["orgUnitPath"], old, new)
        if path and path != unit["orgUnitPath"]:
            unit["orgUnitPath"] = path
            unit["parentOrgUnitPath"] = (
                _moved(unit["parentOrgUnitPath"], old, new) or unit["parentOrgUnitPath"]
            )
            sandbox.store.update(model.ORGUNIT, customer, unit["orgUnitId"], model.with_etag(unit))
    for user in sandbox.store.list(model.USER, customer, include_invisible=True):
        path = _moved(user.get("orgUnitPath", "/"), old, new)
        if path:
            user["orgUnitPath"] = path
            sandbox.store.update(model.USER, customer, user["id"], model.with_etag(user))


def delete_orgunit(sandbox, request: Request, principal, customerId: str, orgUnitPath: str) -> Response:
    customer = directory.customer_of(principal, customerId)
    with sandbox.store.lock:
        unit = _find_unit(sandbox, customer, orgUnitPath)
        if unit.get("_root"):
            raise errors.invalid("Invalid Ou Id")
        path = unit["orgUnitPath"]
        children = any(
            _moved(other["orgUnitPath"], path, path) and other["orgUnitId"] != unit["orgUnitId"]
            for other in model.orgunits(sandbox, customer, include_invisible=True)
        )
        users = any(
            _moved(user.get("orgUnitPath", "/"), path, path)
            for user in sandbox.store.list(model.USER, customer, include_invisible=True)
        )
        if children or users:
            raise errors.failed_precondition(OU_NOT_EMPTY)
        sandbox.store.delete(model.ORGUNIT, customer, unit["orgUnitId"])
    return Response.empty(204)
