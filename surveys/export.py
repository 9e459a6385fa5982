"""The results as a table (CSV and XLSX): one row per school, one column per criterion.

Every text cell that a spreadsheet would read as a formula (starting with =, +, -, @, a tab or a
carriage return) is prefixed with an apostrophe, so a school name or an answer cannot run in
the officer's spreadsheet."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from infra.exports import neutralise
from surveys.queries import SchoolResult, criteria_columns


def table(campaign, results: list[SchoolResult]) -> list[list]:
    columns = criteria_columns(campaign)
    header = [_("Rank"), _("School"), _("Status"), _("Score"), _("Level"), _("Change since last round")]
    header += [c["text"] for c in columns]
    header.append(_("Reason"))
    rows = [header]
    for result in sorted(results, key=lambda r: (r.rank is None, r.rank or 0, r.school.name)):
        evaluation = result.evaluation
        row = [
            result.rank or "",
            result.school.name,
            result.response.get_status_display(),
            evaluation.score if evaluation else "",
            evaluation.level_label if evaluation else "",
            result.change if result.change is not None else "",
        ]
        by_key = evaluation.by_key() if evaluation else {}
        for column in columns:
            criterion = by_key.get(column["key"])
            row.append(
                ""
                if criterion is None
                else f"{_('met') if criterion.passed else _('not met')}: {criterion.actual}"
            )
        row.append(result.reason)
        rows.append([neutralise(cell) for cell in row])
    return rows


def as_csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM makes spreadsheets read UTF-8


def as_xlsx(rows: list[list], title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (title or "results")[:31].translate(str.maketrans("", "", "[]:*?/\\"))
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text, whatever it starts with
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
