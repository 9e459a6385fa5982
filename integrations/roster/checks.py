"""Mapping a roster file's columns onto people and checking each row before anything is written.

Each row is checked on its own here (``read_row`` then ``check_row``); what needs the other rows
(the same person twice in the file, the person already on the roster) is found in the database
chunk by chunk (``integrations.roster.staging``), so no check holds a whole file or roster."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from infra.exports import FORMULA_PREFIXES
from infra.text import invisible_characters, same_text_key
from integrations.logins import make_login, unromanised
from integrations.roster.readers import CONTROL

FIELDS = ["first_name", "middle_name", "last_name", "role", "school", "personal_email", "external_id"]
REQUIRED = {"first_name", "last_name"}

# Column titles seen in real exports (en, bg, pl, ru, OneRoster, School Data Sync), casefolded.
HEADER_SYNONYMS = {
    "first_name": {"first name", "firstname", "first_name", "given name", "givenname", "first", "име", "imię",
                   "imie", "имя", "собствено име"},
    "middle_name": {"middle name", "middlename", "middle_name", "презиме", "бащино име", "отчество",
                    "drugie imię", "drugie imie"},
    "last_name": {"last name", "lastname", "last_name", "surname", "family name", "familyname", "фамилия",
                  "nazwisko"},
    "role": {"role", "роля", "rola", "роль", "position", "длъжност", "stanowisko", "должность", "type"},
    "school": {"school", "училище", "szkoła", "szkola", "школа", "school sis id", "school name",
               "orgsourcedids", "организация", "учебно заведение", "placówka", "placowka", "код на училище",
               "school code", "kod szkoły", "kod szkoly", "номер школы", "код школы"},
    "personal_email": {"email", "e-mail", "mail", "имейл", "е-поща", "електронна поща", "adres e-mail",
                       "adres email", "почта", "эл. почта", "электронная почта", "e-mail address",
                       "username"},
    "external_id": {"id", "sourcedid", "sis id", "identifier", "identyfikator", "номер", "код",
                    "external id"},
}  # fmt: skip

ROLE_SYNONYMS = {
    "teacher": {"teacher", "учител", "учителка", "nauczyciel", "nauczycielka", "учитель", "преподаватель",
                "педагог", "educator", "faculty"},
    "staff": {"staff", "служител", "pracownik", "сотрудник", "administracja", "администрация", "secretary",
              "секретар", "sekretarz", "administrator", "aide"},
    "director": {"director", "директор", "dyrektor", "principal", "headteacher", "head teacher"},
    "student": {"student", "ученик", "ученичка", "uczeń", "uczen", "uczennica", "pupil", "обучающийся"},
}  # fmt: skip


def _key(text: str) -> str:
    """How two spellings compare: NFC, casefolded, single spaces (``infra.text.same_text_key``)."""
    return same_text_key(text)


def suggest_mapping(headers: list[str]) -> dict[str, int | None]:
    """Field → column index, guessed from the column titles."""
    mapping: dict[str, int | None] = dict.fromkeys(FIELDS)
    for index, header in enumerate(headers):
        key = _key(header)
        for name, synonyms in HEADER_SYNONYMS.items():
            if mapping[name] is None and key in synonyms:
                mapping[name] = index
                break
    return mapping


def _school_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\"'„“”«»‘’`]", "", text)
    return re.sub(r"[\s.,№#-]+", " ", text).strip()


CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


def mixed_scripts(text: str) -> bool:
    """A word mixing Latin and Cyrillic letters (e.g. a Latin "a" typed inside "Иванова")."""
    return any(CYRILLIC.search(word) and LATIN.search(word) for word in re.split(r"[\s-]+", text))


@dataclass
class Row:
    line: int
    values: dict[str, str]
    school_ids: list[int] = field(default_factory=list)
    role: str = "teacher"
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def full_name(self) -> str:
        return " ".join(
            p for p in (self.values["first_name"], self.values["middle_name"], self.values["last_name"]) if p
        )

    @property
    def name_key(self) -> str:
        return _key(self.full_name)

    @property
    def email_key(self) -> str:
        return self.values["personal_email"].casefold()


def missing_columns(mapping: dict[str, int | None]) -> list[str]:
    return [name for name in FIELDS if name in REQUIRED and mapping.get(name) is None]


def read_row(cells: list[str], line: int, mapping: dict[str, int | None]) -> Row:
    """The row's values by field, from its cells and the column mapping."""
    values = {}
    for name in FIELDS:
        column = mapping.get(name)
        value = cells[column] if column is not None and column < len(cells) else ""
        values[name] = unicodedata.normalize("NFC", value)  # "й" typed as и + breve is one letter
    return Row(line=line, values=values)


class SchoolIndex:
    """Finds a school by name or official code, forgiving quotes, case and lost leading zeros."""

    def __init__(self, schools, table_schools: dict[str, dict] | None = None):
        self.by_name = {_school_key(s.name): s for s in schools}
        self.by_code = {s.code: s for s in schools if s.code}
        self.by_code_int = {s.code.lstrip("0"): s for s in schools if s.code.isdigit()}
        self.table_schools = table_schools or {}
        self.found: dict[str, tuple[object | None, str | None]] = {}

    def find(self, text: str) -> tuple[object | None, str | None]:
        """(school, notice) — the notice explains a forgiving match. Remembered: a roster names
        the same few hundred schools on every row."""
        if text not in self.found:
            self.found[text] = self._find(text)
        return self.found[text]

    def _find(self, text: str) -> tuple[object | None, str | None]:
        ref = self.table_schools.get(text)
        if ref:  # OneRoster / SDS: an org id standing for a school
            school, _notice = self._find_plain(ref.get("code", ""))
            if school is None:
                school, _notice = self._find_plain(ref.get("name", ""))
            return school, None
        return self._find_plain(text)

    def _find_plain(self, text: str) -> tuple[object | None, str | None]:
        text = text.strip()
        if not text:
            return None, None
        if text in self.by_code:
            return self.by_code[text], None
        if text.isdigit() and text.lstrip("0") in self.by_code_int:
            school = self.by_code_int[text.lstrip("0")]
            return school, _(
                "code %(given)s read as %(code)s (a leading zero was lost, as spreadsheets do)"
            ) % {
                "given": text,
                "code": school.code,
            }
        return self.by_name.get(_school_key(text)), None


def check_row(row: Row, index: SchoolIndex, rule: tuple[str, str] | None = None) -> None:
    """The row's own problems (names, e-mail, role, schools); resolves its role and schools.
    ``rule``: the layout's (romanisation language, Cyrillic choice), to flag a name that would
    get no login."""
    values = row.values
    for name, label in (("first_name", _("the first name")), ("last_name", _("the last name"))):
        if not values[name]:
            row.errors.append(_("%(field)s is missing") % {"field": label})
        elif len(values[name]) > 100:
            row.errors.append(_("%(field)s is longer than 100 characters") % {"field": label})
    if len(values["middle_name"]) > 100:
        row.errors.append(_("%(field)s is longer than 100 characters") % {"field": _("the middle name")})
    for name in ("first_name", "middle_name", "last_name"):
        if values[name].startswith(FORMULA_PREFIXES):
            row.errors.append(
                _("«%(value)s» is not a name: it begins like a spreadsheet formula") % {"value": values[name]}
            )
        elif invisible := invisible_characters(values[name]):
            row.errors.append(
                _("«%(value)s» contains invisible or direction-changing characters (%(codes)s); retype it")
                % {"value": values[name], "codes": ", ".join(invisible[:5])}
            )
        elif values[name] and mixed_scripts(values[name]):
            row.errors.append(
                _("«%(value)s» mixes Latin and Cyrillic letters that look alike; retype it in one alphabet")
                % {"value": values[name]}
            )
    if rule is not None and values["first_name"] and values["last_name"]:
        language, cyrillic = rule
        if not make_login(values["first_name"], values["last_name"], language=language, cyrillic=cyrillic):
            name = f"{values['first_name']} {values['last_name']}"
            row.notices.append(
                _("no login can be made from «%(name)s» by the layout's rule (%(letters)s); set one by hand")
                % {"name": name, "letters": unromanised(name, language, cyrillic) or name}
            )
    if any(CONTROL in value for value in values.values()):
        row.errors.append(_("the row contains control characters (shown as �); retype it"))
    if len(values["external_id"]) > 100:
        row.errors.append(_("the identifier is longer than 100 characters"))
    if values[name := "personal_email"]:
        try:
            if len(values[name]) > 254:
                raise ValidationError("too long")
            validate_email(values[name])
        except ValidationError:
            row.errors.append(_("«%(value)s» is not an e-mail address") % {"value": values[name]})
    role_text = _key(values["role"])
    if role_text:
        for role, synonyms in ROLE_SYNONYMS.items():
            if role_text in synonyms:
                row.role = role
                break
        else:
            row.errors.append(_("the role «%(value)s» is not known") % {"value": values["role"]})
    for part in [p for p in re.split(r"[;|]", values["school"]) if p.strip()]:
        school, notice = index.find(part)
        if school is None:
            row.errors.append(_("no school «%(value)s» in this municipality") % {"value": part.strip()})
        elif school.pk not in row.school_ids:
            row.school_ids.append(school.pk)
            if notice:
                row.notices.append(notice)
