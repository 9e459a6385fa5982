"""The one interface the rest of the portal uses to talk to a provider (Google or Microsoft).

Issue by issue it grows (list, create, update, suspend users; groups, memberships, units,
domains, licences); the provisioning engine only ever sees this interface. Erasing a person
(GDPR) uses ``apply`` with three more operations outside plans: ``find_user`` ("present" or
"absent"), ``suspend_user`` and ``delete_user`` ("deleted", or "absent" when already gone).
"""

from __future__ import annotations

import logging
import socket
import ssl
from dataclasses import dataclass, field
from http.client import RemoteDisconnected

from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


@dataclass
class CheckResult:
    """The outcome of "test connection": ``message`` is in plain words, in the user's language."""

    ok: bool
    message: str
    details: dict = field(default_factory=dict)


def client_for(connection):
    """The provider client for a stored connection."""
    from integrations.models import Provider

    if connection.provider == Provider.GOOGLE:
        from integrations.google.client import GoogleDirectory

        return GoogleDirectory(connection)
    from integrations.microsoft.client import MicrosoftGraph

    return MicrosoftGraph(connection)


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


def unreachable(provider: str, error: BaseException) -> TemporaryError:
    """A call that got no answer (``provider``: "Google", "Microsoft"), in plain words: what
    happened to the connection, not the Python exception (that goes to the log)."""
    causes = _causes(error)

    def found(kinds, words: str = "") -> bool:
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


class PermanentError(ProviderError):
    """Trying again will not help: the item fails with this reason."""


# Plan operations in the order the provider needs them: units before users, users before
# memberships, a licence after the account (whose usage location is set when it is created).
PHASES = {
    "create_ou": 0,
    "create_user": 1,
    "create_group": 1,
    "update_user": 2,
    "move_user": 2,
    "suspend_user": 2,
    "unsuspend_user": 2,
    "assign_licence": 3,
    # Memberships need the account and the group, not the licence: in the licences' phase they
    # go out while the licences wait for the write quota, instead of after them.
    "add_member": 3,
    "remove_member": 3,
}


@dataclass
class Operation:
    """One plan item as the client sees it (the engine's JobItem stays on our side)."""

    op: str
    key: str
    payload: dict
    password: str = ""
    external_id: str = ""


Outcome = str | ProviderError


def apply_each(client, operations: list[Operation]) -> list[Outcome]:
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


def settle_alone(client, operations: list[Operation], results: list, alone: list[int]) -> list[Outcome]:
    """Fill in the answers a batch left for a call of their own (adoptions, explanations)."""
    order = sorted(set(alone))
    for index, outcome in zip(order, apply_each(client, [operations[i] for i in order]), strict=True):
        results[index] = outcome
    return results
