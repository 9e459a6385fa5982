"""Google's token endpoint and the Bearer check, through google-auth and raw HTTP."""

import datetime as dt
import time

import google.auth.exceptions
import google.auth.transport.requests
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import jwt as google_jwt
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from sandbox.tests.test_google_support import (
    AUTH,
    DOMAIN,
    control,
    delegated,
    directory,
    error_of,
    new_customer,
    stats,
    user_body,
)

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
AUTH_MESSAGE = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
    "other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)


@pytest.fixture
def info(fresh_sandbox):
    return new_customer(fresh_sandbox)


def _assertion(info, key_pem=None, **claims):
    account = info["service_account_info"]
    now = int(time.time())
    payload = {
        "iss": account["client_email"],
        "aud": "https://oauth2.googleapis.com/token",
        "iat": now,
        "exp": now + 3600,
        "scope": AUTH + "user",
        "sub": info["admin_email"],
        **claims,
    }
    payload = {key: value for key, value in payload.items() if value is not None}
    return jwt.encode(
        payload,
        key_pem or account["private_key"],
        algorithm="RS256",
        headers={"kid": account["private_key_id"]},
    )


def _token(sandbox, **form):
    with sandbox.session() as session:
        response = session.post(f"{sandbox.base_url}/token", data=form, timeout=30)
    return response.status_code, response.json()


def test_service_account_info_is_a_google_key_file(fresh_sandbox, info):
    account = info["service_account_info"]
    assert set(account) == {
        "type",
        "project_id",
        "private_key_id",
        "private_key",
        "client_email",
        "client_id",
        "auth_uri",
        "token_uri",
        "auth_provider_x509_cert_url",
        "client_x509_cert_url",
        "universe_domain",
    }
    assert account["type"] == "service_account"
    assert account["token_uri"] == fresh_sandbox.base_url + "/token"
    assert account["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    assert info["customer_id"].startswith("C0") and len(info["customer_id"]) == 9
    assert info["discovery_url"] == fresh_sandbox.base_url + "/$discovery/rest?version=directory_v1"
    assert "private_key" not in str(stats(fresh_sandbox))  # only the public key is kept


def test_delegated_token_through_requests_transport(fresh_sandbox, info):
    credentials = delegated(info)
    with fresh_sandbox.session() as session:
        credentials.refresh(google.auth.transport.requests.Request(session))
    assert credentials.token.startswith("ya29.")
    remaining = credentials.expiry - dt.datetime.now(dt.UTC).replace(tzinfo=None)  # google-auth: naive UTC
    assert 3500 < remaining.total_seconds() <= 3599
    with directory(fresh_sandbox, info, credentials) as service:
        assert service.customers().get(customerKey="my_customer").execute()["id"] == info["customer_id"]
    assert stats(fresh_sandbox)["calls"]["google.token"] == 1  # the token above was reused


def test_token_endpoint_errors(fresh_sandbox, info):
    other_key = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )
    cases = [
        (_assertion(info, other_key), 400, "invalid_grant", "Invalid JWT Signature."),
        (
            _assertion(info, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
            400,
            "invalid_grant",
            None,
        ),
        (_assertion(info, exp=int(time.time()) + 7200), 400, "invalid_grant", None),
        (_assertion(info, aud="https://example.org/somewhere"), 400, "invalid_grant", None),
        (_assertion(info, scope="https://www.googleapis.com/auth/drive"), 401, "unauthorized_client", None),
        (_assertion(info, sub=f"nobody@{DOMAIN}"), 400, "invalid_grant", "Invalid email or User ID"),
        (_assertion(info, scope=None), 400, "invalid_scope", None),
    ]
    for assertion, status, error, description in cases:
        code, body = _token(fresh_sandbox, grant_type=JWT_BEARER, assertion=assertion)
        assert (code, body["error"]) == (status, error), body
        if description:
            assert body["error_description"] == description
    code, body = _token(fresh_sandbox, grant_type="password", username="x")
    assert (code, body["error"]) == (400, "unsupported_grant_type")
    code, body = _token(fresh_sandbox, grant_type=JWT_BEARER, assertion=_assertion(info))
    assert code == 200 and body["expires_in"] == 3599 and body["token_type"] == "Bearer"


def test_google_auth_reports_refused_scopes(fresh_sandbox, info):
    credentials = delegated(info, scopes=["https://mail.google.com/"])
    with fresh_sandbox.session() as session, pytest.raises(google.auth.exceptions.RefreshError) as raised:
        credentials.refresh(google.auth.transport.requests.Request(session))
    assert "unauthorized_client" in str(raised.value)


def test_directory_calls_need_a_valid_bearer(fresh_sandbox, info):
    url = f"{fresh_sandbox.base_url}/admin/directory/v1/users?customer=my_customer"
    with fresh_sandbox.session() as session:
        for headers in ({}, {"Authorization": "Bearer ya29.made-up"}, {"Authorization": "Basic abc"}):
            response = session.get(url, headers=headers, timeout=30)
            assert response.status_code == 401
            assert response.json() == {
                "error": {
                    "code": 401,
                    "message": AUTH_MESSAGE,
                    "errors": [
                        {
                            "message": "Invalid Credentials",
                            "domain": "global",
                            "reason": "authError",
                            "location": "Authorization",
                            "locationType": "header",
                        }
                    ],
                    "status": "UNAUTHENTICATED",
                }
            }
        code, body = _token(fresh_sandbox, grant_type=JWT_BEARER, assertion=_assertion(info))
        bearer = {"Authorization": f"Bearer {body['access_token']}"}
        assert session.get(url, headers=bearer, timeout=30).status_code == 200
        assert control(fresh_sandbox, "POST", "google/tokens/expire")["expired"] >= 1
        assert session.get(url, headers=bearer, timeout=30).status_code == 401


def test_the_client_refreshes_after_a_401(fresh_sandbox, info):
    with directory(fresh_sandbox, info) as service:
        service.users().list(customer="my_customer").execute()
        control(fresh_sandbox, "POST", "google/tokens/expire")
        assert service.users().list(customer="my_customer").execute()["users"]
    counts = stats(fresh_sandbox)["statuses"]
    assert counts["google.token:200"] == 2
    assert counts["google.users.list:401"] == 1


def test_refresh_token_grant(fresh_sandbox, info):
    client = info["oauth_client"]
    credentials = user_credentials.Credentials(
        None,
        refresh_token=client["refresh_token"],
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        token_uri=client["token_uri"],
        scopes=[AUTH + "user"],
    )
    with directory(fresh_sandbox, info, credentials) as service:
        users = service.users().list(customer="my_customer").execute()["users"]
    assert [user["primaryEmail"] for user in users] == [info["admin_email"]]
    code, body = _token(
        fresh_sandbox,
        grant_type="refresh_token",
        refresh_token=client["refresh_token"],
        client_id=client["client_id"],
        client_secret="wrong",
    )
    assert (code, body["error"]) == (401, "invalid_client")
    code, body = _token(
        fresh_sandbox,
        grant_type="refresh_token",
        refresh_token="1//not-ours",
        client_id=client["client_id"],
        client_secret=client["client_secret"],
    )
    assert (code, body["error"]) == (400, "invalid_grant")


def test_self_signed_jwts_as_bearer(fresh_sandbox, info):
    account = info["service_account_info"]
    by_scope = service_account.Credentials.from_service_account_info(
        account, scopes=[AUTH + "user"], always_use_jwt_access=True
    )
    by_audience = google_jwt.Credentials.from_service_account_info(
        account, audience=fresh_sandbox.base_url + "/"
    )
    google_root = google_jwt.Credentials.from_service_account_info(
        account, audience="https://admin.googleapis.com/"
    )
    for credentials in (by_scope, by_audience, google_root):
        with directory(fresh_sandbox, info, credentials) as service:
            assert service.users().get(userKey=info["admin_email"]).execute()["isAdmin"] is True
    assert "google.token" not in stats(fresh_sandbox)["calls"]  # no token endpoint involved
    elsewhere = google_jwt.Credentials.from_service_account_info(account, audience="https://example.org/")
    with directory(fresh_sandbox, info, elsewhere) as service:
        assert error_of(service.users().list(customer="my_customer"))[:2] == (401, "authError")


def test_scopes_and_administrators(fresh_sandbox, info):
    with directory(fresh_sandbox, info, delegated(info, scopes=[AUTH + "user.readonly"])) as service:
        assert service.users().list(customer="my_customer").execute()["users"]
        status, reason, message = error_of(service.users().insert(body=user_body(f"a@{DOMAIN}")))
        assert (status, reason, message) == (
            403,
            "insufficientPermissions",
            "Request had insufficient authentication scopes.",
        )
    with directory(fresh_sandbox, info) as service:
        service.users().insert(body=user_body(f"teacher@{DOMAIN}")).execute()
    with directory(fresh_sandbox, info, delegated(info, subject=f"teacher@{DOMAIN}")) as service:
        status, reason, message = error_of(service.users().list(customer="my_customer"))
        assert (status, reason, message) == (403, "forbidden", "Not Authorized to access this resource/api")
