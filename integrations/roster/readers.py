"""Reading roster files the way schools really export them, one row at a time.

CSV in UTF-8 (with or without BOM), UTF-16 with a BOM, Windows-1251, Windows-1250 or
ISO-8859-2, separated by commas, semicolons or tabs (detected); XLSX (first sheet); OneRoster
1.1 CSV (a zip with users.csv and orgs.csv); Microsoft School Data Sync v1 (School.csv,
Teacher.csv, Student.csv) and v2.1 (orgs.csv, users.csv, roles.csv).

``open_roster`` reads the stored upload from disk and yields a ``RosterStream`` whose rows are
produced lazily, so a region's 250,000-row file is read in the memory of a few rows (plus, for
XLSX, the workbook's shared strings, themselves bounded). Every bound below is explicit and its
error says which bound was crossed and what to do; a hostile or damaged file is refused with a
``RosterFileError``, never by exhausting the server. ``read_roster`` keeps the old whole-table
interface for callers that still want it.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import pathlib
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree
import openpyxl  # reads through defusedxml, which is installed: no entity expansion
from django.utils.formats import number_format
from django.utils.translation import gettext as _

# --- bounds -------------------------------------------------------------------------------------
# Rows of one file: a region's roster (500 schools, 20,000 teachers, 200,000 students) in one
# upload, with room to spare. Blank rows are not counted here (see MAX_BLANK_ROWS).
MAX_ROWS = 250_000
# Bytes of an upload: 250,000 rows of seven columns of bg/pl/ru names are 33 MB of CSV in UTF-8
# and 9-10 MB of XLSX (bench/roster_files.py); Excel's UTF-16 "Unicode text" export of it is 53 MB.
# Twice the CSV leaves room for more columns; the size is taken from the stored file before a
# byte of it is read.
MAX_BYTES = 64 * 1024 * 1024
# Bytes all members of an XLSX or zip unpack to together, from its directory, before anything is
# unpacked: the 250,000-row XLSX above unpacks to 84 MB as Excel writes it (sheet 64 MB, shared
# strings 20 MB) and 121 MB as openpyxl writes it (inline strings); twice the larger.
MAX_UNZIPPED = 256 * 1024 * 1024
# Compression ratio of any zip member: real sheets and CSV compress 5-20 times, zip bombs
# thousands of times.
MAX_RATIO = 100
# Entries in a zip: an XLSX has a dozen parts, a OneRoster or SDS export a handful of files; each
# entry costs memory as soon as the directory is read, so this is checked from the end record.
MAX_MEMBERS = 1_000
# Any XLSX part that openpyxl parses whole (workbook, styles, relationships, content types):
# real ones are under a megabyte, style-bloated ones a few.
MAX_PART = 8 * 1024 * 1024
# Shared strings of a workbook, counted in the XML before openpyxl loads them into a list (each
# costs ~100 bytes there): the 250,000-row XLSX above has 500,615 (an identifier and an e-mail a
# row; roles, schools and names repeat); twice that leaves room for a few more unique columns.
# Refused fast: 2,000,000 strings fit in a 5 MB file.
MAX_SHARED_STRINGS = 1_000_000
# Bytes of the shared-strings XML: a million strings of ~40 bytes of text and ~20 of markup.
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024
# Bytes of XML one worksheet row may take, checked by a scan before openpyxl builds the row's
# elements in memory: 200 columns of 1,000 Cyrillic characters with their markup are under half of
# it; a row of millions of empty cells would otherwise cost gigabytes.
MAX_ROW_XML = 1024 * 1024
# Columns of a row: rosters have 5-20; exports with every field of a school system, up to ~100.
MAX_COLUMNS = 200
# Characters of a cell: names, e-mails (at most 254) and the longest official school names
# (~200) fit several times over; Excel allows 32,767, which is not a roster.
MAX_CELL = 1_000
# Characters of one CSV row as read (quoted line breaks included): a roster row is a few hundred;
# this bounds what is read before the row is parsed, well below csv's own field limit (131,072).
MAX_LINE = 64 * 1024
# Blank rows skipped: as many as an Excel sheet has rows, so trailing formatted rows never count;
# a text file with more empty lines than that is not a roster.
MAX_BLANK_ROWS = 1_048_576

SAMPLE = 64 * 1024  # bytes of text judged for the encoding, from the first non-ASCII byte on
CHUNK = 1024 * 1024  # bytes read at a time when scanning a file or a zip member


# What reading a damaged zip member raises: a bad header or CRC, broken deflate data, a member
# cut short, an offset beyond the file (OSError from seek), a truncated structure, a compression
# method or zip version no archiver of schools writes (NotImplementedError).
DAMAGED_ZIP = (zipfile.BadZipFile, zlib.error, EOFError, OSError, struct.error, NotImplementedError)


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


@dataclass
class RosterStream:
    """A roster file being read: headers known, body rows produced as they are read.

    ``rows`` must be consumed inside ``open_roster``'s ``with`` block; it raises
    ``RosterFileError`` when a bound is crossed further down the file."""

    headers: list[str]
    format: str  # "csv" | "xlsx" | "oneroster" | "sds1" | "sds2"
    encoding: str = ""
    delimiter: str = ""
    notes: list[str] = field(default_factory=list)
    # For formats that carry schools separately (OneRoster, SDS): the school column holds these ids.
    schools: dict[str, dict] = field(default_factory=dict)
    rows: Iterator[list[str]] = field(default_factory=lambda: iter(()))  # each len(headers) long


def _n(number: int) -> str:
    return number_format(number, force_grouping=True)


def _mb(size: int) -> str:
    return _n(size // 2**20)


@contextlib.contextmanager
def open_roster(path: pathlib.Path, filename: str) -> Iterator[RosterStream]:
    """Open a stored upload; ``filename`` is the name the user gave it (its extension counts)."""
    size = os.stat(path).st_size
    if size > MAX_BYTES:
        raise RosterFileError(
            _("The file is larger than %(mb)s MB. Split it by school and import the parts.")
            % {"mb": _mb(MAX_BYTES)}
        )
    with contextlib.ExitStack() as stack:
        file = stack.enter_context(open(path, "rb"))
        head = file.read(SAMPLE)
        if not head.strip() and len(head) == size:
            raise RosterFileError(_("The file is empty."))
        if head[:4] == b"PK\x03\x04":
            yield _open_zip_format(stack, file, size)
            return
        if filename.lower().endswith((".xls", ".ods")):
            raise RosterFileError(
                _("Save the sheet as XLSX or CSV first (old .xls and .ods files are not read).")
            )
        if b"\x00" in head[:4096] and not head.startswith(UTF16_BOMS):
            raise RosterFileError(_("This is not a text (CSV) or XLSX file."))
        encoding, delimiter, rows = _csv_source(stack, lambda: open(path, "rb"))
        yield _stream(rows, "csv", encoding=encoding, delimiter=delimiter)


def read_roster(data: bytes, filename: str) -> Table:
    """The whole file as a ``Table`` (for callers that keep the rows; new code streams)."""
    if len(data) > MAX_BYTES:
        raise RosterFileError(
            _("The file is larger than %(mb)s MB. Split it by school and import the parts.")
            % {"mb": _mb(MAX_BYTES)}
        )
    with tempfile.TemporaryDirectory() as directory:
        path = pathlib.Path(directory) / "upload"
        path.write_bytes(data)
        with open_roster(path, filename) as stream:
            return Table(
                headers=stream.headers,
                rows=list(stream.rows),
                format=stream.format,
                encoding=stream.encoding,
                delimiter=stream.delimiter,
                notes=stream.notes,
                schools=stream.schools,
            )


# --- rows: cleaning and bounds, common to every format --------------------------------------------
CONTROL = "\ufffd"  # what a control character in a cell becomes: the row check reports it
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")


def _clean(value) -> str:
    text = "" if value is None else str(value)
    # Control characters never belong in a name or an address: each is shown as "�" and the
    # row is refused (checks.py), rather than quietly imported without it.
    text = re.sub(r"[\t\r\n]", " ", text).strip()
    return _CONTROLS.sub(CONTROL, text)


def _cleaned(rows: Iterable[Sequence]) -> Iterator[list[str]]:
    """Rows of text cells, blank rows left out, each row's columns and cells within bounds."""
    blank = 0
    for number, row in enumerate(rows, 1):
        if len(row) > MAX_COLUMNS:
            raise RosterFileError(
                _("Row %(row)s has more than %(n)s columns. Delete the columns the roster does not need.")
                % {"row": _n(number), "n": _n(MAX_COLUMNS)}
            )
        cells = [_clean(cell) for cell in row]
        if not any(cells):
            blank += 1
            if blank > MAX_BLANK_ROWS:
                raise RosterFileError(
                    _("The file has more than %(n)s empty rows. Delete them and upload it again.")
                    % {"n": _n(MAX_BLANK_ROWS)}
                )
            continue
        if any(len(cell) > MAX_CELL for cell in cells):
            raise RosterFileError(
                _(
                    "A cell in row %(row)s is longer than %(n)s characters; names, e-mails and "
                    "school names are far shorter. Shorten it or delete the column."
                )
                % {"row": _n(number), "n": _n(MAX_CELL)}
            )
        yield cells


def _counted(rows: Iterable[list[str]]) -> Iterator[list[str]]:
    for count, row in enumerate(rows, 1):
        if count > MAX_ROWS:
            raise RosterFileError(
                _("The file has more than %(n)s rows. Split it by school and import the parts.")
                % {"n": _n(MAX_ROWS)}
            )
        yield row


def _stream(rows: Iterator[list[str]], fmt: str, **extra) -> RosterStream:
    """Headers from the first row that is not blank; the rest become the body, cut or padded to
    the headers' width."""
    headers = next(rows, None)
    if headers is None:
        raise RosterFileError(_("The file has no rows."))
    if len(headers) < 2:
        raise RosterFileError(_("The file has only one column: is the separator a comma, semicolon or tab?"))
    width = len(headers)
    body = (row if len(row) == width else (row + [""] * width)[:width] for row in rows)
    return RosterStream(headers=headers, format=fmt, rows=_counted(body), **extra)


# --- CSV ----------------------------------------------------------------------------------------
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode text" export is UTF-16 with a BOM
_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _unrecognised() -> RosterFileError:
    return RosterFileError(_("The file's text encoding is not recognised. Save it as CSV UTF-8."))


def _detect_encoding(opener: Callable[[], IO[bytes]]) -> str:
    """UTF-8 if the text is valid UTF-8, else the single-byte code page whose letters fit.

    Judged from the first SAMPLE bytes after the first non-ASCII byte, wherever it is (a file
    can start with thousands of lines of ASCII); text that turns out otherwise further on is
    refused while reading, with its line."""
    with opener() as stream:
        chunk = stream.read(CHUNK)
        if chunk.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if chunk.startswith(UTF16_BOMS):
            return "utf-16"
        while chunk and (found := _NON_ASCII.search(chunk)) is None:
            chunk = stream.read(CHUNK)
        if not chunk:
            return "utf-8"  # ASCII only
        sample = chunk[found.start() : found.start() + SAMPLE]
        if len(sample) < SAMPLE:
            sample += stream.read(SAMPLE - len(sample))
        at_end = not stream.read(1)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=at_end)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Windows-1251 (Cyrillic) puts letters in 0xC0-0xFF; Windows-1250 / ISO-8859-2 (Polish)
    # use a few scattered bytes. Score each candidate by how much of the text becomes letters
    # of the expected alphabet.
    scores = {}
    for encoding in ("cp1251", "cp1250", "iso-8859-2"):
        text = sample.decode(encoding, errors="replace")
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
        sample.decode(best)
    except UnicodeError:  # mostly not letters, or bytes the code page does not define
        raise _unrecognised() from None
    return best


def _damaged() -> RosterFileError:
    return RosterFileError(
        _(
            "The file is damaged (a part of it cannot be unpacked). "
            "Export or save it again and upload the new file."
        )
    )


# Bytes the encoding does not define, kept by the "surrogateescape" decoder so that the line that
# holds them can be named.
_ESCAPED = re.compile("[\udc80-\udcff]")


class _Lines:
    """The text lines csv.reader parses, each record (quoted line breaks included) bounded by
    MAX_LINE characters and read from the stream only when asked for."""

    def __init__(self, text: IO[str], encoding: str):
        self.text = text
        self.encoding = encoding
        self.line = 0
        self.record = 0  # characters of the record being parsed; reset for every row
        self.peeked: list[str] = []

    def _readline(self) -> str:
        try:
            line = self.text.readline(MAX_LINE + 1)
        except UnicodeDecodeError:  # what surrogateescape cannot carry (UTF-16): line approximate
            raise self._not_in_encoding() from None
        except DAMAGED_ZIP:
            raise _damaged() from None
        if _ESCAPED.search(line):
            raise self._not_in_encoding()
        if "\x00" in line:
            raise RosterFileError(
                _(
                    "Line %(line)s contains a NUL character: this is not a text (CSV) file. "
                    "Save it as CSV UTF-8."
                )
                % {"line": _n(self.line + 1)}
            )
        return line

    def _not_in_encoding(self) -> RosterFileError:
        return RosterFileError(
            _(
                "Line %(line)s is not written in the encoding of the lines before it (%(encoding)s). "
                "Save the file as CSV UTF-8."
            )
            % {"line": _n(self.line + len(self.peeked) + 1), "encoding": self.encoding}
        )

    def peek(self, count: int) -> list[str]:
        """The first lines, for guessing the delimiter; read again by the parser."""
        while len(self.peeked) < count and (line := self._readline()):
            self.peeked.append(line)
        return self.peeked

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.peeked.pop(0) if self.peeked else self._readline()
        if not line:
            raise StopIteration
        self.line += 1
        self.record += len(line)
        if self.record > MAX_LINE:
            raise RosterFileError(
                _(
                    "Line %(line)s is longer than %(n)s characters, where a roster row has a few hundred "
                    "(a cell may hold at most %(cell)s). Check the file's quotes, or delete the long text."
                )
                % {"line": _n(self.line), "n": _n(MAX_LINE), "cell": _n(MAX_CELL)}
            )
        return line


def _delimiter(lines: list[str]) -> str:
    sample = [line for line in lines if line.strip()]
    best, best_score = ",", -1
    for delimiter in (";", "\t", ","):
        counts = [len(next(csv.reader([line], delimiter=delimiter), [])) for line in sample]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(1 for count in counts if count == counts[0])
        score = consistent * 100 + counts[0]
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_source(
    stack: contextlib.ExitStack, opener: Callable[[], IO[bytes]]
) -> tuple[str, str, Iterator[list[str]]]:
    """(encoding, delimiter, cleaned rows) of a CSV file opened by ``opener`` (read twice: once
    for the encoding, once for the rows)."""
    try:
        encoding = _detect_encoding(opener)
    except DAMAGED_ZIP:
        raise _damaged() from None
    text = stack.enter_context(
        io.TextIOWrapper(opener(), encoding=encoding, errors="surrogateescape", newline="")
    )
    lines = _Lines(text, encoding)
    delimiter = _delimiter(lines.peek(20))

    def records() -> Iterator[list[str]]:
        reader = csv.reader(lines, delimiter=delimiter)
        try:
            for row in reader:
                lines.record = 0
                yield row
        except csv.Error as error:
            raise RosterFileError(
                _("The CSV file is malformed at line %(line)s: %(reason)s")
                % {"line": _n(lines.line), "reason": error}
            ) from None

    return encoding, delimiter, _cleaned(records())


# --- zip-based formats --------------------------------------------------------------------------
_END = struct.Struct("<4s4H2LH")  # end of central directory record
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")


def _zip_directory_size(file: IO[bytes], size: int) -> tuple[int, int]:
    """(entries, directory bytes) from the zip's end records, read before zipfile builds an
    object for every entry; (0, 0) when there is no end record (zipfile then refuses it)."""
    tail_size = min(size, _END.size + 65_535)  # the record plus the longest comment
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _END.size > len(tail):
        return 0, 0
    entries, directory = _END.unpack_from(tail, at)[4:6]
    locator_at = size - tail_size + at - _END64_LOCATOR.size
    if (entries == 0xFFFF or directory == 0xFFFFFFFF) and locator_at >= 0:
        file.seek(locator_at)
        locator = _END64_LOCATOR.unpack(file.read(_END64_LOCATOR.size))
        if locator[0] == b"PK\x06\x07" and locator[2] < size:
            file.seek(locator[2])
            record = file.read(_END64.size)
            if len(record) == _END64.size and record[:4] == b"PK\x06\x06":
                entries, directory = _END64.unpack(record)[7:9]
    return entries, directory


def _too_many_members() -> RosterFileError:
    return RosterFileError(
        _("The zip file holds more than %(n)s files; a roster export has a few. Zip only the export's files.")
        % {"n": _n(MAX_MEMBERS)}
    )


def _open_zip(file: IO[bytes], size: int) -> zipfile.ZipFile:
    entries, directory = _zip_directory_size(file, size)
    # A directory record is 46 bytes and the member's name: a kilobyte each is plenty.
    if entries > MAX_MEMBERS or directory > MAX_MEMBERS * 1024:
        raise _too_many_members()
    try:
        archive = zipfile.ZipFile(file)
        infos = archive.infolist()
    except (*DAMAGED_ZIP, ValueError):
        raise RosterFileError(_("The file is damaged (not a readable zip or XLSX).")) from None
    if len(infos) > MAX_MEMBERS:
        raise _too_many_members()
    total = sum(info.file_size for info in infos)
    if total > MAX_UNZIPPED or any(
        info.file_size > MAX_RATIO * max(info.compress_size, 1) for info in infos if info.file_size > CHUNK
    ):
        raise RosterFileError(
            _(
                "The file unpacks to far more data than a roster holds (more than %(mb)s MB, "
                "or %(ratio)s times its packed size); it is refused. Split it by school and import the parts."
            )
            % {"mb": _mb(MAX_UNZIPPED), "ratio": _n(MAX_RATIO)}
        )
    return archive


def _open_zip_format(stack: contextlib.ExitStack, file: IO[bytes], size: int) -> RosterStream:
    archive = stack.enter_context(_open_zip(file, size))
    names = {name.rsplit("/", 1)[-1].lower(): name for name in archive.namelist()}
    if "[content_types].xml" in names:
        return _read_xlsx(stack, archive)
    if "users.csv" in names and "orgs.csv" in names and "roles.csv" in names:
        return _read_sds2(stack, archive, names)
    if "users.csv" in names and "orgs.csv" in names:
        return _read_oneroster(stack, archive, names)
    if "teacher.csv" in names or "student.csv" in names:
        return _read_sds1(stack, archive, names)
    raise RosterFileError(
        _("This zip file is neither an XLSX workbook, a OneRoster export nor a School Data Sync export.")
    )


def _zip_csv(
    stack: contextlib.ExitStack, archive: zipfile.ZipFile, names: dict[str, str], name: str
) -> Iterator[dict[str, str]]:
    """The rows of one CSV file of the zip as dicts keyed by its column titles, streamed."""
    _encoding, _delimiter, rows = _csv_source(stack, lambda: archive.open(names[name]))
    headers = [key.strip() for key in next(rows, [])]
    for row in rows:
        yield dict(zip(headers, row, strict=False))


ONEROSTER_HEADERS = ["sourcedId", "givenName", "middleName", "familyName", "role", "email", "school"]
ONEROSTER_ROLES = {"teacher": "teacher", "administrator": "staff", "aide": "staff", "student": "student"}


def _read_oneroster(stack, archive, names) -> RosterStream:
    schools = {
        org.get("sourcedId", ""): {"name": org.get("name", ""), "code": org.get("identifier", "")}
        for org in _counted(_zip_csv(stack, archive, names, "orgs.csv"))
    }

    def rows() -> Iterator[list[str]]:
        for user in _zip_csv(stack, archive, names, "users.csv"):
            role = ONEROSTER_ROLES.get(user.get("role", "").lower(), user.get("role", ""))
            orgs = [org.strip() for org in user.get("orgSourcedIds", "").split(",") if org.strip()]
            yield [user.get("sourcedId", ""), user.get("givenName", ""), user.get("middleName", ""),
                   user.get("familyName", ""), role, user.get("email", ""), ";".join(orgs)]  # fmt: skip

    return RosterStream(ONEROSTER_HEADERS, "oneroster", schools=schools, rows=_counted(rows()))


SDS1_HEADERS = ["SIS ID", "First Name", "Middle Name", "Last Name", "role", "Username", "school"]


def _read_sds1(stack, archive, names) -> RosterStream:
    schools = {}
    if "school.csv" in names:
        for row in _counted(_zip_csv(stack, archive, names, "school.csv")):
            schools[row.get("SIS ID", "")] = {
                "name": row.get("Name", ""),
                "code": row.get("School Number", ""),
            }

    def rows() -> Iterator[list[str]]:
        for file_name, role in (("teacher.csv", "teacher"), ("student.csv", "student")):
            if file_name not in names:
                continue
            for row in _zip_csv(stack, archive, names, file_name):
                email = row.get("Username", "") or row.get("Secondary Email", "")
                yield [row.get("SIS ID", ""), row.get("First Name", ""), row.get("Middle Name", ""),
                       row.get("Last Name", ""), role, email, row.get("School SIS ID", "")]  # fmt: skip

    return RosterStream(SDS1_HEADERS, "sds1", schools=schools, rows=_counted(rows()))


SDS2_ROLES = {
    "teacher": "teacher",
    "staff": "staff",
    "administrator": "staff",
    "student": "student",
    "principal": "director",
}


def _read_sds2(stack, archive, names) -> RosterStream:
    schools = {
        row.get("sourcedId", ""): {"name": row.get("name", ""), "code": row.get("identifier", "")}
        for row in _counted(_zip_csv(stack, archive, names, "orgs.csv"))
    }
    # roles.csv has a row per user and school: kept as (first role, "org;org") per user, the one
    # table of the export held whole (bounded by MAX_ROWS rows), so that users.csv can stream.
    roles: dict[str, tuple[str, str]] = {}
    for row in _counted(_zip_csv(stack, archive, names, "roles.csv")):
        user, org = row.get("userSourcedId", ""), row.get("orgSourcedId", "")
        role, orgs = roles.get(user, (row.get("role", ""), ""))
        roles[user] = (role, f"{orgs};{org}" if orgs and org else orgs or org)

    def rows() -> Iterator[list[str]]:
        for user in _zip_csv(stack, archive, names, "users.csv"):
            role, orgs = roles.get(user.get("sourcedId", ""), ("", ""))
            yield [user.get("sourcedId", ""), user.get("givenName", ""), user.get("middleName", ""),
                   user.get("familyName", ""), SDS2_ROLES.get(role.lower(), role), user.get("email", ""),
                   orgs]  # fmt: skip

    return RosterStream(ONEROSTER_HEADERS, "sds2", schools=schools, rows=_counted(rows()))


# --- XLSX ---------------------------------------------------------------------------------------
XML_DECLARATIONS = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,31}:)?si[\s/>]")
_SHARED_STRING_TAIL = 40  # longer than any match above: a match cut by a chunk boundary is kept


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


def _shared_strings_part(archive: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    """The part openpyxl loads as the shared strings: the one [Content_Types].xml names."""
    try:
        root = defusedxml.ElementTree.fromstring(archive.read("[Content_Types].xml"))
    except KeyError:
        return None  # not at the root: openpyxl cannot open it either, and says so
    for override in root:
        if override.tag.endswith("Override") and override.get("ContentType") == SHARED_STRINGS_TYPE:
            try:
                return archive.getinfo(override.get("PartName", "")[1:])  # as openpyxl finds it
            except KeyError:
                return None  # openpyxl then fails to open it: reported as unreadable
    return None


def _too_many_shared_strings() -> RosterFileError:
    return RosterFileError(
        _(
            "The XLSX file has more than %(n)s different texts, or more than %(mb)s MB of them; a roster of "
            "%(rows)s rows has far fewer. Save it as CSV UTF-8, or split it by school and import the parts."
        )
        % {"n": _n(MAX_SHARED_STRINGS), "mb": _mb(MAX_SHARED_STRINGS_BYTES), "rows": _n(MAX_ROWS)}
    )


def _check_shared_strings(archive: zipfile.ZipFile) -> None:
    """Count the shared strings in the XML, a chunk at a time, before openpyxl loads them all."""
    info = _shared_strings_part(archive)
    if info is None:
        return
    if info.file_size > MAX_SHARED_STRINGS_BYTES:
        raise _too_many_shared_strings()
    count, tail = 0, b""
    with archive.open(info) as member:
        while chunk := member.read(CHUNK):
            text = tail + chunk
            if count == 0 and text.startswith(UTF16_BOMS):
                raise RosterFileError(
                    _(
                        "The XLSX file is stored in an unusual way. "
                        "Open it in Excel and save it again, or save it as CSV UTF-8."
                    )
                )
            cut = len(text) - _SHARED_STRING_TAIL
            count += sum(1 for match in _SHARED_STRING.finditer(text) if match.start() < cut)
            if count > MAX_SHARED_STRINGS:
                raise _too_many_shared_strings()
            tail = text[max(cut, 0) :]
    count += sum(1 for _match in _SHARED_STRING.finditer(tail))
    if count > MAX_SHARED_STRINGS:
        raise _too_many_shared_strings()


_ROW_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]{0,31}:)?(row|sheetData)[\s/>]")
_ROW_TAG_TAIL = 48  # longer than any match above


def _too_long_row(row: int) -> RosterFileError:
    return RosterFileError(
        _(
            "Row %(row)s of the sheet holds more than %(mb)s MB of data; a roster row is far smaller. "
            "Delete what is not the roster, or save it as CSV UTF-8."
        )
        % {"row": _n(row), "mb": _mb(MAX_ROW_XML)}
    )


def _check_rows(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Every row of a worksheet within MAX_ROW_XML bytes of XML, found by scanning for the row
    tags a chunk at a time."""
    rows, last, offset, tail = 0, -1, 0, b""
    with archive.open(info) as member:
        while chunk := member.read(CHUNK):
            text, base = tail + chunk, offset - len(tail)
            cut = len(text) - _ROW_TAG_TAIL
            for match in _ROW_TAG.finditer(text):
                if match.start() >= cut:
                    break  # read again with the next chunk
                closing, tag = match.groups()
                position = base + match.start()
                if last >= 0 and position - last > MAX_ROW_XML:
                    raise _too_long_row(rows)
                if tag == b"sheetData" and closing:
                    return  # what follows the rows is parsed whole: bounded by MAX_UNZIPPED
                if tag == b"row" and not closing:
                    rows, last = rows + 1, position
            offset += len(chunk)
            if last >= 0 and base + cut - last > MAX_ROW_XML:  # the last row goes on past the bound
                raise _too_long_row(rows)
            tail = text[max(cut, 0) :]


def _check_parts(archive: zipfile.ZipFile) -> None:
    """Parts that openpyxl parses whole stay small; worksheets stream and shared strings are
    counted on their own."""
    for info in archive.infolist():
        name = info.filename.lower()
        streamed = name.startswith("xl/worksheets/") or "sharedstrings" in name
        if info.file_size > MAX_PART and not streamed:
            raise RosterFileError(
                _(
                    "A part of the XLSX file (%(part)s) is larger than %(mb)s MB; a roster's is far smaller. "
                    "Save it as CSV UTF-8 and upload that."
                )
                % {"part": info.filename[:80], "mb": _mb(MAX_PART)}
            )


def _unreadable_xlsx(error: Exception) -> RosterFileError:
    return RosterFileError(
        _(
            "The XLSX file cannot be read (%(reason)s). "
            "Open it in Excel and save it again, or save it as CSV UTF-8."
        )
        % {"reason": type(error).__name__}
    )


def _read_xlsx(stack: contextlib.ExitStack, archive: zipfile.ZipFile) -> RosterStream:
    try:
        _check_parts(archive)
        _refuse_xml_declarations(archive)
        _check_shared_strings(archive)
        for info in archive.infolist():
            if info.filename.lower().startswith("xl/worksheets/") and info.file_size > MAX_ROW_XML:
                _check_rows(archive, info)
    except DAMAGED_ZIP:
        raise _damaged() from None
    except (ParseError, ValueError) as error:  # defusedxml refuses with ValueErrors
        raise _unreadable_xlsx(error) from None
    try:
        workbook = openpyxl.load_workbook(archive.fp, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken workbook
        raise _unreadable_xlsx(error) from None
    stack.callback(workbook.close)
    notes = []
    if len(workbook.sheetnames) > 1:
        notes.append(_("Only the first sheet, “%(name)s”, is read.") % {"name": workbook.sheetnames[0]})
    sheet = workbook.worksheets[0]
    if hasattr(sheet, "reset_dimensions"):
        # The sheet's own claim of its size is not trusted: rows are as long as their last cell.
        sheet.reset_dimensions()
    return _stream(_cleaned(_xlsx_rows(sheet)), "xlsx", notes=notes)


def _xlsx_rows(sheet) -> Iterator[list]:
    rows = sheet.iter_rows(values_only=True)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as error:  # openpyxl raises many kinds for a broken worksheet or zip member
            if isinstance(error, DAMAGED_ZIP):
                raise _damaged() from None
            raise _unreadable_xlsx(error) from None
        cells = list(row)
        while cells and cells[-1] in (None, ""):
            cells.pop()  # formatted but empty cells right of the data
        yield [_xlsx_cell(cell) for cell in cells]


def _xlsx_cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 2600104.0 → 2600104 (a code typed as a number)
    return "" if value is None else str(value)
