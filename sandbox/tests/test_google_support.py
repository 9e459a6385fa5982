"""Shared by the Google sandbox tests (no tests here): the UNMODIFIED google-api-python-client and
google-auth, built exactly as the portal builds them, talking to the sandbox over verified TLS."""

from __future__ import annotations

import json
from contextlib import contextmanager

import google_auth_httplib2
import httplib2
import pytest
from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

AUTH = "https://www.googleapis.com/auth/admin.directory."
SCOPES = [AUTH + name for name in ("user", "group", "group.member", "orgunit", "domain", "customer.readonly")]
DOMAIN = "haskovo-edu.example"


def control(sandbox, method: str, path: str, payload=None) -> dict:
    """The control API, with a session that is closed afterwards."""
    with sandbox.session() as session:
        response = session.request(method, f"{sandbox.base_url}/_sandbox/{path}", json=payload, timeout=30)
    response.raise_for_status()
    return response.json()


def new_customer(sandbox, domain: str = DOMAIN, **extra) -> dict:
    return control(sandbox, "POST", "google/customers", {"domain": domain, **extra})


def stats(sandbox) -> dict:
    return control(sandbox, "GET", "stats")


def http_for(sandbox, credentials) -> google_auth_httplib2.AuthorizedHttp:
    """An authorised httplib2 transport that verifies the sandbox's certificate against its CA."""
    return google_auth_httplib2.AuthorizedHttp(
        credentials, http=httplib2.Http(ca_certs=str(sandbox.ca), timeout=30, proxy_info=None)
    )


def delegated(info: dict, subject: str | None = None, scopes=SCOPES):
    return service_account.Credentials.from_service_account_info(
        info["service_account_info"], scopes=scopes, subject=subject or info["admin_email"]
    )


@contextmanager
def directory(sandbox, info: dict, credentials=None):
    """``build("admin", "directory_v1", …)`` against the sandbox; closed on exit."""
    http = http_for(sandbox, credentials or delegated(info))
    service = build(
        "admin",
        "directory_v1",
        http=http,
        discoveryServiceUrl=info["discovery_url"],
        static_discovery=False,
        cache_discovery=False,
    )
    try:
        yield service
    finally:
        service.close()


def error_of(request) -> tuple[int, str, str]:
    """(status, first reason, message) of a request that must fail."""
    with pytest.raises(HttpError) as raised:
        request.execute()
    body = json.loads(raised.value.content)
    return raised.value.resp.status, body["error"]["errors"][0]["reason"], body["error"]["message"]


def user_body(email: str, given: str = "Мария", family: str = "Иванова", **extra) -> dict:
    return {
        "primaryEmail": email,
        "name": {"givenName": given, "familyName": family},
        "password": "Sandbox-pass-1",
        **extra,
    }
