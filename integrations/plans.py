"""Plans: what must change at a provider so that it matches the roster and the layout.

Plan → review → apply. This module reads the provider (paged to the end through the client
interface) and computes the difference; nothing here writes to a provider. Leavers are
suspended, never deleted; a plan that would suspend more than the safety limit stops and needs
an explicit, audited override (like Google Cloud Directory Sync's deletion limits).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings

from integrations.logins import assign_addresses
from integrations.models import Provider

EXTERNAL_ID_TYPE = "school-in-the-cloud"  # Google externalIds customType / Graph employeeId prefix
SAFETY_MIN = getattr(settings, "PLAN_SAFETY_MIN_SUSPENSIONS", 10)
SAFETY_SHARE = getattr(settings, "PLAN_SAFETY_SHARE", 0.10)
ROLE_UNITS = {"teacher": "Teachers", "director": "Staff", "staff": "Staff", "student": "Students"}
OPS = ["create_ou", "create_user", "update_user", "move_user", "unsuspend_user", "suspend_user",
       "create_group", "add_member", "remove_member", "assign_licence", "conflict"]  # fmt: skip


def group_key(address: str, provider: str) -> str:
    """How a group is recognised at the provider: Google by address, Microsoft by mail nickname."""
    address = address.lower()
    return address.split("@")[0] if provider == Provider.MICROSOFT else address


def person_key(person_pk: int) -> str:
    return f"sitc-{person_pk}"


@dataclass
class Desired:
    # address → {person, given, family, ou, school, role, licence}
    users: dict[str, dict] = field(default_factory=dict)
    units: list[str] = field(default_factory=list)
    groups: dict[str, dict] = field(default_factory=dict)  # address → {name, members: set[address]}


def desired_state(people, schools, layout, licences: dict[str, str] | None = None) -> Desired:
    """``licences``: role → Microsoft SKU id (teacher, staff, director, student); empty for Google."""
    licences = licences or {}
    desired = Desired()
    root = layout.ou_root.rstrip("/") or ""
    desired.units.append(root or "/")
    for school in sorted(schools, key=lambda s: s.name):
        desired.units.append(f"{root}/{_unit_name(school.name)}")
        school_unit = f"{root}/{_unit_name(school.name)}"
        desired.units += [f"{school_unit}/{unit}" for unit in ("Teachers", "Staff", "Students")]
    addresses = assign_addresses(
        people, domain=layout.domain_for, pattern=layout.login_pattern, language=layout.name_language
    )
    group_type = layout.microsoft_group_type
    all_teachers = f"{layout.teachers_group}@{layout.domain}" if layout.teachers_group else None
    directors = f"{layout.directors_group}@{layout.domain}" if layout.directors_group else None
    for address, name in ((all_teachers, "Teachers"), (directors, "Directors")):
        if address:
            desired.groups[address] = {"name": name, "members": set(), "type": group_type}
    for entry in addresses:
        person = entry.person
        person_schools = sorted(person.schools.all(), key=lambda s: s.name)
        first = person_schools[0] if person_schools else None
        unit = f"{root}/{_unit_name(first.name)}/{ROLE_UNITS[person.role]}" if first else (root or "/")
        desired.users[entry.address] = {
            "person": person.pk,
            "given": person.first_name,
            "family": person.last_name,
            "ou": unit,
            "school": first.name if first else "",
            "role": person.role,
            "licence": licences.get(person.role, ""),
        }
        if person.role == "teacher" and all_teachers:
            desired.groups[all_teachers]["members"].add(entry.address)
        if person.role == "director" and directors:
            desired.groups[directors]["members"].add(entry.address)
        for school in person_schools if layout.school_groups else ():
            kind = "teachers" if person.role == "teacher" else "staff"
            group = f"{kind}-{_slug(school)}@{layout.domain}"
            desired.groups.setdefault(
                group, {"name": f"{school.name} ({kind})", "members": set(), "type": group_type}
            )
            desired.groups[group]["members"].add(entry.address)
    return desired


def _unit_name(name: str) -> str:
    return name.replace("/", "-").strip()


def _slug(school) -> str:
    return school.code or str(school.pk)


@dataclass
class Current:
    users: dict[str, dict]  # address → {external, suspended, ou, given, family}
    units: set[str]
    groups: dict[str, set[str]]  # group address → member addresses
    fingerprint: str


def read_current(client, provider: str) -> Current:
    users: dict[str, dict] = {}
    groups: dict[str, set[str]] = {}
    units: set[str] = set()
    if provider == Provider.GOOGLE:
        for user in client.list_users():
            external = next(
                (
                    e.get("value", "")
                    for e in user.get("externalIds", [])
                    if e.get("customType") == EXTERNAL_ID_TYPE
                ),
                "",
            )
            users[user["primaryEmail"].lower()] = {
                "external": external,
                "suspended": bool(user.get("suspended")),
                "ou": user.get("orgUnitPath", "/"),
                "given": user.get("name", {}).get("givenName", ""),
                "family": user.get("name", {}).get("familyName", ""),
            }
        units = {unit.get("orgUnitPath", "") for unit in client.list_org_units()} | {"/"}
        for group in client.list_groups():
            members = client.list_members(group["email"])
            groups[group["email"].lower()] = {m.get("email", "").lower() for m in members}
    else:
        for user in client.list_users():
            users[user["userPrincipalName"].lower()] = {
                "external": user.get("employeeId") or "",
                "suspended": user.get("accountEnabled") is False,
                "ou": "",
                "given": user.get("givenName") or "",
                "family": user.get("surname") or "",
                "id": user.get("id"),
                "usage_location": user.get("usageLocation") or "",
                "licences": {(a.get("skuId") or "").lower() for a in user.get("assignedLicenses") or []},
            }
        for group in client.list_groups():
            # Security groups have no address: Graph groups are known by their mail nickname.
            members = client.list_members(group["id"])
            groups[group_key(group.get("mailNickname", ""), provider)] = {
                (m.get("userPrincipalName") or "").lower() for m in members
            }
    blob = json.dumps(
        [sorted(users.items()), sorted(units), sorted((k, sorted(v)) for k, v in groups.items())], default=str
    )
    return Current(users, units, groups, hashlib.sha256(blob.encode()).hexdigest())


def diff(desired: Desired, current: Current, provider: str, layout) -> list[dict]:
    items: list[dict] = []
    ours = {person_key(info["person"]): address for address, info in desired.users.items()}
    if provider == Provider.GOOGLE:
        for unit in desired.units:
            if unit not in current.units:
                items.append(
                    {
                        "op": "create_ou",
                        "key": unit,
                        "school": unit.split("/")[2] if unit.count("/") >= 2 else "",
                    }
                )
    for address, info in desired.users.items():
        existing = current.users.get(address)
        base = {"key": address, "school": info["school"], "person": info["person"]}
        if existing is None:
            items.append(
                {
                    **base,
                    "op": "create_user",
                    "details": {"given": info["given"], "family": info["family"], "ou": info["ou"]},
                }
            )
            if info["licence"]:
                items.append({**base, "op": "assign_licence", "details": {"sku": info["licence"]}})
            continue
        if existing["external"] and existing["external"] != person_key(info["person"]):
            items.append({**base, "op": "conflict", "details": {"reason": "address_used_by_other"}})
            continue
        if not existing["external"]:
            items.append({**base, "op": "conflict", "details": {"reason": "address_not_managed"}})
            continue
        if existing["suspended"]:
            items.append({**base, "op": "unsuspend_user"})
        if (existing["given"], existing["family"]) != (info["given"], info["family"]):
            items.append(
                {**base, "op": "update_user", "details": {"given": info["given"], "family": info["family"]}}
            )
        if provider == Provider.GOOGLE and existing["ou"] != info["ou"]:
            items.append({**base, "op": "move_user", "details": {"from": existing["ou"], "to": info["ou"]}})
        if info["licence"] and info["licence"].lower() not in existing.get("licences", set()):
            items.append({**base, "op": "assign_licence", "details": {"sku": info["licence"]}})
    for address, existing in current.users.items():
        external = existing["external"]
        if external.startswith("sitc-") and external not in ours and not existing["suspended"]:
            items.append(
                {"op": "suspend_user", "key": address, "school": "", "details": {"reason": "not_on_roster"}}
            )
    conflicts = {item["key"] for item in items if item["op"] == "conflict"}
    for address, group in desired.groups.items():
        present = current.groups.get(group_key(address, provider))
        if present is None:
            details = {"name": group["name"]}
            if provider == Provider.MICROSOFT:
                details["type"] = group["type"]
            items.append({"op": "create_group", "key": address, "school": "", "details": details})
            present = set()
        for member in sorted(group["members"] - present - conflicts):
            items.append(
                {
                    "op": "add_member",
                    "key": f"{address} ← {member}",
                    "school": "",
                    "details": {"group": address, "member": member},
                }
            )
        managed = {a for a, u in current.users.items() if u["external"].startswith("sitc-")}
        for member in sorted((present & managed) - group["members"]):
            items.append(
                {
                    "op": "remove_member",
                    "key": f"{address} → {member}",
                    "school": "",
                    "details": {"group": address, "member": member},
                }
            )
    return items


def summarise(items: list[dict], managed_users: int) -> dict:
    counts = Counter(item["op"] for item in items)
    by_school: dict[str, Counter] = {}
    for item in items:
        by_school.setdefault(item.get("school") or "", Counter())[item["op"]] += 1
    limit = max(SAFETY_MIN, int(managed_users * SAFETY_SHARE))
    return {
        "counts": dict(counts),
        "by_school": {school: dict(c) for school, c in sorted(by_school.items())},
        "suspensions": counts.get("suspend_user", 0),
        "safety_limit": limit,
        "blocked": counts.get("suspend_user", 0) > limit,
    }
