"""Provider clients: the one typed interface the portal uses to talk to Google or Microsoft.

``ProviderClient`` is what each provider's package implements (``integrations/google/``,
``integrations/microsoft/``); ``client_for`` picks the client of a stored connection. Its reads
return provider-neutral snapshots (``RemoteUser``, ``RemoteGroup``, ``RemoteUnit``,
``DomainStatus``): the provider's JSON is read only inside its own package. What a provider can do
beyond the common ground is declared in its ``capabilities``, which planning consults instead of
the provider's name. Writes go through ``apply``/``apply_many`` with the operations of
``integrations.operations.Op`` and answer with an outcome word or a ``ProviderError``.
"""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from http.client import RemoteDisconnected
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol, cast

from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from integrations.operations import Op

if TYPE_CHECKING:
    from integrations.models import Connection

logger = logging.getLogger(__name__)

Payload = dict[str, Any]  # an item's details as planned (JSON)


class Capability(StrEnum):
    # Organisational units: the plan makes the layout's units and places (moves) accounts in them.
    UNITS = "units"
    # Licences are assigned to accounts (per role, from the connection's licence SKUs).
    LICENCES = "licences"
    # Groups are known by their address. Without it, by the address's local part (Graph's mail
    # nickname: a security group has no address).
    GROUP_ADDRESSES = "group_addresses"
    # A group is made as one of several kinds (the layout's Microsoft group type).
    GROUP_TYPES = "group_types"


# --- what the reads return ------------------------------------------------------------------------
@dataclass(frozen=True)
class RemoteUser:
    address: str  # the account's primary address, lower case
    external_id: str  # the person key the portal stored on it ("sitc-…"); "" on anyone else's
    given: str
    family: str
    suspended: bool
    unit: str = ""  # the organisational unit's path (Capability.UNITS), else ""
    id: str = ""  # the provider's own id, where it has one apart from the address
    usage_location: str = ""  # the country whose licences the account may use ("" if none)
    licences: frozenset[str] = frozenset()  # SKU ids assigned (Capability.LICENCES), lower case


@dataclass(frozen=True)
class RemoteGroup:
    id: str  # the provider's own id
    address: str  # lower case; "" for a group without one (a security group in Graph)
    nickname: str  # the address's local part, or Graph's mail nickname; lower case
    name: str


@dataclass(frozen=True)
class RemoteUnit:
    path: str  # "/Schools/Teachers"


@dataclass(frozen=True)
class DnsRecord:
    type: str  # "TXT", "MX"
    name: str
    value: str


@dataclass(frozen=True)
class DomainStatus:
    added: bool
    verified: bool
    records: tuple[DnsRecord, ...] = ()  # to publish at the registrar for verification
    message: str = ""  # the provider's refusal to verify, in plain words

    def as_json(self) -> dict[str, Any]:
        """As the layout stores it (``Layout.domain_status``)."""
        return {
            "added": self.added,
            "verified": self.verified,
            "records": [{"type": r.type, "name": r.name, "value": r.value} for r in self.records],
            "message": self.message,
        }


@dataclass
class CheckResult:
    """The outcome of "test connection": ``message`` is in plain words, in the user's language."""

    ok: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)


class Quota(NamedTuple):
    """The provider's quota: at most ``limit`` calls in any ``window`` seconds."""

    limit: int
    window: float

    @classmethod
    def published(cls, calls: int, window: float) -> Quota:
        """The published quota, with a small margin for clocks that differ between us and the provider."""
        return cls(int(calls * 0.97), window)


# --- what the writes take and answer -----------------------------------------------------------------
@dataclass(frozen=True)
class Operation:
    """One plan item as the client sees it (the job runner's JobItem stays on our side)."""

    op: Op
    key: str
    payload: Payload
    password: str = ""
    external_id: str = ""


class ProviderError(Exception):
    """A provider call that did not succeed; ``message`` is in plain words for the item log."""


class TemporaryError(ProviderError):
    """Worth trying again later: throttling, a server error, a replication delay, a lost connection."""

    def __init__(
        self,
        message: str,
        retry_after: float | None = None,
        *,
        throttled: bool = False,
        replication: bool = False,
    ):
        super().__init__(message)
        self.retry_after = retry_after
        # The provider asked us to slow down: not the item's fault, so not one of its attempts.
        self.throttled = throttled
        # Something made a moment ago is not visible yet (the provider's replication delay): the
        # item waits, bounded in time, and that is not one of its attempts either.
        self.replication = replication


class PermanentError(ProviderError):
    """Trying again will not help: the item fails with this reason."""


Outcome = str | ProviderError  # the outcome word ("created", "adopted", …) or why not


class ProviderClient(Protocol):
    """A provider's directory, as the portal uses it: made from a stored connection, closed after use."""

    name: ClassVar[str]  # "Google", "Microsoft": in messages ("Google did not answer in time.")
    capabilities: ClassVar[frozenset[Capability]]
    quota: ClassVar[Quota]  # shared by every worker (integrations/ratelimit.py)
    batch_size: int  # operations per round of work (``apply_many``)
    # How long an object the provider has just made usually takes to be seen by the calls that
    # need it (its replication delay), in provider seconds: the items that need it are not sent
    # before (``provisioning.outcomes``); a longer delay is still waited out, item by item.
    replication_seconds: ClassVar[float]
    # The operations whose object is read back (``visible``) before the items that need it are
    # released: where a call into an object not yet seen fails and costs quota, and the items
    # that need it are many (a unit and its accounts).
    confirmed: ClassVar[frozenset[Op]]

    def __init__(self, connection: Connection) -> None: ...

    def close(self) -> None: ...

    def check(self) -> CheckResult:
        """Sign in and read a little ("test connection"); closes the client."""
        ...

    # Reads for the plan, paged to the end: iterables that fetch a page when the one before is
    # used up, so that a reader holds one page at a time.
    def list_users(self) -> Iterable[RemoteUser]: ...

    def list_groups(self) -> Iterable[RemoteGroup]: ...

    def list_members(self, group: RemoteGroup) -> Iterable[str]:
        """The member accounts' addresses, lower case."""
        ...

    def list_units(self) -> list[RemoteUnit]:
        """Every organisational unit (empty without Capability.UNITS)."""
        ...

    def domain_status(self, name: str, *, add: bool = False) -> DomainStatus:
        """Add the domain if asked and missing; whether it is verified, what to publish if not."""
        ...

    # Writes: idempotent, an existing object that is ours is adopted ("adopted").
    def apply(self, op: Op, key: str, payload: Payload, *, password: str = "", external_id: str = "") -> str:
        """One operation; raises ``TemporaryError`` or ``PermanentError``."""
        ...

    def calls_for(self, operations: Sequence[Operation]) -> int:
        """What these operations cost of the quota."""
        ...

    def apply_many(self, operations: Sequence[Operation]) -> list[Outcome]:
        """Several operations (batched where the provider can), an outcome each, in order."""
        ...

    def visible(self, operations: Sequence[Operation]) -> list[Outcome]:
        """Read back what these operations (of ``confirmed``) made: "visible", or a
        ``TemporaryError`` with ``replication`` while the provider does not show it yet. One
        call against the quota for all of them (a listing)."""
        ...


# Provider (``Connection.provider``) → its client class.
CLIENTS: dict[str, str] = {
    "google": "integrations.google.client.GoogleDirectory",
    "microsoft": "integrations.microsoft.client.MicrosoftGraph",
}


def client_class(provider: str) -> type[ProviderClient]:
    return cast("type[ProviderClient]", import_string(CLIENTS[provider]))


def client_for(connection: Connection) -> ProviderClient:
    """The provider client for a stored connection."""
    return client_class(connection.provider)(connection)


def apply_each(client: ProviderClient, operations: Sequence[Operation]) -> list[Outcome]:
    """One call per operation: what a client falls back to where batching does not fit."""
    results: list[Outcome] = []
    for operation in operations:
        try:
            results.append(
                client.apply(
                    operation.op,
                    operation.key,
                    operation.payload,
                    password=operation.password,
                    external_id=operation.external_id,
                )
            )
        except ProviderError as error:
            results.append(error)
    return results


def settle_alone(
    client: ProviderClient,
    operations: Sequence[Operation],
    results: Sequence[Outcome | None],
    alone: list[int],
) -> list[Outcome]:
    """Fill in the answers a batch left for a call of their own (adoptions, explanations)."""
    settled = list(results)
    order = sorted(set(alone))
    for index, outcome in zip(order, apply_each(client, [operations[i] for i in order]), strict=True):
        settled[index] = outcome
    missing = [i for i, outcome in enumerate(settled) if outcome is None]
    if missing:
        raise RuntimeError(f"no outcome for operations {missing}")
    return cast("list[Outcome]", settled)


def unreachable(provider: str, error: BaseException) -> TemporaryError:
    """A call that got no answer (``provider``: a client's ``name``), in plain words: what
    happened to the connection, not the Python exception (that goes to the log)."""
    causes = _causes(error)

    def found(kinds: type[BaseException] | tuple[type[BaseException], ...], words: str = "") -> bool:
        return any(isinstance(cause, kinds) or (words and words in str(cause).lower()) for cause in causes)

    if found(TimeoutError, "timed out"):
        message = _("%(provider)s did not answer in time.")
    elif found((ConnectionResetError, ConnectionAbortedError, BrokenPipeError, RemoteDisconnected)):
        message = _("%(provider)s closed the connection before answering.")
    elif found(ConnectionRefusedError, "connection refused"):
        message = _("%(provider)s refused the connection.")
    elif found(ssl.SSLError):
        message = _("The secure connection to %(provider)s could not be set up.")
    elif found(socket.gaierror, "name or service not known") or found((), "unable to find the server"):
        message = _("The address of %(provider)s could not be found.")
    else:
        message = _("%(provider)s could not be reached.")
    logger.info("%s unreachable: %r", provider, error)
    return TemporaryError(message % {"provider": provider})


def _causes(error: BaseException) -> list[BaseException]:
    """The error and what it wraps: requests → urllib3 → http.client / socket, each library
    keeping the one below in its arguments, ``reason`` or ``__cause__``."""
    found: list[BaseException] = []
    todo = [error]
    while todo and len(found) < 12:
        current = todo.pop()
        if current in found:
            continue
        found.append(current)
        todo += [arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException)]
        for attribute in ("reason", "__cause__", "__context__"):
            inner = getattr(current, attribute, None)
            if isinstance(inner, BaseException):
                todo.append(inner)
    return found
