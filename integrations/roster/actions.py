"""Importing a roster, the web's half: upload (stored, its columns read, the check queued),
another column mapping (checked again), confirm (the import queued), discard. The worker's
half is ``integrations.roster.staging``.

Writes take the action's context first (``schools.audit.ActionContext``), like ``integrations.actions``."""

from __future__ import annotations

import pathlib

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations import tasks
from integrations.models import RosterImport, RosterImportRow
from integrations.roster.checks import suggest_mapping
from integrations.roster.readers import MAX_BYTES, RosterFileError, open_roster
from schools.audit import ActionContext, record

Status = RosterImport.Status


class ImportRefused(Exception):
    """Nothing was queued: the file has rows in error (or lacks a column) and the user did not
    choose to import only the valid rows."""


class ImportBusy(Exception):
    """The import is being checked or applied right now, or was already applied or discarded."""


def too_large() -> RosterFileError:
    return RosterFileError(
        _("The file is larger than %(mb)s MB. Split it by school and import the parts.")
        % {"mb": MAX_BYTES // 2**20}
    )


@transaction.atomic
def upload(ctx: ActionContext, uploaded_file) -> RosterImport:
    """Keep the file (private storage, never a URL), read its column titles (a file that cannot
    be read at all is refused here, in the user's language) and queue the check of its rows."""
    if uploaded_file.size > MAX_BYTES:  # refused before a byte of it is read
        raise too_large()
    roster_import = RosterImport(
        municipality=ctx.tenant(),
        uploaded_by=ctx.actor,
        filename=uploaded_file.name[:255],
        size=uploaded_file.size,
        status=Status.CHECKING,
        progress_at=timezone.now(),
    )
    roster_import.file.save(uploaded_file.name, uploaded_file, save=False)
    try:
        with open_roster(pathlib.Path(roster_import.file.path), uploaded_file.name) as stream:
            roster_import.headers = stream.headers
            roster_import.format = stream.format
            roster_import.encoding = stream.encoding[:16]
            roster_import.delimiter = stream.delimiter
            roster_import.schools = stream.schools
    except RosterFileError:
        roster_import.file.delete(save=False)
        raise
    roster_import.mapping = suggest_mapping(roster_import.headers)
    roster_import.save()
    record(
        ctx,
        "roster.upload",
        roster_import,
        {"bytes": roster_import.size, "format": roster_import.format, "encoding": roster_import.encoding},
    )
    tasks.check_roster_import.delay_on_commit(roster_import.pk, roster_import.municipality_id, 1)
    return roster_import


@transaction.atomic
def recheck(ctx: ActionContext, roster_import: RosterImport, mapping: dict) -> None:
    """Check the file again with another column mapping (a running check stops at its next chunk)."""
    locked = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
    if locked.status not in (Status.CHECKING, Status.PREVIEW, Status.FAILED) or not locked.file:
        raise ImportBusy
    locked.generation += 1
    RosterImport.objects.filter(pk=locked.pk).update(
        mapping=mapping,
        generation=locked.generation,
        status=Status.CHECKING,
        rows_read=0,
        counts={},
        error="",
        progress_at=timezone.now(),
    )
    record(ctx, "roster.mapping", locked, {"mapping": mapping})
    tasks.check_roster_import.delay_on_commit(locked.pk, locked.municipality_id, locked.generation)


@transaction.atomic
def confirm(ctx: ActionContext, roster_import: RosterImport, *, only_valid: bool, mark_leaving: bool) -> None:
    """Queue the import of the checked rows. With any row in error nothing is queued, unless
    ``only_valid`` was chosen. An import left "being imported" by a worker that died (its row
    is no longer locked by the transaction applying it) can be confirmed again."""
    locked = RosterImport.objects.select_for_update(skip_locked=True).filter(pk=roster_import.pk).first()
    if locked is None or locked.status not in (Status.PREVIEW, Status.FAILED, Status.APPLYING):
        raise ImportBusy
    counts = locked.counts
    if "rows" not in counts:  # the check itself failed: there is nothing to import
        raise ImportBusy
    if locked.status == Status.APPLYING:  # started again after its worker died: as first chosen
        only_valid, mark_leaving = locked.only_valid, locked.mark_leaving
    if counts.get("missing_columns") or (counts.get("errors") and not only_valid):
        raise ImportRefused
    RosterImport.objects.filter(pk=locked.pk).update(
        status=Status.APPLYING,
        only_valid=only_valid,
        mark_leaving=mark_leaving,
        confirmed_by=ctx.actor,
        error="",
        progress_at=timezone.now(),
    )
    record(ctx, "roster.confirm", locked, {"only_valid": only_valid, "mark_leaving": mark_leaving})
    tasks.apply_roster_import.delay_on_commit(locked.pk, locked.municipality_id)


@transaction.atomic
def stalled(roster_import: RosterImport) -> bool:
    """Being imported, no word from its task for a minute, and no transaction applying it (which
    would hold the row): its worker died, the roster is as it was, it may be started again."""
    if roster_import.status != Status.APPLYING or roster_import.progress_at is None:
        return False
    if (timezone.now() - roster_import.progress_at).total_seconds() < 60:
        return False
    return RosterImport.objects.select_for_update(skip_locked=True).filter(pk=roster_import.pk).exists()


@transaction.atomic
def discard(ctx: ActionContext, roster_import: RosterImport) -> None:
    locked = RosterImport.objects.select_for_update(skip_locked=True).filter(pk=roster_import.pk).first()
    if locked is None or locked.status not in (Status.CHECKING, Status.PREVIEW, Status.FAILED):
        raise ImportBusy
    RosterImport.objects.filter(pk=locked.pk).update(
        status=Status.DISCARDED, generation=locked.generation + 1
    )
    RosterImportRow.objects.filter(roster_import=locked).delete()
    if locked.file:
        locked.file.delete(save=False)
        RosterImport.objects.filter(pk=locked.pk).update(file="")
    record(ctx, "roster.discard", locked)
