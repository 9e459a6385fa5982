"""TEMPORARY: ``open_roster`` over today's ``read_roster`` until the streaming reader lands in
``readers.py`` (then this file is deleted and its importers import from ``readers``).

A CSV is streamed (encoding and separator guessed from its first 64 KB, the way ``readers``
guesses them from the whole text), so that large files already run through the background
import; every other format is read whole by ``read_roster``, within its own bounds."""

from __future__ import annotations

import csv
import io
import pathlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from integrations.roster import readers
from integrations.roster.readers import MAX_COLUMNS, RosterFileError, read_roster

MAX_BYTES = 64 * 1024 * 1024
MAX_ROWS = 250_000
SAMPLE = 64 * 1024


@dataclass
class RosterStream:
    headers: list[str]
    format: str
    rows: Iterator[list[str]]
    encoding: str = ""
    delimiter: str = ""
    notes: list[str] = field(default_factory=list)
    schools: dict[str, dict] = field(default_factory=dict)


@contextmanager
def open_roster(path: pathlib.Path, filename: str) -> Iterator[RosterStream]:
    with open(path, "rb") as handle:
        head = handle.read(SAMPLE)
        handle.seek(0)
        if head[:4] == b"PK\x03\x04" or not filename.lower().endswith((".csv", ".txt")):
            table = read_roster(handle.read(readers.MAX_BYTES + 1), filename)
            yield RosterStream(
                headers=table.headers,
                format=table.format,
                rows=iter(table.rows),
                encoding=table.encoding,
                delimiter=table.delimiter,
                notes=table.notes,
                schools=table.schools,
            )
            return
        sample, encoding = _sniff(head)
        if head.startswith(b"\xef\xbb\xbf"):
            handle.read(3)
        with io.TextIOWrapper(handle, encoding=encoding, newline="") as text:
            yield _stream_csv(text, sample, encoding)


def _sniff(head: bytes) -> tuple[str, str]:
    """(the sample's text, the file's encoding), from the file's first bytes."""
    if not head.strip():
        raise RosterFileError(_("The file is empty."))
    if b"\x00" in head[:4096] and not head.startswith(readers.UTF16_BOMS):
        raise RosterFileError(_("This is not a text (CSV) or XLSX file."))
    # The sample may end inside a character: cut back to the last line break before guessing.
    cut = head.rfind(b"\n") + 1 if len(head) == SAMPLE else len(head)
    sample, encoding = readers.decode(head[: cut or len(head)])
    return sample, "utf-8" if encoding == "utf-8-sig" else encoding


def _stream_csv(text, sample: str, encoding: str) -> RosterStream:
    delimiter = readers._delimiter(sample)
    reader = csv.reader(text, delimiter=delimiter)
    try:
        headers = [readers._clean(cell) for cell in next(reader)]
    except (StopIteration, csv.Error, UnicodeDecodeError):
        raise RosterFileError(_("The file has no rows.")) from None
    if len(headers) < 2:
        raise RosterFileError(_("The file has only one column: is the separator a comma, semicolon or tab?"))
    return RosterStream(
        headers=headers,
        format="csv",
        rows=_rows(reader, len(headers)),
        encoding=encoding,
        delimiter=delimiter,
    )


def _rows(reader, width: int) -> Iterator[list[str]]:
    count = 0
    try:
        for raw in reader:
            if len(raw) > MAX_COLUMNS:
                raise RosterFileError(_("A row has more than %(n)s columns.") % {"n": MAX_COLUMNS})
            row = [readers._clean(cell) for cell in raw]
            if not any(row):
                continue
            count += 1
            if count > MAX_ROWS:
                raise RosterFileError(
                    _("The file has more than %(n)s rows. Split it by school and import the parts.")
                    % {"n": MAX_ROWS}
                )
            yield (row + [""] * width)[:width]
    except csv.Error as error:
        raise RosterFileError(_("The CSV file is malformed: %(reason)s") % {"reason": error}) from None
    except UnicodeDecodeError:
        raise RosterFileError(
            _("The file's text encoding is not recognised. Save it as CSV UTF-8.")
        ) from None
