"""Headers and configuration: CSP without 'unsafe-inline', HSTS, frame denial, referrer policy,
nosniff and secure cookies in production; `check --deploy` clean."""

import pytest

from tests.security.production import manage, production_probe

EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def parse_csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.fixture(scope="module")
def probe():
    return production_probe()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/healthz", "/static-missing/", "/m/nowhere/"])
def test_every_response_carries_a_strict_content_security_policy(client, path):
    response = client.get(path)
    policy = parse_csp(response["Content-Security-Policy"])
    for directive, sources in EXPECTED_CSP.items():
        assert policy.get(directive) == sources, (directive, policy)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_signed_in_pages_carry_the_policy_too(world, client_for):
    response = client_for(world.a.users["officer"]).get(f"/m/{world.a.municipality.slug}/")
    assert response.status_code == 200
    assert parse_csp(response["Content-Security-Policy"])["script-src"] == ["'self'"]


def test_external_sign_in_providers_are_allowed_as_form_targets_only_when_configured():
    env = {
        "GOOGLE_CLIENT_ID": "id",
        "GOOGLE_CLIENT_SECRET": "secret",
        "GOOGLE_ALLOWED_DOMAINS": "school.example",
    }
    result = manage(
        ["shell", "-c", "from django.conf import settings; print(settings.CONTENT_SECURITY_POLICY)"], env
    )
    assert result.returncode == 0, result.stderr
    policy = parse_csp(result.stdout)
    assert policy["form-action"] == ["'self'", "https://accounts.google.com"]
    assert policy["script-src"] == ["'self'"]


def test_production_headers(probe):
    headers = probe["headers"]
    assert probe["status"] == 404
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert parse_csp(headers["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]


def test_production_redirects_plain_http_to_https(probe):
    assert probe["plain_status"] == 301
    assert probe["plain_location"].startswith("https://portal.example.org/")


def test_production_cookies_are_secure_http_only_and_same_site(probe):
    values = probe["settings"]
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["LANGUAGE_COOKIE_SECURE"] is True
    # The CSRF cookie the sign-in page sets, as the browser receives it.
    assert probe["csrf_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_sessions_are_short_and_end_with_the_browser(probe):
    values = probe["settings"]
    assert values["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert values["SESSION_COOKIE_AGE"] <= 8 * 3600


def test_check_deploy_is_clean_in_production():
    result = manage(["check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_signed_in_pages_are_never_cached_on_a_shared_school_computer(world, client_for):
    slug = world.a.municipality.slug
    director = client_for(world.a.users["director"])
    for path in (f"/m/{slug}/people/", f"/m/{slug}/", "/accounts/email/"):
        response = director.get(path)
        assert response.status_code in (200, 302), path
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], path
