from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from sandbox.store import Store


class Command(BaseCommand):
    help = "Clear the sandbox's state (objects, customers, tenants, counters); the CA is kept."

    def add_arguments(self, parser):
        parser.add_argument("--state-dir", default=str(settings.SANDBOX_STATE_DIR))

    def handle(self, *args, **options):
        path = Path(options["state_dir"]) / "state.sqlite3"
        if not path.exists():
            self.stdout.write("Nothing to reset.")
            return
        store = Store(path)
        store.reset()
        store.close()
        self.stdout.write(f"Sandbox state in {options['state_dir']} cleared.")
