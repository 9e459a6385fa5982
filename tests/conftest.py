import pytest
from django.test import Client

from tests.factories import make_world


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
