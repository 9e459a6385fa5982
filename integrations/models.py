"""Provider connections of a municipality (Google Workspace for Education, Microsoft 365)."""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from integrations.crypto import decrypt_secret
from schools.models import Municipality, Person


class Provider(models.TextChoices):
    GOOGLE = "google", _("Google Workspace for Education")
    MICROSOFT = "microsoft", _("Microsoft 365")


class Connection(models.Model):
    """How the portal reaches one provider tenant. The secret is encrypted (integrations/crypto.py)
    and never shown again after saving; the page shows its fingerprint."""

    class Status(models.TextChoices):
        UNTESTED = "untested", _("Not tested yet")
        OK = "ok", _("Working")
        FAILED = "failed", _("Not working")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="connections"
    )
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    is_sandbox = models.BooleanField(_("sandbox"), default=False)
    # Google
    customer_id = models.CharField(_("customer id"), max_length=32, blank=True, default="my_customer")
    admin_email = models.EmailField(_("delegated admin e-mail"), blank=True)
    primary_domain = models.CharField(_("primary domain"), max_length=253, blank=True)
    service_account_email = models.CharField(_("service account"), max_length=254, blank=True)
    # Microsoft
    tenant_id = models.CharField(_("tenant id"), max_length=64, blank=True)
    client_id = models.CharField(_("application (client) id"), max_length=64, blank=True)
    usage_location = models.CharField(_("default usage location"), max_length=2, blank=True)
    teacher_sku = models.CharField(_("licence for teachers"), max_length=64, blank=True)
    staff_sku = models.CharField(_("licence for staff"), max_length=64, blank=True)
    student_sku = models.CharField(_("licence for students"), max_length=64, blank=True)
    # Where the provider is: empty means the real cloud; the sandbox fills these in.
    api_base_url = models.URLField(_("API address"), blank=True)
    auth_base_url = models.URLField(_("sign-in address"), blank=True)
    # The secret: a service-account key (Google) or a client secret (Microsoft).
    secret_ciphertext = models.TextField(editable=False)
    secret_fingerprint = models.CharField(_("secret fingerprint"), max_length=32, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.UNTESTED)
    last_tested_at = models.DateTimeField(_("last tested"), null=True, blank=True)
    last_test_message = models.TextField(_("last test result"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        verbose_name = _("provider connection")
        verbose_name_plural = _("provider connections")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "provider"], name="one_connection_per_provider")
        ]

    def __str__(self) -> str:
        label = self.get_provider_display()
        return f"{label} ({_('sandbox')})" if self.is_sandbox else str(label)

    def secret(self) -> str:
        return decrypt_secret(self.municipality_id, self.secret_ciphertext)

    @property
    def ca_file(self) -> str | None:
        """The sandbox's CA for TLS verification; None means the system's trust store."""
        return str(settings.SANDBOX_CA_FILE) if self.is_sandbox else None


def roster_upload_to(instance, filename: str) -> str:
    """roster/<municipality id>/<random>/<original name>, under MEDIA_ROOT: never served from a
    URL; the worker reads it, and it is deleted with the import (discarded, purged)."""
    base = os.path.basename(filename)[-120:]
    return f"roster/{instance.municipality_id}/{secrets.token_hex(8)}/{base}"


class RosterImport(models.Model):
    """An uploaded roster file: checked in a worker into staging rows (``RosterImportRow``),
    reviewed, then applied in the worker in one transaction (all-or-nothing) or discarded."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Being checked")
        PREVIEW = "preview", _("Waiting for review")
        APPLYING = "applying", _("Being imported")
        APPLIED = "applied", _("Imported")
        FAILED = "failed", _("Failed")
        DISCARDED = "discarded", _("Discarded")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="roster_imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(_("file"), max_length=255)
    file = models.FileField(upload_to=roster_upload_to, max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    format = models.CharField(_("format"), max_length=16)
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    delimiter = models.CharField(_("separator"), max_length=4, blank=True)
    headers = models.JSONField(default=list)
    # For formats that carry schools separately (OneRoster, SDS): their ids → {"name", "code"}.
    schools = models.JSONField(default=dict)
    mapping = models.JSONField(default=dict)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.CHECKING)
    # Each check run has its number: a new mapping (or the reconciler) starts the next one, and
    # a run whose number is no longer the import's stops at its next chunk.
    generation = models.PositiveIntegerField(default=1)
    rows_read = models.PositiveIntegerField(default=0)
    progress_at = models.DateTimeField(null=True, blank=True)  # the last sign of life of its task
    # rows, errors, new, changed, unchanged, leaving, covered (school ids), full_roster, missing_columns
    counts = models.JSONField(default=dict, blank=True)
    only_valid = models.BooleanField(default=False)
    mark_leaving = models.BooleanField(default=False)
    error = models.TextField(blank=True)  # why the check or the import failed, for the user
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    applied_at = models.DateTimeField(_("imported"), null=True, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")

    def __str__(self) -> str:
        return self.filename

    @property
    def busy(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.APPLYING)


class RosterImportRow(models.Model):
    """One row of an uploaded file as checked: its mapped values, its problems, the person on the
    roster it matches and what importing it would do. Written in bulk per chunk by the check,
    read by page (the review) and by chunk (the import)."""

    class Kind(models.TextChoices):
        NEW = "new", _("new")
        CHANGED = "changed", _("changed")
        UNCHANGED = "unchanged", _("unchanged")

    roster_import = models.ForeignKey(RosterImport, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField()
    first_name = models.TextField(blank=True)
    middle_name = models.TextField(blank=True)
    last_name = models.TextField(blank=True)
    role = models.CharField(max_length=16, blank=True)
    personal_email = models.TextField(blank=True)
    external_id = models.TextField(blank=True)
    school = models.TextField(blank=True)  # as written in the file
    school_ids = models.JSONField(default=list)
    # Keys of the in-file duplicate checks: full name casefolded, e-mail casefolded.
    name_key = models.TextField(blank=True)
    name_schools_key = models.TextField(blank=True)  # the name and the sorted school ids: one person
    email_key = models.TextField(blank=True)
    ok = models.BooleanField(default=True)
    errors = models.JSONField(default=list)
    notices = models.JSONField(default=list)
    # The same person as an earlier line (another school of theirs): imported with that line.
    merged_line = models.PositiveIntegerField(null=True, blank=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, blank=True)
    # The matched person's schools that this row does not name: they lose those of the file's
    # schools (the file speaks for the schools it covers, and only for those).
    other_schools = models.JSONField(default=list)

    objects = ScopedManager(municipality="roster_import__municipality")

    class Meta:
        ordering = ["line"]  # within one import; no join to the import for it
        indexes = [
            models.Index(fields=["roster_import", "line"], name="rosterrow_line_idx"),
            models.Index(fields=["roster_import", "email_key"], name="rosterrow_email_idx"),
            models.Index(fields=["roster_import", "name_schools_key"], name="rosterrow_name_idx"),
            models.Index(fields=["roster_import", "external_id"], name="rosterrow_external_idx"),
            models.Index(fields=["roster_import", "person"], name="rosterrow_person_idx"),
            models.Index(fields=["roster_import", "ok", "kind", "line"], name="rosterrow_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.roster_import_id}:{self.line}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)


class Layout(models.Model):
    """Where a municipality's accounts go: the domain, how logins are made, the unit tree."""

    class Pattern(models.TextChoices):
        FIRST_LAST = "first.last", "first.last"
        F_LAST = "f.last", "f.last"
        FIRSTLAST = "firstlast", "firstlast"
        FIRST_L = "first.l", "first.l"
        LAST_FIRST = "last.first", "last.first"
        FLAST = "flast", "flast"

    municipality = models.OneToOneField(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="layout"
    )
    domain = models.CharField(_("domain for accounts"), max_length=253)
    login_pattern = models.CharField(
        _("login pattern"), max_length=16, choices=Pattern.choices, default=Pattern.FIRST_LAST
    )
    name_language = models.CharField(
        _("romanise names as"),
        max_length=8,
        choices=[
            ("bg", _("Bulgarian (Transliteration Act 2009)")),
            ("ru", _("Russian (ICAO Doc 9303, passports)")),
            ("uk", _("Ukrainian (2010 national system)")),
            ("pl", _("Polish and other Latin letters")),
        ],
        help_text=_("The official romanisation used to make logins from names in native script."),
    )
    cyrillic_language = models.CharField(
        _("Cyrillic names otherwise as"),
        max_length=8,
        choices=[
            ("uk", _("Ukrainian (2010 national system)")),
            ("ru", _("Russian (ICAO Doc 9303, passports)")),
            ("bg", _("Bulgarian (Transliteration Act 2009)")),
        ],
        default="uk",
        help_text=_(
            "For names in Cyrillic where the rule above has no Cyrillic table and the letters do "
            "not show the language (і, ї, є, ґ are Ukrainian; ы, э, ё Russian)."
        ),
    )
    ou_root = models.CharField(_("root organisational unit"), max_length=200, default="/Schools")
    per_school_subdomains = models.BooleanField(
        _("per-school subdomains"),
        default=False,
        help_text=_("Addresses on <school>.<domain> for schools that have a subdomain label."),
    )
    teachers_group = models.CharField(
        _("group of all teachers"),
        max_length=64,
        default="teachers",
        blank=True,
        help_text=_("Empty: no such group."),
    )
    directors_group = models.CharField(
        _("group of directors"),
        max_length=64,
        default="directors",
        blank=True,
        help_text=_("Empty: no such group."),
    )
    school_groups = models.BooleanField(_("teachers' and staff groups for each school"), default=True)
    microsoft_group_type = models.CharField(
        _("kind of Microsoft groups"),
        max_length=16,
        choices=[
            ("security", _("Security groups")),
            ("microsoft365", _("Microsoft 365 groups (with mailbox)")),
        ],
        default="security",
    )
    # Per provider: {"added", "verified", "records": [{"type", "name", "value"}], "checked_at", "message"}
    domain_status = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        verbose_name = _("account layout")
        verbose_name_plural = _("account layouts")

    def __str__(self) -> str:
        return self.domain

    @classmethod
    def default(cls, municipality) -> Layout:
        """What a municipality starts from before it saves a layout (not saved)."""
        language = municipality.language if municipality.language in ("bg", "ru", "uk") else "pl"
        return cls(
            municipality=municipality, domain=f"{municipality.slug}.edu.example", name_language=language
        )

    @classmethod
    def current(cls, municipality) -> Layout:
        """The municipality's saved layout (read in its scope), or the default one."""
        return cls.objects.first() or cls.default(municipality)

    def domain_for(self, person) -> str:
        """The domain of a person's address (the first school's subdomain when those are on)."""
        if self.per_school_subdomains:
            schools = sorted(person.schools.all(), key=lambda s: s.name)
            if schools and schools[0].subdomain:
                return f"{schools[0].subdomain}.{self.domain}"
        return self.domain


class Plan(models.Model):
    """A stored difference between the roster + layout and what the provider has: made in a
    worker (``integrations.planning``), reviewed, then applied exactly as reviewed (the apply step
    refuses when the provider changed meanwhile). Its operations are ``PlanOperation`` rows."""

    class Status(models.TextChoices):
        MAKING = "making", _("Being made")
        FAILED = "failed", _("Could not be made")
        READY = "ready", _("Ready for review")
        BLOCKED = "blocked", _("Stopped by the safety limit")
        APPROVED = "approved", _("Approved")
        APPLYING = "applying", _("Checking the provider before applying")
        CHANGED = "changed", _("Not applied: the provider changed")
        APPLIED = "applied", _("Applied")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.READY)
    # While making: {"stage": "accounts" | "groups" | "people" | "summary", "accounts": n read,
    # "groups": n, "members": n, "people": n, "operations": n written}.
    progress = models.JSONField(default=dict, blank=True)
    # Why the plan could not be made, or the last apply could not read the provider:
    # {"kind": "unreadable" | "bound" | "apply_unreadable", "reason": ..., "limit": n}; shown in
    # the reader's language (``integrations.planning.failure_message``).
    failure = models.JSONField(default=dict, blank=True)
    # Counts by operation, by school and operation, suspensions and the safety limit: computed
    # from the rows in SQL when the plan is made.
    summary = models.JSONField(default=dict)
    provider_state_hash = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("made"), auto_now_add=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    override_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("provisioning plan")
        verbose_name_plural = _("provisioning plans")

    def __str__(self) -> str:
        return f"{self.get_provider_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def operation_count(self) -> int:
        """How many operations the plan holds (from its summary)."""
        return sum(self.summary.get("counts", {}).values())


class PlanOperation(models.Model):
    """One operation of a plan: what to make, change, suspend or flag at the provider. Pages,
    the CSV and a job's items read them by page or in SQL, never the whole plan at once."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="operations")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveIntegerField()  # the order the plan was made in
    # The operation's phase in a job (``Op.item_phase``); None: not work (a conflict).
    phase = models.PositiveSmallIntegerField(null=True, blank=True)
    op = models.CharField(max_length=32)  # ``integrations.operations.Op``
    key = models.CharField(max_length=512)  # the account, unit or group (or "group ← member")
    school = models.CharField(max_length=255, blank=True)
    person = models.ForeignKey(
        "schools.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    details = models.JSONField(default=dict, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["plan", "seq"]
        indexes = [
            # The plan page: one school's (and one kind's) operations, page by page.
            models.Index(fields=["plan", "school", "op", "seq"], name="planop_page_idx"),
            # …and one kind's across the schools.
            models.Index(fields=["plan", "op", "seq"], name="planop_kind_idx"),
        ]
        constraints = [
            # Also the index that the whole plan is read by, in order (the job's items, the CSV).
            models.UniqueConstraint(fields=["plan", "seq"], name="plan_operation_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.op} {self.key}"


class Job(models.Model):
    """Applying a reviewed plan: one item per operation, claimed by workers in chunks."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")
        DONE = "done", _("Finished")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    plan = models.OneToOneField(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="job")
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Why the job is not moving while it runs (the provider cannot be reached, the sign-in fails),
    # in the municipality's language; empty once a round gets through.
    notice = models.CharField(_("notice"), max_length=500, blank=True)
    # Counters of its items, so that its page and the dashboards never count a job's items: the
    # total is counted once when the first worker begins (None until then), done and failed grow
    # in the same transaction as the items they count (``provisioning.outcomes``).
    items_total = models.PositiveIntegerField(null=True, blank=True)
    items_done = models.PositiveIntegerField(default=0)
    items_failed = models.PositiveIntegerField(default=0)
    # Its create-user items that made or adopted a roster person's account (the dashboards'
    # accounts per provider).
    accounts_made = models.PositiveIntegerField(default=0)
    # The pace on the page: how many were finished (done + failed) at ``pace_at``; the page
    # compares the counters with this reading and moves it on once it is a minute old.
    pace_at = models.DateTimeField(null=True, blank=True)
    pace_finished = models.PositiveIntegerField(default=0)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("provisioning job")
        verbose_name_plural = _("provisioning jobs")

    def __str__(self) -> str:
        return f"{self.get_provider_display()} #{self.pk}"


class JobItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        CLAIMED = "claimed", _("In progress")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveIntegerField()
    phase = models.PositiveSmallIntegerField()
    op = models.CharField(max_length=32)
    key = models.CharField(max_length=512)
    school = models.CharField(max_length=255, blank=True)
    # The roster person the item is for (accounts, licences), as a column: dashboards count
    # accounts per person without reading every payload.
    person = models.ForeignKey(
        "schools.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Times the provider said to come back later: not visible yet, or unavailable with a
    # Retry-After (these are not attempts).
    waits = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=128, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=32, blank=True)  # created, adopted, updated, …
    error = models.TextField(blank=True)
    # The initial password of a created account, encrypted and bound to the municipality; removed
    # after the retention period (credential slips are printed from it).
    secret_ciphertext = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["job", "seq"]
        indexes = [
            # Claiming: the lowest open phase, then its first pending items in order of work.
            models.Index(fields=["job", "status", "phase", "seq"], name="jobitem_claim_idx"),
            # The soonest item waiting for its back-off, and how many wait (the job's page).
            models.Index(fields=["job", "status", "not_before"], name="jobitem_waiting_idx"),
            # What an item needs made first, found by its key (``outcomes.runnable``).
            models.Index(fields=["job", "key"], name="jobitem_key_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["job", "seq"], name="job_item_seq_unique")]

    def __str__(self) -> str:
        return f"{self.op} {self.key}"
