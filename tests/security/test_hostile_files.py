"""Hostile uploads: each gets a clear error in the user's language, memory stays bounded,
nothing is imported, and a stored file's name cannot climb out of MEDIA_ROOT.

The corpus (tests/security/files.py) is made at test time: a zip-bomb XLSX (1 GB of cells in a
few MB), an XML entity bomb, a 200 MB CSV streamed to the server, binary junk, encodings, control
characters, formula cells and file names with path separators."""

from __future__ import annotations

import html
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.test import TestCase
from django.utils import translation
from django.utils.translation import gettext
from django_scopes import scope, scopes_disabled

from config.celery import app
from integrations.models import RosterImport, RosterImportRow
from integrations.roster.actions import MAX_BYTES as ROSTER_MAX_BYTES
from rollout.models import Evidence as TaskEvidence
from rollout.models import LibraryDocument
from schools.models import Person, School
from surveys.models import Evidence as SurveyEvidence
from tests.security import files

pytestmark = pytest.mark.django_db

MEMORY_LIMIT = 100 * 1024 * 1024  # the peak of Python allocations while one upload is handled
TWO_HUNDRED_MB = 200 * 1024 * 1024
DISK_LIMIT = 30 * 1024 * 1024  # an upload larger than any form accepts is not stored


def say(language: str, message: str, **params) -> str:
    """The message as the user reads it (the catalog's translation, or the English source until
    the lead translates a new string)."""
    with translation.override(language):
        text = gettext(message)
    return text % params if params else text


def page(response) -> str:
    return html.unescape(response.content.decode())


def written() -> int:
    """Bytes this process has passed to write() so far (Linux), 0 where unknown."""
    io_file = Path("/proc/self/io")
    if not io_file.exists():
        return 0
    fields = dict(line.split(": ") for line in io_file.read_text().splitlines())
    return int(fields["wchar"])


def measured(call):
    """(result, peak bytes allocated by Python during the call); also checks that the call did
    not write the upload to disk (a temporary file of hundreds of MB)."""
    before = written()
    tracemalloc.start()
    try:
        result = call()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written() - before < DISK_LIMIT, f"{(written() - before) / 2**20:.0f} MB written to disk"
    return result, peak


@pytest.fixture
def officer(world, client_for):
    def make(language: str):
        user = world.a.users["officer"]
        type(user).objects.filter(pk=user.pk).update(language=language)
        user.refresh_from_db()
        return client_for(user)

    with scopes_disabled():
        School.objects.create(municipality=world.a.municipality, name="SU 1", code="1")
    return make


def _counts(world):
    with scope(municipality=world.a.municipality.pk):
        return Person.objects.count(), RosterImport.objects.count()


BIG_CSV = files.Repeated(b"First name,Last name,School\n", "Иван,Петров,SU 1\n".encode(), TWO_HUNDRED_MB)
TOO_LARGE = "The file is larger than %(mb)s MB. Split it by school and import the parts."
UNPACKS = (
    "The file unpacks to far more data than a roster holds (more than %(mb)s MB, or %(ratio)s times its packed "
    "size); it is refused. Split it by school and import the parts."
)

# (file name, content, the message the user must read, its parameters)
REFUSED_AT_UPLOAD = [
    ("zip-bomb.xlsx", files.zip_bomb_xlsx, UNPACKS, {"mb": "256", "ratio": "100"}),
    ("entities.xlsx", files.entity_bomb_xlsx,
     "The XLSX file contains XML declarations that no spreadsheet needs; it is refused.", {}),
    ("huge.csv", lambda: BIG_CSV, TOO_LARGE, {"mb": ROSTER_MAX_BYTES // 2**20}),
    ("junk.csv", files.junk, "This is not a text (CSV) or XLSX file.", {}),
    ("junk.xlsx", files.junk, "This is not a text (CSV) or XLSX file.", {}),
    ("damaged.xlsx", lambda: b"PK\x03\x04" + files.junk(), "The file is damaged (not a readable zip or XLSX).", {}),
    ("latin-x.csv", lambda: files.UNDECODABLE, "The file's text encoding is not recognised. Save it as CSV UTF-8.", {}),
]  # fmt: skip


@pytest.mark.parametrize("language", ["en", "bg"])
@pytest.mark.parametrize(
    ("filename", "make", "message", "params"), REFUSED_AT_UPLOAD, ids=lambda v: str(v)[:14]
)
def test_a_hostile_roster_file_is_refused_clearly_in_bounded_memory(
    world, officer, language, filename, make, message, params
):
    client = officer(language)
    content = make()
    before = _counts(world)
    response, peak = measured(
        lambda: files.post_file(client, f"/m/{world.a.municipality.slug}/people/import/", filename, content)
    )
    assert response.status_code == 200  # the upload page again, with the error under the field
    assert say(language, message, **params) in page(response)
    assert peak < MEMORY_LIMIT, f"{filename}: {peak / 2**20:.0f} MB"
    assert _counts(world) == before  # no person, not even a preview kept


def test_the_messages_are_translatable_and_bulgarian_where_the_catalog_has_them():
    catalog = (Path(settings.BASE_DIR) / "locale/bg/LC_MESSAGES/django.po").read_text()
    for _filename, _make, message, params in REFUSED_AT_UPLOAD:
        if f'msgid "{message}"' in catalog and say("bg", message, **params) != message % params:
            assert any("\u0400" <= ch <= "\u04ff" for ch in say("bg", message, **params))


@contextmanager
def _worker_at_commit():
    """The check and the import (the worker's tasks) run in this process when the request commits."""
    app.conf.task_always_eager = True
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            yield
    finally:
        app.conf.task_always_eager = False


def _review(client, world, filename, content):
    with _worker_at_commit():
        response = files.post_file(
            client, f"/m/{world.a.municipality.slug}/people/import/", filename, content
        )
    assert response.status_code == 302, page(response)[:3000]
    return response["Location"]


def _rows(review):
    with scopes_disabled():
        return list(
            RosterImportRow.objects.filter(roster_import=review.context["roster_import"]).order_by("line")
        )


def _apply(client, review_url):
    review = client.get(review_url)
    form = review.context["form"]
    data = {
        name: form[name].value() or "" for name in form.fields if name not in ("only_valid", "mark_leaving")
    }
    with _worker_at_commit():
        return review, client.post(review_url, {**data, "apply": "1"}, follow=True)


@pytest.mark.parametrize("language", ["en", "bg"])
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (files.formula_csv(), "«%(value)s» is not a name: it begins like a spreadsheet formula"),
        (files.CONTROL_CHARACTERS, "the row contains control characters (shown as �); retype it"),
    ],
    ids=["formulas", "control-characters"],
)
def test_formula_and_control_character_cells_are_row_errors_and_nothing_is_imported(
    world, officer, language, content, message
):
    client = officer(language)
    people_before = _counts(world)[0]
    review, applied = _apply(client, _review(client, world, "r.csv", content))
    shown = page(review)
    expected = (
        say(language, message, value=files.FORMULAS[0]) if "%(value)s" in message else say(language, message)
    )
    assert expected in shown
    assert say(
        language, "Nothing was imported: correct the rows below, or choose to import only the valid rows."
    ) in (page(applied))
    assert _counts(world)[0] == people_before
    if "%(value)s" in message:  # every kind of formula prefix is caught, the tab and CR ones too
        rows = _rows(review)
        assert len(rows) == len(files.FORMULAS) and all(row.errors for row in rows)


@pytest.mark.parametrize("encoding", sorted(files.ENCODED_ROSTERS))
def test_other_encodings_are_detected_and_read_right(world, officer, encoding):
    client = officer("en")
    filename, content, name = files.ENCODED_ROSTERS[encoding]
    review = client.get(_review(client, world, filename, content))
    # (ISO-8859-2 and Windows-1250 agree on these letters; either reading is right)
    assert _rows(review)[0].first_name == name


# --- other uploads: size, type and file name ---------------------------------------------------
HOSTILE_NAMES = ["../../etc/passwd.csv", "..\\..\\x.csv", "/etc/cron.d/x.csv", "C:\\Windows\\x.csv"]


def _stored_safely(path: str, media_root: Path) -> None:
    resolved = (media_root / path).resolve()
    assert resolved.is_relative_to(media_root.resolve()), path
    assert resolved.exists(), path
    name = Path(path).name
    assert "/" not in name and "\\" not in name and not name.startswith(".."), path


@pytest.mark.parametrize("filename", HOSTILE_NAMES)
def test_file_names_with_path_separators_stay_inside_media_root(
    world, client_for, filename, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    from tests.rollout.objects import rollout_objects
    from tests.surveys.fixtures import survey_objects

    slug = world.a.municipality.slug
    client = client_for(world.a.users["all"])
    task = rollout_objects(world.a).task
    surveys = survey_objects(world.a)
    # The roster keeps only the name, for the list of recent imports.
    files.post_file(client, f"/m/{slug}/people/import/", filename, b"First name,Last name\nAnna,Ivanova\n")
    files.post_file(client, f"/m/{slug}/library/new/", filename, b"a,b\n", title="Rules", language="bg",
                    category="other")  # fmt: skip
    files.post_file(client, f"/m/{slug}/tasks/{task.pk}/evidence/", filename, b"a,b\n", kind="file")
    files.post_file(client, f"/m/{slug}/surveys/responses/{surveys.response.pk}/", filename, b"a,b\n",
                    field="library_lan_evidence")  # fmt: skip
    with scope(municipality=world.a.municipality.pk):
        imports = list(RosterImport.objects.values_list("filename", flat=True))
        stored = [
            *LibraryDocument.objects.exclude(file="").values_list("file", flat=True),
            *TaskEvidence.objects.filter(task=task).exclude(file="").values_list("file", flat=True),
            *SurveyEvidence.objects.values_list("file", flat=True),
        ]
    assert imports and all("/" not in name and "\\" not in name for name in imports), imports
    assert len(stored) >= 4, stored  # one new file per form (and the fixtures' own)
    for path in stored:
        _stored_safely(path, settings.MEDIA_ROOT)


@pytest.mark.parametrize("language", ["en", "bg"])
def test_evidence_and_library_uploads_refuse_a_200_mb_file_and_strange_types(world, client_for, language):
    from tests.rollout.objects import rollout_objects
    from tests.surveys.fixtures import survey_objects

    user = world.a.users["all"]
    type(user).objects.filter(pk=user.pk).update(language=language)
    user.refresh_from_db()
    client = client_for(user)
    slug = world.a.municipality.slug
    task = rollout_objects(world.a).task
    surveys = survey_objects(world.a)
    big = files.Repeated(b"", b"x" * 1000 + b"\n", TWO_HUNDRED_MB)

    def counts():
        with scope(municipality=world.a.municipality.pk):
            return (
                LibraryDocument.objects.count(),
                TaskEvidence.objects.count(),
                SurveyEvidence.objects.count(),
            )

    before = counts()
    too_large = say(language, "The file is larger than %(mb)s MB.", mb=settings.ROLLOUT_MAX_UPLOAD_MB)
    cases = [
        (f"/m/{slug}/library/new/", {"title": "T", "language": "bg", "category": "other"}, "file", too_large),
        (f"/m/{slug}/tasks/{task.pk}/evidence/", {"kind": "file"}, "file", too_large),
        (f"/m/{slug}/surveys/responses/{surveys.response.pk}/", {}, "library_lan_evidence",
         say(language, "The file is larger than 10 MB.")),
    ]  # fmt: skip
    for path, fields, field, message in cases:
        response, peak = measured(
            lambda path=path, field=field, fields=fields: files.post_file(
                client, path, "big.pdf", big, field=field, **fields
            )
        )
        if response.status_code == 302:
            response = client.get(response["Location"])
        assert message in page(response), path
        assert peak < MEMORY_LIMIT, f"{path}: {peak / 2**20:.0f} MB"
    not_accepted = say(language, "This kind of file is not accepted here.")
    for path, fields, field, _message in cases:
        response = files.post_file(client, path, "run.exe", files.junk(), field=field, **fields)
        if response.status_code == 302:
            response = client.get(response["Location"])
        assert not_accepted in page(response), path
    assert counts() == before
