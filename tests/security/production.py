"""Run Django in a subprocess with production environment variables and report what it does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "PRODUCTION": "true",
    "SECRET_KEY": "x" * 64 + "-production-secret-that-is-long-and-random-1234567890",
    "PROVIDER_ENCRYPTION_KEYS": "3mLJmFvx0Zc4-3BqKo8u3sqvR1cE2p8JuyQy4BG5d9E=",
    "ALLOWED_HOSTS": "portal.example.org",
    "DATABASE_URL": "postgres://portal@db.example/portal",
    "CELERY_BROKER_URL": "redis://redis.example:6379/0",
    "REDIS_URL": "redis://redis.example:6379/1",
}


def manage(args: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    dropped = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "PRODUCTION")
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **PRODUCTION_ENV, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


# Fetches a page (the 404 page: the shell, with the language form and its CSRF cookie) over
# HTTPS; it needs neither database nor cache.
_PROBE = """
import json
from django.conf import settings
from django.test import Client
response = Client().get("/no-such-page/", secure=True, HTTP_HOST="portal.example.org")
plain = Client().get("/no-such-page/", HTTP_HOST="portal.example.org")
csrf = response.cookies.get(settings.CSRF_COOKIE_NAME)
names = [
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_AGE",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "LANGUAGE_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "DEBUG",
]
print("PROBE" + json.dumps({
    "status": response.status_code,
    "headers": dict(response.headers),
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "csrf_cookie": {k: csrf[k] for k in ("secure", "httponly", "samesite")} if csrf else None,
    "settings": {name: getattr(settings, name) for name in names},
}))
"""


def production_probe() -> dict:
    result = manage(["shell", "-c", _PROBE], {"STATIC_MANIFEST": "false"})
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("PROBE"))
    return json.loads(line[len("PROBE") :])
