"""Settings come from the environment and fail loudly on bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str, parse_database_url

ROOT = Path(__file__).resolve().parents[2]


def test_helpers_read_values_and_files(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("SOME_SECRET_FILE", str(secret))
    monkeypatch.setenv("SOME_FLAG", "yes")
    monkeypatch.setenv("SOME_NUMBER", "42")
    monkeypatch.setenv("SOME_LIST", "a, b,,c")
    assert env_str("SOME_SECRET") == "from-a-file"
    assert env_bool("SOME_FLAG", False) is True
    assert env_int("SOME_NUMBER", 0) == 42
    assert env_list("SOME_LIST") == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("name", "value", "call"),
    [
        ("A_FLAG", "perhaps", lambda: env_bool("A_FLAG", False)),
        ("A_NUMBER", "ten", lambda: env_int("A_NUMBER", 1)),
        ("A_NUMBER", "-5", lambda: env_int("A_NUMBER", 1, minimum=0)),
    ],
)
def test_bad_values_fail_loudly(monkeypatch, name, value, call):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        call()


def test_database_urls(tmp_path):
    pg = parse_database_url(
        "postgres://u:p%40ss@db.example:6543/portal?sslmode=require", sqlite_base=tmp_path
    )
    assert (pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "portal",
        "u",
        "p@ss",
        "db.example",
        "6543",
    )
    assert pg["OPTIONS"] == {"sslmode": "require"}
    lite = parse_database_url("sqlite:///data/x.sqlite3", sqlite_base=tmp_path)
    assert lite["NAME"] == str(tmp_path / "data/x.sqlite3")
    assert lite["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in lite["OPTIONS"]["init_command"]
    with pytest.raises(ImproperlyConfigured):
        parse_database_url("mysql://x/y", sqlite_base=tmp_path)


def _manage(args, env):
    dropped = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION_ENV = {
    "PRODUCTION": "true",
    "SECRET_KEY": "x" * 64 + "-production-secret-that-is-long-and-random-1234567890",
    "PROVIDER_ENCRYPTION_KEYS": "3mLJmFvx0Zc4-3BqKo8u3sqvR1cE2p8JuyQy4BG5d9E=",
    "ALLOWED_HOSTS": "portal.example.org",
    "DATABASE_URL": "postgres://portal@db.example/portal",
    "CELERY_BROKER_URL": "redis://redis.example:6379/0",
    "REDIS_URL": "redis://redis.example:6379/1",
}


def test_check_deploy_is_clean_with_production_variables():
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = _manage(["check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
