"""The quota windows on a clock the test moves: the sliding window counts cost over the last
``window`` seconds and says how long to wait; the concurrency limit counts calls in flight."""

from sandbox.quotas import Concurrency, Quotas, SlidingWindow


def test_a_window_refuses_beyond_the_limit_and_says_when_there_is_room():
    window = SlidingWindow("w", limit=5, window=60)
    assert [window.acquire("u", now=0)[0] for _ in range(3)] == [True] * 3
    assert [window.acquire("u", now=20)[0] for _ in range(2)] == [True] * 2
    assert window.acquire("u", now=30) == (False, 30)  # the calls at 0 leave the window at 60
    assert window.acquire("other", now=30) == (True, 0.0)  # every key has its own window
    assert window.acquire("u", now=59.9)[0] is False
    assert window.acquire("u", now=60) == (True, 0.0)  # (0, 60]: the first three are out
    assert window.acquire("u", now=60)[0] and window.acquire("u", now=60)[0]
    assert window.acquire("u", now=60) == (False, 20)  # the two at 20 leave at 80
    stats = window.stats()
    assert stats["highest_in_any_window"] == {"u": 5, "other": 1}
    assert stats["refused"] == 3 and stats["window_seconds"] == 60


def test_a_costly_call_waits_until_enough_has_left_the_window():
    window = SlidingWindow("w", limit=10, window=10)
    assert window.acquire("u", cost=4, now=0)[0] and window.acquire("u", cost=4, now=5)[0]
    assert window.acquire("u", cost=6, now=6) == (False, 4)  # the 4 taken at 0 free enough at 10
    assert window.acquire("u", cost=6, now=10) == (True, 0.0)
    assert window.acquire("u", cost=11, now=100) == (False, 10)  # never fits: a whole window


def test_the_time_scale_shortens_every_window():
    quotas = Quotas(time_scale=20)
    assert quotas.window("google:per-user", 2400, 60).window == 3
    assert quotas.window("google:per-user", 1, 1) is quotas.window("google:per-user", 2400, 60)
    quotas.reset()
    assert quotas.stats() == {"windows": {}, "concurrency": {}}


def test_concurrency_counts_the_calls_in_flight():
    limit = Concurrency("c", limit=2)
    with limit.hold("customer") as first, limit.hold("customer") as second:
        with limit.hold("customer") as third, limit.hold("elsewhere") as other:
            assert (first, second, third, other) == (True, True, False, True)
    with limit.hold("customer") as again:
        assert again
    stats = limit.stats()
    assert stats["highest_concurrent"] == {"customer": 2, "elsewhere": 1} and stats["refused"] == 1
