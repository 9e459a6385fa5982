"""The Microsoft side of the sandbox (see README.md one folder up)."""


def register(router) -> None:
    """Add this provider's routes to the sandbox router."""
