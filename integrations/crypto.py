"""Provider secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) with keys that are not SECRET_KEY,
bound to their municipality, rotatable.

The municipality id is sealed inside the authenticated ciphertext, so a ciphertext copied to
another municipality's row does not decrypt there. ``PROVIDER_ENCRYPTION_KEYS`` lists Fernet keys:
the first encrypts, all decrypt; `manage.py rotate_provider_keys` re-encrypts every secret with
the first key, after which old keys can be removed.
"""

from __future__ import annotations

import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.debug import sensitive_variables


class SecretError(Exception):
    """A secret that cannot be read: wrong key, tampered, or another municipality's."""


def _keys() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in settings.PROVIDER_ENCRYPTION_KEYS])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            "PROVIDER_ENCRYPTION_KEYS must be comma-separated Fernet keys (32 url-safe base64 bytes each)."
        ) from error


@sensitive_variables()  # an error report shows none of this function's variables, nor its callees'
def encrypt_secret(municipality_id: int, secret: str) -> str:
    payload = json.dumps({"m": municipality_id, "s": secret}).encode("utf-8")
    return _keys().encrypt(payload).decode("ascii")


@sensitive_variables()
def decrypt_secret(municipality_id: int, ciphertext: str) -> str:
    try:
        payload = json.loads(_keys().decrypt(ciphertext.encode("ascii")))
    except (InvalidToken, ValueError) as error:
        raise SecretError("the secret cannot be decrypted with the configured keys") from error
    if payload.get("m") != municipality_id:
        raise SecretError("the secret belongs to another municipality")
    return payload["s"]


@sensitive_variables()
def rotate_secret(ciphertext: str) -> str:
    """The same secret encrypted with the first key (the binding is kept)."""
    try:
        return _keys().rotate(ciphertext.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise SecretError("the secret cannot be decrypted with the configured keys") from error


@sensitive_variables()
def fingerprint(secret: str) -> str:
    """What the page shows instead of a secret: enough to tell two keys apart, nothing to use."""
    return "sha256:" + hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]
