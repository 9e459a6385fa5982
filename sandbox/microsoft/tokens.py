"""Access tokens: RS256 JWTs shaped like Entra's v1.0 app-only tokens for Microsoft Graph.

The signing key is made on first use and kept in the store (tokens survive a restart; a reset
makes a new key, so tokens issued before it stop working). Its public half is published at
``/{tenant}/discovery/v2.0/keys`` as the ``jwks_uri`` of the OpenID configuration.
Lifetime is 3,599 s of wall-clock time whatever the time scale: msal caches a token for its
``expires_in`` and a scaled lifetime would hand it expired tokens.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from sandbox.microsoft import directory, errors
from sandbox.store import Conflict

TOKEN_LIFETIME = 3599
GRAPH_RESOURCE = "https://graph.microsoft.com"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
KEY_ID = "rs256"

_lock = threading.Lock()
_keys: dict[str, tuple[str, object, object]] = {}  # pem -> (kid, private key, public key)
_verified: dict[str, tuple[str, dict]] = {}  # token -> (kid, claims); bounded
_VERIFIED_MAX = 4096


def signing_key(sandbox) -> tuple[str, object, object]:
    """(kid, private key, public key) of the sandbox's current signing key."""
    doc = sandbox.store.get(directory.SIGNING_KEY, directory.GLOBAL, KEY_ID)
    if doc is None:
        with _lock:
            doc = sandbox.store.get(directory.SIGNING_KEY, directory.GLOBAL, KEY_ID)
            if doc is None:
                private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                pem = private.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ).decode("ascii")
                doc = {"kid": secrets.token_urlsafe(20), "pem": pem}
                try:
                    sandbox.store.insert(directory.SIGNING_KEY, directory.GLOBAL, KEY_ID, doc)
                except Conflict:
                    doc = sandbox.store.get(directory.SIGNING_KEY, directory.GLOBAL, KEY_ID)
    cached = _keys.get(doc["pem"])
    if cached is None:
        private = serialization.load_pem_private_key(doc["pem"].encode("ascii"), password=None)
        cached = (doc["kid"], private, private.public_key())
        with _lock:
            _keys[doc["pem"]] = cached
    return cached


def jwks(sandbox) -> dict:
    kid, _private, public = signing_key(sandbox)
    key = json.loads(RSAAlgorithm.to_jwk(public))
    return {"keys": [{"kty": "RSA", "use": "sig", "kid": kid, "n": key["n"], "e": key["e"], "alg": "RS256"}]}


def issue(sandbox, tenant: dict, app: dict, audience: str) -> str:
    kid, private, _public = signing_key(sandbox)
    now = int(time.time())
    tid = tenant["id"]
    claims = {
        "aud": audience,
        "iss": f"https://sts.windows.net/{tid}/",
        "iat": now,
        "nbf": now,
        "exp": now + TOKEN_LIFETIME,
        "aio": secrets.token_urlsafe(24),
        "app_displayname": app["displayName"],
        "appid": app["appId"],
        "appidacr": "1",
        "idp": f"https://sts.windows.net/{tid}/",
        "idtyp": "app",
        "oid": app["servicePrincipalId"],
        "rh": secrets.token_urlsafe(16),
        "roles": sorted(app["roles"]),
        "sub": app["servicePrincipalId"],
        "tenant_region_scope": "EU",
        "tid": tid,
        "uti": secrets.token_urlsafe(16),
        "ver": "1.0",
        "xms_idrel": "7 8",
        "xms_tcdt": now,
    }
    return jwt.encode(
        claims, private, algorithm="RS256", headers={"kid": kid, "x5t": kid, "nonce": uuid.uuid4().hex}
    )


def audience_ok(audience: str, base_url: str) -> bool:
    return audience.rstrip("/") in {GRAPH_RESOURCE, GRAPH_APP_ID, base_url.rstrip("/")}


def verify(sandbox, token: str | None, base_url: str) -> dict:
    """The claims of a valid token for Graph, or raise the 401 Graph answers with."""
    if not token:
        raise errors.invalid_token("Access token is empty.")
    if token.count(".") != 2:
        raise errors.invalid_token(
            "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE "
            "Compact Serialization Format. (JWS): 'EncodedHeader.EndcodedPayload.EncodedSignature'. (JWE): "
            "'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext."
            "EncodedAuthenticationTag'."
        )
    kid, _private, public = signing_key(sandbox)
    cached = _verified.get(token)
    if cached is not None and cached[0] == kid:
        claims = cached[1]
    else:
        try:
            claims = jwt.decode(
                token, public, algorithms=["RS256"], options={"verify_aud": False, "verify_exp": False}
            )
        except jwt.PyJWTError:
            raise errors.invalid_token("Access token validation failure.") from None
        with _lock:
            if len(_verified) >= _VERIFIED_MAX:
                _verified.clear()
            _verified[token] = (kid, claims)
    now = time.time()
    if claims.get("exp", 0) <= now:
        raise errors.invalid_token("Lifetime validation failed, the token is expired.")
    if claims.get("nbf", 0) > now + 300:
        raise errors.invalid_token("Lifetime validation failed, the token is not yet valid.")
    if not audience_ok(str(claims.get("aud", "")), base_url):
        raise errors.invalid_token("Access token validation failure. Invalid audience.")
    return claims
