"""The results as a table (downloaded as CSV or XLSX through ``infra.exports``): one row per
school, one column per criterion.

Every text cell that a spreadsheet would read as a formula (starting with =, +, -, @, a tab or a
carriage return) is prefixed with an apostrophe, so a school name or an answer cannot run in
the officer's spreadsheet."""

from __future__ import annotations

from django.utils.translation import gettext as _

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
