"""Roster files read row by row from disk: every format, every encoding, every bound refused with
a message that names it, and hostile or damaged files refused without a 500."""

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.utils import translation

from integrations.roster import readers
from integrations.roster.readers import RosterFileError, open_roster, read_roster


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _file(tmp_path: Path, data: bytes, name: str = "upload") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _read(tmp_path: Path, data: bytes, filename: str = "roster.csv"):
    """(headers, rows, stream) of a file read to the end."""
    with open_roster(_file(tmp_path, data), filename) as stream:
        return stream.headers, list(stream.rows), stream


def _refused(tmp_path: Path, data: bytes, filename: str = "roster.csv") -> str:
    with pytest.raises(RosterFileError) as refused:
        _read(tmp_path, data, filename)
    return str(refused.value)


def _zipped(files: dict[str, bytes | str], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _xlsx(rows, sheets: int = 1) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    for n in range(1, sheets):
        workbook.create_sheet(f"Sheet {n + 1}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _shared_strings_xlsx(count: int) -> bytes:
    """A workbook whose shared strings table has ``count`` different texts (like the 5 MB file
    with 2,000,000 of them that used to take half a minute to be accepted)."""
    strings = "".join(f"<si><t>{n}</t></si>" for n in range(count))
    return _zipped(
        {
            "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            "xl/sharedStrings.xml": f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{strings}</sst>',
        }
    )


# --- CSV ----------------------------------------------------------------------------------------
def test_csv_rows_are_cleaned_padded_and_blank_rows_left_out(tmp_path):
    data = b'Name;Surname;School\r\n"Anna ";Nowak\r\n;;\r\n\r\nJan;"Lis\nKowal";SP 1;extra\r\n'
    headers, rows, stream = _read(tmp_path, data)
    assert headers == ["Name", "Surname", "School"]
    assert rows == [["Anna", "Nowak", ""], ["Jan", "Lis Kowal", "SP 1"]]
    assert (stream.format, stream.encoding, stream.delimiter) == ("csv", "utf-8", ";")


def test_a_large_csv_streams_and_a_late_problem_comes_while_reading(tmp_path):
    lines = ["id,first,last"] + [f"{n},Иван,Петров-{n}" for n in range(30_000)] + ["x," + "y" * 5000]
    path = _file(tmp_path, "\n".join(lines).encode())
    with open_roster(path, "big.csv") as stream:
        assert iter(stream.rows) is stream.rows  # an iterator, not a list
        assert next(stream.rows) == ["0", "Иван", "Петров-0"]  # before the file's end is read
        with pytest.raises(RosterFileError, match="row 30,002 is longer than 1,000 characters"):
            for count, row in enumerate(stream.rows, 2):
                assert row == [str(count - 1), "Иван", f"Петров-{count - 1}"]
    assert count == 30_000


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("cp1251", "Фамилия;Имя;Школа\r\nЩукина;Юлия;МБОУ «СОШ № 42»\r\n"),
        (
            "cp1250",
            "Imię;Nazwisko;Szkoła\r\nŁukasz;Wójcik;Szkoła Podstawowa nr 1 im. Tadeusza Kościuszki\r\n",
        ),
        ("utf-8-sig", "Име,Фамилия,Училище\nПетя,Иванова,ДГ „Зорница“\n"),
        ("utf-16", "Име\tФамилия\tУчилище\r\nПетя\tИванова\tДГ „Зорница“\r\n"),
    ],
)
def test_encodings(tmp_path, encoding, text):
    headers, rows, stream = _read(tmp_path, text.encode(encoding))
    expected = [line.replace("\t", ";").replace(",", ";").split(";") for line in text.split("\n")[:2]]
    assert [headers, *rows] == [[cell.strip() for cell in line] for line in expected]
    assert stream.encoding == encoding


def test_utf8_whose_first_letters_come_after_a_megabyte_of_ascii(tmp_path):
    lines = ["id,first,last"] + [f"{n},John,Smith" for n in range(80_000)] + ["x,Łukasz,Щукина"]
    data = "\n".join(lines).encode()
    assert data.index("Ł".encode()) > 1024 * 1024
    _headers, rows, stream = _read(tmp_path, data)
    assert stream.encoding == "utf-8" and rows[-1] == ["x", "Łukasz", "Щукина"]


def test_utf8_that_turns_into_windows_1251_further_on_is_refused_with_its_line(tmp_path):
    head = "id,first,last\n1,Иван,Петров\n" + "2,John,Smith\n" * 100_000
    data = head.encode() + "3,Щукина,Юлия\n".encode("cp1251")
    message = _refused(tmp_path, data)
    assert "Line 100,003 is not written in the encoding of the lines before it (utf-8)" in message
    assert "CSV UTF-8" in message


def test_unknown_encoding_is_refused(tmp_path):
    assert "encoding is not recognised" in _refused(
        tmp_path, b"a,b\n" + bytes(range(0x80, 0xA0)) * 4 + b",x\n"
    )


def test_nul_bytes(tmp_path):
    assert "not a text (CSV) or XLSX" in _refused(tmp_path, b"a,b\x00\n1,2\n")
    late = b"a,b\n" + b"1,2\n" * 2000 + b"3,\x004\n"
    assert "Line 2,002 contains a NUL character" in _refused(tmp_path, late)


def test_a_200000_character_cell_is_refused_by_the_line_bound(tmp_path):
    message = _refused(tmp_path, b'name,note\nAnna,"' + b"x" * 200_000 + b'"\n')
    assert "Line 2 is longer than 65,536 characters" in message and "delete the long text" in message


def test_a_quoted_cell_spanning_many_lines_is_bounded_too(tmp_path):
    data = b'name,note\nAnna,"' + b"xxxxxxxxxx\n" * 10_000 + b'"\nJan,ok\n'
    assert "longer than 65,536 characters" in _refused(tmp_path, data)


def test_cell_longer_than_the_cell_bound(tmp_path):
    message = _refused(tmp_path, b"name,note\nAnna,ok\nJan," + b"y" * 1001 + b"\n")
    assert "A cell in row 3 is longer than 1,000 characters" in message


def test_columns_bound(tmp_path):
    row = ",".join(f"c{n}" for n in range(201)).encode()
    assert "Row 1 has more than 200 columns" in _refused(tmp_path, row + b"\n" + row + b"\n")


def test_rows_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_ROWS", 100)
    data = b"a,b\n" + b"1,2\n" * 100
    assert len(_read(tmp_path, data)[1]) == 100
    message = _refused(tmp_path, data + b"3,4\n")
    assert "more than 100 rows. Split it by school and import the parts." in message


def test_blank_rows_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_BLANK_ROWS", 50)
    assert "more than 50 empty rows" in _refused(tmp_path, b"a,b\n" + b",\n" * 51 + b"1,2\n")


def test_bytes_bound_from_the_stored_size_before_reading(tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as file:
        file.truncate(readers.MAX_BYTES + 1)  # sparse: nothing to read, only the size counts
    with pytest.raises(RosterFileError, match="larger than 64 MB. Split it by school"):
        with open_roster(path, "huge.csv"):
            pass


def test_empty_and_one_column_files(tmp_path):
    assert "empty" in _refused(tmp_path, b" \r\n ")
    assert "no rows" in _refused(tmp_path, b",,\n" * 30_000)
    assert "only one column" in _refused(tmp_path, b"name\nAnna\n")


# --- XLSX ---------------------------------------------------------------------------------------
def test_xlsx_through_open_roster(tmp_path):
    data = _xlsx(
        [
            ["Фамилия", "Имя", "Школа", None],
            ["Ёлкин", "Андрей", 2221099887, None],
            [None, None],
            ["Малыгина", "Эльвира"],
        ],
        sheets=2,
    )
    headers, rows, stream = _read(tmp_path, data, "altai.xlsx")
    assert headers == ["Фамилия", "Имя", "Школа"]
    assert rows == [["Ёлкин", "Андрей", "2221099887"], ["Малыгина", "Эльвира", ""]]
    assert stream.format == "xlsx" and stream.notes == ["Only the first sheet, “Sheet”, is read."]


def test_xlsx_cell_and_column_bounds(tmp_path):
    assert "A cell in row 2 is longer than 1,000 characters" in _refused(
        tmp_path, _xlsx([["a", "b"], ["x", "y" * 1001]]), "r.xlsx"
    )
    assert "Row 1 has more than 200 columns" in _refused(tmp_path, _xlsx([list(range(201))]), "r.xlsx")


def test_two_million_shared_strings_are_refused_before_openpyxl_loads_them(tmp_path):
    data = _shared_strings_xlsx(2_000_000)
    assert len(data) < 12 * 1024 * 1024
    message = _refused(tmp_path, data, "strings.xlsx")
    assert "more than 1,000,000 different texts" in message and "Save it as CSV UTF-8" in message


def test_shared_strings_bounds_count_and_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_SHARED_STRINGS", 1000)
    monkeypatch.setattr(readers, "CHUNK", 100)  # strings cut by chunk boundaries are counted once
    assert "different texts" in _refused(tmp_path, _shared_strings_xlsx(1001), "s.xlsx")
    # 1,000 pass the count (this workbook has no sheet, which openpyxl then reports)
    assert "The XLSX file cannot be read" in _refused(tmp_path, _shared_strings_xlsx(1000), "s.xlsx")
    monkeypatch.setattr(readers, "MAX_SHARED_STRINGS", 10_000)
    monkeypatch.setattr(readers, "MAX_SHARED_STRINGS_BYTES", 1000)
    assert "different texts" in _refused(tmp_path, _shared_strings_xlsx(100), "s.xlsx")


def test_shared_strings_within_the_bound_are_read(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_SHARED_STRINGS", 3)
    workbook = _xlsx([["a", "b"], ["a", "c"]])  # three different texts
    assert _read(tmp_path, workbook, "r.xlsx")[1] == [["a", "c"]]


def test_an_oversized_workbook_part_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_PART", 1000)
    message = _refused(tmp_path, _xlsx([["a", "b"]]), "r.xlsx")
    assert "A part of the XLSX file (xl/theme/theme1.xml) is larger than 0 MB" in message


def _with_sheet(sheet_xml: bytes) -> bytes:
    """A workbook from openpyxl with its first sheet's XML replaced, stored (not compressed)."""
    with zipfile.ZipFile(io.BytesIO(_xlsx([["a", "b"]]))) as source:
        files = {info.filename: source.read(info) for info in source.infolist()}
    files["xl/worksheets/sheet1.xml"] = sheet_xml
    return _zipped(files, zipfile.ZIP_STORED)


def test_a_worksheet_row_of_a_million_empty_cells_is_refused_before_openpyxl_parses_it(tmp_path):
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c></row>'
        b'<row r="2">' + b"<c/>" * 1_000_000 + b"</row></sheetData></worksheet>"
    )
    message = _refused(tmp_path, _with_sheet(sheet), "r.xlsx")
    assert "Row 2 of the sheet holds more than 1 MB of data" in message


def test_rows_within_the_row_xml_bound_are_read(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_ROW_XML", 400)
    monkeypatch.setattr(readers, "CHUNK", 100)  # rows cut by chunk boundaries
    cells = "".join(f'<c r="{col}{{n}}" t="inlineStr"><is><t>{col}{{n}}</t></is></c>' for col in "ABC")
    rows = "".join(f'<row r="{n}">{cells.format(n=n)}</row>' for n in range(1, 40))
    sheet = f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>'
    headers, body, _stream = _read(tmp_path, _with_sheet(sheet.encode()), "r.xlsx")
    assert headers == ["A1", "B1", "C1"] and len(body) == 38 and body[-1] == ["A39", "B39", "C39"]
    long_row = f'<row r="40">{cells.format(n=40) * 3}</row>'
    message = _refused(
        tmp_path, _with_sheet(sheet.replace("</sheetData>", long_row + "</sheetData>").encode()), "r.xlsx"
    )
    assert "Row 40 of the sheet holds more than" in message


def test_xml_entity_declarations_are_refused(tmp_path):
    data = _xlsx([["a", "b"]])
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        files = {info.filename: source.read(info) for info in source.infolist()}
    files["xl/workbook.xml"] = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + files["xl/workbook.xml"]
    )
    assert "XML declarations" in _refused(tmp_path, _zipped(files), "r.xlsx")


def test_a_truncated_xlsx_is_refused(tmp_path):
    data = _xlsx([["a", "b"]] * 50)
    assert "damaged" in _refused(tmp_path, data[: len(data) // 2], "r.xlsx")


def test_a_damaged_worksheet_is_refused(tmp_path):
    data = _xlsx([["a", "b"], ["c", "d"]])
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        files = {info.filename: source.read(info) for info in source.infolist()}
    files["xl/worksheets/sheet1.xml"] = files["xl/worksheets/sheet1.xml"][:-40]
    assert "The XLSX file cannot be read" in _refused(tmp_path, _zipped(files), "r.xlsx")


# --- zips: OneRoster, School Data Sync, and damage ----------------------------------------------
def test_oneroster(tmp_path):
    data = _zipped(
        {
            "orgs.csv": "sourcedId,status,name,type,identifier\norg-1,active,Liceum im. Tadeusza Kościuszki,school,54321\n",
            "users.csv": "sourcedId,enabledUser,orgSourcedIds,role,username,givenName,familyName,middleName,email\n"
            'u1,true,"org-1, org-2",teacher,ewa,Ewa,Woźniak,,ewa@lo.example\nu2,true,org-1,administrator,jan,Jan,Lis,,\n',
        }
    )
    headers, rows, stream = _read(tmp_path, data, "oneroster.zip")
    assert headers == ["sourcedId", "givenName", "middleName", "familyName", "role", "email", "school"]
    assert rows == [
        ["u1", "Ewa", "", "Woźniak", "teacher", "ewa@lo.example", "org-1;org-2"],
        ["u2", "Jan", "", "Lis", "staff", "", "org-1"],
    ]
    assert stream.format == "oneroster"
    assert stream.schools == {"org-1": {"name": "Liceum im. Tadeusza Kościuszki", "code": "54321"}}


def test_school_data_sync_v1_and_v2(tmp_path):
    sds1 = _zipped(
        {
            "School.csv": "SIS ID,Name,School Number\nX1,Liceum Ogólnokształcące,54321\n",
            "Teacher.csv": "SIS ID,School SIS ID,First Name,Last Name,Username\nP9,X1,Piotr,Zając,pz@lo.example\n",
            "Student.csv": "SIS ID,School SIS ID,First Name,Last Name,Secondary Email\nS1,X1,Ola,Nowak,ola@example.org\n",
        }
    )
    headers, rows, stream = _read(tmp_path, sds1, "sds1.zip")
    assert stream.format == "sds1" and stream.schools == {
        "X1": {"name": "Liceum Ogólnokształcące", "code": "54321"}
    }
    assert rows == [
        ["P9", "Piotr", "", "Zając", "teacher", "pz@lo.example", "X1"],
        ["S1", "Ola", "", "Nowak", "student", "ola@example.org", "X1"],
    ]
    sds2 = _zipped(
        {
            "orgs.csv": "sourcedId,name,type,identifier\nS1,Liceum,school,54321\nS2,Gimnazjum,school,54322\n",
            "users.csv": "sourcedId,username,givenName,familyName,middleName,email\nT1,tk,Tomasz,Kowal,,tk@lo.example\n"
            "T2,an,Anna,Lis,Maria,\n",
            "roles.csv": "userSourcedId,orgSourcedId,role,sessionSourcedId,grade,isPrimary\n"
            "T1,S1,principal,,,true\nT1,S2,teacher,,,false\n",
        }
    )
    headers, rows, stream = _read(tmp_path, sds2, "sds2.zip")
    assert stream.format == "sds2" and set(stream.schools) == {"S1", "S2"}
    assert rows == [
        ["T1", "Tomasz", "", "Kowal", "director", "tk@lo.example", "S1;S2"],
        ["T2", "Anna", "Maria", "Lis", "", "", ""],
    ]


def test_rows_bound_counts_teachers_and_students_together(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_ROWS", 2)
    sds1 = _zipped(
        {
            "Teacher.csv": "SIS ID,First Name,Last Name\nP1,Ewa,Lis\nP2,Jan,Lis\n",
            "Student.csv": "SIS ID,First Name,Last Name\nS1,Ola,Lis\n",
        }
    )
    assert "more than 2 rows" in _refused(tmp_path, sds1, "sds1.zip")


def test_a_zip_member_with_a_wrong_crc_is_refused(tmp_path):
    users = "sourcedId,givenName,familyName,orgSourcedIds\n" + "u1,Ewa,Lis,org-1\n" * 10
    data = bytearray(
        _zipped({"orgs.csv": "sourcedId,name\norg-1,SP 1\n", "users.csv": users}, zipfile.ZIP_STORED)
    )
    at = data.index(b"u1,Ewa")
    data[at] = ord("v")  # the stored text changes, its CRC does not
    assert "damaged" in _refused(tmp_path, bytes(data), "oneroster.zip")


def test_a_zip_member_with_broken_compressed_data_is_refused(tmp_path):
    users = "sourcedId,givenName,familyName,orgSourcedIds\n" + "".join(
        f"u{n},Ewa,Lis{n},org-1\n" for n in range(2000)
    )
    data = bytearray(_zipped({"orgs.csv": "sourcedId,name\norg-1,SP 1\n", "users.csv": users}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("users.csv")
    start = info.header_offset + 30 + len(info.filename)
    data[start + 10 : start + 200] = bytes(190)
    assert "damaged" in _refused(tmp_path, bytes(data), "oneroster.zip")


def test_damaged_and_unknown_zips(tmp_path):
    assert "damaged (not a readable zip or XLSX)" in _refused(
        tmp_path, b"PK\x03\x04" + b"\x01" * 500, "r.zip"
    )
    assert "neither an XLSX workbook" in _refused(tmp_path, _zipped({"a.txt": "a,b"}), "r.zip")


def test_zip_bombs_and_oversized_zips_are_refused_from_their_directory(tmp_path, monkeypatch):
    bomb = _zipped({"users.csv": b"a" * (20 * 1024 * 1024), "orgs.csv": "a,b\n"})
    assert "unpacks to far more data than a roster holds" in _refused(tmp_path, bomb, "r.zip")
    monkeypatch.setattr(readers, "MAX_UNZIPPED", 1000)
    message = _refused(tmp_path, _xlsx([["a", "b"]]), "r.xlsx")
    assert "unpacks to far more data than a roster holds (more than 0 MB" in message


def test_too_many_zip_members(tmp_path):
    data = _zipped({f"f{n}.csv": "" for n in range(1001)}, zipfile.ZIP_STORED)
    assert "holds more than 1,000 files" in _refused(tmp_path, data, "r.zip")


# --- the whole-table interface ------------------------------------------------------------------
def test_read_roster_returns_the_whole_table():
    table = read_roster("Imię;Nazwisko\nŁukasz;Wójcik\n".encode("cp1250"), "n.csv")
    assert (table.headers, table.rows, table.encoding, table.delimiter) == (
        ["Imię", "Nazwisko"],
        [["Łukasz", "Wójcik"]],
        "cp1250",
        ";",
    )
