"""Where uploaded files are stored: under the municipality's folder, served only by views that
look the row up inside the tenant scope (so another municipality gets 404). Their size and kind
are checked by ``infra.uploads.validate_upload_size``."""

from __future__ import annotations

import os
import secrets


def upload_to(instance, filename: str) -> str:
    """rollout/<municipality id>/<random>/<original name>: the name is kept for the download."""
    base = os.path.basename(filename)[-120:]
    return f"rollout/{instance.municipality_id}/{secrets.token_hex(8)}/{base}"
