"""Mapping a roster table onto people and checking every row before anything is written."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from infra.exports import FORMULA_PREFIXES
from integrations.roster.readers import CONTROL, Table

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
    return re.sub(r"\s+", " ", text.strip().casefold())


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
    existing: bool = False  # already on the roster: skipped on import

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def full_name(self) -> str:
        return " ".join(
            p for p in (self.values["first_name"], self.values["middle_name"], self.values["last_name"]) if p
        )


@dataclass
class Checked:
    rows: list[Row]
    missing_columns: list[str]

    @property
    def errors(self) -> list[Row]:
        return [row for row in self.rows if row.errors]

    @property
    def valid(self) -> list[Row]:
        return [row for row in self.rows if row.ok]


class SchoolIndex:
    """Finds a school by name or official code, forgiving quotes, case and lost leading zeros."""

    def __init__(self, schools, table_schools: dict[str, dict] | None = None):
        self.by_name = {_school_key(s.name): s for s in schools}
        self.by_code = {s.code: s for s in schools if s.code}
        self.by_code_int = {s.code.lstrip("0"): s for s in schools if s.code.isdigit()}
        self.table_schools = table_schools or {}

    def find(self, text: str) -> tuple[object | None, str | None]:
        """(school, notice) — the notice explains a forgiving match."""
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


def check_rows(table: Table, mapping: dict[str, int | None], schools, existing_people=()) -> Checked:
    """Check every row. ``existing_people``: (full name casefolded, school id) pairs already on the roster."""
    missing = [name for name in REQUIRED if mapping.get(name) is None]
    if missing:
        return Checked([], missing)
    index = SchoolIndex(schools, table.schools)
    existing = set(existing_people)
    rows: list[Row] = []
    seen_names: dict[tuple[str, tuple[int, ...]], tuple[int, str]] = {}
    seen_emails: dict[str, tuple[int, str]] = {}
    for offset, cells in enumerate(table.rows):
        columns = {name: mapping.get(name) for name in FIELDS}
        values = {name: (cells[c] if c is not None and c < len(cells) else "") for name, c in columns.items()}
        row = Row(line=offset + 2, values=values)  # line 1 holds the column titles
        _check_row(row, index)
        if row.ok:
            name_key = (_key(row.full_name), tuple(sorted(row.school_ids)))
            email = values["personal_email"].casefold()
            if name_key in seen_names:
                line, other_email = seen_names[name_key]
                if email and other_email and email != other_email:
                    # Namesakes in one school happen; different addresses say they are two people.
                    row.notices.append(
                        _("same name as on line %(line)s, another e-mail: two people") % {"line": line}
                    )
                else:
                    row.errors.append(_("the same person as on line %(line)s") % {"line": line})
            else:
                seen_names[name_key] = (row.line, email)
            if email:
                if email in seen_emails and seen_emails[email][1] != _key(row.full_name):
                    row.errors.append(
                        _("the e-mail %(email)s is also given to someone else on line %(line)s")
                        % {"email": values["personal_email"], "line": seen_emails[email][0]}
                    )
                elif email in seen_emails:
                    row.notices.append(
                        _("also on line %(line)s with another school: one person in several schools")
                        % {"line": seen_emails[email][0]}
                    )
                else:
                    seen_emails[email] = (row.line, _key(row.full_name))
            if any((_key(row.full_name), school_id) in existing for school_id in row.school_ids):
                row.existing = True
                row.notices.append(_("already on the roster; it will be skipped"))
        rows.append(row)
    return Checked(rows, [])


def _check_row(row: Row, index: SchoolIndex) -> None:
    values = row.values
    for name, label in (("first_name", _("the first name")), ("last_name", _("the last name"))):
        if not values[name]:
            row.errors.append(_("%(field)s is missing") % {"field": label})
        elif len(values[name]) > 100:
            row.errors.append(_("%(field)s is longer than 100 characters") % {"field": label})
    for name in ("first_name", "middle_name", "last_name"):
        if values[name].startswith(FORMULA_PREFIXES):
            row.errors.append(
                _("«%(value)s» is not a name: it begins like a spreadsheet formula") % {"value": values[name]}
            )
        elif values[name] and mixed_scripts(values[name]):
            row.errors.append(
                _("«%(value)s» mixes Latin and Cyrillic letters that look alike; retype it in one alphabet")
                % {"value": values[name]}
            )
    if any(CONTROL in value for value in values.values()):
        row.errors.append(_("the row contains control characters (shown as �); retype it"))
    if values[name := "personal_email"]:
        try:
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
