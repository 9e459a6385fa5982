"""The sandbox server itself: TLS with its own CA, routing whatever the Host, state that survives
a restart, a reset, and 64 connections at once."""

import ssl
import threading

import pytest
import requests
from cryptography import x509

from sandbox.process import start_sandbox


def test_tls_certificate_names_the_providers_and_verifies_against_the_ca(sandbox):
    cert = x509.load_pem_x509_certificate((sandbox.state_dir / "server.pem").read_bytes())
    names = set(
        cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.DNSName
        )
    )
    assert {
        "localhost",
        "admin.googleapis.com",
        "oauth2.googleapis.com",
        "www.googleapis.com",
        "graph.microsoft.com",
        "login.microsoftonline.com",
    } <= names
    assert sandbox.session().get(f"{sandbox.base_url}/_sandbox/health", timeout=10).json()["status"] == "ok"
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(
            f"{sandbox.base_url}/_sandbox/health", timeout=10
        )  # the system store does not know our CA


def test_routes_by_path_whatever_the_host_header(sandbox):
    response = sandbox.session().get(
        f"{sandbox.base_url}/_sandbox/health", headers={"Host": "graph.microsoft.com"}, timeout=10
    )
    assert response.status_code == 200


def test_sixty_four_connections_at_once(sandbox):
    context = ssl.create_default_context(cafile=str(sandbox.ca))
    port = int(sandbox.base_url.rsplit(":", 1)[1])
    barrier = threading.Barrier(64)
    results = []

    def one():
        import http.client

        connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
        connection.connect()
        barrier.wait(timeout=30)  # all 64 are connected before any asks
        connection.request("GET", "/_sandbox/health")
        results.append(connection.getresponse().status)
        connection.close()

    threads = [threading.Thread(target=one) for _ in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [200] * 64


def test_state_survives_a_restart_and_reset_clears_it(tmp_path):
    first = start_sandbox(tmp_path / "state")
    try:
        first.session().post(f"{first.base_url}/_sandbox/reset", timeout=10)
        from sandbox.store import Store

        store = Store(tmp_path / "state" / "state.sqlite3")
        store.insert("probe", "scope", "1", {"hello": "world"})
        store.close()
    finally:
        first.stop()
    second = start_sandbox(tmp_path / "state")
    try:
        objects = second.control("GET", "stats")["objects"]
        assert objects.get("probe") == 1
        second.control("POST", "reset")
        assert second.control("GET", "stats")["objects"] == {}
    finally:
        second.stop()
