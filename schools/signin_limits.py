"""Failed sign-ins, counted so that a guesser is slowed down and nobody else is locked out.

A plain per-address limit locks every teacher behind one school's network when one of them
mistypes; a plain per-account limit lets a stranger lock an officer out. So three counters,
all in the shared cache (Redis in production: ``config.settings`` refuses several web
processes without it):

- **one account from one address**: ``FREE_TRIES`` failures are free, then each attempt must
  wait a delay that doubles from ``FIRST_DELAY`` up to ``MAX_DELAY`` (a guesser at one machine);
  a browser that signed in to the account before is counted by itself instead (its own
  ``FREE_TRIES`` and delays), so a stranger behind the same school network cannot slow it;
- **one account from any address**, for guessing spread over many machines: the same growing
  delay after ``ACCOUNT_FREE_TRIES`` failures in ``WINDOW`` — but a browser that signed in to
  this account before (it carries a signed *known device* cookie, as OWASP recommends) is
  counted only by its own pair, so a stranger's failures never delay the officer at her desk;
- **one address, any account** (password spraying): ``ADDRESS_LIMIT`` failures in ``WINDOW``,
  high enough for a whole staff room; known devices are exempt here too.

A success clears the pair's counter and remembers the device. Numbers: NIST SP 800-63B 5.2.2
(at most 100 consecutive failures per account, delays rather than lockouts).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from django.core import signing
from django.core.cache import cache

FREE_TRIES = 5
ACCOUNT_FREE_TRIES = 20
FIRST_DELAY = 2.0  # seconds
MAX_DELAY = 15 * 60.0
WINDOW = 60 * 60  # seconds a counter lives after its last failure
ADDRESS_LIMIT = 100
DEVICE_COOKIE = "sitc_device"
DEVICE_SALT = "schools.signin_limits.device"
DEVICE_MAX_AGE = 180 * 24 * 3600
DEVICE_ACCOUNTS = 10  # accounts one shared computer remembers


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt: the account's address as typed, the client's address, the device."""

    login: str
    address: str
    known_device: bool
    device: str = ""  # the browser's id from its known-device cookie ("" without one)

    @property
    def account(self) -> str:
        return _digest("account", self.login.strip().lower())

    def keys(self) -> list[tuple[str, int]]:
        """(cache key, free tries) of the counters this attempt is held to. A browser this account
        signed in on before counts only its own failures: strangers guessing from the same school
        network or from anywhere else never slow it down."""
        if self.known_device:
            return [(f"signin:device:{_digest(self.account, self.device)}", FREE_TRIES)]
        return [
            (f"signin:pair:{_digest(self.account, self.address)}", FREE_TRIES),
            (f"signin:account:{self.account}", ACCOUNT_FREE_TRIES),
        ]

    @property
    def address_key(self) -> str:
        return f"signin:address:{_digest(self.address)}"


def delay(failures: int, free: int) -> float:
    """Seconds to wait after ``failures`` failures of which ``free`` cost nothing."""
    if failures < free:
        return 0.0
    return min(MAX_DELAY, FIRST_DELAY * 2 ** (failures - free))


def wait_seconds(attempt: Attempt, now: float | None = None) -> float:
    """How long this attempt must still wait (0: it may try now)."""
    now = time.time() if now is None else now
    waits = [0.0]
    for key, free in attempt.keys():
        state = cache.get(key)
        if state:
            waits.append(state["last"] + delay(state["failures"], free) - now)
    if not attempt.known_device and (cache.get(attempt.address_key) or 0) >= ADDRESS_LIMIT:
        waits.append(float(WINDOW))
    return max(waits)


def record_failure(attempt: Attempt, now: float | None = None) -> None:
    now = time.time() if now is None else now
    for key, _free in attempt.keys():
        state = cache.get(key) or {"failures": 0}
        cache.set(key, {"failures": state["failures"] + 1, "last": now}, WINDOW)
    if not attempt.known_device:
        cache.add(attempt.address_key, 0, WINDOW)
        try:
            cache.incr(attempt.address_key)
        except ValueError:  # expired between add and incr
            cache.set(attempt.address_key, 1, WINDOW)


def record_success(attempt: Attempt) -> None:
    """The attempt's own counter (its address's, or its known browser's) starts afresh; the
    account-wide count of strangers' failures stays."""
    cache.delete(attempt.keys()[0][0])


def _device(cookie: str | None) -> dict:
    """The signed cookie's content: {"d": the browser's id, "a": account digests}, or empty."""
    if not cookie:
        return {}
    try:
        value = signing.loads(cookie, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE)
    except signing.BadSignature:
        return {}
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("d"), str)
        or not isinstance(value.get("a"), list)
    ):
        return {}
    return {"d": value["d"], "a": [item for item in value["a"] if isinstance(item, str)]}


def device_of(cookie: str | None) -> tuple[str, list[str]]:
    """(the browser's id, the accounts that signed in on it before) from its signed cookie."""
    device = _device(cookie)
    return device.get("d", ""), device.get("a", [])


def remember_account(cookie: str | None, login: str) -> str:
    """The cookie value after ``login`` signed in on this browser (most recent first)."""
    device, known = device_of(cookie)
    account = Attempt(login, "", False).account
    accounts = [account, *(a for a in known if a != account)][:DEVICE_ACCOUNTS]
    return signing.dumps({"d": device or secrets.token_urlsafe(16), "a": accounts}, salt=DEVICE_SALT)
