"""Every export neutralises formula cells: the test finds every CSV and XLSX download of the
project by walking the URL resolver (as tests/isolation.py does) and reads each one made from
data named like formulas (=HYPERLINK(…), +1, -1, @A1, a leading tab or carriage return).

A new export is covered without anyone adding it here; the known ones must be found, and
must carry the hostile values (neutralised), so the walk cannot pass by finding nothing."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django_scopes import scopes_disabled

from infra.exports import FORMULA_PREFIXES
from integrations.models import JobItem, PlanOperation
from tests.isolation import OBJECT_KWARGS, build_path, classify, iter_routes
from tests.links import signed_if_needed

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://x")', "+1", "-1", "@A1", "\t=1+1", "\r=1+1"]
KNOWN_EXPORTS = {
    "plan_csv",
    "job_csv",
    "survey_export_csv",
    "survey_export_xlsx",
    "overview?export=csv",  # the dashboard's table of schools
    "schools?export=xlsx",
    "region:overview?export=csv",  # municipalities side by side
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _hostile_world(world):
    from tests.surveys.fixtures import survey_objects

    tenant = world.a
    with scopes_disabled():
        tenant.school.name = HOSTILE[0]
        tenant.school.save(update_fields=["name"])
        tenant.other_school.name = HOSTILE[1]
        tenant.other_school.save(update_fields=["name"])
        tenant.person.first_name, tenant.person.last_name = HOSTILE[2], HOSTILE[3]
        tenant.person.save(update_fields=["first_name", "last_name"])
        tenant.plan.operations.all().delete()
        PlanOperation.objects.bulk_create(
            PlanOperation(plan=tenant.plan, municipality=tenant.municipality, seq=seq, phase=10,
                          op="create_user", key=value, school=value, details={"name": value})
            for seq, value in enumerate(HOSTILE)
        )  # fmt: skip
        JobItem.objects.bulk_create(
            JobItem(job=tenant.job, municipality=tenant.municipality, seq=seq, phase=1, op="create_user",
                    key=value, school=value, status="failed", error=value)
            for seq, value in enumerate(HOSTILE)
        )  # fmt: skip
    survey_objects(tenant)  # a campaign whose rows are the (hostile) schools


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _cells(response) -> list[str]:
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if content_type.startswith(XLSX):
        workbook = openpyxl.load_workbook(io.BytesIO(body))
        return [
            cell.value
            for sheet in workbook.worksheets
            for row in sheet.iter_rows()
            for cell in row
            if isinstance(cell.value, str)  # numbers are numbers: nothing to run
        ]
    text = body.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row if not _is_number(cell)]


def _is_export(response) -> bool:
    content_type = response.get("Content-Type", "")
    return response.status_code == 200 and (
        content_type.startswith("text/csv") or content_type.startswith(XLSX)
    )


def test_every_csv_and_xlsx_export_neutralises_formula_cells(world, client_for):
    _hostile_world(world)
    insider = client_for(world.a.users["all"])
    coordinator = client_for(world.coordinator)
    found: dict[str, list[str]] = {}
    for route in iter_routes():
        kind = classify(route)
        if kind == "tenant":
            names = [k for k in route.kwargs if k != "municipality_slug"]
            if any(name not in OBJECT_KWARGS for name in names):
                continue  # tests/schools/test_isolation.py reports such a route
            values = {"municipality_slug": world.a.municipality.slug}
            values.update({name: OBJECT_KWARGS[name](world.a) for name in names})
            client = insider
        elif kind == "region" and route.kwargs == ("region_slug",):
            values, client = {"region_slug": world.region.slug}, coordinator
        else:
            continue
        path = build_path(route, values)
        name = route.name if kind == "tenant" else f"region:{route.name}"
        response = client.get(signed_if_needed(client, path))
        if _is_export(response):
            found[name] = _cells(response)
        elif response.status_code == 200 and "?export=" in response.content.decode(errors="replace"):
            # A table page with its CSV and XLSX downloads (infra/exports.py export_response).
            for fmt in ("csv", "xlsx"):
                exported = client.get(f"{path}?export={fmt}")
                if _is_export(exported):
                    found[f"{name}?export={fmt}"] = _cells(exported)
    assert KNOWN_EXPORTS <= set(found), sorted(found)
    for name, cells in found.items():
        dangerous = [cell for cell in cells if cell.startswith(FORMULA_PREFIXES)]
        assert not dangerous, f"{name}: {dangerous[:5]}"
    for name in KNOWN_EXPORTS - {"region:overview?export=csv"}:  # the region's rows are municipalities
        neutralised = {cell for cell in found[name] if cell.startswith("'")}
        assert any(cell.startswith(("'=HYPERLINK", "'+1")) for cell in neutralised), (name, found[name][:20])
