"""The Google side of the sandbox: the Admin SDK Directory API (users, groups, members,
organisational units, domains, customers), its OAuth 2.0 token endpoint, discovery document and
batch endpoint, with Google's quotas, errors and replication delay (numbers: SOURCES.md).

Control (local use): ``POST /_sandbox/google/customers`` (see control.py), ``POST
/_sandbox/domains/verify`` with ``provider: google``, ``GET|POST /_sandbox/google/quotas``
(``{"per_user_per_minute": n, "concurrent_per_customer": n}`` until the next reset) and ``POST
/_sandbox/google/tokens/expire`` (every access token stops working; clients see 401 and refresh).

Modules: auth (token endpoint, Bearer check), discovery, batch, quota, directory (what every
method shares), directory_users, directory_groups (groups and members), directory_misc
(customers, domains, organisational units), model (store kinds, ids, lookups), errors, control.
"""


def register(router) -> None:
    """Add this provider's routes to the sandbox router."""
    from sandbox.google import (
        auth,
        batch,
        control,
        directory_groups,
        directory_misc,
        directory_users,
        discovery,
    )

    control.register(router)
    router.route("POST", r"/token", name="google.token")(auth.token)
    router.route("POST", r"/oauth2/v4/token", name="google.token")(auth.token)
    discovery.register(router)
    batch.register(router)
    directory_users.register(router)
    directory_groups.register(router)
    directory_misc.register(router)
