"""Importing a roster: upload (read and keep), then apply all-or-nothing, audited.

Writes take the action's context first (``schools.audit.ActionContext``), like ``integrations.actions``."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.models import RosterImport
from integrations.roster.checks import Checked, check_rows, suggest_mapping
from integrations.roster.readers import MAX_BYTES, RosterFileError, read_roster
from schools.audit import ActionContext, record
from schools.models import Person, School


class ImportRefused(Exception):
    """Nothing was written; ``checked`` says why."""

    def __init__(self, checked: Checked):
        super().__init__("the roster has errors")
        self.checked = checked


@transaction.atomic
def upload(ctx: ActionContext, uploaded_file) -> RosterImport:
    """Read the file (raises RosterFileError with a message for the user) and keep it for review."""
    if uploaded_file.size > MAX_BYTES:  # refused before a byte of it is read into memory
        raise RosterFileError(
            _("The file is larger than %(mb)s MB. Split it by school and import the parts.")
            % {"mb": MAX_BYTES // 2**20}
        )
    data = uploaded_file.read(MAX_BYTES + 1)
    table = read_roster(data, uploaded_file.name)
    roster_import = RosterImport.objects.create(
        municipality=ctx.tenant(),
        uploaded_by=ctx.actor,
        filename=uploaded_file.name[:255],
        format=table.format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        table={"headers": table.headers, "rows": table.rows, "schools": table.schools},
        mapping=suggest_mapping(table.headers),
    )
    record(
        ctx,
        "roster.upload",
        roster_import,
        {"rows": len(table.rows), "format": table.format, "encoding": table.encoding},
    )
    return roster_import


def existing_people() -> set[tuple[str, int]]:
    """(full name casefolded, school id) of everyone on the current tenant's roster."""
    pairs = set()
    for person in Person.objects.prefetch_related("schools"):
        name = " ".join(person.full_name.split()).casefold()
        pairs.update((name, school.pk) for school in person.schools.all())
    return pairs


def check(roster_import: RosterImport, mapping: dict) -> Checked:
    return check_rows(roster_import.as_table(), mapping, list(School.objects.all()), existing_people())


@transaction.atomic
def apply(
    ctx: ActionContext, roster_import: RosterImport, mapping: dict, *, only_valid: bool = False
) -> dict:
    """Create the people. With any row in error nothing is written, unless ``only_valid`` was chosen."""
    locked = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
    if locked.status != RosterImport.Status.PREVIEW:
        raise ValueError("this import was already applied or discarded")
    checked = check(locked, mapping)
    if checked.missing_columns or (checked.errors and not only_valid):
        raise ImportRefused(checked)
    created = skipped = 0
    merged: dict[str, Person] = {}  # one person in several schools: same e-mail on several lines
    for row in checked.valid:
        if row.existing:
            skipped += 1
            continue
        email = row.values["personal_email"].casefold()
        person = merged.get(email) if email else None
        if person is None:
            person = Person.objects.create(
                municipality_id=locked.municipality_id,
                first_name=row.values["first_name"],
                middle_name=row.values["middle_name"],
                last_name=row.values["last_name"],
                role=row.role,
                personal_email=row.values["personal_email"],
            )
            created += 1
            if email:
                merged[email] = person
        person.schools.add(*row.school_ids)
    result = {"created": created, "skipped": skipped, "refused": len(checked.errors)}
    RosterImport.objects.filter(pk=locked.pk).update(
        status=RosterImport.Status.APPLIED, mapping=mapping, result=result, applied_at=timezone.now()
    )
    record(ctx, "roster.apply", locked, {**result, "only_valid": only_valid})
    return result


@transaction.atomic
def discard(ctx: ActionContext, roster_import: RosterImport) -> None:
    RosterImport.objects.filter(pk=roster_import.pk, status=RosterImport.Status.PREVIEW).update(
        status=RosterImport.Status.DISCARDED, table={}
    )
    record(ctx, "roster.discard", roster_import)
