"""`python manage.py run_sandbox --port 8443 --state-dir var/sandbox [--profile …] [--time-scale N]`
(the same as `python -m sandbox`, with the state in the portal's SANDBOX_STATE_DIR by default)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sandbox.cli import StartError, add_arguments, serve


class Command(BaseCommand):
    help = "Run the Google Directory API and Microsoft Graph sandbox over HTTPS."

    def add_arguments(self, parser):
        add_arguments(parser, state_dir=str(settings.SANDBOX_STATE_DIR))

    def handle(self, *args, **options):
        try:
            serve(options, self._announce)
        except StartError as error:
            raise CommandError(str(error)) from error

    def _announce(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
