"""Uploaded files: size-limited, stored under the municipality's folder, served only by views
that look the row up inside the tenant scope (so another municipality gets 404)."""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALLOWED_EXTENSIONS = {
    ".pdf", ".doc", ".docx", ".odt", ".xls", ".xlsx", ".ods", ".ppt", ".pptx", ".odp",
    ".txt", ".csv", ".png", ".jpg", ".jpeg", ".zip",
}  # fmt: skip


def max_upload_bytes() -> int:
    return int(getattr(settings, "ROLLOUT_MAX_UPLOAD_MB", 10)) * 1024 * 1024


def validate_upload_size(file) -> None:
    limit = max_upload_bytes()
    if file is not None and file.size > limit:
        raise ValidationError(_("The file is larger than %(mb)s MB."), params={"mb": limit // (1024 * 1024)})
    extension = os.path.splitext(getattr(file, "name", "") or "")[1].lower()
    if file is not None and extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(_("This kind of file is not accepted here."))


def upload_to(instance, filename: str) -> str:
    """rollout/<municipality id>/<random>/<original name>: the name is kept for the download."""
    base = os.path.basename(filename)[-120:]
    return f"rollout/{instance.municipality_id}/{secrets.token_hex(8)}/{base}"
