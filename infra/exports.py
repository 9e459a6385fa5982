"""What every export (CSV, XLSX) passes its cells through.

A text cell that a spreadsheet would read as a formula (starting with =, +, -, @, a tab or a
carriage return) gets an apostrophe in front, so a name or an answer typed by someone cannot
run in the reader's spreadsheet (OWASP, "CSV Injection")."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from django.http import HttpResponse
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# --- Tables as CSV and XLSX: one helper for every list page ---------------------------------------

EXPORT_FORMATS = ("csv", "xlsx")


def as_csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([neutralise(_plain(cell)) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM makes spreadsheets read UTF-8


def as_xlsx(rows, title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (str(title) or "table")[:31].translate(str.maketrans("", "", "[]:*?/\\")) or "table"
    for row in rows:
        sheet.append([neutralise(_plain(cell)) for cell in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text, whatever it starts with
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _plain(value):
    """What a cell holds: numbers stay numbers, None is empty, lazy strings and the rest are text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float | Decimal | date):
        return value
    return str(value)


def export_response(fmt: str, filename: str, header, rows, title: str = ""):
    """An HTTP download of a table (header + rows), every cell neutralised."""
    table = [list(header), *[list(row) for row in rows]]
    name = slugify(filename, allow_unicode=False) or "export"
    if fmt == "xlsx":
        response = HttpResponse(
            as_xlsx(table, title or filename),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    else:
        response = HttpResponse(as_csv(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def requested_format(request) -> str | None:
    """``?export=csv`` or ``?export=xlsx`` on a list page: the same view answers with the table."""
    fmt = request.GET.get("export", "")
    return fmt if fmt in EXPORT_FORMATS else None
