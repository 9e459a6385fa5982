"""The Microsoft side of the sandbox (see README.md one folder up and SOURCES.md here).

| module | what it answers |
|---|---|
| ``entra.py`` | OpenID configuration, signing keys, token endpoint (client credentials) |
| ``tokens.py`` | issuing and checking the RS256 access tokens |
| ``graph.py`` | what every Graph endpoint does first: token, permissions, throttling, request ids |
| ``users.py`` / ``groups.py`` / ``domains.py`` / ``licences.py`` | the Graph v1.0 resources |
| ``batch.py`` | ``$batch`` |
| ``throttling.py`` | identity-and-access limits and chaos storms |
| ``odata.py`` | ``$filter``, ``$select``, ``$top``, paging |
| ``errors.py`` | error bodies and common headers |
| ``control.py`` | tenants and domain verification for the control API |
| ``directory.py`` | where objects live in the store |
"""

from sandbox.microsoft import batch, domains, entra, graph, groups, licences, users


def register(router) -> None:
    """Add this provider's routes to the sandbox router."""
    entra.register(router)
    known = []
    # Order matters where patterns overlap: sub-resources before the bare ``/users/{key}``.
    for module in (licences, users, groups, domains, batch):
        module.routes.register(router)
        known += module.routes.items
    graph.register_fallback(router, known)
