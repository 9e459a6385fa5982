"""Google's OAuth 2.0 token endpoint and the Bearer check in front of every Directory call.

Grants: a service-account JWT (RS256, domain-wide delegation through ``sub``) and a refresh token
of an OAuth client. Bearers: access tokens issued here (kept in the store, 3,599 s of real time)
and self-signed service-account JWTs (audience = the API root URL, or a ``scope`` claim).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

import jwt

from sandbox.google import errors, model
from sandbox.http import Request, Response

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_LIFETIME = 3599  # seconds, as Google's token endpoint answers
MAX_ASSERTION_LIFETIME = 3600  # "a short-lived token (60 minutes)"
CLOCK_SKEW = 300
SCOPE_PREFIX = "https://www.googleapis.com/auth/"
DIRECTORY_SCOPES = [
    SCOPE_PREFIX + name
    for name in (
        "admin.directory.user",
        "admin.directory.user.readonly",
        "admin.directory.group",
        "admin.directory.group.readonly",
        "admin.directory.group.member",
        "admin.directory.group.member.readonly",
        "admin.directory.orgunit",
        "admin.directory.orgunit.readonly",
        "admin.directory.domain",
        "admin.directory.domain.readonly",
        "admin.directory.customer",
        "admin.directory.customer.readonly",
    )
]
SHORT_LIVED = (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
    "Check your iat and exp values in the JWT claim."
)
UNAUTHORIZED_CLIENT = (
    "Client is unauthorized to retrieve access tokens using this method, or client not authorized for "
    "any of the scopes requested."
)


@dataclass
class Principal:
    """Who calls: the customer, the acting user (or service account) and the quota key."""

    customer: str
    actor: str  # the delegated admin's address, the user of a refresh token, or the SA itself
    consumer: str  # the project (or the service account / client) the quota is charged to
    scopes: list[str] = field(default_factory=list)
    service_account: bool = False  # acting as the service account itself (no delegation)

    @property
    def quota_user(self) -> str:
        return f"{self.consumer}:{self.actor}"


# --- the token endpoint ------------------------------------------------------------------------
def token(sandbox, request: Request) -> Response:
    form = request.form()
    grant = form.get("grant_type", "")
    if grant == JWT_BEARER:
        data = _jwt_grant(sandbox, request, form.get("assertion", ""))
    elif grant == "refresh_token":
        data = _refresh_grant(sandbox, form)
    else:
        raise errors.oauth(400, "unsupported_grant_type", f"Invalid grant_type: {grant}")
    return Response.json(200, data, {"Cache-Control": "no-cache, no-store, max-age=0, must-revalidate"})


def _jwt_grant(sandbox, request: Request, assertion: str) -> dict:
    claims, account = verify_service_account_jwt(sandbox, assertion)
    audience = claims.get("aud")
    if not isinstance(audience, str) or not audience.rstrip("/").endswith("/token"):
        raise errors.oauth(400, "invalid_grant", "Invalid JWT: Failed audience check.")
    _check_lifetime(claims)
    scopes = str(claims.get("scope") or "").split()
    if not scopes:
        raise errors.oauth(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.")
    if any(scope not in account["scopes"] for scope in scopes):
        raise errors.oauth(401, "unauthorized_client", UNAUTHORIZED_CLIENT)
    subject = claims.get("sub")
    customer = account["customer"]
    if subject and subject.lower() != account["client_email"].lower():
        user = model.find_by_key(sandbox, model.USER, customer, subject)
        if user is None:
            raise errors.oauth(400, "invalid_grant", "Invalid email or User ID")
        principal = Principal(customer, user["primaryEmail"], account["project_id"], scopes)
    else:
        principal = Principal(customer, account["client_email"], account["project_id"], scopes, True)
    return issue(sandbox, principal)


def _refresh_grant(sandbox, form: dict[str, str]) -> dict:
    client = sandbox.store.get(model.OAUTH_CLIENT, model.GLOBAL, form.get("client_id", ""))
    secret = form.get("client_secret", "").encode()
    if client is None or not secrets.compare_digest(client["client_secret"].encode(), secret):
        raise errors.oauth(401, "invalid_client", "Unauthorized")
    grant = sandbox.store.get(model.REFRESH_TOKEN, model.GLOBAL, form.get("refresh_token", ""))
    if grant is None or grant["client_id"] != client["client_id"]:
        raise errors.oauth(400, "invalid_grant", "Bad Request")
    scopes = grant["scopes"]
    if form.get("scope"):
        scopes = form["scope"].split()
        if any(scope not in grant["scopes"] for scope in scopes):
            raise errors.oauth(400, "invalid_scope", "Bad Request")
    principal = Principal(grant["customer"], grant["user"], client["project_id"], scopes)
    data = issue(sandbox, principal)
    data["scope"] = " ".join(scopes)
    return data


def issue(sandbox, principal: Principal) -> dict:
    access_token = "ya29." + secrets.token_urlsafe(48)
    sandbox.store.insert(
        model.TOKEN,
        model.GLOBAL,
        access_token,
        {**principal.__dict__, "token": access_token, "expires_at": time.time() + TOKEN_LIFETIME},
    )
    return {"access_token": access_token, "expires_in": TOKEN_LIFETIME, "token_type": "Bearer"}


def expire_all(sandbox) -> int:
    """Control: every access token issued so far expires now (clients must refresh)."""
    expired = 0
    for doc in sandbox.store.list(model.TOKEN, model.GLOBAL):
        doc["expires_at"] = 0
        sandbox.store.update(model.TOKEN, model.GLOBAL, doc["token"], doc)
        expired += 1
    with _SELF_SIGNED_LOCK:
        _SELF_SIGNED.clear()
    return expired


# --- JWTs signed by a service account ---------------------------------------------------------
def verify_service_account_jwt(sandbox, assertion: str) -> tuple[dict, dict]:
    """(claims, service account) once the signature checks out with the account's public key."""
    try:
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise errors.oauth(400, "invalid_grant", "Invalid JWT Signature.") from None
    issuer = str(unverified.get("iss") or "")
    account = sandbox.store.get(model.SERVICE_ACCOUNT, model.GLOBAL, issuer.lower())
    if account is None:
        raise errors.oauth(400, "invalid_grant", "Invalid grant: account not found")
    try:
        claims = jwt.decode(
            assertion,
            key=account["public_key_pem"],
            algorithms=["RS256"],
            options={"verify_aud": False, "verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
    except jwt.PyJWTError:
        raise errors.oauth(400, "invalid_grant", "Invalid JWT Signature.") from None
    return claims, account


def _check_lifetime(claims: dict) -> None:
    now = time.time()
    issued, expires = claims.get("iat"), claims.get("exp")
    if not isinstance(issued, int | float) or not isinstance(expires, int | float):
        raise errors.oauth(400, "invalid_grant", SHORT_LIVED)
    if (
        issued > now + CLOCK_SKEW
        or expires < now - CLOCK_SKEW
        or expires <= issued
        or expires - issued > MAX_ASSERTION_LIFETIME
    ):
        raise errors.oauth(400, "invalid_grant", SHORT_LIVED)


_SELF_SIGNED: dict[str, tuple[Principal, float]] = {}  # verified self-signed JWTs: bearer -> (who, exp)
_SELF_SIGNED_LOCK = threading.Lock()


def _self_signed(sandbox, request: Request, bearer: str) -> Principal:
    with _SELF_SIGNED_LOCK:
        cached = _SELF_SIGNED.get(bearer)
    if cached is not None and cached[1] > time.time():
        return cached[0]
    try:
        claims, account = verify_service_account_jwt(sandbox, bearer)
        _check_lifetime(claims)
    except Exception:
        raise errors.unauthenticated() from None
    if claims.get("exp", 0) < time.time():
        raise errors.unauthenticated()
    audience = claims.get("aud")
    scopes = str(claims.get("scope") or "").split()
    if audience:
        roots = {"https://admin.googleapis.com", request.base_url.rstrip("/")}
        if str(audience).rstrip("/") not in roots:
            raise errors.unauthenticated()
        scopes = scopes or list(account["scopes"])
    elif not scopes or any(scope not in account["scopes"] for scope in scopes):
        raise errors.unauthenticated()
    principal = Principal(account["customer"], account["client_email"], account["project_id"], scopes, True)
    with _SELF_SIGNED_LOCK:
        if len(_SELF_SIGNED) > 10_000:
            _SELF_SIGNED.clear()
        _SELF_SIGNED[bearer] = (principal, float(claims["exp"]))
    return principal


# --- the Bearer check -----------------------------------------------------------------------------
def authenticate(sandbox, request: Request) -> Principal:
    """The caller of a Directory request, or 401 with Google's body."""
    bearer = request.bearer or request.arg("access_token") or request.arg("oauth_token")
    if not bearer:
        raise errors.unauthenticated()
    if bearer.count(".") == 2 and not bearer.startswith("ya29."):
        return _self_signed(sandbox, request, bearer)
    doc = sandbox.store.get(model.TOKEN, model.GLOBAL, bearer)
    if doc is None or doc["expires_at"] <= time.time():
        raise errors.unauthenticated()
    return Principal(
        doc["customer"], doc["actor"], doc["consumer"], list(doc["scopes"]), doc["service_account"]
    )


def require_scope(principal: Principal, accepted: list[str]) -> None:
    if not any(scope in accepted for scope in principal.scopes):
        raise errors.insufficient_scopes()


def require_admin(sandbox, principal: Principal) -> None:
    """The acting user must (still) be a super administrator of the customer: Google lets a
    delegated token be issued for anyone, and the Directory API then answers 403."""
    if principal.service_account:
        return
    user = model.find_by_key(sandbox, model.USER, principal.customer, principal.actor)
    if user is None or not user.get("isAdmin") or user.get("suspended"):
        raise errors.forbidden()
