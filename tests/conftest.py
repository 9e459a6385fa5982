import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import Client
from hypothesis import settings as hypothesis_settings

from tests.factories import make_world

# Hypothesis derandomised: the same examples on every run (no test depends on chance), no
# per-example deadline (the machine may be busy; speed is measured in benchmarks, not here).
hypothesis_settings.register_profile("portal", derandomize=True, deadline=None, database=None)
hypothesis_settings.load_profile("portal")

# Under `--dist loadgroup` (make test) the tests of one group run one after another on one xdist
# worker, while the other worker takes the rest: the tests that start real Celery worker processes
# (each brings its own worker pool, sandbox and often its own redis-server) never run two at a
# time, and the browser journeys share one Chromium.
GROUPS = {"worker": "celery-workers", "e2e": "browser"}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    for item in items:
        for marker, group in GROUPS.items():
            if item.get_closest_marker(marker):
                item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing costs ~0.3 s a user; the tests create dozens. Production keeps PBKDF2."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def client_for():
    """A signed-in browser session for a user (MFA-role users in the world already have TOTP)."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def _clear_cache() -> None:
    """Empty the cache; with a Redis shared by xdist workers only this worker's keys (they start
    with REDIS_KEY_PREFIX), where FLUSHDB would empty the other worker's counters too."""
    cache = caches["default"]
    if isinstance(cache, RedisCache) and cache.key_prefix:
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{cache.key_prefix}:*"))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture
def empty_cache():
    """The sign-in rate-limit counters (in the cache) empty before and after the test."""
    _clear_cache()
    yield
    _clear_cache()
