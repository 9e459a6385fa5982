"""The Directory API's JSON, read into the portal's provider-neutral snapshots and written from
plan items: the only place that knows Google's field names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from integrations.operations import Op
from integrations.providers import DomainStatus, Payload, RemoteGroup, RemoteUnit, RemoteUser

JSON = dict[str, Any]
EXTERNAL_ID_TYPE = "school-in-the-cloud"  # the externalIds customType holding our person key


def external_ids(user: JSON) -> list[str]:
    """The person keys the portal stored on an account (one, or none on anyone else's)."""
    return [
        str(entry.get("value") or "")
        for entry in user.get("externalIds") or []
        if entry.get("customType") == EXTERNAL_ID_TYPE
    ]


def user(data: JSON) -> RemoteUser:
    name = data.get("name") or {}
    return RemoteUser(
        address=str(data["primaryEmail"]).lower(),
        external_id=next(iter(external_ids(data)), ""),
        given=name.get("givenName", ""),
        family=name.get("familyName", ""),
        suspended=bool(data.get("suspended")),
        unit=data.get("orgUnitPath", "/"),
        id=str(data.get("id") or ""),
    )


def group(data: JSON) -> RemoteGroup:
    address = str(data["email"]).lower()
    return RemoteGroup(
        id=str(data.get("id") or ""),
        address=address,
        nickname=address.split("@")[0],
        name=str(data.get("name") or ""),
    )


def member(data: JSON) -> str:
    return str(data.get("email") or "").lower()


def unit(data: JSON) -> RemoteUnit:
    return RemoteUnit(path=str(data.get("orgUnitPath") or ""))


def domain(data: JSON) -> DomainStatus:
    """Google's verification record (a TXT "google-site-verification=…") is shown by the Admin
    console (Account → Domains); the Directory API reports only whether it is verified."""
    return DomainStatus(added=True, verified=bool(data.get("verified")))


def user_body(key: str, payload: Payload, password: str, external_id: str) -> JSON:
    return {
        "primaryEmail": key,
        "name": {"givenName": payload["given"], "familyName": payload["family"]},
        "password": password,
        "changePasswordAtNextLogin": True,
        "orgUnitPath": payload.get("ou") or "/",
        "externalIds": [{"type": "custom", "customType": EXTERNAL_ID_TYPE, "value": external_id}],
    }


def unit_body(path: str) -> JSON:
    parent, _sep, name = path.rstrip("/").rpartition("/")
    return {"name": name, "parentOrgUnitPath": parent or "/"}


def group_body(key: str, payload: Payload) -> JSON:
    return {"email": key, "name": payload.get("name", key)}


def member_body(payload: Payload) -> JSON:
    return {"email": payload["member"], "role": "MEMBER"}


# The changes to an account, each one PATCH of the user.
PATCHES: dict[Op, Callable[[Payload], JSON]] = {
    Op.UPDATE_USER: lambda p: {"name": {"givenName": p["given"], "familyName": p["family"]}},
    Op.MOVE_USER: lambda p: {"orgUnitPath": p["to"]},
    Op.SUSPEND_USER: lambda p: {"suspended": True},
    Op.UNSUSPEND_USER: lambda p: {"suspended": False},
}
