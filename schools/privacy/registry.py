"""The personal data registry: each app declares, in its own ``privacy`` module registered from its
``AppConfig.ready()``, what it holds about a person and how to export, erase and purge it (the idea
of pretix's data shredders). The export (``data``), the erasure (``erasure``), the retention job
(``retention``) and the privacy pages only walk the registered parts, in their ``order``.

A part subclasses ``PersonalData`` and overrides what applies to it:

- ``collect``: the part's rows about one person (a fixed number of queries), kept in the
  ``Footprint`` under the part's key; it may add the person's cloud addresses;
- ``export``: sections of flat records for the person's copy (JSON and CSV);
- ``identifiers``, ``audit_objects``: what in the part's rows names the person (pseudonymised
  everywhere) and which audit events are about the person's rows;
- ``close_accounts``: outside our transaction, before anything of ours changes (accounts at the
  providers first, then our records); a failure recorded in the result stops the erasure;
- ``erase``: pseudonymise the part's rows of a batch of people, inside one transaction;
- ``purge``: what the municipality's retention policy says is past its period;
- ``preview``, ``recipients``: what the erasure page and the record of processing say.

``models`` lists the models whose personal data the part exports, erases or purges; ``kept``
names, with the reason, the models that reference a person or a portal user and are left as
they are. ``tests/schools/test_privacy_registry.py`` fails when a model with a foreign key to a
person or a user is in neither.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ERASED = "[erased]"

# The reason most ``kept`` entries give: the column names who did something in the portal.
MEMBER_REFERENCE = (
    "names the portal member who made, changed or received the row; a roster person's erasure "
    "unlinks their sign-in but keeps it (the Members page removes a member), and the audit trail "
    "of what they did is pseudonymised by the trail part"
)


def pseudonym(person) -> str:
    return f"Erased person #{person.pk}"


def scrub(value, replace: Callable[[str], str]):
    """Every string inside a JSON value passed through ``replace``."""
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, list):
        return [scrub(v, replace) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v, replace) for k, v in value.items()}
    return value


def when(value) -> str:
    """A date or time for an export record ("" when there is none)."""
    return value.isoformat() if value else ""


@dataclass
class Footprint:
    """What the portal holds about one person: each part's rows by its key, and the addresses
    the person has or had at the providers (sorted once every part collected)."""

    person: Any
    addresses: set[str] | list[str]
    rows: dict[str, Any] = field(default_factory=dict)

    def of(self, part: str, default=None):
        return self.rows.get(part, default)


@dataclass
class Erasing:
    """One person being erased, with what names them, taken before any row of theirs changes."""

    person: Any
    prints: Footprint
    name: str
    identifiers: list[str]
    user_id: int | None
    first: str
    last: str
    addresses: set[str]
    erased_address: str


@dataclass
class ErasureResult:
    erased: bool
    # (provider label, what happened): "suspended", "deleted", "no account"
    cloud: list[tuple[str, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    # Providers where the person has an account the portal can no longer reach (no connection).
    unreachable: list[str] = field(default_factory=list)


class PersonalData:
    """One app's personal data about people. Every step does nothing unless overridden."""

    key: str = ""
    order: int = 100
    models: tuple[str, ...] = ()
    kept: Mapping[str, str] = {}
    sections: tuple[str, ...] = ()

    def collect(self, person, prints: Footprint) -> Any:
        return None

    def export(self, person, prints: Footprint) -> dict[str, list[dict]]:
        return {}

    def identifiers(self, person, prints: Footprint) -> Iterable[str]:
        """Strings in the part's rows that name the person (replaced by the pseudonym everywhere)."""
        return ()

    def audit_objects(self, person, prints: Footprint) -> dict[str, list]:
        """Audit object type → primary keys of the person's rows."""
        return {}

    def preview(self, person, prints: Footprint) -> dict:
        """What the erasure page says the part will do (template context)."""
        return {}

    def recipients(self) -> list:
        """Who outside the portal receives the part's data (the record of processing)."""
        return []

    def close_accounts(self, person, prints: Footprint, action: str, result: ErasureResult) -> None:
        return None

    def erase(self, erasing: list[Erasing], replace: Callable[[str], str]) -> None:
        return None

    def purge(self, municipality, policy, now) -> dict[str, int]:
        return {}


_PARTS: dict[str, PersonalData] = {}


def register(part: PersonalData) -> PersonalData:
    """Called from an ``AppConfig.ready()``; registering the same key again replaces the part."""
    if not part.key:
        raise ValueError("a personal data part needs a key")
    _PARTS[part.key] = part
    return part


def parts() -> list[PersonalData]:
    return sorted(_PARTS.values(), key=lambda part: (part.order, part.key))


def sections() -> tuple[str, ...]:
    """The export's sections, in the order a reader wants them."""
    return tuple(section for part in parts() for section in part.sections)


def covered_models() -> dict[str, str]:
    """Model label → the key of the part that exports, erases or purges it."""
    return {label: part.key for part in parts() for label in part.models}


def kept_models() -> dict[str, str]:
    """Model label → why its references to people or users are kept as they are."""
    return {label: reason for part in parts() for label, reason in part.kept.items()}
