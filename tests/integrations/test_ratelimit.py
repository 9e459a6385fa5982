"""The shared rate limiter: no window ever holds more than the limit, across processes."""

import multiprocessing
import os
import time

import pytest

from integrations.ratelimit import FileWindow, RedisWindow


def _hammer(kind, target, name, limit, window, seconds, queue, count=1):
    limiter = FileWindow(target) if kind == "file" else RedisWindow(target)
    taken, longest = [], 0.0
    deadline = time.time() + seconds
    while time.time() < deadline:
        before = time.time()
        if limiter.try_acquire(name, limit, window, count) == 0:
            after = time.time()
            taken.extend([after] * count)
            longest = max(longest, after - before)  # the limiter's clock read somewhere in between
        else:
            time.sleep(0.005)
    queue.put((taken, longest))


def _limiters(tmp_path):
    yield "file", tmp_path / "rl"
    url = os.environ.get("REDIS_URL")
    if url:
        yield "redis", url


def _limiter(tmp_path, kind):
    """One limiter of ``kind`` (the test is skipped for Redis when there is none)."""
    targets = dict(_limiters(tmp_path))
    if kind not in targets:
        pytest.skip("REDIS_URL is not set (CI sets it)")
    return FileWindow(targets[kind]) if kind == "file" else RedisWindow(targets[kind])


@pytest.mark.parametrize("count", [1, 7])
@pytest.mark.parametrize("kind", ["file", "redis"])
def test_no_window_exceeds_the_limit_across_processes(tmp_path, kind, count):
    """Also when a worker takes several calls at once (a batch request)."""
    targets = dict(_limiters(tmp_path))
    if kind not in targets:
        pytest.skip("REDIS_URL is not set (CI sets it)")
    limit, window, name = 30, 0.5, f"test:{kind}:{count}:{time.time()}"
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [
        context.Process(target=_hammer, args=(kind, targets[kind], name, limit, window, 2.0, queue, count))
        for _ in range(3)
    ]
    for process in processes:
        process.start()
    answers = [queue.get(timeout=30) for _ in processes]
    times = sorted(t for taken, _longest in answers for t in taken)
    for process in processes:
        process.join(timeout=30)
    assert len(times) > limit  # the windows moved on and let more through
    # Every window starting at a call holds at most `limit`. The times are read just after each
    # call returned, up to one call's duration after the limiter's own clock (more on a loaded
    # machine): allow the longest call seen.
    slack = max(0.02, max(longest for _taken, longest in answers))
    for i, start in enumerate(times):
        inside = sum(1 for t in times[i:] if t < start + window - slack)
        assert inside <= limit


def test_a_pause_stops_everyone(tmp_path):
    limiter = FileWindow(tmp_path / "rl")
    limiter.pause("q", 0.3)
    assert limiter.try_acquire("q", 100, 1.0) > 0
    other = FileWindow(tmp_path / "rl")  # another worker process sees the same pause
    assert other.try_acquire("q", 100, 1.0) > 0
    time.sleep(0.35)
    assert limiter.try_acquire("q", 100, 1.0) == 0


@pytest.mark.parametrize("kind", ["file", "redis"])
def test_a_batch_waits_until_the_window_has_room_for_all_of_it(tmp_path, kind):
    limiter = _limiter(tmp_path, kind)
    name = f"batch:{kind}:{time.time()}"
    assert limiter.try_acquire(name, 30, 0.6, 20) == 0
    time.sleep(0.2)
    assert limiter.try_acquire(name, 30, 0.6, 5) == 0
    # 25 taken: 10 more do not fit until the first 20 have left the window (about 0.4 s from now).
    wait = limiter.try_acquire(name, 30, 0.6, 10)
    assert 0.2 < wait <= 0.6
    assert limiter.try_acquire(name, 30, 0.6, 5) == 0  # what still fits is taken at once
    time.sleep(wait + 0.01)
    assert limiter.try_acquire(name, 30, 0.6, 10) == 0


@pytest.mark.parametrize("kind", ["file", "redis"])
def test_calls_count_from_their_answer_once_restamped(tmp_path, kind):
    """A call reaches the provider after its slot was taken: the provider's window holds it longer
    than ours would, so slots are counted again from the moment the answer came back."""
    limiter = _limiter(tmp_path, kind)
    name = f"restamp:{kind}:{time.time()}"
    assert limiter.try_acquire(name, 10, 0.5, 10, "slow") == 0
    time.sleep(0.3)  # the request took this long to be answered
    limiter.restamp(name, "slow", 10, 0.5)
    time.sleep(0.3)  # 0.6 s after taking the slots, 0.3 s after the answer
    assert limiter.try_acquire(name, 10, 0.5, 1) > 0  # still inside the window
    time.sleep(0.25)
    assert limiter.try_acquire(name, 10, 0.5, 1) == 0


@pytest.mark.parametrize("kind", ["file", "redis"])
def test_usage_reads_the_window_and_the_pause_without_taking_anything(tmp_path, kind):
    """What the job's page shows: the calls in the window and the pause left, for every worker."""
    limiter = _limiter(tmp_path, kind)
    name = f"usage:{kind}:{time.time()}"
    assert limiter.usage(name, 0.5) == (0, 0.0)
    assert limiter.try_acquire(name, 10, 0.5, 7) == 0
    assert limiter.usage(name, 0.5) == (7, 0.0)
    assert limiter.usage(name, 0.5) == (7, 0.0)  # reading took nothing
    limiter.pause(name, 2)
    used, paused = limiter.usage(name, 0.5)
    assert used == 7 and 1.5 < paused <= 2
    time.sleep(0.55)
    assert limiter.usage(name, 0.5)[0] == 0  # the calls left the window
