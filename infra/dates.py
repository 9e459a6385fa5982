"""The window of dates a person may enter, and how stored dates outside it are read.

A deadline on 31 December 9999 or a leaving day in year 1 is a typing slip, and date arithmetic
on it overflows (``date.max + 1 day``), so every date field of every form (``schools.forms.
style_fields`` gives each one ``validate_date_window``) takes dates from ``EARLIEST`` to
``LATEST``; pages that compute with stored dates read them through ``clamp`` so that a value
written before this rule, or by hand, cannot break them.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _

EARLIEST = date(1990, 1, 1)  # before any school's first computer room; before anyone now on a roster left
LATEST = date(2099, 12, 31)  # programmes plan years ahead, not centuries


def validate_date_window(value: date | datetime | None) -> None:
    if value is None:
        return
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(
            _("Enter a date from %(earliest)s to %(latest)s."),
            code="date_window",
            params={"earliest": date_format(EARLIEST), "latest": date_format(LATEST)},
        )


def clamp(day: date) -> date:
    """A stored date moved into the window (for arithmetic and drawing, never for display)."""
    return min(max(day, EARLIEST), LATEST)
