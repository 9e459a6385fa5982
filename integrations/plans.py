"""Plans: what must change at a provider so that it matches the roster and the layout.

Plan → review → apply. This module reads the provider (page by page to the end through the
client interface, keeping each account as a small tuple) and computes the difference while the
roster streams past (``Differ``); nothing here writes to a provider or to the database. Leavers are
suspended, never deleted; a plan that would suspend more than the safety limit stops and needs
an explicit, audited override (like Google Cloud Directory Sync's deletion limits).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict

from django.conf import settings

from integrations.logins import AddressBook
from integrations.operations import Op
from integrations.providers import Capability, ProviderClient, RemoteUser

if TYPE_CHECKING:
    from integrations.models import Connection, Layout

SAFETY_MIN = getattr(settings, "PLAN_SAFETY_MIN_SUSPENSIONS", 10)
SAFETY_SHARE = getattr(settings, "PLAN_SAFETY_SHARE", 0.10)
ROLE_UNITS = {"teacher": "Teachers", "director": "Staff", "staff": "Staff", "student": "Students"}
PERSON_KEY_PREFIX = "sitc-"  # on every account the portal made (``RemoteUser.external_id``)
PlanItem = dict[str, Any]  # {op, key, school, person?, details?}: one PlanOperation row


class ReadBound(Exception):
    """The provider holds more than a plan reads (``settings.PLAN_READ_LIMITS``): no plan."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"more than {limit} {what}")
        self.what, self.limit = what, limit


def person_key(person_pk: int) -> str:
    return f"{PERSON_KEY_PREFIX}{person_pk}"


def _person_of(external_id: str) -> int | None:
    """The roster person an account of ours was made for (None: not ours, or not a key)."""
    number = external_id[len(PERSON_KEY_PREFIX) :] if external_id.startswith(PERSON_KEY_PREFIX) else ""
    return int(number) if number.isdigit() else None


# --- the roster side, one person at a time -----------------------------------------------------------
class PlannedSchool(NamedTuple):
    pk: int
    name: str
    code: str
    subdomain: str


class Planned(NamedTuple):
    """A person as a plan needs them (no model instance): their schools sorted by name."""

    pk: int
    first_name: str
    last_name: str
    role: str
    account_email: str
    login_override: str
    schools: tuple[PlannedSchool, ...]


def desired_units(schools: Iterable[PlannedSchool], layout: Layout) -> list[str]:
    root = layout.ou_root.rstrip("/") or ""
    units = [root or "/"]
    for school in sorted(schools, key=lambda s: s.name):
        school_unit = f"{root}/{_unit_name(school.name)}"
        units.append(school_unit)
        units += [f"{school_unit}/{unit}" for unit in ("Teachers", "Staff", "Students")]
    return units


def _unit_name(name: str) -> str:
    return name.replace("/", "-").strip()


def _slug(school: PlannedSchool) -> str:
    return school.code or str(school.pk)


def domain_for(layout: Layout) -> Callable[[Planned], str]:
    """``Layout.domain_for`` for a planned person: the first school's subdomain when those are on."""

    def domain(person: Planned) -> str:
        if layout.per_school_subdomains and person.schools and person.schools[0].subdomain:
            return f"{person.schools[0].subdomain}.{layout.domain}"
        return layout.domain

    return domain


# --- the provider side ---------------------------------------------------------------------------------
class Account(NamedTuple):
    """An account as read for a plan: a tuple, not an object, so 200,000 of them stay small."""

    external_id: str
    given: str
    family: str
    suspended: bool
    unit: str
    id: str
    usage_location: str
    licences: tuple[str, ...]  # sorted

    @classmethod
    def of(cls, user: RemoteUser) -> Account:
        return cls(
            user.external_id,
            user.given,
            user.family,
            user.suspended,
            user.unit,
            user.id,
            user.usage_location,
            tuple(sorted(user.licences)),
        )


@dataclass(frozen=True)
class Current:
    """The provider as read for a plan: its accounts, units and groups, and what it can do."""

    users: dict[str, Account]  # address → account
    units: set[str]
    groups: dict[str, set[str]]  # group key (``group_key``) → member addresses
    capabilities: frozenset[Capability]
    fingerprint: str

    @property
    def managed(self) -> int:
        """How many accounts the portal made (the base of the safety limit)."""
        return sum(1 for user in self.users.values() if _managed(user))


def _managed(user: Account) -> bool:
    return user.external_id.startswith(PERSON_KEY_PREFIX)


def group_key(address: str, capabilities: frozenset[Capability]) -> str:
    """How a group of ours is recognised at the provider: by its address, or where a group may
    have none (Graph's security groups) by the address's local part, its mail nickname."""
    address = address.lower()
    return address if Capability.GROUP_ADDRESSES in capabilities else address.split("@")[0]


Report = Callable[[str, dict[str, int]], None]


def read_current(client: ProviderClient, report: Report | None = None) -> Current:
    """The provider's state, read to the end one page at a time, within ``PLAN_READ_LIMITS``
    (``ReadBound`` beyond them). ``report(stage, counts)`` is told how far the reading got."""
    limits = settings.PLAN_READ_LIMITS
    report = report or (lambda _stage, _counts: None)
    counts = {"accounts": 0, "groups": 0, "members": 0}
    capabilities = client.capabilities
    users: dict[str, Account] = {}
    for user in client.list_users():
        _count(counts, "accounts", limits)
        users[user.address] = Account.of(user)
        if counts["accounts"] % 1000 == 0:
            report("accounts", counts)
    units: set[str] = set()
    if Capability.UNITS in capabilities:
        units = {unit.path for unit in client.list_units()} | {"/"}
    report("groups", counts)
    by_address = Capability.GROUP_ADDRESSES in capabilities
    groups: dict[str, set[str]] = {}
    for group in client.list_groups():
        _count(counts, "groups", limits)
        members = groups[group_key(group.address if by_address else group.nickname, capabilities)] = set()
        for member in client.list_members(group):
            _count(counts, "members", limits)
            members.add(member)
        report("groups", counts)
    return Current(users, units, groups, capabilities, _fingerprint(users, units, groups))


def _count(counts: dict[str, int], what: str, limits: dict[str, int]) -> None:
    counts[what] += 1
    if counts[what] > limits[what]:
        raise ReadBound(what, limits[what])


def _fingerprint(users: dict[str, Account], units: set[str], groups: dict[str, set[str]]) -> str:
    """One hash of everything read, built line by line (no copy of the state as one text)."""
    digest = hashlib.sha256()
    for address in sorted(users):
        digest.update(json.dumps([address, users[address]]).encode() + b"\n")
    digest.update(json.dumps(sorted(units)).encode() + b"\n")
    for key in sorted(groups):
        digest.update(json.dumps([key, sorted(groups[key])]).encode() + b"\n")
    return digest.hexdigest()


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


# --- the difference ------------------------------------------------------------------------------------
class DesiredGroup(TypedDict):
    name: str
    members: set[str]  # addresses
    type: str  # the layout's Microsoft group type (Capability.GROUP_TYPES)


@dataclass
class Differ:
    """The plan's items, made while the roster streams past: what to make, change, suspend or
    flag so the provider matches the roster and the layout.

    Per person only their address and key are kept (for the groups and the suspensions); the
    items go out as they are found, for the caller to store in chunks."""

    layout: Layout
    current: Current
    licences: dict[str, str] = field(default_factory=dict)  # role → SKU id
    ours: set[int] = field(default_factory=set)  # the roster people planned
    conflicts: set[str] = field(default_factory=set)
    groups: dict[str, DesiredGroup] = field(default_factory=dict)  # address → group

    def __post_init__(self) -> None:
        self.root = self.layout.ou_root.rstrip("/") or ""
        self.book = AddressBook(
            domain=domain_for(self.layout),
            pattern=self.layout.login_pattern,
            language=self.layout.name_language,
            cyrillic=self.layout.cyrillic_language,
        )
        layout = self.layout
        self.all_teachers = f"{layout.teachers_group}@{layout.domain}" if layout.teachers_group else None
        self.directors = f"{layout.directors_group}@{layout.domain}" if layout.directors_group else None
        for address, name in ((self.all_teachers, "Teachers"), (self.directors, "Directors")):
            if address:
                self.groups[address] = {"name": name, "members": set(), "type": layout.microsoft_group_type}

    def units(self, schools: Iterable[PlannedSchool]) -> Iterator[PlanItem]:
        if Capability.UNITS not in self.current.capabilities:
            return
        for unit in desired_units(schools, self.layout):
            if unit not in self.current.units:
                yield {
                    "op": Op.CREATE_OU,
                    "key": unit,
                    "school": unit.split("/")[2] if unit.count("/") >= 2 else "",
                }

    def people(self, people: Iterable[Planned]) -> Iterator[PlanItem]:
        """``people`` in ``logins.address_order`` (existing accounts, manual logins, the rest)."""
        for person in people:
            yield from self._person(person)

    def _person(self, person: Planned) -> Iterator[PlanItem]:
        capabilities = self.current.capabilities
        assigned = self.book.assign(person)
        address = assigned.address
        self.ours.add(person.pk)
        first = person.schools[0] if person.schools else None
        if not address:  # a name no table romanises: never an account "@domain", a login by hand
            name = f"{person.first_name} {person.last_name}"
            details = {"reason": "name_not_romanisable", "letters": assigned.problem}
            yield {"key": name, "school": first.name if first else "", "person": person.pk, "op": Op.CONFLICT,
                   "details": details}  # fmt: skip
            return
        unit = (
            f"{self.root}/{_unit_name(first.name)}/{ROLE_UNITS[person.role]}" if first else (self.root or "/")
        )
        licence = self.licences.get(person.role, "")
        self._join_groups(person, address)
        existing = self.current.users.get(address)
        base: PlanItem = {"key": address, "school": first.name if first else "", "person": person.pk}
        if existing is None:
            details = {"given": person.first_name, "family": person.last_name, "ou": unit}
            yield {**base, "op": Op.CREATE_USER, "details": details}
            if licence:
                yield {**base, "op": Op.ASSIGN_LICENCE, "details": {"sku": licence}}
            return
        if existing.external_id and existing.external_id != person_key(person.pk):
            self.conflicts.add(address)
            yield {**base, "op": Op.CONFLICT, "details": {"reason": "address_used_by_other"}}
            return
        if not existing.external_id:
            self.conflicts.add(address)
            yield {**base, "op": Op.CONFLICT, "details": {"reason": "address_not_managed"}}
            return
        if existing.suspended:
            yield {**base, "op": Op.UNSUSPEND_USER}
        if (existing.given, existing.family) != (person.first_name, person.last_name):
            yield {
                **base,
                "op": Op.UPDATE_USER,
                "details": {"given": person.first_name, "family": person.last_name},
            }
        if Capability.UNITS in capabilities and existing.unit != unit:
            yield {**base, "op": Op.MOVE_USER, "details": {"from": existing.unit, "to": unit}}
        if licence and licence.lower() not in existing.licences:
            yield {**base, "op": Op.ASSIGN_LICENCE, "details": {"sku": licence}}

    def _join_groups(self, person: Planned, address: str) -> None:
        if person.role == "teacher" and self.all_teachers:
            self.groups[self.all_teachers]["members"].add(address)
        if person.role == "director" and self.directors:
            self.groups[self.directors]["members"].add(address)
        if not self.layout.school_groups or person.role == "student":
            return  # the schools' groups are their teachers' and their staff's
        kind = "teachers" if person.role == "teacher" else "staff"
        for school in person.schools:
            group = f"{kind}-{_slug(school)}@{self.layout.domain}"
            if group not in self.groups:
                name = f"{school.name} ({kind})"
                self.groups[group] = {
                    "name": name,
                    "members": set(),
                    "type": self.layout.microsoft_group_type,
                }
            self.groups[group]["members"].add(address)

    def leavers(self) -> Iterator[PlanItem]:
        """Accounts the portal made for people no longer planned: suspended, never deleted."""
        for address, existing in self.current.users.items():
            if (
                _managed(existing)
                and _person_of(existing.external_id) not in self.ours
                and not existing.suspended
            ):
                yield {
                    "op": Op.SUSPEND_USER,
                    "key": address,
                    "school": "",
                    "details": {"reason": "not_on_roster"},
                }

    def memberships(self) -> Iterator[PlanItem]:
        capabilities = self.current.capabilities
        users = self.current.users
        for address, group in self.groups.items():
            present = self.current.groups.get(group_key(address, capabilities))
            if present is None:
                details = {"name": group["name"]}
                if Capability.GROUP_TYPES in capabilities:
                    details["type"] = group["type"]
                yield {"op": Op.CREATE_GROUP, "key": address, "school": "", "details": details}
                present = set()
            for member in sorted(group["members"] - present - self.conflicts):
                yield {
                    "op": Op.ADD_MEMBER,
                    "key": f"{address} ← {member}",
                    "school": "",
                    "details": {"group": address, "member": member},
                }
            managed = {member for member in present if member in users and _managed(users[member])}
            for member in sorted(managed - group["members"]):
                yield {
                    "op": Op.REMOVE_MEMBER,
                    "key": f"{address} → {member}",
                    "school": "",
                    "details": {"group": address, "member": member},
                }


def safety(counts: dict[str, int], managed_users: int) -> dict[str, Any]:
    """The safety limit: more suspensions than this share of the portal's accounts blocks the plan."""
    limit = max(SAFETY_MIN, int(managed_users * SAFETY_SHARE))
    suspensions = counts.get(Op.SUSPEND_USER, 0)
    return {"suspensions": suspensions, "safety_limit": limit, "blocked": suspensions > limit}
