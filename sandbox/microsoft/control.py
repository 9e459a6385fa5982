"""Control-API side of the Microsoft sandbox: make a tenant, mark a domain's DNS record as published.

A tenant gets its initial ``<name>.onmicrosoft.com`` domain (verified, default), the school's
domain (unverified: add the DNS record, ``mark_domain_verified``, then ``POST /domains/{id}/verify``
as with the real service), licence SKUs, and an app registration with application permissions
granted by an administrator.
"""

from __future__ import annotations

import re
import secrets
import string
import uuid

from sandbox.http import ApiError, Request, Response
from sandbox.microsoft import directory, licences
from sandbox.microsoft.entra import secret_hash

APP_PERMISSIONS = [
    "User.ReadWrite.All",
    "Group.ReadWrite.All",
    "Domain.ReadWrite.All",
    "Directory.ReadWrite.All",
]
DOMAIN_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SECRET_ALPHABET = string.ascii_letters + string.digits + "_-.~"


def _bad(message: str) -> ApiError:
    return ApiError(Response.json(400, {"error": message}))


def _client_secret() -> str:
    """Shaped like Entra's secrets: 40 characters with the ``Q~`` marker."""
    head = "".join(secrets.choice(SECRET_ALPHABET) for _ in range(3))
    tail = "".join(secrets.choice(SECRET_ALPHABET) for _ in range(34))
    return f"{head}8Q~{tail}"


def _initial_name(sandbox, domain: str) -> str:
    base = re.sub(r"[^a-z0-9]", "", domain.split(".")[0].lower())[:27] or "school"
    taken = {d["id"] for d in sandbox.store.list(directory.DOMAIN)}
    name = base
    while f"{name}.onmicrosoft.com" in taken:
        name = f"{base}{secrets.randbelow(10_000):04d}"
    return name


def domain_document(tenant_id: str, name: str, *, initial: bool) -> dict:
    return {
        "id": name.lower(),
        "tenantId": tenant_id,
        "authenticationType": "Managed",
        "availabilityStatus": None,
        "isAdminManaged": True,
        "isDefault": initial,
        "isInitial": initial,
        "isRoot": True,
        "isVerified": initial,
        "passwordNotificationWindowInDays": None,
        "passwordValidityPeriodInDays": None,
        "supportedServices": ["Email", "OfficeCommunicationsOnline"] if initial else [],
        "state": None,
        # Sandbox bookkeeping (not returned by Graph): the TXT value and whether it is "published".
        "verificationCode": f"ms{secrets.randbelow(10**8):08d}",
        "dnsRecordPublished": initial,
    }


def create_tenant(sandbox, request: Request, data: dict) -> dict:
    domain = str(data.get("domain", "")).strip().lower()
    if not DOMAIN_NAME.match(domain):
        raise _bad("domain must be a DNS name such as pruszkow-edu.example")
    try:
        skus = licences.tenant_skus(data.get("skus"))
    except ValueError as error:
        raise _bad(str(error)) from None
    permissions = data.get("permissions", APP_PERMISSIONS)
    if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
        raise _bad("permissions must be a list of application permission names")

    tenant_id = str(uuid.uuid4())
    name = _initial_name(sandbox, domain)
    initial = f"{name}.onmicrosoft.com"
    tenant = {
        "id": tenant_id,
        "displayName": str(data.get("display_name") or domain),
        "initialDomain": initial,
        "createdDateTime": directory.now_iso(),
        "skus": skus,
    }
    client_id, client_secret = str(uuid.uuid4()), _client_secret()
    app = {
        "appId": client_id,
        "tenantId": tenant_id,
        "displayName": str(data.get("app_name") or "School in the Cloud provisioning"),
        "servicePrincipalId": str(uuid.uuid4()),
        "secretHash": secret_hash(client_secret),
        "roles": permissions,
    }
    certificate_pem, private_key_pem, app["certificates"] = _certificate_credential(client_id)
    with sandbox.store.lock:
        sandbox.store.insert(directory.TENANT, directory.GLOBAL, tenant_id, tenant)
        sandbox.store.insert(directory.APP, directory.GLOBAL, client_id, app)
        domains = [domain_document(tenant_id, initial, initial=True)]
        if domain != initial:
            domains.append(domain_document(tenant_id, domain, initial=False))
        for document in domains:
            sandbox.store.insert(directory.DOMAIN, tenant_id, document["id"], document)

    from sandbox.microsoft.domains import public_domain

    return {
        "tenant_id": tenant_id,
        "client_id": client_id,
        "client_secret": client_secret,
        # A certificate credential too: the app accepts client assertions signed with this key.
        "certificate_pem": certificate_pem,
        "private_key_pem": private_key_pem,
        "authority": f"{request.base_url}/{tenant_id}",
        "graph_url": f"{request.base_url}/v1.0",
        "permissions": permissions,
        "domains": [public_domain(d) for d in domains],
        "skus": [licences.subscribed_sku(tenant, sku) for sku in skus],
    }


def _certificate_credential(client_id: str) -> tuple[str, str, list[dict]]:
    """A self-signed certificate and its key, as an admin uploads one to an app registration."""
    import base64
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"app-{client_id}")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )

    def b64url(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    registered = [
        {
            "x5t": b64url(cert.fingerprint(hashes.SHA1())),  # noqa: S303 (the JWS x5t header is SHA-1 by definition)
            "x5t#S256": b64url(cert.fingerprint(hashes.SHA256())),
            "public_key_pem": public_pem,
        }
    ]
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii"), private_pem, registered


def mark_domain_verified(sandbox, tenant_id: str, domain: str) -> bool:
    """As if the domain's TXT record had been published: ``POST /domains/{id}/verify`` now succeeds."""
    tenant_id = (tenant_id or "").lower()
    with sandbox.store.lock:
        document = directory.domain(sandbox, tenant_id, domain or "")
        if document is None:
            return False
        document["dnsRecordPublished"] = True
        sandbox.store.update(directory.DOMAIN, tenant_id, document["id"], document)
    return True
