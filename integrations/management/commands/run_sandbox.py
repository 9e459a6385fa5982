"""`python manage.py run_sandbox --port 8443 --state-dir var/sandbox [--profile …] [--time-scale N]`."""

import logging
import signal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sandbox.app import Sandbox, make_server
from sandbox.profiles import PROFILES


def _stop(*_args):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the Google Directory API and Microsoft Graph sandbox over HTTPS."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8443)
        parser.add_argument(
            "--state-dir", default=str(settings.SANDBOX_STATE_DIR), help="State and the local CA live here."
        )
        parser.add_argument("--profile", choices=sorted(PROFILES), default="realistic")
        parser.add_argument(
            "--time-scale", type=float, default=1.0, help="Run quotas, latency and delays N× faster."
        )
        parser.add_argument("--plain-http", action="store_true", help="No TLS (debugging only).")

    def handle(self, *args, **options):
        if options["time_scale"] <= 0:
            raise CommandError("--time-scale must be positive.")
        logging.basicConfig(level=logging.INFO, format="%(asctime)s sandbox %(levelname)s %(message)s")
        state_dir = Path(options["state_dir"])
        sandbox = Sandbox(state_dir, options["profile"], options["time_scale"])
        try:
            server = make_server(sandbox, options["host"], options["port"], tls=not options["plain_http"])
        except OSError as error:
            raise CommandError(f"Cannot listen on {options['host']}:{options['port']}: {error}") from error
        signal.signal(signal.SIGTERM, _stop)
        scheme = "http" if options["plain_http"] else "https"
        self.stdout.write(
            f"Sandbox ({sandbox.profile.name}, time scale {sandbox.time_scale:g}) on "
            f"{scheme}://{options['host']}:{server.server_address[1]}/ — CA: {state_dir / 'ca.pem'}",
        )
        self.stdout.flush()
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            sandbox.store.close()
