"""Account logins from native-script names, by each country's official romanisation.

Sources (the tables below are these standards, letter by letter):
- Bulgarian: Закон за транслитерацията (Transliteration Act), State Gazette 19/2009, art. 3;
  "-ия" at the end of a word is "ia" (art. 4).
- Russian: ICAO Doc 9303 Part 3, Section 6 (Machine Readable Travel Documents), the table used
  in Russian passports since 2014 (FMS order 320): ё→e, й→i, х→kh, щ→shch, ъ→ie, ь dropped.
- Ukrainian: Resolution of the Cabinet of Ministers of Ukraine No. 55 of 27 January 2010, with
  its word-initial forms (є→ye, ї→yi, й→y, ю→yu, я→ya at the start of a word) and зг→zgh.
- Polish and other Latin letters are folded to ASCII without losing a letter (ł→l, ß→ss, ø→o).

Each word is romanised by the table of its own script: a Cyrillic name in a Polish or English
municipality (Ukrainian pupils and teachers in Poland) uses the Ukrainian, Russian or Bulgarian
table — the one the letters call for (і, ї, є, ґ are only Ukrainian; ы, э, ё only Russian), else
the municipality's own Cyrillic table, else ``CYRILLIC_FALLBACK``. A name in a script none of
these covers (Greek, Georgian, Arabic, …) gives no login: ``assign_addresses`` flags it
(``Address.problem``) and plans never make an address with an empty local part.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

BULGARIAN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sht", "ъ": "a",
    "ь": "y", "ю": "yu", "я": "ya",
}  # fmt: skip

RUSSIAN_ICAO = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia",
}  # fmt: skip

UKRAINIAN = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh",
    "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu", "я": "ia", "'": "", "’": "", "ʼ": "",
}  # fmt: skip
UKRAINIAN_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}

# Latin letters that Unicode decomposition does not reduce to ASCII.
LATIN_SPECIAL = {
    "ł": "l", "Ł": "L", "ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "đ": "d",
    "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "œ": "oe", "Œ": "OE", "ı": "i", "ħ": "h",
}  # fmt: skip

TABLES = {"bg": BULGARIAN, "ru": RUSSIAN_ICAO, "uk": UKRAINIAN}
ONLY_IN = {"uk": set("іїєґ"), "ru": set("ыэё")}  # letters that name their language
# For Cyrillic names where the municipality writes Latin and the letters do not decide: most
# Cyrillic-script pupils and staff in Polish schools since 2022 are Ukrainian.
CYRILLIC_FALLBACK = "uk"


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u04ff"


def table_language(name: str, language: str, cyrillic: str = CYRILLIC_FALLBACK) -> str:
    """The language whose table romanises ``name`` (a whole name: its words together decide):
    ``language`` unless the letters are Cyrillic ones its table lacks or it has no Cyrillic table."""
    letters = {ch for ch in name.lower() if _is_cyrillic(ch)}
    if not letters:
        return language
    table = TABLES.get(language)
    if table is not None and letters <= set(table) | set(UKRAINIAN_INITIAL):
        return language
    for candidate, marks in ONLY_IN.items():
        if letters & marks and letters <= set(TABLES[candidate]) | set(UKRAINIAN_INITIAL):
            return candidate
    if table is not None:
        return language
    return cyrillic


_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*", re.UNICODE)


def _case_like(source: str, latin: str, whole_word_upper: bool) -> str:
    if not latin or not source.isupper():
        return latin
    return latin.upper() if whole_word_upper else latin[0].upper() + latin[1:]


def _word(word: str, language: str) -> str:
    table = TABLES.get(language)
    upper_word = word.isupper() and len(word) > 1
    lower = word.lower()
    out = []
    i = 0
    while i < len(lower):
        char, source = lower[i], word[i]
        if table is None or char not in table and char not in UKRAINIAN_INITIAL:
            out.append(_fold_latin(source))
            i += 1
            continue
        if language == "bg" and lower.endswith("ия") and i == len(lower) - 2:
            out.append(_case_like(source, "ia", upper_word))
            i += 2
            continue
        if language == "uk" and char == "з" and lower[i + 1 : i + 2] == "г":
            out.append(_case_like(source, "zgh", upper_word))
            i += 2
            continue
        if language == "uk" and i == 0 and char in UKRAINIAN_INITIAL:
            latin = UKRAINIAN_INITIAL[char]
        else:
            latin = table.get(char, char)
        out.append(_case_like(source, latin, upper_word))
        i += 1
    return "".join(out)


def _fold_latin(text: str) -> str:
    text = "".join(LATIN_SPECIAL.get(ch, ch) for ch in text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def transliterate(text: str, language: str, cyrillic: str = CYRILLIC_FALLBACK) -> str:
    """Romanise ``text`` by the standard of ``language`` (bg, ru, uk; others fold Latin letters),
    or of the Cyrillic language its letters call for (``table_language``)."""
    text = unicodedata.normalize("NFC", text)
    language = table_language(text, language, cyrillic)
    return _WORD.sub(lambda match: _word(match.group(0), language), text)


PATTERNS = {
    "first.last": "{first}.{last}",
    "f.last": "{f}.{last}",
    "firstlast": "{first}{last}",
    "first.l": "{first}.{l}",
    "last.first": "{last}.{first}",
    "flast": "{f}{last}",
}


def _login_part(text: str, language: str) -> str:
    ascii_text = transliterate(text, language, language).lower()
    ascii_text = re.sub(r"[\s'’ʼ`]+", "", ascii_text)  # O'Brien → obrien, "Van der" → vander
    return re.sub(r"[^a-z0-9-]", "", ascii_text).strip("-")


def unromanised(text: str, language: str, cyrillic: str = CYRILLIC_FALLBACK) -> str:
    """The letters of ``text`` that no table romanises (they would vanish from a login)."""
    latin = transliterate(text, language, cyrillic)
    return "".join(sorted({ch for ch in latin if ch.isalpha() and not ch.isascii()}))


def make_login(
    first_name: str,
    last_name: str,
    *,
    pattern: str = "first.last",
    language: str = "en",
    cyrillic: str = CYRILLIC_FALLBACK,
) -> str:
    """The local part of an address, e.g. ("Щерьо", "Стойчев", bg) → "shteryo.stoychev"; "" when
    the first or the last name has nothing that romanises."""
    if pattern not in PATTERNS:
        raise ValueError(f"unknown login pattern {pattern!r}")
    language = table_language(f"{first_name} {last_name}", language, cyrillic)
    first = _login_part(first_name.split()[0] if first_name.strip() else "", language)
    last = _login_part(last_name, language)
    if not first or not last:
        return ""
    login = PATTERNS[pattern].format(first=first, last=last, f=first[:1], l=last[:1])
    login = re.sub(r"\.{2,}", ".", login).strip(".")
    return login[:64]


def unique_login(base: str, taken: set[str]) -> str:
    """``base`` if free, else base2, base3, … (the first number is 2: "ivan.petrov2")."""
    if base not in taken:
        return base
    number = 2
    while f"{base}{number}" in taken:
        number += 1
    return f"{base}{number}"


@dataclass
class Address:
    person: object
    address: str
    source: str  # "existing" (the account's address, never changed), "manual", "rule"
    base: str = ""  # the rule's login before a collision suffix
    conflict: str = ""  # a manual login already taken by someone else
    problem: str = ""  # the letters no table romanises: no address, a login must be set by hand

    @property
    def numbered(self) -> bool:
        """The rule's login was taken, so a number was added."""
        return self.source == "rule" and bool(self.address) and not self.address.startswith(self.base + "@")


class AddressBook:
    """Addresses handed out one person at a time, remembering only the logins taken per domain.

    ``assign`` must see people in the order ``assign_addresses`` takes them: everyone with an
    existing account first, then everyone with a manual login, then the rest, each group by
    primary key. A roster of any size is then addressed in one pass over the database without
    holding the people (``integrations.planning`` reads them in that order, in chunks)."""

    def __init__(self, *, domain, pattern: str, language: str, cyrillic: str = CYRILLIC_FALLBACK) -> None:
        self.domain_for = domain if callable(domain) else (lambda _person: domain)
        self.pattern = pattern
        self.language = language
        self.cyrillic = cyrillic
        self.taken: dict[str, set[str]] = {}

    def assign(self, person) -> Address:
        if person.account_email:
            local, _, host = person.account_email.lower().partition("@")
            self.taken.setdefault(host, set()).add(local)
            return Address(person, person.account_email.lower(), "existing")
        host = self.domain_for(person)
        in_use = self.taken.setdefault(host, set())
        if person.login_override:
            local = person.login_override.strip().lower()
            conflict = local if local in in_use else ""
            in_use.add(local)
            return Address(person, f"{local}@{host}", "manual", conflict=conflict)
        base = make_login(
            person.first_name,
            person.last_name,
            pattern=self.pattern,
            language=self.language,
            cyrillic=self.cyrillic,
        )
        if not base:  # nothing romanises: no address, and the page says which letters
            name = f"{person.first_name} {person.last_name}"
            return Address(
                person, "", "rule", problem=unromanised(name, self.language, self.cyrillic) or name
            )
        local = unique_login(base, in_use)
        in_use.add(local)
        return Address(person, f"{local}@{host}", "rule", base=base)


def address_order(person) -> tuple[int, int]:
    """Where a person comes in ``AddressBook.assign``'s order."""
    return (0 if person.account_email else 1 if person.login_override else 2, person.pk)


def assign_addresses(
    people, *, domain, pattern: str, language: str, cyrillic: str = CYRILLIC_FALLBACK
) -> list[Address]:
    """Everyone's address: existing accounts first (kept as they are), then manual logins, then
    the rule in a stable order, numbering collisions (ivan.petrov, ivan.petrov2, …). A name the
    rule cannot romanise gets no address (``address`` "", ``problem`` says why).

    ``domain`` is one domain, or a function person → domain (per-school subdomains); a login is
    unique within its domain."""
    book = AddressBook(domain=domain, pattern=pattern, language=language, cyrillic=cyrillic)
    chosen = {person.pk: book.assign(person) for person in sorted(people, key=address_order)}
    return [chosen[person.pk] for person in sorted(people, key=lambda p: p.pk)]
