from django.core.management.base import BaseCommand

from schools.demo import DEMO_PASSWORD, demo_logins, seed


class Command(BaseCommand):
    help = (
        "Create the reference municipalities, schools, people and one demo user per role (safe to run twice)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args, **options):
        counts = seed()
        self.stdout.write(
            "Demo data: {municipalities} new municipalities, {schools} new schools, "
            "{people} new people, {users} new users.".format(**counts)
        )
        if not options["quiet_logins"]:
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for who, email in demo_logins():
                self.stdout.write(f"  {email:<34} {who}")
