"""Text typed by people for names and titles: one Unicode form, nothing invisible.

A zero-width joiner makes a second "Petar Georgiev" look like another person to a duplicate
check; a right-to-left override shows "Maria avonavI" as "Maria Ivanova"; a school can be
named by one invisible character — and all of it reaches a council's PDF. So names and titles
are stored in NFC (the form every keyboard of bg, pl, ru, uk and en produces), and format
characters (Unicode category Cf: joiners, bidi controls, soft hyphens), controls, private-use
and unassigned code points and the blank "filler" letters are refused with a message that says
so, rather than silently dropped (the person retypes the name they meant).
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

REFUSED_CATEGORIES = {"Cf", "Cc", "Co", "Cn", "Zl", "Zp"}
BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}  # letters that draw nothing


def invisible_characters(text: str) -> list[str]:
    """The code points of ``text`` a reader cannot see or that reorder it (as U+XXXX)."""
    found = []
    for ch in text:
        if ch in BLANK_LETTERS or (unicodedata.category(ch) in REFUSED_CATEGORIES and ch not in "\t\n\r"):
            code = f"U+{ord(ch):04X}"
            if code not in found:
                found.append(code)
    return found


def validate_visible_text(value: str) -> None:
    """Every single-line text field: nothing invisible or reordering (``schools.forms.style_fields``)."""
    if not isinstance(value, str):
        return
    found = invisible_characters(value)
    if found:
        raise ValidationError(
            _("The text contains invisible or direction-changing characters (%(codes)s); retype it."),
            code="invisible_characters",
            params={"codes": ", ".join(found[:5])},
        )


def normalise_name(value: str) -> str:
    """A person's or a school's name: NFC, single spaces, something visible; ValidationError otherwise."""
    validate_visible_text(value)
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if value and not any(unicodedata.category(ch)[0] in "LN" for ch in text):
        raise ValidationError(_("A name needs at least one letter or digit."), code="no_letters")
    return text


def same_text_key(value: str) -> str:
    """How two spellings of one name compare: NFC, casefolded, single spaces."""
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())
