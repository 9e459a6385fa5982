"""The worker's half of a roster import: the file checked into staging rows, then applied.

Both run chunk by chunk (``CHUNK`` rows), so a worker's memory depends on the chunk, never on
the size of the file or of the roster. The checks that need other rows are queries: the same
person earlier in the file is looked up among the staging rows already written, and the
person on the roster by a stable key — the identifier from the file (``Person.external_id``),
else the personal e-mail, else the full name in one of the row's schools. Applying is one
transaction (all-or-nothing) of bulk inserts and updates."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Count, Exists, Field, ForeignObject, JSONField, Lookup, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.models import Layout, RosterImport, RosterImportRow
from integrations.roster.checks import Row, SchoolIndex, _key, check_row, missing_columns, read_row
from integrations.roster.readers import RosterFileError, open_roster
from schools.audit import ActionContext, record
from schools.models import Person, School, on_roster

logger = logging.getLogger(__name__)

CHUNK = 5000
Kind = RosterImportRow.Kind
Status = RosterImport.Status
SchoolLink = Person.schools.through
PERSON_FIELDS = ("first_name", "middle_name", "last_name", "role", "personal_email", "external_id")


def batched(iterable, size: int):
    """Lists of ``size`` items (the last one shorter), without reading ahead further."""
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass(slots=True)
class Staged:
    """A ``RosterImportRow`` being checked: the same attributes, without a model instance's cost."""

    roster_import_id: int
    line: int
    first_name: str
    middle_name: str
    last_name: str
    role: str
    personal_email: str
    external_id: str
    school: str
    school_ids: list[int]
    name_key: str
    name_schools_key: str
    email_key: str
    ok: bool
    errors: list[str]
    notices: list[str]
    merged_line: int | None = None
    person_id: int | None = None
    kind: str = ""
    other_schools: list[int] = field(default_factory=list)
    id: int | None = None


@dataclass(slots=True)
class Found:
    """A person on the roster as the check compares them (read as values, not model instances)."""

    pk: int
    first_name: str
    middle_name: str
    last_name: str
    role: str
    personal_email: str
    external_id: str
    left_on: date | None
    school_set: set[int] = field(default_factory=set)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)


FOUND_FIELDS = (
    "pk",
    "first_name",
    "middle_name",
    "last_name",
    "role",
    "personal_email",
    "external_id",
    "left_on",
)


def found(queryset) -> list[Found]:
    return [Found(*values) for values in queryset.values_list(*FOUND_FIELDS)]


class AnyOf(Lookup):
    """``field__any=[...]``: ``field = ANY(%s)`` with the list as one array parameter (PostgreSQL).
    A chunk's thousands of keys stay one parameter instead of thousands of placeholders."""

    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        # Typed as the column: a list of ints would otherwise go as numeric[], and a bigint
        # compared with numerics cannot use its index.
        db_type = self.lhs.output_field.db_type(connection)
        return f"{lhs} = ANY({rhs}::{db_type}[])", [*lhs_params, *rhs_params]


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # related fields keep lookups of their own


def among(name: str, values) -> Q:
    """``name`` is one of ``values``: an array parameter on PostgreSQL, ``IN`` elsewhere."""
    values = list(values)
    return Q(**{f"{name}__any" if connection.vendor == "postgresql" else f"{name}__in": values})


class Superseded(Exception):
    """A newer check run of the same import took over: this one stops and writes nothing more."""


# --- the check ------------------------------------------------------------------------------
def run_check(roster_import_id: int, generation: int) -> None:
    """Read the file, check and stage every row, then count what importing it would do."""
    roster_import = RosterImport.objects.get(pk=roster_import_id)
    if roster_import.generation != generation or roster_import.status != Status.CHECKING:
        return
    RosterImportRow.objects.filter(roster_import=roster_import).delete()  # an earlier run's rows
    missing = missing_columns(roster_import.mapping)
    if missing:
        _finish(roster_import, generation, covered=set(), missing=missing)
        return
    checker = ChunkChecker(roster_import)
    try:
        with open_roster(Path(roster_import.file.path), roster_import.filename) as stream:
            line = 1  # line 1 holds the column titles
            for cells in batched(stream.rows, CHUNK):
                rows = [
                    read_row(row, line + offset + 1, roster_import.mapping)
                    for offset, row in enumerate(cells)
                ]
                line += len(rows)
                checker.stage(rows, generation)
    except RosterFileError as error:
        _fail(roster_import, generation, str(error))
        return
    except FileNotFoundError:
        _fail(roster_import, generation, _("The uploaded file is no longer kept. Upload it again."))
        return
    except Superseded:
        return
    _finish(roster_import, generation, covered=checker.covered)


def _current(roster_import: RosterImport, generation: int) -> None:
    """Inside a transaction: lock the import, and stop if another run has taken over."""
    locked = (
        RosterImport.objects.select_for_update().filter(pk=roster_import.pk).values("generation", "status")
    )
    state = locked.first()
    if state is None or state["generation"] != generation or state["status"] != Status.CHECKING:
        raise Superseded


class ChunkChecker:
    """Checks one chunk of rows at a time against the rows staged before it and the roster."""

    def __init__(self, roster_import: RosterImport):
        self.roster_import = roster_import
        self.mapped = {name for name, column in roster_import.mapping.items() if column is not None}
        self.index = SchoolIndex(list(School.objects.all()), roster_import.schools)
        layout = Layout.current(roster_import.municipality)
        self.rule = (layout.name_language, layout.cyrillic_language)
        self.covered: set[int] = set()
        self.rows_read = 0

    def stage(self, rows: list[Row], generation: int) -> None:
        for row in rows:
            check_row(row, self.index, self.rule)
        staged = {row.line: self._staged(row) for row in rows}
        earlier_merges: dict[int, set[int]] = {}
        self._duplicates(rows, staged, earlier_merges)
        self._match(rows, staged, earlier_merges)
        for row in rows:
            if row.ok:
                self.covered.update(row.school_ids)
        self.rows_read += len(rows)
        with transaction.atomic():
            _current(self.roster_import, generation)
            insert(RosterImportRow, list(staged.values()))
            self._merge_into_earlier(earlier_merges)
            RosterImport.objects.filter(pk=self.roster_import.pk).update(
                rows_read=self.rows_read, progress_at=timezone.now()
            )

    def _staged(self, row: Row) -> Staged:
        values = row.values
        name_key = row.name_key
        return Staged(
            roster_import_id=self.roster_import.pk,
            line=row.line,
            first_name=values["first_name"],
            middle_name=values["middle_name"],
            last_name=values["last_name"],
            role=row.role,
            personal_email=values["personal_email"],
            external_id=values["external_id"].strip(),
            school=values["school"],
            school_ids=row.school_ids,
            name_key=name_key,
            name_schools_key=_name_schools(name_key, row.school_ids),
            email_key=row.email_key,
            ok=row.ok,
            errors=row.errors,
            notices=row.notices,
        )

    # The same person twice in the file -----------------------------------------------------
    def _duplicates(self, rows, staged, earlier_merges) -> None:
        """The rules of a single file: one identifier or e-mail is one person (another line of
        theirs adds a school); one name in the same schools twice is one person twice (an
        error), unless different e-mails say they are namesakes."""
        ok = [row for row in rows if row.ok]
        earlier = RosterImportRow.objects.filter(roster_import=self.roster_import, ok=True)
        primary = earlier.filter(merged_line=None).order_by("-line")
        by_ext = {
            ext: (line, name)
            for ext, line, name in primary.filter(
                among("external_id", {s.external_id for s in staged.values() if s.external_id})
            ).values_list("external_id", "line", "name_key")
        }
        by_email = {
            email: (line, name)
            for email, line, name in primary.filter(
                among("email_key", {row.email_key for row in ok if row.email_key})
            ).values_list("email_key", "line", "name_key")
        }
        by_name = {
            key: (line, email)
            for key, line, email in earlier.filter(
                among("name_schools_key", {staged[row.line].name_schools_key for row in ok})
            )
            .order_by("-line")
            .values_list("name_schools_key", "line", "email_key")
        }
        for row in ok:
            row_staged = staged[row.line]
            ext, name, email = row_staged.external_id, row_staged.name_key, row_staged.email_key
            merged = None
            if ext and ext in by_ext:
                line, other = by_ext[ext]
                if other == name:
                    merged = line
                else:
                    row.errors.append(
                        _("the identifier %(id)s is also given to someone else on line %(line)s")
                        % {"id": ext, "line": line}
                    )
            name_key = row_staged.name_schools_key
            if name_key in by_name:
                line, other_email = by_name[name_key]
                if email and other_email and email != other_email:
                    # Namesakes in one school happen; different addresses say they are two people.
                    row.notices.append(
                        _("same name as on line %(line)s, another e-mail: two people") % {"line": line}
                    )
                else:
                    row.errors.append(_("the same person as on line %(line)s") % {"line": line})
            else:
                by_name[name_key] = (row.line, email)
            if email and email in by_email:
                line, other = by_email[email]
                if other != name:
                    row.errors.append(
                        _("the e-mail %(email)s is also given to someone else on line %(line)s")
                        % {"email": row.values["personal_email"], "line": line}
                    )
                elif merged is None:
                    merged = line
            if not row.ok:
                continue
            if merged is not None:
                self._merge(row, merged, staged, earlier_merges)
            else:
                if ext:
                    by_ext[ext] = (row.line, name)
                if email:
                    by_email[email] = (row.line, name)
        for row in rows:
            staged[row.line].ok = row.ok
            staged[row.line].errors = row.errors

    def _merge(self, row: Row, line: int, staged, earlier_merges) -> None:
        """``row`` is another school of the person on ``line``: imported with that line."""
        row.notices.append(
            _("also on line %(line)s with another school: one person in several schools") % {"line": line}
        )
        staged[row.line].merged_line = line
        staged[row.line].notices = row.notices
        if line in staged:
            first = staged[line]
            first.school_ids = first.school_ids + [s for s in row.school_ids if s not in first.school_ids]
        else:
            earlier_merges.setdefault(line, set()).update(row.school_ids)

    # The person on the roster ------------------------------------------------------------------
    def _match(self, rows, staged, earlier_merges) -> None:
        """Find each row's person (identifier, else e-mail, else name in one of its schools),
        then say whether importing the row changes them."""
        candidates = [staged[row.line] for row in rows if staged[row.line].merged_line is None]
        people = Person.objects.filter(erased_at__isnull=True)
        matches: dict[int, Found] = {}  # line → person
        exts = {s.external_id for s in candidates if s.external_id}
        by_ext = {p.external_id: p for p in found(people.filter(among("external_id", exts)))} if exts else {}
        for row in candidates:
            if row.external_id in by_ext:
                matches[row.line] = by_ext[row.external_id]
        rest = [row for row in candidates if row.line not in matches]
        if all(row.external_id for row in rest):
            # Found by e-mail or name only if they have no identifier yet (another one is someone else).
            people = people.filter(external_id="")
        emails = {row.email_key for row in rest if row.email_key}
        by_email: dict[str, list[Found]] = {}
        if emails:
            lowered = people.annotate(email_key=Lower("personal_email")).filter(among("email_key", emails))
            for person in found(lowered):
                by_email.setdefault(person.personal_email.casefold(), []).append(person)
        for row in rest:
            person = _compatible(by_email.get(row.email_key, []), row)
            if person is not None:
                matches[row.line] = person
        rest = [row for row in rest if row.line not in matches and row.school_ids]
        by_name = self._people_by_name(people, rest)
        for row in rest:
            namesakes = [p for p in by_name.get(row.name_key, []) if p.school_set & set(row.school_ids)]
            person = _compatible(namesakes, row)
            if person is not None:
                matches[row.line] = person
        self._one_line_per_person(rows, staged, matches, earlier_merges)
        self._kinds(rows, staged, matches)

    def _people_by_name(self, people, rows) -> dict[str, list[Found]]:
        """Namesakes on the roster, by full name casefolded (by surname through its index)."""
        by_name: dict[str, list[Found]] = {}
        if not rows:
            return by_name
        names = {row.name_key for row in rows}
        for person in found(people.filter(among("last_name", {row.last_name for row in rows}))):
            if _key(person.full_name) in names:
                by_name.setdefault(_key(person.full_name), []).append(person)
        _with_schools([p for namesakes in by_name.values() for p in namesakes])
        return by_name

    def _one_line_per_person(self, rows, staged, matches, earlier_merges) -> None:
        """A person found by two lines of the file (e.g. one a school, without an e-mail): the
        later line is another school of theirs."""
        ids = {person.pk for person in matches.values()}
        first_line = (
            dict(
                RosterImportRow.objects.filter(among("person_id", ids))
                .filter(roster_import=self.roster_import, ok=True, merged_line=None)
                .values_list("person_id", "line")
            )
            if ids
            else {}
        )
        for row in rows:
            person = matches.get(row.line)
            if person is None:
                continue
            staged[row.line].person_id = person.pk  # a row in error still keeps them from leaving
            if not staged[row.line].ok:
                continue
            if person.pk in first_line:
                del matches[row.line]
                staged[row.line].person_id = None
                self._merge(row, first_line[person.pk], staged, earlier_merges)
            else:
                first_line[person.pk] = row.line

    def _kinds(self, rows, staged, matches) -> None:
        _with_schools(list(matches.values()))
        for row in rows:
            item = staged[row.line]
            if not item.ok or item.merged_line is not None:
                continue
            person = matches.get(row.line)
            if person is None:
                item.kind = Kind.NEW
                continue
            item.other_schools = sorted(person.school_set - set(item.school_ids))
            item.kind = Kind.CHANGED if _differs(item, person, self.mapped) else Kind.UNCHANGED

    def _merge_into_earlier(self, merges: dict[int, set[int]]) -> None:
        """Schools of later lines added to the staged line of the same person."""
        if not merges:
            return
        firsts = list(RosterImportRow.objects.filter(roster_import=self.roster_import, line__in=merges))
        people = {
            p.pk: p for p in found(Person.objects.filter(pk__in={f.person_id for f in firsts if f.person_id}))
        }
        _with_schools(list(people.values()))
        for first in firsts:
            first.school_ids = first.school_ids + sorted(merges[first.line] - set(first.school_ids))
            person = people.get(first.person_id)
            if person is not None:
                first.other_schools = sorted(person.school_set - set(first.school_ids))
                first.kind = Kind.CHANGED if _differs(first, person, self.mapped) else Kind.UNCHANGED
        RosterImportRow.objects.bulk_update(firsts, ["school_ids", "other_schools", "kind"], batch_size=1000)


def _name_schools(name: str, school_ids) -> str:
    return f"{name}|{','.join(map(str, sorted(school_ids)))}"


def _compatible(people: list[Found], row: Staged) -> Found | None:
    """The first of ``people`` who has no other identifier than the row's."""
    for person in people:
        if not person.external_id or not row.external_id or person.external_id == row.external_id:
            return person
    return None


def _with_schools(people: list[Found]) -> None:
    """Each person's school ids as ``school_set`` (one query for all of them)."""
    by_person: dict[int, set[int]] = {person.pk: set() for person in people}
    if not by_person:
        return
    links = SchoolLink.objects.filter(among("person_id", by_person)).values_list("person_id", "school_id")
    for person_id, school_id in links:
        by_person[person_id].add(school_id)
    for person in people:
        person.school_set = by_person[person.pk]


def _differs(row, person: Found, mapped: set[str]) -> bool:
    """Would importing the row change the person? Only the file's columns count: a file without
    e-mails leaves e-mails alone."""
    if person.left_on is not None:
        return True  # back on the roster
    for name in ("first_name", "middle_name", "last_name", "role", "external_id"):
        if name in mapped and getattr(row, name) != getattr(person, name):
            return True
    if "personal_email" in mapped and row.personal_email.casefold() != person.personal_email.casefold():
        return True
    return "school" in mapped and not set(row.school_ids) <= person.school_set


def leaving_people(roster_import: RosterImport, covered):
    """On the roster, in the file's schools only, and on no line of the file: leaving if the
    file is the whole roster of its schools. People also in a school the file does not cover
    never leave because of it."""
    covered = list(covered)
    in_file = RosterImportRow.objects.filter(roster_import=roster_import, person_id=OuterRef("pk"))
    inside = SchoolLink.objects.filter(person_id=OuterRef("pk"), school_id__in=covered)
    elsewhere = SchoolLink.objects.filter(person_id=OuterRef("pk")).exclude(school_id__in=covered)
    return (
        Person.objects.filter(on_roster())
        .filter(Exists(inside))
        .exclude(Exists(elsewhere))
        .exclude(Exists(in_file))
    )


def _finish(roster_import, generation, *, covered: set[int], missing=()) -> None:
    with transaction.atomic():
        try:
            _current(roster_import, generation)
        except Superseded:
            return
        rows = RosterImportRow.objects.filter(roster_import=roster_import)
        _schools_left_out(rows, covered)
        kinds = dict(rows.filter(ok=True).exclude(kind="").values_list("kind").annotate(n=Count("pk")))
        busy_elsewhere = (
            School.objects.exclude(pk__in=covered)
            .filter(
                Exists(
                    SchoolLink.objects.filter(
                        school_id=OuterRef("pk"), person__in=Person.objects.filter(on_roster())
                    )
                )
            )
            .exists()
        )
        counts = {
            "rows": rows.count(),
            "errors": rows.filter(ok=False).count(),
            "new": kinds.get(Kind.NEW, 0),
            "changed": kinds.get(Kind.CHANGED, 0),
            "unchanged": kinds.get(Kind.UNCHANGED, 0),
            "merged": rows.filter(ok=True).exclude(merged_line=None).count(),
            "leaving": leaving_people(roster_import, covered).count() if covered else 0,
            "covered": sorted(covered),
            "schools": School.objects.count(),
            "full_roster": bool(covered) and not busy_elsewhere,
            "missing_columns": list(missing),
        }
        RosterImport.objects.filter(pk=roster_import.pk).update(
            status=Status.PREVIEW,
            counts=counts,
            mark_leaving=counts["full_roster"],
            progress_at=timezone.now(),
            error="",
        )


def _schools_left_out(rows, covered: set[int]) -> None:
    """An unchanged person who is also in another of the file's schools, on no line of the
    file for it, loses that school: changed (known only once every row has named its schools)."""
    changed = []
    for row in (
        rows.filter(ok=True, kind=Kind.UNCHANGED).exclude(other_schools=[]).only("pk", "other_schools")
    ):
        if covered & set(row.other_schools):
            row.kind = Kind.CHANGED
            changed.append(row)
    RosterImportRow.objects.bulk_update(changed, ["kind"], batch_size=1000)


def _fail(roster_import, generation, reason: str) -> None:
    with transaction.atomic():
        try:
            _current(roster_import, generation)
        except Superseded:
            return
        RosterImport.objects.filter(pk=roster_import.pk).update(
            status=Status.FAILED, error=reason, counts={}, progress_at=timezone.now()
        )
        RosterImportRow.objects.filter(roster_import=roster_import).delete()


# --- applying -------------------------------------------------------------------------------
def run_apply(roster_import_id: int) -> dict | None:
    """Import the checked rows in one transaction: a worker that dies half-way leaves the roster
    as it was (and the import ready to be confirmed again). The import's row stays locked while
    it runs, which is how a second confirmation or the reconciler sees that it is in hand."""
    with transaction.atomic():
        roster_import = (
            RosterImport.objects.select_for_update(of=("self",))
            .select_related("confirmed_by")
            .get(pk=roster_import_id)
        )
        if roster_import.status != Status.APPLYING:
            return None
        covered = set(roster_import.counts.get("covered", []))
        mapped = {name for name, column in roster_import.mapping.items() if column is not None}
        valid = RosterImportRow.objects.filter(roster_import=roster_import, ok=True, merged_line=None)
        today = timezone.localdate()
        # Leavers first: the people created below are on no line's person and would look like leavers.
        left = 0
        if roster_import.mark_leaving and covered:
            left = leaving_people(roster_import, covered).update(left_on=today, updated_at=timezone.now())
        updated = _update_changed(roster_import, valid.filter(kind=Kind.CHANGED), mapped, covered)
        created = _create_new(roster_import, valid.filter(kind=Kind.NEW))
        result = {
            "created": created,
            "updated": updated,
            "unchanged": roster_import.counts.get("unchanged", 0),
            "left": left,
            "refused": roster_import.counts.get("errors", 0) if roster_import.only_valid else 0,
            # The list of recent imports shows "skipped": people already on the roster as they were.
            "skipped": roster_import.counts.get("unchanged", 0),
        }
        RosterImport.objects.filter(pk=roster_import.pk).update(
            status=Status.APPLIED, result=result, applied_at=timezone.now(), error=""
        )
        ctx = ActionContext(municipality=roster_import.municipality, actor=roster_import.confirmed_by)
        record(ctx, "roster.apply", roster_import, {**result, "only_valid": roster_import.only_valid})
    return result


def _chunks(queryset, fields):
    """The queryset's rows (as tuples of ``fields``), ``CHUNK`` at a time in line order."""
    last = 0
    while True:
        chunk = list(queryset.filter(line__gt=last).order_by("line").values_list("line", *fields)[:CHUNK])
        if not chunk:
            return
        last = chunk[-1][0]
        yield chunk


def _create_new(roster_import, rows) -> int:
    created = 0
    for chunk in _chunks(rows, (*PERSON_FIELDS, "school_ids")):
        now = timezone.now()
        people = [
            Person(
                municipality_id=roster_import.municipality_id,
                created_at=now,
                updated_at=now,
                **dict(zip(PERSON_FIELDS, row[1:7], strict=True)),
            )
            for row in chunk
        ]
        insert(Person, people, with_ids=True)
        insert(
            SchoolLink,
            [
                SchoolLink(person_id=person.pk, school_id=school_id)
                for person, row in zip(people, chunk, strict=True)
                for school_id in row[7]
            ],
        )
        created += len(people)
    return created


def insert(model, objects: list, *, with_ids: bool = False) -> None:
    """Bulk insert: on PostgreSQL one COPY (``with_ids``: ids drawn from the table's sequence
    first, so that the objects have them, as ``bulk_create`` gives them); ``bulk_create`` elsewhere."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        if isinstance(objects[0], Staged):
            objects = [model(**{name: getattr(obj, name) for name in Staged.__slots__}) for obj in objects]
        model.objects.bulk_create(objects, batch_size=1000)
        return
    table, pk = model._meta.db_table, model._meta.pk
    with connection.cursor() as cursor:
        if with_ids and not isinstance(objects[0], Staged):
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, len(objects)],
            )
            for obj, (next_id,) in zip(objects, cursor.fetchall(), strict=True):
                obj.pk = next_id
        fields = [f for f in model._meta.concrete_fields if not (f.primary_key and _pk(objects[0]) is None)]
        fields.sort(key=lambda f: isinstance(f, JSONField))  # the plain values first, then the JSON ones
        plain = [f.attname for f in fields if not isinstance(f, JSONField)]
        as_json = [f.attname for f in fields if isinstance(f, JSONField)]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row(
                    [getattr(obj, name) for name in plain]
                    + [json.dumps(getattr(obj, name), ensure_ascii=False) for name in as_json]
                )


def _pk(obj):
    return obj.id if isinstance(obj, Staged) else obj.pk


def _update_changed(roster_import, rows, mapped: set[str], covered: set[int]) -> int:
    """One UPDATE … FROM the staging rows for the people's own fields (only the file's columns),
    then their links to the file's schools, chunk by chunk."""
    fields = [name for name in PERSON_FIELDS if name in mapped]
    person, staged = Person._meta.db_table, RosterImportRow._meta.db_table
    assignments = "".join(f"{name} = r.{name}, " for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {person} SET {assignments}left_on = NULL, updated_at = %s FROM {staged} r "  # noqa: S608 (names are ours)
            f"WHERE r.roster_import_id = %s AND r.ok AND r.merged_line IS NULL AND r.kind = %s "
            f"AND {person}.id = r.person_id AND {person}.municipality_id = %s AND {person}.erased_at IS NULL",
            [timezone.now(), roster_import.pk, Kind.CHANGED, roster_import.municipality_id],
        )
        updated = cursor.rowcount
    if "school" in mapped:
        for chunk in _chunks(rows, ("person_id", "school_ids")):
            ids = [row[1] for row in chunk]
            SchoolLink.objects.filter(person_id__in=ids, school_id__in=covered).delete()
            SchoolLink.objects.bulk_create(
                [SchoolLink(person_id=row[1], school_id=school_id) for row in chunk for school_id in row[2]],
                batch_size=5000,
                ignore_conflicts=True,
            )
    return updated
