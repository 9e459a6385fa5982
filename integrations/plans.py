"""Plans: what must change at a provider so that it matches the roster and the layout.

Plan → review → apply. This module reads the provider (paged to the end through the client
interface) and computes the difference; nothing here writes to a provider. Leavers are
suspended, never deleted; a plan that would suspend more than the safety limit stops and needs
an explicit, audited override (like Google Cloud Directory Sync's deletion limits).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.conf import settings

from integrations.logins import assign_addresses
from integrations.operations import Op
from integrations.providers import Capability, ProviderClient, RemoteUser

if TYPE_CHECKING:
    from integrations.models import Connection, Layout
    from schools.models import Person, School

SAFETY_MIN = getattr(settings, "PLAN_SAFETY_MIN_SUSPENSIONS", 10)
SAFETY_SHARE = getattr(settings, "PLAN_SAFETY_SHARE", 0.10)
ROLE_UNITS = {"teacher": "Teachers", "director": "Staff", "staff": "Staff", "student": "Students"}
PERSON_KEY_PREFIX = "sitc-"  # on every account the portal made (``RemoteUser.external_id``)
PlanItem = dict[str, Any]  # {op, key, school, person?, details?}: stored as the plan's JSON


def person_key(person_pk: int) -> str:
    return f"{PERSON_KEY_PREFIX}{person_pk}"


class DesiredUser(TypedDict):
    person: int
    given: str
    family: str
    ou: str
    school: str
    role: str
    licence: str  # the SKU id to assign ("" for none)


class DesiredGroup(TypedDict):
    name: str
    members: set[str]  # addresses
    type: str  # the layout's Microsoft group type (Capability.GROUP_TYPES)


@dataclass
class Desired:
    users: dict[str, DesiredUser] = field(default_factory=dict)  # address → account
    units: list[str] = field(default_factory=list)
    groups: dict[str, DesiredGroup] = field(default_factory=dict)  # address → group


def desired_state(
    people: Iterable[Person],
    schools: Iterable[School],
    layout: Layout,
    licences: dict[str, str] | None = None,
) -> Desired:
    """``licences``: role → SKU id (teacher, staff, director, student); empty where the provider
    has none (``licences_by_role``)."""
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
        person = cast("Person", entry.person)
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


def _slug(school: School) -> str:
    return school.code or str(school.pk)


@dataclass(frozen=True)
class Current:
    """The provider as read for a plan: its accounts, units and groups, and what it can do."""

    users: dict[str, RemoteUser]  # address → account
    units: set[str]
    groups: dict[str, set[str]]  # group key (``group_key``) → member addresses
    capabilities: frozenset[Capability]
    fingerprint: str

    @property
    def managed(self) -> int:
        """How many accounts the portal made (the base of the safety limit)."""
        return sum(1 for user in self.users.values() if _managed(user))


def _managed(user: RemoteUser) -> bool:
    return user.external_id.startswith(PERSON_KEY_PREFIX)


def group_key(address: str, capabilities: frozenset[Capability]) -> str:
    """How a group of ours is recognised at the provider: by its address, or where a group may
    have none (Graph's security groups) by the address's local part, its mail nickname."""
    address = address.lower()
    return address if Capability.GROUP_ADDRESSES in capabilities else address.split("@")[0]


def read_current(client: ProviderClient) -> Current:
    """The provider's state, read to the end (every page)."""
    capabilities = client.capabilities
    users = {user.address: user for user in client.list_users()}
    units: set[str] = set()
    if Capability.UNITS in capabilities:
        units = {unit.path for unit in client.list_units()} | {"/"}
    by_address = Capability.GROUP_ADDRESSES in capabilities
    groups = {
        group_key(group.address if by_address else group.nickname, capabilities): set(
            client.list_members(group)
        )
        for group in client.list_groups()
    }
    blob = json.dumps(
        [
            sorted((address, _fingerprinted(user)) for address, user in users.items()),
            sorted(units),
            sorted((key, sorted(members)) for key, members in groups.items()),
        ]
    )
    return Current(users, units, groups, capabilities, hashlib.sha256(blob.encode()).hexdigest())


def licences_by_role(connection: Connection, capabilities: frozenset[Capability]) -> dict[str, str]:
    """Role → the licence SKU the connection assigns to it (none where the provider has no licences)."""
    if Capability.LICENCES not in capabilities:
        return {}
    licences = {
        "teacher": connection.teacher_sku,
        "staff": connection.staff_sku,
        "director": connection.staff_sku or connection.teacher_sku,
        "student": connection.student_sku,
    }
    return {role: sku for role, sku in licences.items() if sku}


def _fingerprinted(user: RemoteUser) -> dict[str, object]:
    fields = dataclasses.asdict(user)
    fields["licences"] = sorted(user.licences)
    return fields


def diff(desired: Desired, current: Current) -> list[PlanItem]:
    """The plan's items: what to make, change, suspend or flag so the provider matches ``desired``."""
    capabilities = current.capabilities
    items: list[PlanItem] = []
    ours = {person_key(info["person"]): address for address, info in desired.users.items()}
    if Capability.UNITS in capabilities:
        for unit in desired.units:
            if unit not in current.units:
                items.append(
                    {
                        "op": Op.CREATE_OU,
                        "key": unit,
                        "school": unit.split("/")[2] if unit.count("/") >= 2 else "",
                    }
                )
    for address, info in desired.users.items():
        existing = current.users.get(address)
        base: PlanItem = {"key": address, "school": info["school"], "person": info["person"]}
        if existing is None:
            items.append(
                {
                    **base,
                    "op": Op.CREATE_USER,
                    "details": {"given": info["given"], "family": info["family"], "ou": info["ou"]},
                }
            )
            if info["licence"]:
                items.append({**base, "op": Op.ASSIGN_LICENCE, "details": {"sku": info["licence"]}})
            continue
        if existing.external_id and existing.external_id != person_key(info["person"]):
            items.append({**base, "op": Op.CONFLICT, "details": {"reason": "address_used_by_other"}})
            continue
        if not existing.external_id:
            items.append({**base, "op": Op.CONFLICT, "details": {"reason": "address_not_managed"}})
            continue
        if existing.suspended:
            items.append({**base, "op": Op.UNSUSPEND_USER})
        if (existing.given, existing.family) != (info["given"], info["family"]):
            items.append(
                {**base, "op": Op.UPDATE_USER, "details": {"given": info["given"], "family": info["family"]}}
            )
        if Capability.UNITS in capabilities and existing.unit != info["ou"]:
            items.append({**base, "op": Op.MOVE_USER, "details": {"from": existing.unit, "to": info["ou"]}})
        if info["licence"] and info["licence"].lower() not in existing.licences:
            items.append({**base, "op": Op.ASSIGN_LICENCE, "details": {"sku": info["licence"]}})
    for address, existing in current.users.items():
        external = existing.external_id
        if _managed(existing) and external not in ours and not existing.suspended:
            items.append(
                {"op": Op.SUSPEND_USER, "key": address, "school": "", "details": {"reason": "not_on_roster"}}
            )
    conflicts = {item["key"] for item in items if item["op"] == Op.CONFLICT}
    managed = {address for address, user in current.users.items() if _managed(user)}
    for address, group in desired.groups.items():
        present = current.groups.get(group_key(address, capabilities))
        if present is None:
            details = {"name": group["name"]}
            if Capability.GROUP_TYPES in capabilities:
                details["type"] = group["type"]
            items.append({"op": Op.CREATE_GROUP, "key": address, "school": "", "details": details})
            present = set()
        for member in sorted(group["members"] - present - conflicts):
            items.append(
                {
                    "op": Op.ADD_MEMBER,
                    "key": f"{address} ← {member}",
                    "school": "",
                    "details": {"group": address, "member": member},
                }
            )
        for member in sorted((present & managed) - group["members"]):
            items.append(
                {
                    "op": Op.REMOVE_MEMBER,
                    "key": f"{address} → {member}",
                    "school": "",
                    "details": {"group": address, "member": member},
                }
            )
    return items


def summarise(items: list[PlanItem], managed_users: int) -> dict[str, Any]:
    counts = Counter(str(item["op"]) for item in items)
    by_school: dict[str, Counter[str]] = {}
    for item in items:
        by_school.setdefault(item.get("school") or "", Counter())[str(item["op"])] += 1
    limit = max(SAFETY_MIN, int(managed_users * SAFETY_SHARE))
    return {
        "counts": dict(counts),
        "by_school": {school: dict(c) for school, c in sorted(by_school.items())},
        "suspensions": counts.get(Op.SUSPEND_USER, 0),
        "safety_limit": limit,
        "blocked": counts.get(Op.SUSPEND_USER, 0) > limit,
    }
