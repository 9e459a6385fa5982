"""Quota windows shared by every connection of the sandbox, with the statistics tests read.

``SlidingWindow`` counts cost in the last ``window`` seconds per key (e.g. 2,400 Directory API
queries per minute per user); ``acquire`` either takes the cost or says how long to wait.
``Concurrency`` limits simultaneous requests per key (Google's per-customer limit).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from contextlib import contextmanager


class SlidingWindow:
    def __init__(self, name: str, limit: int, window: float):
        self.name = name
        self.limit = limit
        self.window = window
        self.lock = threading.Lock()
        self.events: dict[str, deque] = defaultdict(deque)  # key -> deque[(timestamp, cost)]
        self.totals: dict[str, float] = defaultdict(float)
        self.highest: dict[str, float] = defaultdict(float)
        self.refused = 0

    def acquire(self, key: str, cost: float = 1.0, now: float | None = None) -> tuple[bool, float]:
        """(True, 0) when taken; (False, seconds until enough of the window has passed) otherwise."""
        now = time.monotonic() if now is None else now
        with self.lock:
            events = self.events[key]
            while events and events[0][0] <= now - self.window:
                _ts, old = events.popleft()
                self.totals[key] -= old
            if self.totals[key] + cost > self.limit:
                self.refused += 1
                # Wait until enough old cost leaves the window.
                needed = self.totals[key] + cost - self.limit
                freed = 0.0
                retry = self.window
                for ts, old in events:
                    freed += old
                    if freed >= needed:
                        retry = ts + self.window - now
                        break
                return False, max(retry, 0.001)
            events.append((now, cost))
            self.totals[key] += cost
            self.highest[key] = max(self.highest[key], self.totals[key])
            return True, 0.0

    def stats(self) -> dict:
        with self.lock:
            return {
                "limit": self.limit,
                "window_seconds": self.window,
                "refused": self.refused,
                "highest_in_any_window": dict(self.highest),
            }


class Concurrency:
    def __init__(self, name: str, limit: int):
        self.name = name
        self.limit = limit
        self.lock = threading.Lock()
        self.active: dict[str, int] = defaultdict(int)
        self.highest: dict[str, int] = defaultdict(int)
        self.refused = 0

    @contextmanager
    def hold(self, key: str):
        """Yields True when a slot was taken, False when the limit is reached."""
        with self.lock:
            taken = self.active[key] < self.limit
            if taken:
                self.active[key] += 1
                self.highest[key] = max(self.highest[key], self.active[key])
            else:
                self.refused += 1
        try:
            yield taken
        finally:
            if taken:
                with self.lock:
                    self.active[key] -= 1

    def stats(self) -> dict:
        with self.lock:
            return {"limit": self.limit, "refused": self.refused, "highest_concurrent": dict(self.highest)}


class Quotas:
    """Named limiters, created on first use with the numbers the provider module gives."""

    def __init__(self, time_scale: float = 1.0):
        self.time_scale = time_scale
        self.lock = threading.Lock()
        self.windows: dict[str, SlidingWindow] = {}
        self.concurrency: dict[str, Concurrency] = {}

    def window(self, name: str, limit: int, seconds: float) -> SlidingWindow:
        """A window of ``seconds`` of provider time (shortened by the time scale)."""
        with self.lock:
            if name not in self.windows:
                self.windows[name] = SlidingWindow(name, limit, seconds / self.time_scale)
            return self.windows[name]

    def concurrent(self, name: str, limit: int) -> Concurrency:
        with self.lock:
            if name not in self.concurrency:
                self.concurrency[name] = Concurrency(name, limit)
            return self.concurrency[name]

    def stats(self) -> dict:
        with self.lock:
            windows = dict(self.windows)
            concurrency = dict(self.concurrency)
        return {
            "windows": {name: w.stats() for name, w in windows.items()},
            "concurrency": {name: c.stats() for name, c in concurrency.items()},
        }

    def reset(self) -> None:
        with self.lock:
            self.windows.clear()
            self.concurrency.clear()
