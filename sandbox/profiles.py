"""Profiles: how fast, how delayed and how unreliable the sandbox is. Numbers in provider time;
``time_scale`` divides every duration (latency, replication delay, quota window)."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    name: str
    latency: tuple[float, float]  # seconds, uniform
    replication_delay: float  # seconds before a new user/group is visible to get, list, member-add
    error_rate: float = 0.0  # share of calls answered 500/503
    drop_rate: float = 0.0  # share of connections closed without an answer
    storm_rate: float = 0.0  # share of calls answered 429 regardless of quota
    # Share of calls that do their work and then answer 500/503 anyway: the change is made, the
    # answer is lost (a retry must find what exists instead of making it again).
    late_error_rate: float = 0.0
    # Outages: in every period of ``outage_slot`` seconds, the first ``outage_share`` of it
    # answers every call with 500/503 (bursts rather than scattered errors).
    outage_share: float = 0.0
    outage_slot: float = 20.0

    def pick_latency(self, rng: random.Random) -> float:
        low, high = self.latency
        return rng.uniform(low, high) if high > 0 else 0.0


PROFILES = {
    # Published quotas, 100-300 ms latency, objects visible after a short replication delay.
    "realistic": Profile("realistic", latency=(0.1, 0.3), replication_delay=2.0),
    # For unit tests: same quotas and error shapes, no latency, no delay.
    "fast": Profile("fast", latency=(0.0, 0.0), replication_delay=0.0),
    # For resilience tests: 5 % server errors, 2 % dropped connections, 5 % throttling storms.
    "chaos": Profile(
        "chaos", latency=(0.02, 0.1), replication_delay=1.0, error_rate=0.05, drop_rate=0.02, storm_rate=0.05
    ),
    # For the test of an item that waits too long: quick answers, but anything new takes a
    # minute to be seen (Entra ID's replication at its slowest).
    "lagging": Profile("lagging", latency=(0.0, 0.01), replication_delay=60.0),
    # For the 5xx-storm test: bursts of server errors (6 seconds of every 20 answer nothing
    # else), and outside them one call in twenty fails after its work was done.
    "storm5xx": Profile(
        "storm5xx", latency=(0.0, 0.02), replication_delay=0.5, late_error_rate=0.05, outage_share=0.3
    ),
}
