"""Roster import on files written the way real exports are; all-or-nothing; errors with line numbers."""

import io
import re
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import translation
from django_scopes import scope, scopes_disabled

from integrations.models import RosterImport, RosterImportRow
from integrations.roster.readers import RosterFileError, read_roster
from schools.models import Person, School

pytestmark = pytest.mark.django_db

POLISH_FIRST = [
    "Łukasz",
    "Małgorzata",
    "Zbigniew",
    "Żaneta",
    "Jędrzej",
    "Agnieszka",
    "Paweł",
    "Grażyna",
    "Michał",
    "Ewa",
]
POLISH_LAST = [
    "Wójcik",
    "Kowalczyk",
    "Dąbrowski",
    "Zieliński",
    "Szymańska",
    "Woźniak",
    "Kamińska",
    "Lewandowski",
]


def _school(world, name, code):
    with scopes_disabled():
        return School.objects.create(municipality=world.a.municipality, name=name, code=code, kind="primary")


@pytest.fixture(autouse=True)
def _eager(settings, tmp_path):
    """The check and the import run at once in the test process, when the request commits (the
    worker's job; tests/integrations/test_roster_worker.py runs them in a real worker)."""
    from config.celery import app

    settings.MEDIA_ROOT = tmp_path / "media"
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _upload(client, world, filename, data):
    with _commits():
        return client.post(
            f"/m/{world.a.municipality.slug}/people/import/", {"file": SimpleUploadedFile(filename, data)}
        )


def _commits():
    return TestCase.captureOnCommitCallbacks(execute=True)


def _review_url(response):
    return response["Location"]


def _people(world):
    with scope(municipality=world.a.municipality.pk):
        return list(Person.objects.prefetch_related("schools").order_by("pk"))


def _mapping_post(response_context, **extra):
    form = response_context["form"]
    data = {
        name: form[name].value() or "" for name in form.fields if name not in ("only_valid", "mark_leaving")
    }
    data.update(extra)
    return data


def _post(client, url, data):
    with _commits():
        return client.post(url, data)


def _rows(review):
    """The staged rows of the reviewed import, in line order."""
    with scopes_disabled():
        return list(
            RosterImportRow.objects.filter(roster_import=review.context["roster_import"]).order_by("line")
        )


def _error_lines(review):
    return [row.line for row in review.context["problems"] or []]


def test_pruszkow_semicolon_windows_1250_with_two_bad_rows_then_fixed(world, client_for):
    sp1 = _school(world, "Szkoła Podstawowa nr 1 im. Tadeusza Kościuszki", "12345")
    sp2 = _school(world, "Szkoła Podstawowa nr 2", "12346")
    lines = ["Imię;Nazwisko;Szkoła;E-mail;Rola"]
    for n in range(300):
        first = POLISH_FIRST[n % len(POLISH_FIRST)]
        last = f"{POLISH_LAST[n % len(POLISH_LAST)]}-{n}"
        school = sp1.name if n % 2 else sp2.code
        lines.append(f"{first};{last};{school};nauczyciel.{n}@example.org;nauczyciel")
    lines[11] = (
        "Anna;;Szkoła Podstawowa nr 1 im. Tadeusza Kościuszki;anna@example.org;nauczyciel"  # no last name
    )
    lines[201] = "Jan;Nowak;Szkoła Podstawowa nr 99;jan@example.org;nauczyciel"  # no such school
    data = "\r\n".join(lines).encode("cp1250")
    client = client_for(world.a.users["it_admin"])
    response = _upload(client, world, "nauczyciele.csv", data)
    assert response.status_code == 302
    review = client.get(_review_url(response))
    assert review.context["roster_import"].encoding == "cp1250"
    assert review.context["roster_import"].delimiter == ";"
    assert review.context["roster_import"].status == "preview"
    assert _error_lines(review) == [12, 202]
    page = review.content.decode()
    assert "Kościuszki" in page and "Łukasz" in page  # Polish letters read right
    # Importing with errors writes nothing.
    refused = _post(client, _review_url(response), _mapping_post(review.context, apply="1"))
    assert refused.status_code == 200
    assert len(_people(world)) == 1  # only the world's own person
    # The admin fixes the two rows and uploads again.
    lines[11] = "Anna;Kamińska;Szkoła Podstawowa nr 1 im. Tadeusza Kościuszki;anna@example.org;nauczyciel"
    lines[201] = "Jan;Nowak;Szkoła Podstawowa nr 2;jan@example.org;nauczyciel"
    response = _upload(client, world, "nauczyciele.csv", "\r\n".join(lines).encode("cp1250"))
    review = client.get(_review_url(response))
    assert review.context["counts"]["errors"] == 0 and review.context["counts"]["new"] == 300
    done = _post(client, _review_url(response), _mapping_post(review.context, apply="1"))
    assert done.status_code == 302
    assert client.get(_review_url(response)).context["roster_import"].status == "applied"
    people = _people(world)
    assert len(people) == 301
    anna = next(p for p in people if p.last_name == "Kamińska" and p.first_name == "Anna")
    assert [s.pk for s in anna.schools.all()] == [sp1.pk]


def test_only_valid_rows_when_chosen(world, client_for):
    _school(world, "ОУ „Христо Ботев“", "2600104")
    data = "Име,Фамилия,Училище\nИван,Петров,ОУ „Христо Ботев“\nМария,,ОУ „Христо Ботев“\n".encode(
        "utf-8-sig"
    )
    client = client_for(world.a.users["officer"])
    response = _upload(client, world, "roster.csv", data)
    review = client.get(_review_url(response))
    done = _post(client, _review_url(response), _mapping_post(review.context, apply="1", only_valid="on"))
    assert done.status_code == 302
    assert [p.last_name for p in _people(world)][-1] == "Петров"
    with scope(municipality=world.a.municipality.pk):
        assert RosterImport.objects.get(pk=review.context["roster_import"].pk).result["refused"] == 1


def test_bulgarian_bom_csv_with_lost_leading_zeros_and_lookalike_letters(world, client_for):
    _school(world, "ДГ „Зорница“", "0600104")
    data = (
        "Име,Фамилия,Код на училище\nПетя,Иванова,600104\nМария,Ивaнова,0600104\n"  # the "a" is Latin
    ).encode("utf-8-sig")
    client = client_for(world.a.users["officer"])
    review = client.get(_review_url(_upload(client, world, "dg.csv", data)))
    rows = _rows(review)
    assert rows[0].ok and "0600104" in " ".join(rows[0].notices)
    assert not rows[1].ok
    assert len(rows[1].errors) == 1 and "Ивaнова" in rows[1].errors[0]


def test_russian_windows_1251_from_excel(world, client_for):
    _school(world, "МБОУ «СОШ № 42»", "2225012345")
    data = "Фамилия;Имя;Отчество;Школа\r\nЩукина;Юлия;Сергеевна;МБОУ «СОШ № 42»\r\n".encode("cp1251")
    client = client_for(world.a.users["officer"])
    response = _upload(client, world, "учителя.csv", data)
    review = client.get(_review_url(response))
    assert review.context["roster_import"].encoding == "cp1251"
    row = _rows(review)[0]
    assert row.ok and row.middle_name == "Сергеевна"


def test_xlsx_with_cyrillic_and_a_code_typed_as_number(world, client_for):
    _school(world, "МБОУ «Гимназия № 5»", "2221099887")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Фамилия", "Имя", "Школа", "Роль"])
    sheet.append(["Ёлкин", "Андрей", 2221099887, "учитель"])
    sheet.append(["Малыгина", "Эльвира", "МБОУ «Гимназия № 5»", "директор"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = client_for(world.a.users["officer"])
    response = _upload(client, world, "altai.xlsx", buffer.getvalue())
    review = client.get(_review_url(response))
    rows = _rows(review)
    assert all(row.ok for row in rows), [row.errors for row in rows]
    assert [row.role for row in rows] == ["teacher", "director"]


def test_one_email_for_two_people_and_one_person_in_two_schools(world, client_for):
    a = _school(world, "School A", "1")
    b = _school(world, "School B", "2")
    data = (
        b"First name,Last name,School,Email\n"
        b"Anna,Nowak,School A,anna@example.org\n"
        b"Anna,Nowak,School B,anna@example.org\n"
        b"Piotr,Lis,School A,anna@example.org\n"
    )
    client = client_for(world.a.users["officer"])
    response = _upload(client, world, "r.csv", data)
    review = client.get(_review_url(response))
    rows = _rows(review)
    assert rows[0].ok and rows[1].ok and len(rows[1].notices) == 1 and "2" in rows[1].notices[0]
    assert not rows[2].ok
    _post(client, _review_url(response), _mapping_post(review.context, apply="1", only_valid="on"))
    anna = [p for p in _people(world) if p.last_name == "Nowak"]
    assert len(anna) == 1 and {s.pk for s in anna[0].schools.all()} == {a.pk, b.pk}


def test_oneroster_and_school_data_sync_exports(world, client_for):
    _school(world, "Liceum Ogólnokształcące im. Tadeusza Kościuszki", "54321")

    def zipped(files):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in files.items():
                archive.writestr(name, text)
        return buffer.getvalue()

    oneroster = zipped(
        {
            "orgs.csv": "sourcedId,status,name,type,identifier\norg-1,active,Liceum Ogólnokształcące im. Tadeusza Kościuszki,school,54321\n",
            "users.csv": "sourcedId,enabledUser,orgSourcedIds,role,username,givenName,familyName,middleName,email\n"
            "u1,true,org-1,teacher,ewa,Ewa,Woźniak,,ewa@lo.example\nu2,true,org-1,administrator,jan,Jan,Lis,,\n",
        }
    )
    sds2 = zipped(
        {
            "orgs.csv": "sourcedId,name,type,identifier\nS1,Liceum Ogólnokształcące im. Tadeusza Kościuszki,school,54321\n",
            "users.csv": "sourcedId,username,givenName,familyName,middleName,email\nT1,tk,Tomasz,Kowal,,tk@lo.example\n",
            "roles.csv": "userSourcedId,orgSourcedId,role,sessionSourcedId,grade,isPrimary\nT1,S1,teacher,,,true\n",
        }
    )
    sds1 = zipped(
        {
            "School.csv": "SIS ID,Name,School Number\nX1,Liceum Ogólnokształcące im. Tadeusza Kościuszki,54321\n",
            "Teacher.csv": "SIS ID,School SIS ID,First Name,Last Name,Username\nP9,X1,Piotr,Zając,pz@lo.example\n",
        }
    )
    client = client_for(world.a.users["officer"])
    for name, data, count in (("oneroster.zip", oneroster, 2), ("sds2.zip", sds2, 1), ("sds1.zip", sds1, 1)):
        review = client.get(_review_url(_upload(client, world, name, data)))
        rows = _rows(review)
        assert len(rows) == count and all(row.ok for row in rows), (name, [row.errors for row in rows])


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("junk.csv", bytes(range(256)) * 10, "not a text"),
        ("old.xls", b"\xd0\xcf\x11\xe0" + b"a,b\n" * 10, "XLSX"),
        ("one.csv", b"name\nAnna\n", "only one column"),
    ],
)
def test_unreadable_files_get_a_clear_error(filename, data, message):
    with translation.override("en"), pytest.raises(RosterFileError, match=message):
        read_roster(data, filename)


def test_a_zip_bomb_is_refused_without_unpacking_it():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "x")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    with translation.override("en"), pytest.raises(RosterFileError, match="unpacks"):
        read_roster(buffer.getvalue(), "bomb.xlsx")


def test_errors_are_in_the_users_language(world, client_for):
    _school(world, "School A", "1")
    data = b"First name,Last name,School\nAnna,,School A\n"
    client = client_for(world.a.users["officer"])  # Alpha Town speaks Bulgarian
    review = client.get(_review_url(_upload(client, world, "r.csv", data)))
    error = review.context["problems"][0].errors[0]
    assert re.search(r"[\u0400-\u04ff]", error), error


def test_the_reconciler_carries_on_imports_whose_worker_died(world, client_for, settings):
    from datetime import timedelta

    from django.utils import timezone

    from integrations.tasks import reconcile_roster_imports

    _school(world, "School A", "1")
    client = client_for(world.a.users["officer"])
    data = b"First name,Last name,School\nAnna,Nowak,School A\nPiotr,Lis,School A\n"
    review = client.get(_review_url(_upload(client, world, "r.csv", data)))
    roster_import = review.context["roster_import"]
    long_ago = timezone.now() - timedelta(seconds=settings.ROSTER_CHECK_STALE_SECONDS + 1)
    with scopes_disabled():
        # A check whose worker died half-way, and after it an import that did.
        RosterImport.objects.filter(pk=roster_import.pk).update(status="checking", progress_at=long_ago)
        with _commits():
            reconcile_roster_imports()
        checked = RosterImport.objects.get(pk=roster_import.pk)
        assert (checked.status, checked.generation, checked.counts["new"]) == ("preview", 2, 2)
        RosterImport.objects.filter(pk=roster_import.pk).update(status="applying", progress_at=long_ago)
        with _commits():
            reconcile_roster_imports()
        assert RosterImport.objects.get(pk=roster_import.pk).status == "applied"
    assert {p.last_name for p in _people(world)} >= {"Nowak", "Lis"}


def test_invisible_characters_and_decomposed_letters_never_make_a_second_person(world, client_for):
    """A zero-width joiner once made a second "Petar Georgiev" pass the same-person check and a
    right-to-left override showed "Maria avonavI" as "Maria Ivanova"; a name no table romanises
    would have had the login "@domain"."""
    _school(world, "School A", "1")
    data = (
        "First name,Last name,School\n"
        "Petar,Georgiev,School A\n"
        "Petar,Geor\u200dgiev,School A\n"
        "Maria,\u202eavonavI,School A\n"
        "Серге\u0438\u0306,Петров,School A\n"
        "Сергей,Петров,School A\n"
        "Γιώργος,Νίκου,School A\n"
    ).encode()
    client = client_for(world.a.users["officer"])
    with translation.override("en"):
        response = _upload(client, world, "r.csv", data)
        review = client.get(_review_url(response))
    rows = _rows(review)
    assert rows[0].ok
    assert not rows[1].ok and "U+200D" in " ".join(rows[1].errors)
    assert not rows[2].ok and "U+202E" in " ".join(rows[2].errors)
    assert rows[3].ok and not rows[4].ok  # one name, typed two ways: the same person
    # flagged in the municipality's language, naming the letters no table romanises
    assert rows[5].ok and any("ΓΝ" in notice for notice in rows[5].notices), rows[5].notices
