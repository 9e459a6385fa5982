"""Numbers typed by people, checked by their shape before anything parses them.

``Decimal("1e1000000")`` is cheap, but comparing or rounding it is not (the cost grows with the
square of the exponent), and a 5,000-digit integer makes ``int()`` raise; a number of 400 digits
that passes would push a report's table off the page. So a number a person types is digits,
at most one decimal separator (point or comma, as people write it in bg, pl, ru and en),
spaces as thousands separators, and at most ``MAX_DIGITS`` digits before the separator —
never an exponent. Every form and query parameter that takes a number goes through here.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils.translation import gettext as _

MAX_DIGITS = 15  # a budget in any currency, a count of people or devices: never more
MAX_PLACES = 6
GROUPING = str.maketrans("", "", " \u00a0\u202f'")  # spaces, no-break spaces, Swiss apostrophe
_SHAPE = re.compile(r"[+-]?(\d+)(?:[.,](\d*))?|[+-]?[.,](\d+)")
_SHORTEST_REFUSAL = 2 * (MAX_DIGITS + MAX_PLACES)  # longer text is refused without a regex


class NumberError(ValueError):
    """The text is not a number a person would mean; the message says why, in their language."""


def parse_decimal(text: object, *, max_digits: int = MAX_DIGITS, max_places: int = MAX_PLACES) -> Decimal:
    """The number in ``text`` (``"1 250,5"`` → ``Decimal("1250.5")``), or NumberError."""
    cleaned = str(text).strip().translate(GROUPING)
    if len(cleaned) > _SHORTEST_REFUSAL:
        raise NumberError(_("Enter a number with at most %(digits)s digits.") % {"digits": max_digits})
    match = _SHAPE.fullmatch(cleaned)
    if match is None:
        raise NumberError(_("Enter a number, such as 12 or 3,5."))
    whole, places = match[1] or "", match[2] or match[3] or ""
    if len(whole.lstrip("0")) > max_digits:
        raise NumberError(_("Enter a number with at most %(digits)s digits.") % {"digits": max_digits})
    if len(places.rstrip("0")) > max_places:
        raise NumberError(
            _("Enter a number with at most %(places)s digits after the decimal separator.")
            % {"places": max_places}
        )
    sign = "-" if cleaned.startswith("-") else ""
    return Decimal(f"{sign}{whole or '0'}.{places or '0'}")


def int_param(value: str | None, *, maximum: int = 2**31 - 1) -> int | None:
    """A whole number from a query string (``?programme=12``), or None for anything else —
    which the view treats as "not given" rather than answering 500."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > len(str(maximum)):
        return None
    number = int(value)
    return number if number <= maximum else None
