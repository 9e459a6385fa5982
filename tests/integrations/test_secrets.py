"""Provider secrets: encrypted with their own keys, bound to the municipality, rotatable."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django_scopes import scopes_disabled

from integrations.crypto import SecretError, decrypt_secret, encrypt_secret, fingerprint
from integrations.models import Connection

SECRET = '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----canary-4b1d"}'


def test_round_trip_and_binding(settings):
    settings.PROVIDER_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    ciphertext = encrypt_secret(7, SECRET)
    assert "canary" not in ciphertext
    assert decrypt_secret(7, ciphertext) == SECRET
    with pytest.raises(SecretError):
        decrypt_secret(8, ciphertext)  # copied to another municipality's row


def test_not_the_secret_key(settings):
    settings.PROVIDER_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    ciphertext = encrypt_secret(1, SECRET)
    settings.PROVIDER_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # SECRET_KEY unchanged
    with pytest.raises(SecretError):
        decrypt_secret(1, ciphertext)


def test_fingerprint_tells_keys_apart_and_reveals_nothing():
    assert fingerprint(SECRET) == fingerprint(SECRET)
    assert fingerprint(SECRET) != fingerprint(SECRET + " ")
    assert "canary" not in fingerprint(SECRET)


@pytest.mark.django_db
def test_rotation_command(world, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    original = list(settings.PROVIDER_ENCRYPTION_KEYS)  # the world's other connections use these
    settings.PROVIDER_ENCRYPTION_KEYS = [old]
    municipality = world.a.municipality
    connection = world.a.connection
    with scopes_disabled():
        Connection.objects.filter(pk=connection.pk).update(
            secret_ciphertext=encrypt_secret(municipality.pk, SECRET), secret_fingerprint=fingerprint(SECRET)
        )
    settings.PROVIDER_ENCRYPTION_KEYS = [new, old, *original]
    call_command("rotate_provider_keys")
    settings.PROVIDER_ENCRYPTION_KEYS = [new]  # the old key is gone
    with scopes_disabled():
        connection.refresh_from_db()
        assert connection.secret() == SECRET
