"""Re-encrypt every provider secret with the first of PROVIDER_ENCRYPTION_KEYS.

Rotation: put a new key first in PROVIDER_ENCRYPTION_KEYS (keep the old ones after it), run
this command, then remove the old keys.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_scopes import scopes_disabled

from integrations.crypto import SecretError, rotate_secret
from integrations.models import Connection
from schools.audit import log_action


class Command(BaseCommand):
    help = "Re-encrypt every stored provider secret with the first key of PROVIDER_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        rotated = failed = 0
        with scopes_disabled(), transaction.atomic():  # ESCAPE HATCH: key rotation spans every tenant
            for connection in Connection.objects.select_for_update().order_by("pk"):
                try:
                    new = rotate_secret(connection.secret_ciphertext)
                except SecretError:
                    failed += 1
                    self.stderr.write(
                        f"Connection {connection.pk} ({connection.municipality_id}): cannot decrypt."
                    )
                    continue
                Connection.objects.filter(pk=connection.pk).update(secret_ciphertext=new)
                log_action("connection.key_rotated", municipality=connection.municipality, obj=connection)
                rotated += 1
        self.stdout.write(f"{rotated} secrets re-encrypted, {failed} could not be read.")
        if failed:
            raise CommandError(f"{failed} secrets could not be decrypted with any configured key.")
