"""Reading roster files the way schools really export them.

CSV in UTF-8 (with or without BOM), Windows-1251, Windows-1250 or ISO-8859-2, separated by
commas, semicolons or tabs (detected); XLSX (first sheet); OneRoster 1.1 CSV (a zip with
users.csv and orgs.csv); Microsoft School Data Sync v1 (School.csv, Teacher.csv, Student.csv)
and v2.1 (orgs.csv, users.csv, roles.csv). Everything becomes a ``Table`` of text cells.
Limits keep a hostile or mistaken file from exhausting the server; their errors say so.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

import openpyxl  # reads through defusedxml, which is installed: no entity expansion
from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024  # an upload
MAX_UNZIPPED = 50 * 1024 * 1024  # all members of an XLSX or zip together
MAX_RATIO = 100  # compression ratio of any zip member (zip bombs have thousands)
MAX_ROWS = 20_000
MAX_COLUMNS = 200


class RosterFileError(Exception):
    """The file cannot be read at all; the message is for the user."""


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]  # every row as long as the headers
    format: str
    encoding: str = ""
    delimiter: str = ""
    notes: list[str] = field(default_factory=list)
    # For formats that carry schools separately (OneRoster, SDS): the school column holds these ids.
    schools: dict[str, dict] = field(default_factory=dict)


def read_roster(data: bytes, filename: str) -> Table:
    if len(data) > MAX_BYTES:
        raise RosterFileError(
            _("The file is larger than %(mb)s MB. Split it by school and import the parts.")
            % {"mb": MAX_BYTES // 2**20}
        )
    if not data.strip():
        raise RosterFileError(_("The file is empty."))
    if data[:4] == b"PK\x03\x04":
        archive = _open_zip(data)
        names = {name.rsplit("/", 1)[-1].lower(): name for name in archive.namelist()}
        if "[content_types].xml" in names:
            return _read_xlsx(archive)
        if "users.csv" in names and "orgs.csv" in names and "roles.csv" in names:
            return _read_sds2(archive, names)
        if "users.csv" in names and "orgs.csv" in names:
            return _read_oneroster(archive, names)
        if "teacher.csv" in names or "student.csv" in names:
            return _read_sds1(archive, names)
        raise RosterFileError(
            _("This zip file is neither an XLSX workbook, a OneRoster export nor a School Data Sync export.")
        )
    if filename.lower().endswith((".xls", ".ods")):
        raise RosterFileError(
            _("Save the sheet as XLSX or CSV first (old .xls and .ods files are not read).")
        )
    if b"\x00" in data[:4096] and not data.startswith(UTF16_BOMS):
        raise RosterFileError(_("This is not a text (CSV) or XLSX file."))
    return read_csv(data)


# --- CSV ----------------------------------------------------------------------------------------
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode text" export is UTF-16 with a BOM


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 if it is valid, else the single-byte code page whose letters fit."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise RosterFileError(
                _("The file's text encoding is not recognised. Save it as CSV UTF-8.")
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Windows-1251 (Cyrillic) puts letters in 0xC0-0xFF; Windows-1250 / ISO-8859-2 (Polish)
    # use a few scattered bytes. Score each candidate by how much of the text becomes letters
    # of the expected alphabet.
    scores = {}
    for encoding in ("cp1251", "cp1250", "iso-8859-2"):
        text = data.decode(encoding, errors="replace")
        high = [ch for ch in text if ord(ch) > 127]
        if encoding == "cp1251":
            good = sum(1 for ch in high if "\u0400" <= ch <= "\u04ff")
        else:
            good = sum(1 for ch in high if ch in "ąćęłńóśźżĄĆĘŁŃÓŚŹŻáäéíôúýčďěňřšťůžÁÉÍÓÚČĎĚŇŘŠŤŮŽ")
        scores[encoding] = good / max(len(high), 1)
    best = max(scores, key=lambda e: (scores[e], e == "cp1250"))
    try:
        if scores[best] < 0.5:
            raise UnicodeError(best)
        return data.decode(best), best
    except UnicodeError:  # mostly not letters, or bytes the code page does not define
        raise RosterFileError(
            _("The file's text encoding is not recognised. Save it as CSV UTF-8.")
        ) from None


def _delimiter(text: str) -> str:
    sample = [line for line in text.splitlines()[:20] if line.strip()]
    best, best_score = ",", -1
    for delimiter in (";", "\t", ","):
        counts = [len(next(csv.reader([line], delimiter=delimiter))) for line in sample]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(1 for count in counts if count == counts[0])
        score = consistent * 100 + counts[0]
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_csv(data: bytes, fmt: str = "csv") -> Table:
    text, encoding = decode(data)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = _limited(reader)
    except csv.Error as error:
        raise RosterFileError(_("The CSV file is malformed: %(reason)s") % {"reason": error}) from None
    return _table(rows, fmt, encoding=encoding, delimiter=delimiter)


def _limited(rows_iter) -> list[list[str]]:
    rows = []
    for row in rows_iter:
        if len(rows) > MAX_ROWS:
            raise RosterFileError(
                _("The file has more than %(n)s rows. Split it by school and import the parts.")
                % {"n": MAX_ROWS}
            )
        if len(row) > MAX_COLUMNS:
            raise RosterFileError(_("A row has more than %(n)s columns.") % {"n": MAX_COLUMNS})
        rows.append(row)
    return rows


CONTROL = "\ufffd"  # what a control character in a cell becomes: the row check reports it


def _clean(value) -> str:
    text = "" if value is None else str(value)
    # Control characters never belong in a name or an address: each is shown as "�" and the
    # row is refused (checks.py), rather than quietly imported without it.
    text = re.sub(r"[\t\r\n]", " ", text).strip()
    return "".join(ch if ch >= " " and ch != "\x7f" else CONTROL for ch in text)


def _table(rows: list[list], fmt: str, **extra) -> Table:
    rows = [[_clean(cell) for cell in row] for row in rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        raise RosterFileError(_("The file has no rows."))
    headers = rows[0]
    if len(headers) < 2:
        raise RosterFileError(_("The file has only one column: is the separator a comma, semicolon or tab?"))
    width = len(headers)
    body = [(row + [""] * width)[:width] for row in rows[1:]]
    return Table(headers=headers, rows=body, format=fmt, **extra)


# --- zip-based formats --------------------------------------------------------------------------
def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except zipfile.BadZipFile:
        raise RosterFileError(_("The file is damaged (not a readable zip or XLSX).")) from None
    total = sum(info.file_size for info in infos)
    if total > MAX_UNZIPPED or any(
        info.compress_size and info.file_size / info.compress_size > MAX_RATIO for info in infos
    ):
        raise RosterFileError(_("The file unpacks to far more data than a roster holds; it is refused."))
    return archive


def _zip_csv(archive: zipfile.ZipFile, names: dict[str, str], name: str) -> list[dict[str, str]]:
    with archive.open(names[name]) as member:
        data = member.read(MAX_UNZIPPED + 1)
    text, _encoding = decode(data)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    return [{(k or "").strip(): _clean(v) for k, v in row.items()} for row in _limited(reader)]


XML_DECLARATIONS = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def _refuse_xml_declarations(archive: zipfile.ZipFile) -> None:
    """A workbook's XML never declares a DOCTYPE or entities; a file that does is an attack
    ("billion laughs", external entities). Refused before any XML parser sees it; openpyxl's
    use of defusedxml is the second line."""
    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        with archive.open(info) as member:
            head = member.read(64 * 1024)  # declarations come before the root element
        text = head.decode("utf-16") if head.startswith(UTF16_BOMS) else head
        if XML_DECLARATIONS.search(text if isinstance(text, bytes) else text.encode("utf-8", "replace")):
            raise RosterFileError(
                _("The XLSX file contains XML declarations that no spreadsheet needs; it is refused.")
            )


def _read_xlsx(archive: zipfile.ZipFile) -> Table:
    _refuse_xml_declarations(archive)
    try:
        workbook = openpyxl.load_workbook(archive.fp, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken workbook
        raise RosterFileError(
            _("The XLSX file cannot be read (%(reason)s).") % {"reason": type(error).__name__}
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = _limited(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()
    rows = [[_xlsx_cell(cell) for cell in row] for row in rows]
    return _table(rows, "xlsx")


def _xlsx_cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 2600104.0 → 2600104 (a code typed as a number)
    return "" if value is None else str(value)


ONEROSTER_ROLES = {"teacher": "teacher", "administrator": "staff", "aide": "staff", "student": "student"}


def _read_oneroster(archive, names) -> Table:
    orgs = {row.get("sourcedId", ""): row for row in _zip_csv(archive, names, "orgs.csv")}
    headers = ["sourcedId", "givenName", "middleName", "familyName", "role", "email", "school"]
    rows = []
    for user in _zip_csv(archive, names, "users.csv"):
        role = ONEROSTER_ROLES.get(user.get("role", "").lower(), user.get("role", ""))
        schools = [org for org in user.get("orgSourcedIds", "").split(",") if org.strip()]
        rows.append(
            [user.get("sourcedId", ""), user.get("givenName", ""), user.get("middleName", ""),
             user.get("familyName", ""), role, user.get("email", ""), ";".join(s.strip() for s in schools)]
        )  # fmt: skip
    schools = {
        key: {"name": org.get("name", ""), "code": org.get("identifier", "")} for key, org in orgs.items()
    }
    return Table(headers, rows, "oneroster", schools=schools)


def _read_sds1(archive, names) -> Table:
    schools = {}
    if "school.csv" in names:
        for row in _zip_csv(archive, names, "school.csv"):
            schools[row.get("SIS ID", "")] = {
                "name": row.get("Name", ""),
                "code": row.get("School Number", ""),
            }
    headers = ["SIS ID", "First Name", "Middle Name", "Last Name", "role", "Username", "school"]
    rows = []
    for file_name, role in (("teacher.csv", "teacher"), ("student.csv", "student")):
        if file_name not in names:
            continue
        for row in _zip_csv(archive, names, file_name):
            rows.append(
                [row.get("SIS ID", ""), row.get("First Name", ""), row.get("Middle Name", ""),
                 row.get("Last Name", ""), role, row.get("Username", "") or row.get("Secondary Email", ""),
                 row.get("School SIS ID", "")]
            )  # fmt: skip
    return Table(headers, rows, "sds1", schools=schools)


SDS2_ROLES = {
    "teacher": "teacher",
    "staff": "staff",
    "administrator": "staff",
    "student": "student",
    "principal": "director",
}


def _read_sds2(archive, names) -> Table:
    schools = {
        row.get("sourcedId", ""): {"name": row.get("name", ""), "code": row.get("identifier", "")}
        for row in _zip_csv(archive, names, "orgs.csv")
    }
    roles: dict[str, list[tuple[str, str]]] = {}
    for row in _zip_csv(archive, names, "roles.csv"):
        roles.setdefault(row.get("userSourcedId", ""), []).append(
            (row.get("role", ""), row.get("orgSourcedId", ""))
        )
    headers = ["sourcedId", "givenName", "middleName", "familyName", "role", "email", "school"]
    rows = []
    for user in _zip_csv(archive, names, "users.csv"):
        user_roles = roles.get(user.get("sourcedId", ""), [])
        role = SDS2_ROLES.get(user_roles[0][0].lower(), user_roles[0][0]) if user_roles else ""
        orgs = ";".join(org for _role, org in user_roles if org)
        rows.append(
            [user.get("sourcedId", ""), user.get("givenName", ""), user.get("middleName", ""),
             user.get("familyName", ""), role, user.get("email", ""), orgs]
        )  # fmt: skip
    return Table(headers, rows, "sds2", schools=schools)
