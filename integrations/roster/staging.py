"""The worker's half of a roster import: the file checked into staging rows, then applied.

Both run chunk by chunk (``CHUNK`` rows), so a worker's memory depends on the chunk, never on
the size of the file or of the roster. The checks that need other rows are queries: the same
person earlier in the file is looked up among the staging rows already written, and the
person on the roster by a stable key — the identifier from the file (``Person.external_id``),
else the personal e-mail, else the full name in one of the row's schools. Applying is one
transaction (all-or-nothing) of bulk inserts and updates."""

from __future__ import annotations

import logging
from functools import reduce
from itertools import islice
from operator import or_
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.models import RosterImport, RosterImportRow
from integrations.roster.checks import Row, SchoolIndex, _key, check_row, missing_columns, read_row
from integrations.roster.readers import RosterFileError
from integrations.roster.stream_shim import open_roster
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
        self.covered: set[int] = set()
        self.rows_read = 0

    def stage(self, rows: list[Row], generation: int) -> None:
        for row in rows:
            check_row(row, self.index)
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
            RosterImportRow.objects.bulk_create(staged.values(), batch_size=1000)
            self._merge_into_earlier(earlier_merges)
            RosterImport.objects.filter(pk=self.roster_import.pk).update(
                rows_read=self.rows_read, progress_at=timezone.now()
            )

    def _staged(self, row: Row) -> RosterImportRow:
        values = row.values
        return RosterImportRow(
            roster_import=self.roster_import,
            line=row.line,
            first_name=values["first_name"],
            middle_name=values["middle_name"],
            last_name=values["last_name"],
            role=row.role,
            personal_email=values["personal_email"],
            external_id=values["external_id"].strip(),
            school=values["school"],
            school_ids=row.school_ids,
            name_key=row.name_key,
            name_schools_key=_name_schools(row.name_key, row.school_ids),
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
                external_id__in={s.external_id for s in staged.values() if s.external_id}
            ).values_list("external_id", "line", "name_key")
        }
        by_email = {
            email: (line, name)
            for email, line, name in primary.filter(
                email_key__in={row.email_key for row in ok if row.email_key}
            ).values_list("email_key", "line", "name_key")
        }
        by_name = {
            key: (line, email)
            for key, line, email in earlier.filter(
                name_schools_key__in={staged[row.line].name_schools_key for row in ok}
            )
            .order_by("-line")
            .values_list("name_schools_key", "line", "email_key")
        }
        for row in ok:
            row_staged = staged[row.line]
            ext, name, email = row_staged.external_id, row.name_key, row.email_key
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
        found: dict[int, Person] = {}  # line → person
        by_ext = {
            p.external_id: p
            for p in people.filter(external_id__in={s.external_id for s in candidates if s.external_id})
        }
        for row in candidates:
            if row.external_id in by_ext:
                found[row.line] = by_ext[row.external_id]
        rest = [row for row in candidates if row.line not in found]
        if all(row.external_id for row in rest):
            # Found by e-mail or name only if they have no identifier yet (another one is someone else).
            people = people.filter(external_id="")
        emails = {row.email_key for row in rest if row.email_key}
        by_email: dict[str, list[Person]] = {}
        if emails:
            for person in people.annotate(email_key=Lower("personal_email")).filter(email_key__in=emails):
                by_email.setdefault(person.email_key, []).append(person)
        for row in rest:
            person = _compatible(by_email.get(row.email_key, []), row)
            if person is not None:
                found[row.line] = person
        rest = [row for row in rest if row.line not in found and row.school_ids]
        by_name = self._people_by_name(people, rest)
        for row in rest:
            namesakes = [p for p in by_name.get(row.name_key, []) if p.school_set & set(row.school_ids)]
            person = _compatible(namesakes, row)
            if person is not None:
                found[row.line] = person
        self._one_line_per_person(rows, staged, found, earlier_merges)
        self._kinds(rows, staged, found)

    def _people_by_name(self, people, rows) -> dict[str, list[Person]]:
        pairs = {(row.first_name, row.last_name) for row in rows}
        by_name: dict[str, list[Person]] = {}
        for batch in batched(sorted(pairs), 500):
            query = reduce(or_, (Q(first_name=first, last_name=last) for first, last in batch))
            for person in people.filter(query):
                by_name.setdefault(_key(person.full_name), []).append(person)
        _with_schools([p for namesakes in by_name.values() for p in namesakes])
        return by_name

    def _one_line_per_person(self, rows, staged, found, earlier_merges) -> None:
        """A person found by two lines of the file (e.g. one a school, without an e-mail): the
        later line is another school of theirs."""
        ids = {person.pk for person in found.values()}
        first_line = dict(
            RosterImportRow.objects.filter(
                roster_import=self.roster_import, person_id__in=ids, ok=True, merged_line=None
            ).values_list("person_id", "line")
        )
        for row in rows:
            person = found.get(row.line)
            if person is None:
                continue
            staged[row.line].person_id = person.pk  # a row in error still keeps them from leaving
            if not staged[row.line].ok:
                continue
            if person.pk in first_line:
                del found[row.line]
                staged[row.line].person_id = None
                self._merge(row, first_line[person.pk], staged, earlier_merges)
            else:
                first_line[person.pk] = row.line

    def _kinds(self, rows, staged, found) -> None:
        _with_schools([p for p in found.values() if not hasattr(p, "school_set")])
        for row in rows:
            item = staged[row.line]
            if not item.ok or item.merged_line is not None:
                continue
            person = found.get(row.line)
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
        people = {p.pk: p for p in Person.objects.filter(pk__in={f.person_id for f in firsts if f.person_id})}
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


def _compatible(people: list[Person], row: RosterImportRow) -> Person | None:
    """The first of ``people`` who has no other identifier than the row's."""
    for person in people:
        if not person.external_id or not row.external_id or person.external_id == row.external_id:
            return person
    return None


def _with_schools(people: list[Person]) -> None:
    """Each person's school ids as ``school_set`` (one query for all of them)."""
    by_person: dict[int, set[int]] = {person.pk: set() for person in people}
    for person_id, school_id in SchoolLink.objects.filter(person_id__in=by_person).values_list(
        "person_id", "school_id"
    ):
        by_person[person_id].add(school_id)
    for person in people:
        person.school_set = by_person[person.pk]


def _differs(row: RosterImportRow, person: Person, mapped: set[str]) -> bool:
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
        people = Person.objects.bulk_create(
            [
                Person(
                    municipality_id=roster_import.municipality_id,
                    **dict(zip(PERSON_FIELDS, row[1:7], strict=True)),
                )
                for row in chunk
            ],
            batch_size=1000,
        )
        SchoolLink.objects.bulk_create(
            [
                SchoolLink(person_id=person.pk, school_id=school_id)
                for person, row in zip(people, chunk, strict=True)
                for school_id in row[7]
            ],
            batch_size=5000,
        )
        created += len(people)
    return created


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
