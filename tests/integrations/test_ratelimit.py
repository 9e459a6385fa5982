"""The shared rate limiter: no window ever holds more than the limit, across processes.

The checks read the limiter's own clock: across processes, the time each call was granted as the
limiter saw it; in one process, a clock the test moves on. Nothing depends on how fast the machine
is at the moment.
"""

import multiprocessing
import os
import time
import uuid

import pytest

from integrations.ratelimit import FileWindow, RedisWindow


class RecordingClock:
    """The real clock, remembering its last reading: the limiter reads it once per decision."""

    def __init__(self):
        self.last = 0.0

    def __call__(self) -> float:
        self.last = time.time()
        return self.last


class FakeClock:
    """A clock that only moves when the test says so."""

    def __init__(self):
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _make(kind, target, clock):
    return FileWindow(target, clock=clock) if kind == "file" else RedisWindow(target, clock=clock)


def _hammer(kind, target, name, limit, window, queue, count=1):
    """One process: take calls until it was granted ``limit`` of them (so the windows had to move
    on); report the limiter's time of each grant."""
    clock = RecordingClock()
    limiter = _make(kind, target, clock)
    granted = []
    deadline = time.monotonic() + 60  # a safety net only: the loop ends by count
    while len(granted) < limit and time.monotonic() < deadline:
        if limiter.try_acquire(name, limit, window, count) == 0:
            granted.extend([clock.last] * count)
        else:
            time.sleep(0.005)
    queue.put(granted)


def _targets(tmp_path):
    targets = {"file": tmp_path / "rl"}
    if os.environ.get("REDIS_URL"):
        targets["redis"] = os.environ["REDIS_URL"]
    return targets


def _limiter(tmp_path, kind, clock):
    """One limiter of ``kind`` on ``clock`` (the test is skipped for Redis when there is none)."""
    targets = _targets(tmp_path)
    if kind not in targets:
        pytest.skip("REDIS_URL is not set (CI sets it)")
    return _make(kind, targets[kind], clock)


def _name(what: str) -> str:
    return f"test:{what}:{uuid.uuid4().hex}"


@pytest.mark.parametrize("count", [1, 7])
@pytest.mark.parametrize("kind", ["file", "redis"])
def test_no_window_exceeds_the_limit_across_processes(tmp_path, kind, count):
    """Also when a worker takes several calls at once (a batch request)."""
    targets = _targets(tmp_path)
    if kind not in targets:
        pytest.skip("REDIS_URL is not set (CI sets it)")
    limit, window, name = 30, 0.5, _name(f"{kind}:{count}")
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [
        context.Process(target=_hammer, args=(kind, targets[kind], name, limit, window, queue, count))
        for _ in range(3)
    ]
    for process in processes:
        process.start()
    answers = [queue.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    times = sorted(t for granted in answers for t in granted)
    assert all(len(granted) >= limit for granted in answers)  # the windows moved on and let more through
    # Every window starting at a grant holds at most `limit`: the limiter's own times, no slack.
    for i, start in enumerate(times):
        inside = sum(1 for t in times[i:] if t < start + window)
        assert inside <= limit, (start, inside)


@pytest.mark.parametrize("kind", ["file", "redis"])
def test_a_pause_stops_everyone(tmp_path, kind):
    clock = FakeClock()
    limiter = _limiter(tmp_path, kind, clock)
    name = _name("pause")
    limiter.pause(name, 30)
    assert limiter.try_acquire(name, 100, 60) == pytest.approx(30)
    other = _limiter(tmp_path, kind, clock)  # another worker process sees the same pause
    clock.advance(10)
    assert other.try_acquire(name, 100, 60) == pytest.approx(20)
    clock.advance(20.01)
    assert limiter.try_acquire(name, 100, 60) == 0


@pytest.mark.parametrize("kind", ["file", "redis"])
def test_a_batch_waits_until_the_window_has_room_for_all_of_it(tmp_path, kind):
    clock = FakeClock()
    limiter = _limiter(tmp_path, kind, clock)
    name = _name("batch")
    assert limiter.try_acquire(name, 30, 60, 20) == 0
    clock.advance(20)
    assert limiter.try_acquire(name, 30, 60, 5) == 0
    # 25 taken: 10 more do not fit until the first 20 have left the window (40 s from now).
    wait = limiter.try_acquire(name, 30, 60, 10)
    assert wait == pytest.approx(40)
    assert limiter.try_acquire(name, 30, 60, 5) == 0  # what still fits is taken at once
    clock.advance(39.9)
    assert limiter.try_acquire(name, 30, 60, 10) > 0  # not yet
    clock.advance(0.2)
    assert limiter.try_acquire(name, 30, 60, 10) == 0


@pytest.mark.parametrize("kind", ["file", "redis"])
def test_calls_count_from_their_answer_once_restamped(tmp_path, kind):
    """A call reaches the provider after its slot was taken: the provider's window holds it longer
    than ours would, so slots are counted again from the moment the answer came back."""
    clock = FakeClock()
    limiter = _limiter(tmp_path, kind, clock)
    name = _name("restamp")
    assert limiter.try_acquire(name, 10, 50, 10, "slow") == 0
    clock.advance(30)  # the request took this long to be answered
    limiter.restamp(name, "slow", 10, 50)
    clock.advance(30)  # 60 s after taking the slots, 30 s after the answer
    assert limiter.try_acquire(name, 10, 50, 1) == pytest.approx(20)  # still inside the window
    clock.advance(20.01)
    assert limiter.try_acquire(name, 10, 50, 1) == 0


@pytest.mark.parametrize("kind", ["file", "redis"])
def test_usage_reads_the_window_and_the_pause_without_taking_anything(tmp_path, kind):
    """What the job's page shows: the calls in the window and the pause left, for every worker."""
    clock = FakeClock()
    limiter = _limiter(tmp_path, kind, clock)
    name = _name("usage")
    assert limiter.usage(name, 50) == (0, 0.0)
    assert limiter.try_acquire(name, 10, 50, 7) == 0
    assert limiter.usage(name, 50) == (7, 0.0)
    assert limiter.usage(name, 50) == (7, 0.0)  # reading took nothing
    limiter.pause(name, 20)
    clock.advance(5)
    assert limiter.usage(name, 50) == (7, pytest.approx(15))
    clock.advance(45.01)
    assert limiter.usage(name, 50) == (0, 0.0)  # the calls left the window, the pause is over
