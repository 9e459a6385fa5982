"""The control side of the Google sandbox: a new Workspace customer with its primary domain, super
administrator, domain-wide-delegated service account and OAuth client (``POST
/_sandbox/google/customers``), domain verification, and the Google-only switches tests use."""

from __future__ import annotations

import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.google import auth, model, quota
from sandbox.google.directory_misc import new_domain, new_orgunit
from sandbox.http import ApiError, Request, Response, Router


def register(router: Router) -> None:
    router.route("GET", r"/_sandbox/google/quotas", name="google.control")(get_quotas)
    router.route("POST", r"/_sandbox/google/quotas", name="google.control")(post_quotas)
    router.route("POST", r"/_sandbox/google/tokens/expire", name="google.control")(expire_tokens)


def create_customer(sandbox, request: Request, data: dict) -> dict:
    domain = str(data["domain"]).strip().lower()
    admin_email = str(data.get("admin_email") or f"admin@{domain}").strip()
    if model.domain_owner(sandbox, domain) is not None:
        raise ApiError(Response.json(409, {"error": f"domain {domain} belongs to another customer"}))
    customer = model.new_customer_id(sandbox)
    store = sandbox.store
    store.insert(
        model.CUSTOMER,
        customer,
        customer,
        model.with_etag(
            {
                "kind": "admin#directory#customer",
                "id": customer,
                "customerDomain": domain,
                "alternateEmail": str(data.get("alternate_email") or ""),
                "customerCreationTime": model.now_rfc3339(),
                "language": str(data.get("language") or "en"),
            }
        ),
    )
    store.insert(
        model.DOMAIN, model.GLOBAL, domain, new_domain(domain, customer, verified=True, primary=True)
    )
    root = new_orgunit(model.new_orgunit_id(sandbox), domain, "/", None, "The whole organisation")
    store.insert(model.ORGUNIT, customer, root["orgUnitId"], root)
    admin = _admin(sandbox, customer, admin_email, data)

    project = "sitc-" + domain.replace(".", "-")[:20] + "-" + model.random_chars(sandbox, model.DIGITS, 6)
    service_account = _service_account(sandbox, request, customer, project)
    client_id = model.random_chars(sandbox, model.DIGITS, 12) + "-sandbox.apps.googleusercontent.com"
    client_secret = "GOCSPX-" + secrets.token_urlsafe(21)
    refresh_token = "1//" + secrets.token_urlsafe(48)
    store.insert(
        model.OAUTH_CLIENT,
        model.GLOBAL,
        client_id,
        {"client_id": client_id, "client_secret": client_secret, "customer": customer, "project_id": project},
    )
    store.insert(
        model.REFRESH_TOKEN,
        model.GLOBAL,
        refresh_token,
        {
            "client_id": client_id,
            "customer": customer,
            "user": admin["primaryEmail"],
            "scopes": auth.DIRECTORY_SCOPES,
        },
    )
    return {
        "customer_id": customer,
        "domain": domain,
        "admin_email": admin["primaryEmail"],
        "service_account_info": service_account,
        "oauth_client": {
            "client_id": client_id,
            "client_secret": client_secret,
            "refresh_token": refresh_token,
            "token_uri": request.base_url + "/token",
        },
        "discovery_url": request.base_url + "/$discovery/rest?version=directory_v1",
    }


def _admin(sandbox, customer: str, email: str, data: dict) -> dict:
    user_id = model.new_user_id(sandbox)
    if not model.claim_address(sandbox, email, "user", user_id, customer, 0.0):
        raise ApiError(Response.json(409, {"error": f"{email} exists"}))
    now = model.now_rfc3339()
    admin = model.with_etag(
        {
            "kind": "admin#directory#user",
            "id": user_id,
            "primaryEmail": email,
            "name": {"givenName": "Super", "familyName": "Admin", "fullName": "Super Admin"},
            "isAdmin": True,
            "isDelegatedAdmin": False,
            "lastLoginTime": now,
            "creationTime": now,
            "agreedToTerms": True,
            "suspended": False,
            "archived": False,
            "changePasswordAtNextLogin": False,
            "ipWhitelisted": False,
            "emails": [{"address": email, "primary": True}],
            "customerId": customer,
            "orgUnitPath": "/",
            "isMailboxSetup": True,
            "isEnrolledIn2Sv": False,
            "isEnforcedIn2Sv": False,
            "includeInGlobalAddressList": True,
        }
    )
    sandbox.store.insert(model.USER, customer, user_id, admin)
    return admin


def _service_account(sandbox, request: Request, customer: str, project: str) -> dict:
    """A key file as the Cloud console downloads it; only the public key stays here."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    email = f"provisioning@{project}.iam.gserviceaccount.com"
    client_id = "1" + model.random_chars(sandbox, model.DIGITS, 20)
    key_id = secrets.token_hex(20)
    sandbox.store.insert(
        model.SERVICE_ACCOUNT,
        model.GLOBAL,
        email,
        {
            "client_email": email,
            "client_id": client_id,
            "private_key_id": key_id,
            "public_key_pem": public_pem,
            "project_id": project,
            "customer": customer,
            "scopes": auth.DIRECTORY_SCOPES,  # domain-wide delegation granted for these
        },
    )
    base = request.base_url
    return {
        "type": "service_account",
        "project_id": project,
        "private_key_id": key_id,
        "private_key": private_pem,
        "client_email": email,
        "client_id": client_id,
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": base + "/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": base + "/robot/v1/metadata/x509/" + email.replace("@", "%40"),
        "universe_domain": "googleapis.com",
    }


def mark_domain_verified(sandbox, customer_id: str, domain: str) -> bool:
    with sandbox.store.lock:
        doc = sandbox.store.get(model.DOMAIN, model.GLOBAL, domain.strip().lower(), include_invisible=True)
        if doc is None or doc["_customer"] != customer_id:
            return False
        doc["verified"] = True
        sandbox.store.update(model.DOMAIN, model.GLOBAL, doc["domainName"], model.with_etag(doc))
    return True


# --- switches for tests ---------------------------------------------------------------------------
def get_quotas(sandbox, request: Request) -> Response:
    return Response.json(200, quota.limits(sandbox))


def post_quotas(sandbox, request: Request) -> Response:
    """``{"per_user_per_minute": 50, "concurrent_per_customer": 1}`` until the next reset."""
    try:
        return Response.json(200, quota.set_limits(sandbox, request.json()))
    except (TypeError, ValueError) as error:
        raise ApiError(Response.json(400, {"error": str(error)})) from None


def expire_tokens(sandbox, request: Request) -> Response:
    """Every access token issued so far stops working now (clients see 401 and refresh)."""
    return Response.json(200, {"expired": auth.expire_all(sandbox)})
