#!/usr/bin/env python
"""The engine's queries on a job of 300,000 items (PostgreSQL): each one's plan (EXPLAIN ANALYZE)
and time, to show that claiming, the runner's waits and the job's page read indexes, never the
job's items one by one. The items are inserted in one statement (generate_series) into a
municipality of their own and removed afterwards.

Usage: DATABASE_URL=postgres://… python bench/claims_explain.py. Writes
bench/results/region_scale.json → "provision" → "claims_300k" (read, updated, written back).
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ITEMS = int(os.environ.get("BENCH_CLAIM_ITEMS", "300000"))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Q
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from integrations.models import Job, JobItem, Plan
    from integrations.provisioning import claims, progress
    from schools.models import Municipality

    if connection.vendor != "postgresql":
        print("claims_explain: PostgreSQL only (set DATABASE_URL); skipped")
        return
    call_command("migrate", "--no-input", verbosity=0)
    with scopes_disabled():
        municipality = Municipality.objects.create(
            slug=f"bench-claims-{int(time.time())}", name="Bench claims", country="BG", language="bg"
        )
        plan = Plan.objects.create(
            municipality=municipality, provider="google", status="applied", items=[], summary={},
            provider_state_hash="0" * 64,
        )  # fmt: skip
        job = Job.objects.create(municipality=municipality, plan=plan, provider="google", status="running")
        try:
            with connection.cursor() as cursor:  # a fifth done; units, accounts, then memberships
                cursor.execute(
                    "INSERT INTO integrations_jobitem (job_id, municipality_id, seq, phase, op, key, school,"
                    " payload, status, attempts, waits, claimed_by, outcome, error, secret_ciphertext)"
                    " SELECT %s, %s, n, CASE WHEN n < 500 THEN 0 WHEN n < %s THEN 10 ELSE 30 END,"
                    " 'create_user', 'u' || n || '@x', 'S', '{}'::jsonb,"
                    " CASE WHEN n < %s THEN 'done' ELSE 'pending' END, 0, 0, '', '', '', ''"
                    " FROM generate_series(0, %s) n",
                    [job.pk, municipality.pk, ITEMS // 3, ITEMS // 5, ITEMS - 1],
                )
                cursor.execute("ANALYZE integrations_jobitem")
            progress.count_items(job)
            now = timezone.now()
            phase = claims.lowest_open_phase(job)
            queries = {
                "lowest_open_phase": JobItem.objects.filter(job=job, status="pending")
                .order_by("phase")
                .values_list("phase", flat=True)[:1],
                "claim_candidates": JobItem.objects.filter(job=job, phase=phase, status="pending")
                .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
                .order_by("seq")
                .values_list("pk", flat=True)[:100],
                "soonest_waiting": JobItem.objects.filter(job=job, status="pending", not_before__isnull=False)
                .order_by("not_before")
                .values_list("not_before", flat=True)[:1],
                "prerequisites_by_key": JobItem.objects.filter(
                    job_id=job.pk,
                    op__in=["create_ou", "create_user"],
                    key__in=[f"u{n}@x" for n in range(0, 20000, 200)],
                )
                .order_by()
                .values_list("op", "key", "status"),
                "job_page_items": JobItem.objects.filter(
                    job=job, seq__gte=ITEMS - 100, seq__lt=ITEMS
                ).order_by("seq"),
            }
            plans = {}
            for name, queryset in queries.items():
                text = queryset.explain(analyze=True)
                plans[name] = {
                    "seq_scan": "Seq Scan" in text,
                    "indexes": sorted(
                        {
                            line.split(" using ")[1].split()[0]
                            for line in text.splitlines()
                            if " using " in line
                        }
                    ),
                    "ms": float(text.rsplit("Execution Time: ", 1)[1].split()[0]),
                }
                print(name, plans[name])
            started = time.perf_counter()
            for _round in range(20):
                claims.claim(job, "bench", 100)
            claim_ms = round((time.perf_counter() - started) / 20 * 1000, 1)
            started = time.perf_counter()
            progress.progress(job)
            progress_ms = round((time.perf_counter() - started) * 1000, 2)
            print("claim of 100 (ms):", claim_ms, "progress (ms):", progress_ms)
        finally:
            JobItem.objects.filter(job=job).delete()
            job.delete()
            plan.delete()
            municipality.delete()
    out = ROOT / "bench" / "results" / "region_scale.json"
    report = json.loads(out.read_text()) if out.exists() else {}
    report.setdefault("provision", {})["claims_300k"] = {
        "items": ITEMS,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "queries": plans,
        "claim_of_100_ms": claim_ms,
        "progress_ms": progress_ms,
    }
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
