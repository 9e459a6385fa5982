"""The periods a report can cover: quarters and calendar years."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.utils.translation import gettext as _

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def dates(period: str) -> tuple[date, date]:
    """First and last day of ``2026-Q4`` or ``2026``; ValueError for anything else."""
    if match := _QUARTER.match(period):
        year, quarter = int(match[1]), int(match[2])
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - timedelta(days=1)
        return start, end
    if match := _YEAR.match(period):
        year = int(match[1])
        return date(year, 1, 1), date(year, 12, 31)
    raise ValueError(f"not a report period: {period!r}")


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def label(period: str) -> str:
    """``2026-Q4`` → "Q4 2026" in the active language; a year stays a year."""
    if match := _QUARTER.match(period):
        return _("Q%(quarter)s %(year)s") % {"quarter": match[2], "year": match[1]}
    return period


def choices(today: date, quarters: int = 6) -> list[tuple[str, str]]:
    """The current quarter and the ones before it, then this year and last year."""
    out = []
    day = today
    for _i in range(quarters):
        period = quarter_of(day)
        out.append((period, label(period)))
        day = dates(period)[0] - timedelta(days=1)
    out += [(str(today.year), str(today.year)), (str(today.year - 1), str(today.year - 1))]
    return out
