"""Roster imports through a real Celery worker: upload → checking → preview with the right
counts → confirm → applied; a second file's changes and leavers; a file with errors refused
whole, its problem rows page by page; a one-school file that leaves the other schools alone;
a worker killed mid-import that leaves the roster as it was."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope, scopes_disabled

from integrations.models import RosterImport
from schools.models import Person, School
from tests.factories import make_world
from tests.integration.conftest import celery_worker, wait_for

__all__ = ["celery_worker"]

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

HEADER = "id,First name,Last name,School,Email,Role"


def people_rows(schools, n: int, start: int = 0) -> list[list[str]]:
    """n teachers spread over the schools, each with an identifier and an e-mail."""
    return [
        [
            f"T{k:06d}",
            f"Име{k}",
            f"Фамилия{k}",
            schools[k % len(schools)].name,
            f"t{k}@example.org",
            "teacher",
        ]
        for k in range(start, start + n)
    ]


def csv_file(rows) -> bytes:
    return "\n".join([HEADER, *(",".join(row) for row in rows)]).encode()


def make_schools(world, n: int, prefix: str = "School") -> list[School]:
    with scopes_disabled():
        return [
            School.objects.create(
                municipality=world.a.municipality, name=f"{prefix} {k}", code=f"{prefix[:1]}{k}"
            )
            for k in range(n)
        ]


def upload(client, world, data: bytes, name: str = "roster.csv") -> str:
    response = client.post(
        f"/m/{world.a.municipality.slug}/people/import/", {"file": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def the_import(world, url: str) -> RosterImport:
    with scope(municipality=world.a.municipality.pk):
        return RosterImport.objects.get(pk=int(url.rstrip("/").rsplit("/", 1)[1]))


def settled(world, url: str, timeout: float = 180) -> RosterImport:
    """The import once its worker has finished checking or applying it."""
    found = wait_for(
        lambda: (imp := the_import(world, url)).status not in ("checking", "applying") and imp, timeout
    )
    assert found, f"still {the_import(world, url).status}"
    return found


def confirm(client, url: str, **extra):
    review = client.get(url)
    form = review.context["form"]
    data = {
        name: form[name].value() or "" for name in form.fields if name not in ("only_valid", "mark_leaving")
    }
    return client.post(url, {**data, "apply": "1", **extra})


def people(world):
    with scope(municipality=world.a.municipality.pk):
        return Person.objects.all()


def test_an_import_and_a_second_file_with_changes_and_leavers(celery_worker, client_for):
    world = make_world()
    schools = make_schools(world, 12)
    client = client_for(world.a.users["it_admin"])
    before = people(world).count()
    rows = people_rows(schools, 3000)
    url = upload(client, world, csv_file(rows))
    assert the_import(world, url).status in ("checking", "preview")
    page = client.get(url).content.decode()
    assert "roster-progress" in page or "roster-counts" in page
    imported = settled(world, url)
    assert imported.status == "preview", imported.error
    counts = imported.counts
    assert (counts["rows"], counts["new"], counts["changed"], counts["unchanged"], counts["errors"]) == (
        3000, 3000, 0, 0, 0,
    )  # fmt: skip
    assert counts["leaving"] == 0
    assert confirm(client, url).status_code == 302
    assert settled(world, url).status == "applied"
    assert people(world).count() == before + 3000
    with scope(municipality=world.a.municipality.pk):
        person = Person.objects.get(external_id="T000013")
        assert (person.first_name, person.personal_email) == ("Име13", "t13@example.org")
        assert [s.pk for s in person.schools.all()] == [schools[13 % 12].pk]
        assert Person.schools.through.objects.filter(person__external_id__startswith="T").count() == 3000

    # The next year's file: 10 % renamed or moved, 2 % gone, 100 new.
    second = [list(row) for row in rows]
    for k in range(0, 3000, 10):
        second[k][2] = second[k][2] + "-Нова"
    second[5][3] = schools[7].name  # T000005 moves from school 5 to school 7
    gone = {row[0] for row in second[1::50]}
    second = [row for row in second if row[0] not in gone] + people_rows(schools, 100, start=3000)
    url = upload(client, world, csv_file(second), "second.csv")
    counts = settled(world, url).counts
    assert (counts["new"], counts["changed"], counts["unchanged"], counts["leaving"]) == (
        100, 301, 3000 - 60 - 301, 60,
    )  # fmt: skip
    review = client.get(url)
    assert len(review.context["leaving"]) == 50 and review.context["leaving"].paginator.count == 60
    assert confirm(client, url, mark_leaving="on").status_code == 302
    applied = settled(world, url)
    assert applied.status == "applied", applied.error
    assert (applied.result["created"], applied.result["updated"], applied.result["left"]) == (100, 301, 60)
    with scope(municipality=world.a.municipality.pk):
        assert Person.objects.get(external_id="T000010").last_name == "Фамилия10-Нова"
        assert [s.pk for s in Person.objects.get(external_id="T000005").schools.all()] == [schools[7].pk]
        assert set(Person.objects.exclude(left_on=None).values_list("external_id", flat=True)) == gone
        assert Person.objects.filter(external_id__startswith="T").count() == 3100


def test_a_file_with_errors_is_refused_whole_and_its_problems_are_paged(celery_worker, client_for):
    world = make_world()
    schools = make_schools(world, 3)
    client = client_for(world.a.users["it_admin"])
    rows = people_rows(schools, 400)
    for k in range(0, 400, 3):  # 134 rows name a school that does not exist
        rows[k][3] = "Nowhere"
    url = upload(client, world, csv_file(rows))
    imported = settled(world, url)
    assert imported.counts["errors"] == 134
    before = people(world).count()
    refused = confirm(client, url)
    assert refused.status_code == 200
    assert the_import(world, url).status == "preview"
    assert people(world).count() == before
    first = client.get(url).context["problems"]
    second = client.get(f"{url}?page=2").context["problems"]
    assert [row.line for row in first] == [2 + 3 * k for k in range(50)]
    assert [row.line for row in second] == [2 + 3 * k for k in range(50, 100)]
    assert second.paginator.num_pages == 3
    assert "Nowhere" in client.get(f"{url}?page=3").content.decode()


def test_a_file_of_one_school_never_makes_the_other_schools_leave(celery_worker, client_for):
    world = make_world()
    north, south = make_schools(world, 1, "North") + make_schools(world, 1, "South")
    client = client_for(world.a.users["it_admin"])
    url = upload(client, world, csv_file(people_rows([north], 30) + people_rows([south], 30, start=30)))
    assert settled(world, url).counts["new"] == 60
    assert confirm(client, url).status_code == 302
    assert settled(world, url).status == "applied"
    # North's own file, without five of its teachers.
    url = upload(client, world, csv_file(people_rows([north], 25)), "north.csv")
    counts = settled(world, url).counts
    assert counts["leaving"] == 5 and counts["full_roster"] is False
    assert confirm(client, url, mark_leaving="on").status_code == 302
    assert settled(world, url).status == "applied"
    with scope(municipality=world.a.municipality.pk):
        left = set(Person.objects.exclude(left_on=None).values_list("external_id", flat=True))
    assert left == {f"T{k:06d}" for k in range(25, 30)}
