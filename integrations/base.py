"""The one interface the rest of the portal uses to talk to a provider (Google or Microsoft).

Issue by issue it grows (list, create, update, suspend users; groups, memberships, units,
domains, licences); the provisioning engine only ever sees this interface.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
