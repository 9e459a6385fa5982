"""Entra ID as msal meets it: OpenID configuration, token endpoint and its errors, and the bearer
check every Graph call makes."""

import time

import jwt
import pytest
import requests

from sandbox.tests.test_graph_support import (
    GRAPH_SCOPE,
    TIMEOUT,
    assert_graph_error,
    forge_token,
    make_tenant,
    msal_app,
)


@pytest.fixture
def tenant(fresh_sandbox):
    with fresh_sandbox.session() as session:
        yield make_tenant(fresh_sandbox, session)


def test_msal_gets_an_app_token_over_tls_for_either_scope(tenant):
    claims = jwt.decode(tenant.token, options={"verify_signature": False})
    assert claims["tid"] == tenant.tenant_id
    assert claims["appid"] == tenant.client_id
    assert claims["aud"] == "https://graph.microsoft.com"
    assert claims["idtyp"] == "app"
    assert set(claims["roles"]) == {
        "User.ReadWrite.All",
        "Group.ReadWrite.All",
        "Domain.ReadWrite.All",
        "Directory.ReadWrite.All",
    }
    # An hour (less a second) from when it was issued, not from now: the machine may have been busy.
    assert claims["exp"] - claims["iat"] == 3599 and claims["iat"] <= time.time()

    base = tenant.sandbox.base_url
    result = msal_app(tenant.sandbox, tenant.session, tenant.info).acquire_token_for_client(
        scopes=[f"{base}/.default"]
    )
    assert result["token_type"] == "Bearer" and result["expires_in"] == 3599
    assert jwt.decode(result["access_token"], options={"verify_signature": False})["aud"] == base
    assert (
        tenant.get("/users", headers={"Authorization": f"Bearer {result['access_token']}"}).status_code == 200
    )


def test_openid_configuration_and_keys_verify_the_token(tenant):
    base = tenant.sandbox.base_url
    response = tenant.session.get(
        f"{base}/{tenant.tenant_id}/v2.0/.well-known/openid-configuration", timeout=TIMEOUT
    )
    config = response.json()
    assert config["token_endpoint"] == f"{base}/{tenant.tenant_id}/oauth2/v2.0/token"
    assert config["issuer"] == f"{base}/{tenant.tenant_id}/v2.0"
    assert config["authorization_endpoint"].startswith(base)
    keys = tenant.session.get(config["jwks_uri"], timeout=TIMEOUT).json()["keys"]
    header = jwt.get_unverified_header(tenant.token)
    jwk = next(k for k in keys if k["kid"] == header["kid"])
    public = jwt.algorithms.RSAAlgorithm.from_jwk(jwk)
    claims = jwt.decode(tenant.token, public, algorithms=["RS256"], audience="https://graph.microsoft.com")
    assert claims["tid"] == tenant.tenant_id

    # The tenant's domain names work as the authority too.
    by_name = tenant.session.get(
        f"{base}/{tenant.initial_domain}/v2.0/.well-known/openid-configuration", timeout=TIMEOUT
    )
    assert by_name.json()["token_endpoint"] == config["token_endpoint"]


def test_wrong_secret_is_aadsts7000215(tenant):
    result = msal_app(
        tenant.sandbox, tenant.session, tenant.info, secret="not-the-secret"
    ).acquire_token_for_client(scopes=[GRAPH_SCOPE])
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [7000215]
    assert result["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")
    assert "Trace ID:" in result["error_description"]


def test_unknown_tenant_and_unknown_client(tenant):
    base = tenant.sandbox.base_url
    ghost = "00000000-0000-0000-0000-00000000beef"
    with pytest.raises(ValueError, match="double check your tenant name") as caught:  # msal checks at once
        msal_app(tenant.sandbox, tenant.session, {**tenant.info, "authority": f"{base}/{ghost}"})
    assert "AADSTS90002" in str(caught.value.__context__)  # msal wraps the discovery answer

    form = {
        "grant_type": "client_credentials",
        "client_id": tenant.client_id,
        "client_secret": tenant.info["client_secret"],
        "scope": GRAPH_SCOPE,
    }
    response = tenant.session.post(f"{base}/{ghost}/oauth2/v2.0/token", data=form, timeout=TIMEOUT)
    assert response.status_code == 400
    assert response.json()["error_codes"] == [90002]

    stranger = "11111111-2222-3333-4444-555555555555"
    result = msal_app(
        tenant.sandbox, tenant.session, {**tenant.info, "client_id": stranger}
    ).acquire_token_for_client(scopes=[GRAPH_SCOPE])
    assert result["error"] == "unauthorized_client"
    assert result["error_codes"] == [700016]
    assert stranger in result["error_description"]

    response = tenant.session.post(
        f"{base}/{tenant.tenant_id}/oauth2/v2.0/token", data={**form, "scope": "User.Read"}, timeout=TIMEOUT
    )
    assert response.status_code == 400 and response.json()["error_codes"] == [1002012]


def test_graph_refuses_missing_malformed_forged_and_expired_tokens(tenant):
    url = f"{tenant.graph}/users"
    missing = tenant.session.get(url, timeout=TIMEOUT)
    assert_graph_error(missing, 401, "InvalidAuthenticationToken", "Access token is empty.")
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")

    malformed = tenant.get("/users", headers={"Authorization": "Bearer not-a-jwt"})
    error = assert_graph_error(malformed, 401, "InvalidAuthenticationToken")
    assert error["message"].startswith("IDX14100")

    header, payload, _signature = tenant.token.split(".")
    forged = f"{header}.{payload}.{'A' * 342}"
    assert_graph_error(
        tenant.get("/users", headers={"Authorization": f"Bearer {forged}"}),
        401,
        "InvalidAuthenticationToken",
        "Access token validation failure.",
    )

    expired = forge_token(tenant, exp=int(time.time()) - 60)
    assert_graph_error(
        tenant.get("/users", headers={"Authorization": f"Bearer {expired}"}),
        401,
        "InvalidAuthenticationToken",
        "Lifetime validation failed, the token is expired.",
    )
    other_audience = forge_token(tenant, aud="https://management.azure.com")
    assert_graph_error(
        tenant.get("/users", headers={"Authorization": f"Bearer {other_audience}"}),
        401,
        "InvalidAuthenticationToken",
        "Access token validation failure. Invalid audience.",
    )


def test_missing_application_permission_is_403(fresh_sandbox):
    with fresh_sandbox.session() as session:
        reader = make_tenant(fresh_sandbox, session, domain="reader.example", permissions=["User.Read.All"])
        assert reader.get("/users").status_code == 200
        response = reader.post("/users", json=reader.user_body())
        assert_graph_error(
            response, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
        )


def test_every_graph_answer_carries_request_ids(tenant):
    response = tenant.get("/users", headers={"client-request-id": "5b0c8e49-0000-4000-8000-00000000c0de"})
    assert response.headers["client-request-id"] == "5b0c8e49-0000-4000-8000-00000000c0de"
    assert len(response.headers["request-id"]) == 36
    assert response.headers["Content-Type"].startswith("application/json;odata.metadata=minimal")
    unknown = tenant.get("/nonsense")
    assert_graph_error(unknown, 400, "BadRequest", "Resource not found for the segment 'nonsense'.")
    wrong_method = tenant.request("PUT", "/users", json={})
    assert_graph_error(
        wrong_method,
        405,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
    )
    with pytest.raises(requests.exceptions.SSLError):  # no trust in the system store
        requests.get(f"{tenant.graph}/users", timeout=TIMEOUT)
