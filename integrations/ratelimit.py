"""One rate limiter shared by every worker process and machine, per credential and quota.

A sliding window (like the providers' own): at most ``limit`` calls in any ``window`` seconds.
Calls are counted when their slot is taken and counted again from the moment their answer came
back (``restamp``): the provider counts them on arrival, which may be a little later, and a slot
must not leave our window before the call has left the provider's.
With ``REDIS_URL`` set (production) the window is a Redis sorted set updated by one Lua script,
atomic across machines; in the embedded mode it is a small file under ``var/`` behind an
exclusive file lock, shared by the processes of the machine. A ``Retry-After`` seen by one worker
pauses every worker on that quota until it has passed.
"""

from __future__ import annotations

import fcntl
import json
import math
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

import redis
from django.conf import settings

from integrations.providers import Quota, client_class

if TYPE_CHECKING:
    from integrations.models import Connection

_SCRIPT = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local paused = redis.call('GET', KEYS[2])
if paused and tonumber(paused) > now then
  return tostring(tonumber(paused) - now)
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = tonumber(ARGV[5])
local used = redis.call('ZCARD', key)
if used + count <= limit then
  for i = 1, count do
    redis.call('ZADD', key, now, ARGV[4] .. ':' .. i)
  end
  redis.call('PEXPIRE', key, math.ceil(window * 1000))
  return '0'
end
-- Wait until enough of the oldest calls have left the window for ``count`` new ones.
local freed = redis.call('ZRANGE', key, used + count - limit - 1, used + count - limit - 1, 'WITHSCORES')
return tostring(tonumber(freed[2]) + window - now)
"""


class Limiter(Protocol):
    """A sliding window shared by every worker: ``RedisWindow`` or ``FileWindow``."""

    def try_acquire(
        self, name: str, limit: int, window: float, count: int = 1, ticket: str = ""
    ) -> float: ...

    def restamp(self, name: str, ticket: str, count: int, window: float) -> None: ...

    def pause(self, name: str, seconds: float) -> None: ...

    def usage(self, name: str, window: float) -> tuple[int, float]: ...


class RedisWindow:
    """``prefix`` goes before every key (settings.REDIS_KEY_PREFIX); ``clock`` gives the time of
    every decision (a test can hand in its own)."""

    def __init__(self, url: str, prefix: str = "", clock: Callable[[], float] = time.time):
        self.client = redis.Redis.from_url(url)
        self.script = self.client.register_script(_SCRIPT)
        self.prefix = f"{prefix}:rl:" if prefix else "rl:"
        self.clock = clock

    def try_acquire(self, name: str, limit: int, window: float, count: int = 1, ticket: str = "") -> float:
        now = self.clock()
        wait = self.script(
            keys=[f"{self.prefix}{name}", f"{self.prefix}{name}:pause"],
            args=[now, window, limit, ticket or uuid.uuid4().hex, count],
        )
        return float(wait)

    def restamp(self, name: str, ticket: str, count: int, window: float) -> None:
        now = self.clock()
        with self.client.pipeline() as pipe:
            pipe.zadd(f"{self.prefix}{name}", {f"{ticket}:{i}": now for i in range(1, count + 1)}, xx=True)
            pipe.pexpire(f"{self.prefix}{name}", math.ceil(window * 1000))
            pipe.execute()

    def pause(self, name: str, seconds: float) -> None:
        until = self.clock() + seconds
        current = self.client.get(f"{self.prefix}{name}:pause")
        if current is None or float(current) < until:
            self.client.set(f"{self.prefix}{name}:pause", until, px=int(seconds * 1000) + 1000)

    def usage(self, name: str, window: float) -> tuple[int, float]:
        """(calls taken in the window, seconds left of a pause) — read only, for the job's page."""
        now = self.clock()
        with self.client.pipeline() as pipe:
            pipe.zcount(f"{self.prefix}{name}", now - window, "+inf")
            pipe.get(f"{self.prefix}{name}:pause")
            used, paused = pipe.execute()
        return int(used), max(0.0, float(paused) - now) if paused else 0.0


class FileWindow:
    def __init__(self, folder: Path, clock: Callable[[], float] = time.time):
        self.folder = folder
        self.clock = clock
        self.folder.mkdir(parents=True, exist_ok=True)

    def _locked(self, name: str) -> tuple[IO[str], dict[str, Any]]:
        path = self.folder / f"{name.replace('/', '_').replace(':', '_')}.json"
        handle = open(path, "a+")  # noqa: SIM115 (closed by the caller)
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        try:
            state = json.loads(handle.read() or "{}")
        except ValueError:
            state = {}
        return handle, state

    @staticmethod
    def _save(handle: IO[str], state: dict[str, Any]) -> None:
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(state))
        handle.flush()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()

    def try_acquire(self, name: str, limit: int, window: float, count: int = 1, ticket: str = "") -> float:
        handle, state = self._locked(name)
        now = self.clock()
        paused = float(state.get("paused_until", 0))
        if paused > now:
            self._save(handle, state)
            return paused - now
        # [time, ticket, count] per acquisition, oldest first
        taken = [entry for entry in state.get("taken", []) if entry[0] > now - window]
        used = sum(entry[2] for entry in taken)
        if used + count <= limit:
            taken.append([now, ticket, count])
            wait = 0.0
        else:  # until enough of the oldest calls have left the window
            freed, wait = 0, window
            for stamp, _ticket, n in taken:
                freed += n
                if used - freed + count <= limit:
                    wait = stamp + window - now
                    break
        state["taken"] = taken
        self._save(handle, state)
        return wait

    def restamp(self, name: str, ticket: str, count: int, window: float) -> None:
        handle, state = self._locked(name)
        now = self.clock()
        taken = state.get("taken", [])
        for entry in taken:
            if entry[1] == ticket:
                entry[0] = now
        taken.sort(key=lambda entry: entry[0])
        self._save(handle, state)

    def pause(self, name: str, seconds: float) -> None:
        handle, state = self._locked(name)
        state["paused_until"] = max(state.get("paused_until", 0), self.clock() + seconds)
        self._save(handle, state)

    def usage(self, name: str, window: float) -> tuple[int, float]:
        """(calls taken in the window, seconds left of a pause) — read only, for the job's page."""
        handle, state = self._locked(name)
        self._save(handle, state)
        now = self.clock()
        used = sum(entry[2] for entry in state.get("taken", []) if entry[0] > now - window)
        return used, max(0.0, state.get("paused_until", 0) - now)


def shared_limiter() -> Limiter:
    url = getattr(settings, "REDIS_URL", "")
    if url:
        return RedisWindow(url, getattr(settings, "REDIS_KEY_PREFIX", ""))
    return FileWindow(Path(settings.VAR_DIR) / "ratelimit")


def quota_name(connection: Connection) -> str:
    return f"{connection.provider}:{connection.pk}"


def quota(connection: Connection) -> Quota:
    """The provider's quota (its client's ``quota``), shared by every worker on the connection."""
    return client_class(connection.provider).quota


def wait_for_slot(
    limiter: Limiter,
    connection: Connection,
    *,
    time_scale: float = 1.0,
    max_wait: float = 30.0,
    count: int = 1,
    ticket: str = "",
) -> float:
    """Block until ``count`` calls are allowed (returns 0), or return how long to come back after.
    With a ``ticket``, ``answered`` once the calls are answered counts them from then on."""
    limit, window = quota(connection)
    window = window / time_scale
    count = min(count, limit)
    waited = 0.0
    while True:
        wait = limiter.try_acquire(quota_name(connection), limit, window, count, ticket)
        if wait <= 0:
            return 0.0
        if waited + wait > max_wait:
            return wait
        time.sleep(wait)
        waited += wait


def quota_state(limiter: Limiter, connection: Connection, *, time_scale: float = 1.0) -> dict[str, Any]:
    """How much of the quota the workers use now and whether the provider paused them:
    ``used`` of ``limit`` calls per ``window`` seconds (provider time), ``paused`` seconds left."""
    limit, window = quota(connection)
    used, paused = limiter.usage(quota_name(connection), window / time_scale)
    return {"used": used, "limit": limit, "window": int(window), "paused": paused}


def answered(
    limiter: Limiter, connection: Connection, ticket: str, count: int, *, time_scale: float = 1.0
) -> None:
    """The calls taken with ``ticket`` have been answered: count them from now."""
    limit, window = quota(connection)
    limiter.restamp(quota_name(connection), ticket, min(count, limit), window / time_scale)
