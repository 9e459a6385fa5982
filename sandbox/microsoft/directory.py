"""Where the Microsoft side keeps its objects in the sandbox store, and how they are found.

| kind | scope | id | what |
|---|---|---|---|
| ``graph.tenant`` | ``_`` | tenant id | tenant: display name, initial domain, licence SKUs with seat counts |
| ``graph.app`` | ``_`` | client id | app registration: tenant, secret hash, application permissions |
| ``graph.domain`` | tenant id | domain (lower case) | domain, verification state |
| ``graph.user`` | tenant id | object id | user (``visible_after`` = replication delay) |
| ``graph.upn`` | tenant id | UPN (lower case) | UPN → user id (uniqueness; visible at once) |
| ``graph.group`` | tenant id | object id | group with its member and owner ids |
| ``graph.signing_key`` | ``_`` | ``rs256`` | the key access tokens are signed with |
"""

from __future__ import annotations

import datetime as dt
import re

TENANT = "graph.tenant"
APP = "graph.app"
DOMAIN = "graph.domain"
USER = "graph.user"
UPN = "graph.upn"
GROUP = "graph.group"
SIGNING_KEY = "graph.signing_key"
GLOBAL = "_"

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tenant(sandbox, tenant_id: str) -> dict | None:
    return sandbox.store.get(TENANT, GLOBAL, tenant_id.lower())


def find_tenant(sandbox, name: str) -> dict | None:
    """A tenant by id or by one of its domain names (as the token endpoint accepts either)."""
    name = name.lower()
    if GUID.match(name):
        return tenant(sandbox, name)
    for domain in sandbox.store.list(DOMAIN):
        if domain["id"] == name:
            return tenant(sandbox, domain["tenantId"])
    return None


def app(sandbox, client_id: str) -> dict | None:
    return sandbox.store.get(APP, GLOBAL, client_id.lower())


def domain(sandbox, tenant_id: str, name: str) -> dict | None:
    return sandbox.store.get(DOMAIN, tenant_id, name.lower())


def domains(sandbox, tenant_id: str) -> list[dict]:
    return sandbox.store.list(DOMAIN, tenant_id)


def verified_domain(sandbox, tenant_id: str, name: str) -> bool:
    found = domain(sandbox, tenant_id, name)
    return bool(found and found["isVerified"])


def default_domain(sandbox, tenant_id: str) -> str:
    for found in domains(sandbox, tenant_id):
        if found["isDefault"]:
            return found["id"]
    return domains(sandbox, tenant_id)[0]["id"]


def user_id_for(sandbox, tenant_id: str, key: str) -> str | None:
    """The object id behind ``key`` (an id or a UPN), whether or not the user is visible yet."""
    if "@" in key:
        entry = sandbox.store.get(UPN, tenant_id, key.lower())
        return entry["userId"] if entry else None
    return key.lower()


def user(sandbox, tenant_id: str, key: str, *, include_invisible: bool = False) -> dict | None:
    user_id = user_id_for(sandbox, tenant_id, key)
    if user_id is None:
        return None
    return sandbox.store.get(USER, tenant_id, user_id, include_invisible=include_invisible)


def group(sandbox, tenant_id: str, group_id: str) -> dict | None:
    return sandbox.store.get(GROUP, tenant_id, group_id.lower())


def directory_object(sandbox, tenant_id: str, key: str) -> tuple[str, dict] | None:
    """A visible user or group by id (or a user by UPN): ``(kind, document)``."""
    found = user(sandbox, tenant_id, key)
    if found is not None:
        return USER, found
    found = group(sandbox, tenant_id, key) if "@" not in key else None
    if found is not None:
        return GROUP, found
    return None


def count(sandbox, kind: str, scope: str) -> int:
    """How many documents of a kind a scope holds, visible or not (one indexed COUNT)."""
    with sandbox.store.lock:
        row = sandbox.store.db.execute(
            "SELECT COUNT(*) FROM docs WHERE kind = ? AND scope = ?", (kind, scope)
        ).fetchone()
    return row[0]
