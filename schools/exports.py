"""What every export (CSV, XLSX) passes its cells through.

A text cell that a spreadsheet would read as a formula (starting with =, +, -, @, a tab or a
carriage return) gets an apostrophe in front, so a name or an answer typed by someone cannot
run in the reader's spreadsheet (OWASP, "CSV Injection")."""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def as_csv(rows: list[list]) -> bytes:
    """Rows (the first is the header) as UTF-8 CSV with a BOM, every cell neutralised."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM makes spreadsheets read UTF-8


def as_xlsx(rows: list[list], title: str) -> bytes:
    """Rows as one XLSX sheet; text cells stay text whatever they start with."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (title or "export")[:31].translate(str.maketrans("", "", "[]:*?/\\"))
    for row in rows:
        sheet.append([neutralise(cell) for cell in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
