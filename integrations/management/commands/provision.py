"""`manage.py provision <municipality> --provider google|microsoft --plan`: the plan, in a terminal."""

import sys

from django.core.management.base import BaseCommand, CommandError

from integrations import operations, planning
from integrations.models import Plan, Provider
from integrations.provisioning import jobs, progress, runner
from schools.access import municipality_scope
from schools.audit import ActionContext
from schools.models import Municipality


class Command(BaseCommand):
    help = "Make a provisioning plan for a municipality and print it (nothing is changed at the provider)."

    def add_arguments(self, parser):
        parser.add_argument("municipality", help="The municipality's short name (slug), e.g. haskovo.")
        parser.add_argument("--provider", choices=[p.value for p in Provider], required=True)
        parser.add_argument("--plan", action="store_true", help="Make and print the plan.")
        parser.add_argument(
            "--apply", action="store_true", help="Make the plan, then apply it here, with progress."
        )
        parser.add_argument("--yes", action="store_true", help="With --apply: do not ask for confirmation.")

    def handle(self, *args, **options):
        if not options["plan"] and not options["apply"]:
            raise CommandError("Say --plan (show what would change) or --apply (change it).")
        municipality = Municipality.objects.filter(slug=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"No municipality {options['municipality']!r}.")
        ctx = ActionContext(municipality)
        with municipality_scope(municipality):
            try:
                plan = planning.make_plan(ctx, options["provider"])
            except planning.NoConnection:
                raise CommandError(f"{municipality} has no {options['provider']} connection.") from None
        with municipality_scope(municipality):
            if plan.status == Plan.Status.FAILED:
                raise CommandError(planning.failure_message(plan))
            rows = (
                plan.operations.order_by("seq").values_list("op", "key", "school").iterator(chunk_size=2000)
            )
            for op, key, school in rows:
                where = f"  [{school}]" if school else ""
                self.stdout.write(f"{operations.label(op)}: {key}{where}")
        summary = plan.summary
        self.stdout.write(f"\nPlan {plan.pk}: {plan.operation_count} changes {summary['counts']}")
        if options["apply"]:
            with municipality_scope(municipality):
                self._apply(ctx, plan, options["yes"])
            return
        if summary["blocked"]:
            self.stdout.write(
                self.style.WARNING(
                    f"Stopped by the safety limit: {summary['suspensions']} suspensions"
                    f" > {summary['safety_limit']}."
                )
            )

    def _apply(self, ctx: ActionContext, plan, yes: bool) -> None:
        """Work the job in this process (the same engine the workers run), with a progress bar."""
        if plan.summary.get("blocked"):
            raise CommandError("The plan is stopped by the safety limit; lift it in the portal first.")
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError("Add --yes to apply without a terminal to confirm in.")
            if (
                input(f"Apply {plan.operation_count} changes at {plan.get_provider_display()}? [y/N] ")
                .strip()
                .lower()
                != "y"
            ):
                self.stdout.write("Nothing changed.")
                return
        job = jobs.apply_plan(ctx, plan)
        while runner.work(job.pk, budget_seconds=2):
            job.refresh_from_db(fields=["notice"])
            counts = progress.progress(job)
            self._bar(counts, progress.pace(job, counts["remaining"]), job.notice)
        counts = progress.progress(job)
        self._bar(counts)
        self.stdout.write(f"\nJob {job.pk}: {counts['done']} done, {counts['failed']} failed.")
        for item in job.items.filter(status="failed")[:50]:
            self.stdout.write(f"  failed: {item.op} {item.key}: {item.error}")

    def _bar(self, progress: dict, pace: dict | None = None, notice: str = "") -> None:
        width = 40
        filled = int(width * progress["percent"] / 100)
        line = (
            f"\r[{'#' * filled}{'.' * (width - filled)}] {progress['percent']:3d}% "
            f"{progress['done']} done, {progress['failed']} failed, {progress['remaining']} left"
        )
        if pace:
            line += f", {pace['rate']}/min"
            if pace["quota"] and pace["quota"]["paused"]:
                line += f", paused {pace['quota']['paused']} s by the provider"
        if notice:
            line += f" ({notice})"
        self.stdout.write(f"{line:<120}", ending="")
        self.stdout.flush()
