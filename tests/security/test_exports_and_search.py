"""Exports and search cover only the tenant: every page, every CSV/XLSX/PDF export and every
search of municipality A, with and without a query, never shows a row of municipality B."""

import io
import zipfile

import pytest
from django_scopes import scopes_disabled

from tests.isolation import _values, build_path, classify, iter_routes
from tests.links import signed_if_needed
from tests.security.forms_walk import prepare

pytestmark = pytest.mark.django_db

MARK = "Zqxbeta"  # in the names of municipality B's rows; nowhere in A's
MARKERS = (MARK, "beta.example", "Beta Town")
# Search terms that match B's rows but, echoed back in the search box, are not a marker.
QUERIES = ({}, {"q": "qxbet"}, {"q": "beta"}, {"school": "{b_school}"}, {"kind": "secondary"})


def mark_the_other_municipality(world) -> None:
    from rollout.models import Programme
    from schools.models import Person, School
    from surveys.models import Campaign
    from trainings.models import Curriculum, NetworkEvent

    b = world.b.municipality
    with scopes_disabled():
        for n, school in enumerate(School.objects.filter(municipality=b).order_by("pk")):
            School.objects.filter(pk=school.pk).update(name=f"{MARK} school {n}", code=f"99{n}")
        Person.objects.filter(municipality=b).update(first_name=MARK, last_name=f"{MARK}ova")
        Programme.objects.filter(municipality=b).update(name=f"{MARK} programme")
        Campaign.objects.filter(municipality=b).update(name=f"{MARK} campaign")
        Curriculum.objects.filter(municipality=b).update(title=f"{MARK} course")
        NetworkEvent.objects.filter(municipality=b).update(title=f"{MARK} webinar")


def text_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":  # XLSX: the cells are in the zipped XML parts
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return " ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    if content[:4] == b"%PDF":
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError, PdfStreamError

        try:
            return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
        except (PdfReadError, PdfStreamError):  # the fixtures' uploads are only "%PDF-1.4 …"
            pass
    return content.decode("utf-8", "replace")


def leaks(world, client) -> tuple[list[str], int]:
    found, seen = [], 0
    for route in iter_routes():
        if classify(route) != "tenant":
            continue
        values = _values(route, world.a, world.a)
        if values is None:
            continue
        path = build_path(route, values)
        # Lists and searches take the queries; a page of one object is opened as it is.
        for query in QUERIES if route.kwargs == ("municipality_slug",) else ({},):
            params = {k: v.format(b_school=world.b.school.pk) for k, v in query.items()}
            url = signed_if_needed(
                client, path + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
            )
            response = client.get(url)
            if response.status_code != 200:
                continue
            seen += 1
            text = text_of(response)
            found += [f"{route.name} {params}: shows {marker!r}" for marker in MARKERS if marker in text]
    return found, seen


def test_no_page_export_or_search_of_ours_shows_the_other_municipality(world, client_for):
    prepare(world)
    mark_the_other_municipality(world)
    found, seen = leaks(world, client_for(world.a.users["all"]))
    assert found == []
    assert seen > 100  # the walk opened the pages (a walker that finds nothing must not pass)


def test_the_markers_are_found_where_they_belong(world, client_for):
    """The control: B's own search and exports show B's marked rows, so the walk can see them."""
    prepare(world)
    mark_the_other_municipality(world)
    client = client_for(world.b.users["all"])
    slug = world.b.municipality.slug
    assert MARK in client.get(f"/m/{slug}/schools/", {"q": "qxbet"}).content.decode()
    assert MARK in client.get(f"/m/{slug}/people/", {"q": "qxbet"}).content.decode()
    from tests.surveys.fixtures import survey_objects

    campaign = survey_objects(world.b).campaign
    for name in ("results.csv", "results.xlsx"):
        url = signed_if_needed(client, f"/m/{slug}/surveys/{campaign.pk}/{name}")
        assert MARK in text_of(client.get(url)), name
