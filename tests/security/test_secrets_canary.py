"""A provider secret never leaves its ciphertext: canary secrets run through the connection
forms, the connection test, a provisioning job on a real Celery worker, provider errors and a
crash, and are then looked for in everything the system wrote or showed.

Places searched: every log record of this process at DEBUG (Django, Celery, kombu, urllib3,
requests, msal, google-auth), the worker's own DEBUG log, every command sent to the Redis
broker (``redis-cli MONITOR``), every page the IT admin saw, every e-mail (this process's
outbox and the worker's mail folder), and Django's error report (AdminEmailHandler, DEBUG off).
The canary is looked for as written, URL-encoded, JSON-escaped and base64-encoded at every
alignment."""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import subprocess
import sys
import urllib.parse

import pytest
from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django_scopes import scope, scopes_disabled

from integrations.crypto import decrypt_secret, encrypt_secret, fingerprint
from integrations.models import Connection, Job, JobItem, Plan
from sandbox.process import start_sandbox
from tests.factories import make_world
from tests.integration.conftest import ROOT, _database_url, wait_for
from tests.integration.test_apply_resilience import _free_port, _redis, _use_broker
from tests.integrations.conftest import roster

CANARY = "CANARY-7f3a"
LOGGERS = [
    "",
    "django",
    "celery",
    "kombu",
    "urllib3",
    "requests",
    "msal",
    "google",
    "googleapiclient",
    "httpx",
]


def _worker(env, log_path):
    """A real worker at DEBUG level, its output in ``log_path``."""
    with open(log_path, "a") as log:
        return subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "DEBUG",
             "--without-gossip", "--without-mingle", "--hostname", f"canary-{os.getpid()}@%h"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip


def variants(secret: str) -> set[str]:
    """The secret as it could appear anywhere: plain, URL-encoded, JSON-escaped, base64."""
    found = {
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        json.dumps(secret)[1:-1],
    }
    data = secret.encode()
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * offset + data).decode()
            found.add(encoded[4 if offset else 0 : -4])  # the groups made of the secret's bytes only
    return {value for value in found if len(value) >= 16}


def key_canaries(pem: str) -> set[str]:
    """Three lines from the middle of a PEM private key: any copy of the key contains them."""
    lines = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    middle = len(lines) // 2
    return set().union(*(variants(line) for line in lines[middle - 1 : middle + 2]))


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.texts: list[str] = []

    def emit(self, record):
        self.texts.append(self.format(record))
        self.texts.append(repr(record.__dict__))


@pytest.fixture
def debug_logs():
    capture = Capture()
    saved = {}
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved[name] = logger.level
        logger.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(capture)
    yield capture
    logging.getLogger().removeHandler(capture)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def assert_nowhere(canaries: set[str], places: dict[str, str]) -> None:
    assert canaries
    leaks = [(where, canary) for where, text in places.items() for canary in canaries if canary in text]
    assert not leaks, leaks[:5]


def _key_json(sandbox_info: dict, key: rsa.RSAPrivateKey | None = None) -> str:
    info = dict(sandbox_info)
    if key is not None:
        info["private_key"] = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
    return json.dumps(info)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.path.exists("/usr/bin/redis-server"), reason="needs redis-server")
def test_canary_secrets_appear_in_no_log_message_page_mail_or_error_report(tmp_path, client_for, debug_logs):
    from config.celery import app

    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    redis = _redis(port)
    monitor_log = tmp_path / "broker.log"
    with open(monitor_log, "w") as out:
        monitor = subprocess.Popen(
            ["redis-cli", "-p", str(port), "monitor"], stdout=out, stderr=subprocess.STDOUT
        )  # noqa: S603, S607
    sandbox = start_sandbox(tmp_path / "sandbox")
    mail_dir = tmp_path / "mail"
    worker = None
    old_broker = app.conf.broker_url
    _use_broker(app, url)
    pages: dict[str, str] = {}
    try:
        with override_settings(SANDBOX_URL=sandbox.base_url, SANDBOX_CA_FILE=sandbox.ca, JOB_PARALLEL_TASKS=2,
                               ADMINS=[("Platform", "platform@example.com")]):  # fmt: skip
            world = make_world()
            with scopes_disabled():
                world.a.connection.delete()
            roster(world, [(f"Иван{n}", f"Петров{n}") for n in range(8)])
            slug = world.a.municipality.slug
            client = client_for(world.a.users["it_admin"])

            def see(name, response):
                assert response.status_code in (200, 302), (name, response.status_code)
                pages[name] = response.content.decode()
                return response

            # A Google customer and a Microsoft tenant in the sandbox; the IT admin types their secrets.
            google = sandbox.control("POST", "google/customers", json={"domain": f"{slug}.sandbox.example"})
            microsoft = sandbox.control(
                "POST", "microsoft/tenants", json={"domain": f"{slug}-ms.sandbox.example"}
            )
            google_json = _key_json(google["service_account_info"])
            wrong_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            wrong_google_json = _key_json(google["service_account_info"], wrong_key)
            ms_secret = microsoft["client_secret"]
            wrong_ms_secret = f"{CANARY}-{Fernet.generate_key().decode()[:24]}"
            canaries = (
                key_canaries(json.loads(google_json)["private_key"])
                | key_canaries(json.loads(wrong_google_json)["private_key"])
                | variants(ms_secret)
                | variants(wrong_ms_secret)
                | variants(CANARY)
            )

            google_form = {"admin_email": google["admin_email"], "customer_id": google["customer_id"],
                           "primary_domain": google["domain"], "key_text": google_json}  # fmt: skip
            ms_form = {"tenant_id": microsoft["tenant_id"], "client_id": microsoft["client_id"],
                       "usage_location": "BG", "client_secret": ms_secret}  # fmt: skip
            see("google form", client.post(f"/m/{slug}/connections/google/", google_form, follow=True))
            see("microsoft form", client.post(f"/m/{slug}/connections/microsoft/", ms_form, follow=True))
            with scope(municipality=world.a.municipality.pk):
                connections = {c.provider: c for c in Connection.objects.all()}
                for connection in connections.values():
                    connection.api_base_url = connection.auth_base_url = sandbox.base_url
                    connection.is_sandbox = True  # trust the sandbox's CA
                    connection.save(update_fields=["api_base_url", "auth_base_url", "is_sandbox"])
            for provider, connection in connections.items():
                see(
                    f"{provider} test",
                    client.post(f"/m/{slug}/connections/{connection.pk}/test/", follow=True),
                )
                see(f"{provider} edit", client.get(f"/m/{slug}/connections/{provider}/"))
            with scope(municipality=world.a.municipality.pk):
                assert all(c.status == Connection.Status.OK for c in Connection.objects.all()), [
                    (c.provider, c.last_test_message) for c in Connection.objects.all()
                ]

            # Provisioning through a real worker (its own DEBUG log, mail folder, the same broker).
            env = {**os.environ, "DATABASE_URL": _database_url(), "SANDBOX_URL": sandbox.base_url,
                   "SANDBOX_STATE_DIR": str(sandbox.state_dir), "CELERY_BROKER_URL": url, "REDIS_URL": url,
                   "LOG_LEVEL": "DEBUG", "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                   "EMAIL_FILE_PATH": str(mail_dir), "SITE_URL": "http://testserver", "JOB_PARALLEL_TASKS": "2"}  # fmt: skip
            worker_log = tmp_path / "worker.log"
            worker = _worker(env, worker_log)
            see("plan", client.post(f"/m/{slug}/plans/new/google/", follow=True))
            with scope(municipality=world.a.municipality.pk):
                plan = Plan.objects.latest("pk")
                assert wait_for(lambda: Plan.objects.get(pk=plan.pk).status == "ready", timeout=120), (
                    worker_log.read_text()[-3000:]
                )
            see("apply", client.post(f"/m/{slug}/plans/{plan.pk}/apply/", follow=True))
            with scope(municipality=world.a.municipality.pk):
                job = wait_for(lambda: Job.objects.filter(plan=plan).first(), timeout=120)
                assert job is not None, worker_log.read_text()[-3000:]
                assert wait_for(lambda: Job.objects.filter(pk=job.pk, status="done").exists(), timeout=120), (
                    worker_log.read_text()[-3000:]
                )
                assert JobItem.objects.filter(job=job, outcome="created").count() >= 8
            for name, path in (("job", f"jobs/{job.pk}/"), ("progress", f"jobs/{job.pk}/progress/"),
                               ("plans", "plans/"), ("plan page", f"plans/{plan.pk}/"), ("audit", "audit/"),
                               ("connections", "connections/"), ("home", "")):  # fmt: skip
                see(name, client.get(f"/m/{slug}/{path}"))
            assert wait_for(lambda: any(mail_dir.glob("*.log")), timeout=30)  # the "job finished" e-mail

            # Provider errors: a key the provider does not know, a wrong client secret.
            google_form["key_text"] = wrong_google_json
            ms_form["client_secret"] = wrong_ms_secret
            see("google wrong", client.post(f"/m/{slug}/connections/google/", google_form, follow=True))
            see("microsoft wrong", client.post(f"/m/{slug}/connections/microsoft/", ms_form, follow=True))
            for provider, connection in connections.items():
                see(f"{provider} failed test",
                    client.post(f"/m/{slug}/connections/{connection.pk}/test/", follow=True))  # fmt: skip
            with scope(municipality=world.a.municipality.pk):
                assert all(c.status == Connection.Status.FAILED for c in Connection.objects.all())

            # A crash while a secret is in hand: the error report (DEBUG off) is e-mailed to ADMINS.
            crashing = Client(raise_request_exception=False)
            crashing.force_login(world.a.users["it_admin"])
            original = MultiFernet.encrypt
            MultiFernet.encrypt = lambda self, data: (_ for _ in ()).throw(RuntimeError("disk on fire"))
            try:
                response = crashing.post(f"/m/{slug}/connections/microsoft/", ms_form)
            finally:
                MultiFernet.encrypt = original
            assert response.status_code == 500
            pages["500 page"] = response.content.decode()
            reports = [m for m in mail.outbox if "disk on fire" in m.body]
            assert reports, [m.subject for m in mail.outbox]  # the report exists, so it was searched
    finally:
        _use_broker(app, old_broker)
        if worker is not None and worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=30)
        monitor.terminate()
        monitor.wait(timeout=10)
        redis.kill()
        redis.wait(timeout=10)
        sandbox.stop()

    broker = monitor_log.read_text(errors="replace")
    assert "LPUSH" in broker.upper() or "lpush" in broker, broker[:500]  # the broker's traffic was seen
    places = {f"page: {name}": text for name, text in pages.items()}
    places["logs of this process"] = "\n".join(debug_logs.texts)
    places["worker log"] = (tmp_path / "worker.log").read_text(errors="replace")
    places["broker (redis MONITOR)"] = broker
    for message in mail.outbox:
        places[f"mail: {message.subject}"] = message.message().as_string() + "".join(
            str(content) for content, _mime in getattr(message, "alternatives", [])
        )
    for path in mail_dir.glob("*.log"):
        places[f"worker mail {path.name}"] = path.read_text(errors="replace")
    assert_nowhere(canaries, places)


# --- key rotation -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_rotation_reencrypts_connections_and_initial_passwords_then_the_old_key_can_go(world, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PROVIDER_ENCRYPTION_KEYS = [old]
    secret = f'{{"private_key": "{CANARY}-rotation"}}'
    password = f"{CANARY}-password"
    municipality = world.a.municipality
    with scopes_disabled():
        for tenant in (world.a, world.b):
            Connection.objects.filter(pk=tenant.connection.pk).update(
                secret_ciphertext=encrypt_secret(tenant.municipality.pk, secret),
                secret_fingerprint=fingerprint(secret),
            )
        item = JobItem.objects.create(
            job=world.a.job, municipality=municipality, seq=1, phase=1, op="create_user", key="anna@alpha.example",
            status="done", outcome="created", secret_ciphertext=encrypt_secret(municipality.pk, password),
        )  # fmt: skip
    settings.PROVIDER_ENCRYPTION_KEYS = [new, old]
    out, err = io.StringIO(), io.StringIO()
    call_command("rotate_provider_keys", stdout=out, stderr=err)
    assert CANARY not in out.getvalue() + err.getvalue()
    assert "2 secrets and 1 initial passwords re-encrypted, 0 could not be read" in out.getvalue()
    settings.PROVIDER_ENCRYPTION_KEYS = [new]  # the old key is removed
    with scopes_disabled():
        for tenant in (world.a, world.b):
            tenant.connection.refresh_from_db()
            assert tenant.connection.secret() == secret
        item.refresh_from_db()
        assert decrypt_secret(municipality.pk, item.secret_ciphertext) == password
        # The new ciphertexts are readable with the new key alone (not merely still with the old).
        assert MultiFernet([Fernet(new)]).decrypt(item.secret_ciphertext.encode())
    # Still listed in the audit trail, without the secret.
    from schools.models import AuditEvent

    with scopes_disabled():
        entries = list(
            AuditEvent.objects.filter(action="connection.key_rotated").values_list("changes", flat=True)
        )
    assert len(entries) == 2 and all(CANARY not in json.dumps(entry) for entry in entries)


def test_the_rotation_is_needed_for_removing_a_key(settings):
    """Without the rotation, removing the old key makes the secret unreadable (the test above is
    not passing by accident)."""
    from integrations.crypto import SecretError

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PROVIDER_ENCRYPTION_KEYS = [old]
    ciphertext = encrypt_secret(1, CANARY)
    settings.PROVIDER_ENCRYPTION_KEYS = [new]
    with pytest.raises(SecretError):
        decrypt_secret(1, ciphertext)
