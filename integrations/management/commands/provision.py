"""`manage.py provision <municipality> --provider google|microsoft --plan`: the plan, in a terminal."""

from django.core.management.base import BaseCommand, CommandError

from integrations import plan_actions
from integrations.models import Provider
from integrations.plan_views import OP_LABELS
from schools.access import municipality_scope
from schools.models import Municipality


class Command(BaseCommand):
    help = "Make a provisioning plan for a municipality and print it (nothing is changed at the provider)."

    def add_arguments(self, parser):
        parser.add_argument("municipality", help="The municipality's short name (slug), e.g. haskovo.")
        parser.add_argument("--provider", choices=[p.value for p in Provider], required=True)
        parser.add_argument("--plan", action="store_true", required=True, help="Make and print the plan.")

    def handle(self, *args, **options):
        municipality = Municipality.objects.filter(slug=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"No municipality {options['municipality']!r}.")
        with municipality_scope(municipality):
            try:
                plan = plan_actions.make_plan(municipality, options["provider"])
            except plan_actions.NoConnection:
                raise CommandError(f"{municipality} has no {options['provider']} connection.") from None
        for item in plan.items:
            school = f"  [{item['school']}]" if item.get("school") else ""
            self.stdout.write(f"{OP_LABELS.get(item['op'], item['op'])}: {item['key']}{school}")
        summary = plan.summary
        self.stdout.write(f"\nPlan {plan.pk}: {len(plan.items)} changes {summary['counts']}")
        if summary["blocked"]:
            self.stdout.write(
                self.style.WARNING(
                    f"Stopped by the safety limit: {summary['suspensions']} suspensions"
                    f" > {summary['safety_limit']}."
                )
            )
