"""What the Google side keeps in the sandbox store, and the lookups every resource shares.

Kinds (``scope`` in brackets):
- ``google.customer`` [customer id]: the Workspace account.
- ``google.domain`` [global, id = domain name]: ``_customer``, ``verified``, ``isPrimary``.
- ``google.address`` [global, id = lower-case address]: who owns an address (user, alias or
  group), so that addresses are unique across users and groups as Google requires.
- ``google.user`` / ``google.deleted_user`` [customer, id = user id]; ``google.group`` [customer];
  ``google.member`` [group id, id = member id]; ``google.orgunit`` [customer, id = orgUnitId].
Fields starting with ``_`` are the sandbox's own and never leave it (``directory.public``).
- ``google.service_account`` / ``google.oauth_client`` / ``google.refresh_token`` /
  ``google.token`` [global]: credentials (see auth.py).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import string

CUSTOMER = "google.customer"
DOMAIN = "google.domain"
ADDRESS = "google.address"
USER = "google.user"
DELETED_USER = "google.deleted_user"
GROUP = "google.group"
MEMBER = "google.member"
ORGUNIT = "google.orgunit"
SERVICE_ACCOUNT = "google.service_account"
OAUTH_CLIENT = "google.oauth_client"
REFRESH_TOKEN = "google.refresh_token"  # noqa: S105 (a store kind)
TOKEN = "google.token"  # noqa: S105 (a store kind)
GLOBAL = "global"

EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
DIGITS = string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits


def now_rfc3339() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def now_millis() -> str:
    return str(int(dt.datetime.now(dt.UTC).timestamp() * 1000))


def etag(data: dict) -> str:
    digest = hashlib.sha1(json.dumps(data, sort_keys=True).encode(), usedforsecurity=False).digest()
    return '"' + base64.urlsafe_b64encode(digest).decode().rstrip("=") + '"'


def with_etag(data: dict) -> dict:
    data.pop("etag", None)
    data["etag"] = etag(data)
    return data


def random_chars(sandbox, alphabet: str, length: int) -> str:
    with sandbox.rng_lock:
        return "".join(sandbox.rng.choice(alphabet) for _ in range(length))


def new_customer_id(sandbox) -> str:
    return "C0" + random_chars(sandbox, LOWER_ALNUM, 7)


def new_user_id(sandbox) -> str:
    return "1" + random_chars(sandbox, DIGITS, 20)  # Google user ids are 21-digit numbers


def new_group_id(sandbox) -> str:
    return "0" + random_chars(sandbox, LOWER_ALNUM, 14)


def new_orgunit_id(sandbox) -> str:
    return "id:03ph8a2z" + random_chars(sandbox, LOWER_ALNUM, 7)


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower() if "@" in address else ""


# --- lookups -------------------------------------------------------------------------------------
def customer_domains(sandbox, customer: str, *, include_invisible: bool = False) -> list[dict]:
    return [
        doc
        for doc in sandbox.store.list(DOMAIN, GLOBAL, include_invisible=include_invisible)
        if doc["_customer"] == customer
    ]


def domain_owner(sandbox, domain: str) -> dict | None:
    """The domain document (visible or not), whoever owns it."""
    return sandbox.store.get(DOMAIN, GLOBAL, domain.lower(), include_invisible=True)


def address(sandbox, email: str, *, include_invisible: bool = False) -> dict | None:
    return sandbox.store.get(ADDRESS, GLOBAL, email.lower(), include_invisible=include_invisible)


def claim_address(sandbox, email: str, kind: str, id: str, customer: str, visible_after: float) -> bool:
    """Reserve an address for a user/group (False when anyone already holds it, visible or not)."""
    from sandbox.store import Conflict

    try:
        sandbox.store.insert(
            ADDRESS, GLOBAL, email.lower(), {"type": kind, "id": id, "customer": customer}, visible_after
        )
    except Conflict:
        return False
    return True


def release_address(sandbox, email: str) -> None:
    sandbox.store.delete(ADDRESS, GLOBAL, email.lower())


def find_by_key(sandbox, kind: str, customer: str, key: str, *, include_invisible: bool = False):
    """A user or group by id, primary address or alias (``None`` when not found or not yet visible)."""
    if "@" not in key:
        return sandbox.store.get(kind, customer, key, include_invisible=include_invisible)
    entry = address(sandbox, key, include_invisible=include_invisible)
    wanted = "user" if kind == USER else "group"
    if entry is None or entry["type"] != wanted or entry["customer"] != customer:
        return None
    return sandbox.store.get(kind, customer, entry["id"], include_invisible=include_invisible)


def orgunits(sandbox, customer: str, *, include_invisible: bool = False) -> list[dict]:
    return sandbox.store.list(ORGUNIT, customer, include_invisible=include_invisible)


def normalise_ou_path(path: str) -> str:
    parts = [part for part in path.strip().split("/") if part]
    return "/" + "/".join(parts)


def find_orgunit(sandbox, customer: str, key: str, *, include_invisible: bool = False) -> dict | None:
    """By path (with or without the leading slash, case-insensitive) or by ``id:…``."""
    if key.startswith("id:"):
        return sandbox.store.get(ORGUNIT, customer, key, include_invisible=include_invisible)
    wanted = normalise_ou_path(key).lower()
    for unit in orgunits(sandbox, customer, include_invisible=include_invisible):
        if unit["orgUnitPath"].lower() == wanted:
            return unit
    return None
