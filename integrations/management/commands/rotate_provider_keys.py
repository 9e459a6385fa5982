"""Re-encrypt every provider secret with the first of PROVIDER_ENCRYPTION_KEYS.

Rotation: put a new key first in PROVIDER_ENCRYPTION_KEYS (keep the old ones after it), run
this command, then remove the old keys. Both kinds of secret encrypted with these keys are
re-encrypted: the connections' keys and client secrets, and the initial passwords kept for
the credential slips (until CREDENTIAL_RETENTION_DAYS removes them).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_scopes import scopes_disabled

from integrations.crypto import SecretError, rotate_secret
from integrations.models import Connection, JobItem
from schools.audit import log_action


class Command(BaseCommand):
    help = "Re-encrypt every stored provider secret with the first key of PROVIDER_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        rotated = failed = passwords = 0
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
            items = JobItem.objects.select_for_update().exclude(secret_ciphertext="").order_by("pk")
            for pk, ciphertext in items.values_list("pk", "secret_ciphertext").iterator():
                try:
                    new = rotate_secret(ciphertext)
                except SecretError:
                    failed += 1
                    self.stderr.write(f"Initial password of job item {pk}: cannot decrypt.")
                    continue
                JobItem.objects.filter(pk=pk).update(secret_ciphertext=new)
                passwords += 1
        self.stdout.write(
            f"{rotated} secrets and {passwords} initial passwords re-encrypted, {failed} could not be read."
        )
        if failed:
            raise CommandError(f"{failed} secrets could not be decrypted with any configured key.")
