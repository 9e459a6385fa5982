"""Roster import on files written the way real exports are; all-or-nothing; errors with line numbers."""

import io
import re
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django_scopes import scope, scopes_disabled

from integrations.models import RosterImport
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


def _upload(client, world, filename, data):
    response = client.post(
        f"/m/{world.a.municipality.slug}/people/import/", {"file": SimpleUploadedFile(filename, data)}
    )
    return response


def _review_url(response):
    return response["Location"]


def _people(world):
    with scope(municipality=world.a.municipality.pk):
        return list(Person.objects.prefetch_related("schools").order_by("pk"))


def _mapping_post(response_context, **extra):
    form = response_context["form"]
    data = {name: form[name].value() or "" for name in form.fields if name != "only_valid"}
    data.update(extra)
    return data


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
    checked = review.context["checked"]
    assert review.context["roster_import"].encoding == "cp1250"
    assert review.context["roster_import"].delimiter == ";"
    assert [row.line for row in checked.errors] == [12, 202]
    page = review.content.decode()
    assert "Kościuszki" in page and "Łukasz" in page  # Polish letters read right
    # Importing with errors writes nothing.
    refused = client.post(_review_url(response), _mapping_post(review.context, apply="1"))
    assert refused.status_code == 200
    assert len(_people(world)) == 1  # only the world's own person
    # The admin fixes the two rows and uploads again.
    lines[11] = "Anna;Kamińska;Szkoła Podstawowa nr 1 im. Tadeusza Kościuszki;anna@example.org;nauczyciel"
    lines[201] = "Jan;Nowak;Szkoła Podstawowa nr 2;jan@example.org;nauczyciel"
    response = _upload(client, world, "nauczyciele.csv", "\r\n".join(lines).encode("cp1250"))
    review = client.get(_review_url(response))
    assert review.context["checked"].errors == []
    done = client.post(_review_url(response), _mapping_post(review.context, apply="1"))
    assert done.status_code == 302
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
    done = client.post(_review_url(response), _mapping_post(review.context, apply="1", only_valid="on"))
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
    rows = review.context["checked"].rows
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
    row = review.context["checked"].rows[0]
    assert row.ok and row.values["middle_name"] == "Сергеевна"


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
    rows = review.context["checked"].rows
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
    rows = review.context["checked"].rows
    assert rows[0].ok and rows[1].ok and len(rows[1].notices) == 1 and "2" in rows[1].notices[0]
    assert not rows[2].ok
    client.post(_review_url(response), _mapping_post(review.context, apply="1", only_valid="on"))
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
        rows = review.context["checked"].rows
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
    error = review.context["checked"].errors[0].errors[0]
    assert re.search(r"[\u0400-\u04ff]", error), error
