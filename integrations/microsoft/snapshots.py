"""Microsoft Graph's JSON, read into the portal's provider-neutral snapshots and written from plan
items: the only place that knows Graph's field names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from integrations.operations import Op
from integrations.providers import DnsRecord, DomainStatus, Payload, RemoteGroup, RemoteUser

JSON = dict[str, Any]
# What the plan reads of an account.
USER_FIELDS = ["id", "userPrincipalName", "displayName", "givenName", "surname", "accountEnabled"]
USER_FIELDS += ["employeeId", "usageLocation", "assignedLicenses"]
GROUP_FIELDS = ["id", "displayName", "mailNickname", "mail"]


def user(data: JSON) -> RemoteUser:
    return RemoteUser(
        address=str(data["userPrincipalName"]).lower(),
        external_id=data.get("employeeId") or "",  # our person key, stored as the employee id
        given=data.get("givenName") or "",
        family=data.get("surname") or "",
        suspended=data.get("accountEnabled") is False,
        id=str(data.get("id") or ""),
        usage_location=data.get("usageLocation") or "",
        licences=frozenset((a.get("skuId") or "").lower() for a in data.get("assignedLicenses") or []),
    )


def group(data: JSON) -> RemoteGroup:
    # Security groups have no address: Graph groups are known by their mail nickname.
    return RemoteGroup(
        id=str(data.get("id") or ""),
        address=str(data.get("mail") or "").lower(),
        nickname=str(data.get("mailNickname") or "").lower(),
        name=str(data.get("displayName") or ""),
    )


def member(data: JSON) -> str:
    return str(data.get("userPrincipalName") or "").lower()


def nickname(address: str) -> str:
    """A group's or account's mail nickname: the local part of its address."""
    return address.split("@")[0]


def domain(name: str, data: JSON, records: list[JSON], message: str) -> DomainStatus:
    """A domain and the DNS records Microsoft asks to publish for its verification."""
    found = []
    for record in records:
        if record.get("recordType") == "Txt":
            found.append(DnsRecord("TXT", record.get("label", name), record.get("text", "")))
        elif record.get("recordType") == "Mx":
            found.append(DnsRecord("MX", record.get("label", name), record.get("mailExchange", "")))
    return DomainStatus(
        added=True, verified=bool(data.get("isVerified")), records=tuple(found), message=message
    )


def user_body(key: str, payload: Payload, password: str, external_id: str, usage_location: str) -> JSON:
    body = {
        "accountEnabled": True,
        "displayName": f"{payload['given']} {payload['family']}".strip(),
        "givenName": payload["given"],
        "surname": payload["family"],
        "mailNickname": nickname(key),
        "userPrincipalName": key,
        "employeeId": external_id,
        "passwordProfile": {"password": password, "forceChangePasswordNextSignIn": True},
    }
    if usage_location:  # set with the account: a licence needs it
        body["usageLocation"] = usage_location
    return body


def group_body(key: str, payload: Payload) -> JSON:
    name = nickname(key)
    unified = payload.get("type") == "microsoft365"
    return {
        "displayName": payload.get("name", name),
        "mailNickname": name,
        "mailEnabled": unified,
        "securityEnabled": not unified,
        "groupTypes": ["Unified"] if unified else [],
    }


def licence_body(payload: Payload) -> JSON:
    return {"addLicenses": [{"skuId": payload["sku"], "disabledPlans": []}], "removeLicenses": []}


# The changes to an account, each one PATCH of the user.
PATCHES: dict[Op, Callable[[Payload], JSON]] = {
    Op.UPDATE_USER: lambda p: {
        "givenName": p["given"],
        "surname": p["family"],
        "displayName": f"{p['given']} {p['family']}",
    },
    Op.SUSPEND_USER: lambda p: {"accountEnabled": False},
    Op.UNSUSPEND_USER: lambda p: {"accountEnabled": True},
}
