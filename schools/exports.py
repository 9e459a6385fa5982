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
