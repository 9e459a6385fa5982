"""Directory API quotas, applied to every call (each part of a batch counts on its own).

- 2,400 queries per minute per user per project → 403 ``userRateLimitExceeded``;
- at most ``CONCURRENT_PER_CUSTOMER`` requests of one Workspace account in flight → 429
  ``rateLimitExceeded`` (Google publishes that this limit exists, per account, not its size);
- chaos storms: when the profile's ``storm_rate`` hits, the customer is throttled for
  ``STORM_SECONDS`` (provider time) and every call meanwhile gets 429 ``rateLimitExceeded``.

Numbers and their sources: SOURCES.md. The control API can lower both limits for a test.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

from sandbox.google import errors
from sandbox.http import ApiError

PER_USER_WINDOW = "google:per-user"
PER_USER_LIMIT = 2400
PER_USER_SECONDS = 60
CONCURRENT = "google:concurrent"
CONCURRENT_PER_CUSTOMER = 20  # the sandbox's choice: Google does not publish the number
STORM_SECONDS = 1.0


def per_user(sandbox):
    return sandbox.quotas.window(PER_USER_WINDOW, PER_USER_LIMIT, PER_USER_SECONDS)


def concurrency(sandbox):
    return sandbox.quotas.concurrent(CONCURRENT, CONCURRENT_PER_CUSTOMER)


def _storm(sandbox, customer: str) -> bool:
    key = f"google:{customer}"
    now = time.monotonic()
    if sandbox.throttle_until.get(key, 0.0) > now:
        return True
    if sandbox.profile.storm_rate and sandbox.random() < sandbox.profile.storm_rate:
        sandbox.throttle_until[key] = now + sandbox.scaled(STORM_SECONDS)
        return True
    return False


@contextmanager
def admit(sandbox, request, principal):
    """Run the body of a Directory call inside the quotas, or raise the quota error."""
    if _storm(sandbox, principal.customer):
        raise ApiError(errors.rate_limit())
    with concurrency(sandbox).hold(principal.customer) as taken:
        if not taken:
            raise ApiError(errors.rate_limit())
        quota_user = request.arg("quotaUser")
        key = f"{principal.consumer}:{quota_user}" if quota_user else principal.quota_user
        allowed, _retry_after = per_user(sandbox).acquire(key)
        if not allowed:
            raise ApiError(errors.user_rate_limit(f"project_number:{_project_number(principal.consumer)}"))
        yield


def _project_number(consumer: str) -> str:
    """A stable 12-digit number standing in for the Cloud project's number."""
    return str(int.from_bytes(consumer.encode()[:16].ljust(16, b"\0"), "big") % 10**12).rjust(12, "1")


def set_limits(sandbox, data: dict) -> dict:
    """Control: lower (or restore) the limits of this sandbox until the next reset."""
    if "per_user_per_minute" in data:
        per_user(sandbox).limit = int(data["per_user_per_minute"])
    if "concurrent_per_customer" in data:
        concurrency(sandbox).limit = int(data["concurrent_per_customer"])
    return limits(sandbox)


def limits(sandbox) -> dict:
    return {
        "per_user_per_minute": per_user(sandbox).limit,
        "window_seconds": per_user(sandbox).window,
        "concurrent_per_customer": concurrency(sandbox).limit,
        "storm_seconds": sandbox.scaled(STORM_SECONDS),
    }
