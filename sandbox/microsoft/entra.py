"""Entra ID endpoints msal needs for the client-credentials flow (instance discovery off):
the v2.0 OpenID configuration, its signing keys, the token endpoint, and the instance-discovery
document for clients that point ``instance_discovery`` at the sandbox.

Every URL handed out is built from the URL the client used (``request.base_url``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import unquote, urlparse

import jwt

from sandbox.http import Request, Response
from sandbox.microsoft import directory, errors, tokens

TENANT = r"(?P<tenant>[^/$]+)"
RESERVED = {"common", "organizations", "consumers"}


def register(router) -> None:
    router.route("GET", r"/common/discovery/instance", "entra.instance_discovery")(instance_discovery)
    router.route("GET", rf"/{TENANT}/v2\.0/\.well-known/openid-configuration", "entra.openid_configuration")(
        openid_configuration
    )
    router.route("GET", rf"/{TENANT}/discovery/v2\.0/keys", "entra.keys")(keys)
    router.route("POST", rf"/{TENANT}/oauth2/v2\.0/token", "entra.token")(token)


def _tenant_not_found(request: Request, name: str, error: str = "invalid_request"):
    return errors.entra_error(
        request,
        400,
        error,
        90002,
        f"Tenant '{name}' not found. Check to make sure you have the correct tenant ID and are signing into "
        "the correct cloud. Check with your subscription administrator, this may happen if there are no "
        "active subscriptions for the tenant.",
    )


def _json(request: Request, data: dict) -> Response:
    return Response.json(200, data, errors.entra_headers(request))


def openid_configuration(sandbox, request: Request, tenant: str) -> Response:
    tenant = unquote(tenant)
    found = directory.find_tenant(sandbox, tenant) if tenant.lower() not in RESERVED else None
    if found is None:
        raise _tenant_not_found(request, tenant, "invalid_tenant")
    base, tid = request.base_url, found["id"]
    return _json(
        request,
        {
            "token_endpoint": f"{base}/{tid}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{base}/{tid}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/{tid}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
            "authorization_endpoint": f"{base}/{tid}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/{tid}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/{tid}/oauth2/v2.0/logout",
            "claims_supported": [
                "sub",
                "iss",
                "cloud_instance_name",
                "cloud_instance_host_name",
                "cloud_graph_host_name",
                "msgraph_host",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "acr",
                "nonce",
                "preferred_username",
                "name",
                "tid",
                "ver",
                "at_hash",
                "c_hash",
                "email",
            ],  # fmt: skip
            "kerberos_endpoint": f"{base}/{tid}/kerberos",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        },
    )


def keys(sandbox, request: Request, tenant: str) -> Response:
    return _json(request, tokens.jwks(sandbox))


def instance_discovery(sandbox, request: Request) -> Response:
    endpoint = request.arg("authorization_endpoint", "") or ""
    parts = urlparse(endpoint).path.strip("/").split("/")
    tenant = parts[0] if parts and parts[0] else "common"
    host = urlparse(request.base_url).netloc
    return _json(
        request,
        {
            "tenant_discovery_endpoint": f"{request.base_url}/{tenant}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        },
    )


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    header = request.header("Authorization")
    if header.lower().startswith("basic "):  # client_secret_basic
        try:
            decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            decoded = ""
        basic_id, _, basic_secret = decoded.partition(":")
        client_id, secret = client_id or unquote(basic_id), secret or unquote(basic_secret)
    return client_id, secret


ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _unpadded(thumbprint) -> str:
    """Clients send base64url thumbprints with or without "=" padding."""
    return str(thumbprint or "").rstrip("=")


def _check_client_assertion(request: Request, app: dict, assertion: str) -> None:
    """A certificate credential: a JWT signed with the app's registered certificate key, naming the
    certificate by its SHA-1 (x5t, RS256) or SHA-256 (x5t#S256, PS256) thumbprint."""
    try:
        header = jwt.get_unverified_header(assertion)
    except jwt.PyJWTError:
        header = {}
    certificate = next(
        (
            c
            for c in app.get("certificates", [])
            if _unpadded(header.get("x5t#S256")) == c["x5t#S256"] or _unpadded(header.get("x5t")) == c["x5t"]
        ),
        None,
    )
    if certificate is None:
        raise errors.entra_error(
            request,
            401,
            "invalid_client",
            700027,
            "The certificate with identifier used to sign the client assertion is not registered on "
            f"application '{app['appId']}'.",
        )
    try:
        claims = jwt.decode(
            assertion,
            certificate["public_key_pem"],
            algorithms=["RS256", "PS256"],
            options={"verify_aud": False, "require": ["exp", "iss", "sub", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise errors.entra_error(
            request, 401, "invalid_client", 700024, "Client assertion is not within its valid time range."
        ) from None
    except jwt.PyJWTError:
        raise errors.entra_error(
            request, 401, "invalid_client", 700027, "Client assertion contains an invalid signature."
        ) from None
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if (
        claims.get("iss") != app["appId"]
        or claims.get("sub") != app["appId"]
        or not any(str(a).endswith("/oauth2/v2.0/token") for a in audiences)
    ):
        raise errors.entra_error(
            request, 401, "invalid_client", 700023, "Client assertion audience or issuer is not valid."
        )


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def token(sandbox, request: Request, tenant: str) -> Response:
    tenant = unquote(tenant)
    found = directory.find_tenant(sandbox, tenant) if tenant.lower() not in RESERVED else None
    if found is None:
        raise _tenant_not_found(request, tenant)
    form = request.form()
    grant_type = form.get("grant_type", "")
    if not grant_type:
        raise _missing(request, "grant_type")
    if grant_type != "client_credentials":
        raise errors.entra_error(
            request,
            400,
            "unsupported_grant_type",
            70003,
            f"The app requested an unsupported grant type '{grant_type}'.",
        )
    client_id, secret = _client_credentials(request, form)
    if not client_id:
        raise _missing(request, "client_id")
    app = directory.app(sandbox, client_id)
    if app is None or app["tenantId"] != found["id"]:
        raise errors.entra_error(
            request,
            400,
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory "
            f"'{found['displayName']}'. This can happen if the application has not been installed by the "
            "administrator of the tenant or consented to by any user in the tenant. You may have sent your "
            "authentication request to the wrong tenant.",
        )
    if form.get("client_assertion_type") == ASSERTION_TYPE and form.get("client_assertion"):
        _check_client_assertion(request, app, form["client_assertion"])
    elif not secret:
        raise errors.entra_error(
            request,
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )
    elif not hmac.compare_digest(secret_hash(secret), app["secretHash"]):
        raise errors.entra_error(
            request,
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client "
            f"secret value, not the client secret ID, for a secret added to app '{app['appId']}'.",
        )
    scope = form.get("scope", "").strip()
    if not scope:
        raise _missing(request, "scope")
    scopes = scope.split()
    if len(scopes) != 1 or not scopes[0].endswith("/.default"):
        raise errors.entra_error(
            request,
            400,
            "invalid_scope",
            1002012,
            f"The provided value for scope {scope} is not valid. Client credential flows must have a scope "
            "value with /.default suffixed to the resource identifier (application ID URI).",
        )
    resource = scopes[0][: -len("/.default")]
    if not tokens.audience_ok(resource, request.base_url):
        raise errors.entra_error(
            request,
            400,
            "invalid_resource",
            500011,
            f"The resource principal named {resource} was not found in the tenant named "
            f"{found['displayName']}. This can happen if the application has not been installed by the "
            "administrator of the tenant or consented to by any user in the tenant. You might have sent your "
            "authentication request to the wrong tenant.",
        )
    audience = tokens.GRAPH_RESOURCE if resource.rstrip("/") == tokens.GRAPH_APP_ID else resource.rstrip("/")
    access_token = tokens.issue(sandbox, found, app, audience)
    return _json(
        request,
        {
            "token_type": "Bearer",
            "expires_in": tokens.TOKEN_LIFETIME,
            "ext_expires_in": tokens.TOKEN_LIFETIME,
            "access_token": access_token,
        },
    )


def _missing(request: Request, parameter: str):
    return errors.entra_error(
        request,
        400,
        "invalid_request",
        900144,
        f"The request body must contain the following parameter: '{parameter}'.",
    )
