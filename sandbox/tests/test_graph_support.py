"""Helpers for the Microsoft Graph conformance tests (no tests here).

``make_tenant`` creates an Entra tenant through the control API and gets an app-only token with
the unmodified msal over TLS (verification on, trusting only the sandbox's CA), as the portal will.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import jwt
import msal
import requests

from sandbox.process import RunningSandbox
from sandbox.store import Store

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
PASSWORD = "Passw0rd!2024"
TIMEOUT = 30


@dataclass
class GraphTenant:
    sandbox: RunningSandbox
    session: requests.Session
    info: dict
    token: str
    headers: dict = field(default_factory=dict)

    @property
    def graph(self) -> str:
        return self.info["graph_url"]

    @property
    def tenant_id(self) -> str:
        return self.info["tenant_id"]

    @property
    def client_id(self) -> str:
        return self.info["client_id"]

    @property
    def initial_domain(self) -> str:
        return next(d["id"] for d in self.info["domains"] if d["isInitial"])

    @property
    def school_domain(self) -> str:
        return next(d["id"] for d in self.info["domains"] if not d["isInitial"])

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        url = path if path.startswith("https://") else f"{self.graph}{path}"
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.session.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def user_body(self, local: str | None = None, domain: str | None = None, **extra) -> dict:
        local = local or f"u{uuid.uuid4().hex[:10]}"
        return {
            "accountEnabled": True,
            "displayName": extra.pop("displayName", local.title()),
            "mailNickname": local,
            "userPrincipalName": f"{local}@{domain or self.initial_domain}",
            "passwordProfile": {"forceChangePasswordNextSignIn": True, "password": PASSWORD},
            **extra,
        }

    def create_user(self, local: str | None = None, **extra) -> dict:
        response = self.post("/users", json=self.user_body(local, **extra))
        assert response.status_code == 201, response.text
        return response.json()

    def create_group(self, name: str | None = None, **extra) -> dict:
        name = name or f"g{uuid.uuid4().hex[:8]}"
        body = {
            "displayName": name,
            "mailNickname": name,
            "mailEnabled": False,
            "securityEnabled": True,
            **extra,
        }
        response = self.post("/groups", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def control(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(
            method, f"{self.sandbox.base_url}/_sandbox/{path}", timeout=TIMEOUT, **kwargs
        )

    def stats(self) -> dict:
        response = self.control("GET", "stats")
        response.raise_for_status()
        return response.json()


def msal_app(sandbox: RunningSandbox, session: requests.Session, info: dict, secret: str | None = None):
    return msal.ConfidentialClientApplication(
        info["client_id"],
        client_credential=secret or info["client_secret"],
        authority=info["authority"],
        instance_discovery=False,
        http_client=session,
    )


def make_tenant(sandbox: RunningSandbox, session: requests.Session, **data) -> GraphTenant:
    data.setdefault("domain", "pruszkow-edu.example")
    response = session.post(f"{sandbox.base_url}/_sandbox/microsoft/tenants", json=data, timeout=TIMEOUT)
    assert response.status_code == 201, response.text
    info = response.json()
    result = msal_app(sandbox, session, info).acquire_token_for_client(scopes=[GRAPH_SCOPE])
    assert "access_token" in result, result
    return GraphTenant(sandbox, session, info, result["access_token"])


def forge_token(tenant: GraphTenant, **claims) -> str:
    """A token signed with the sandbox's own key (read from its state) with some claims changed."""
    store = Store(tenant.sandbox.state_dir / "state.sqlite3")
    try:
        key = store.get("graph.signing_key", "_", "rs256")
    finally:
        store.close()
    current = jwt.decode(tenant.token, options={"verify_signature": False})
    return jwt.encode({**current, **claims}, key["pem"], algorithm="RS256", headers={"kid": key["kid"]})


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def assert_graph_error(
    response: requests.Response, status: int, code: str, message: str | None = None
) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    if message is not None:
        assert error["message"] == message, error
    inner = error["innerError"]
    assert inner["request-id"] == response.headers["request-id"]
    assert inner["client-request-id"] == response.headers["client-request-id"]
    assert inner["date"]
    return error
