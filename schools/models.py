"""Tenancy: regions, municipalities (the tenants), schools, the people roster, memberships.

Every row that belongs to a municipality is reached through a django-scopes ``ScopedManager``:
a query with no active municipality scope raises ``ScopeError``. The escape hatches are named
and live in ``schools/access.py``.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from schools.roles import PersonRole, Role

LANGUAGE_CHOICES = settings.LANGUAGES
slug_validator = RegexValidator(r"^[a-z0-9][a-z0-9-]*$", _("Use lowercase letters, digits and hyphens."))


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Platform staff have ``is_staff``; every other role is a membership."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=LANGUAGE_CHOICES,
        blank=True,
        help_text=_("Empty means the language of your municipality."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("platform staff"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Region(models.Model):
    """A region that runs one model across several municipalities (e.g. Altai krai)."""

    slug = models.SlugField(_("short name"), unique=True, validators=[slug_validator])
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES, default="en")
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """The tenant. Everything a municipality owns points here."""

    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="municipalities",
    )
    slug = models.SlugField(_("short name"), unique=True, validators=[slug_validator])
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2, help_text=_("Two-letter ISO code, e.g. BG."))
    language = models.CharField(_("default language"), max_length=8, choices=LANGUAGE_CHOICES, default="en")
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    class Kind(models.TextChoices):
        KINDERGARTEN = "kindergarten", _("Kindergarten")
        PRIMARY = "primary", _("Primary school")
        SECONDARY = "secondary", _("Secondary school")
        VOCATIONAL = "vocational", _("Vocational school")
        OTHER = "other", _("Other")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="schools"
    )
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PRIMARY)
    code = models.CharField(_("official code"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=64, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    subdomain = models.SlugField(
        _("subdomain label"),
        max_length=63,
        blank=True,
        help_text=_("For addresses like teacher@<label>.<municipal domain>, when the layout uses them."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"],
                condition=~models.Q(code=""),
                name="school_code_unique_in_municipality",
            ),
            # Names identify a school in rosters, plans and credential slips: one per municipality.
            models.UniqueConstraint(
                fields=["municipality", "name"], name="school_name_unique_in_municipality"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """Someone on the municipality's roster: the source for accounts at the providers."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="people"
    )
    first_name = models.CharField(_("first name"), max_length=100)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    role = models.CharField(_("role"), max_length=16, choices=PersonRole.choices, default=PersonRole.TEACHER)
    schools = models.ManyToManyField(School, verbose_name=_("schools"), related_name="people", blank=True)
    personal_email = models.EmailField(_("personal e-mail"), blank=True)
    # The person's id in the school system the roster files come from (OneRoster sourcedId, SDS
    # SIS ID, an "id" column): how a later file finds them again after a change of name or e-mail.
    external_id = models.CharField(_("identifier in the roster files"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    login_override = models.CharField(
        _("login (manual)"),
        max_length=64,
        blank=True,
        help_text=_("Only if the address made from the name by the municipality's rule is not wanted."),
    )
    # The address of the person's existing account: once set, no later rule changes it.
    account_email = models.EmailField(_("account address"), blank=True)
    # When a provisioning job of ours made (or adopted) the person's account: set by the engine,
    # so that dashboards count accounts from the roster alone.
    account_made_at = models.DateTimeField(_("account made"), null=True, blank=True, editable=False)
    left_on = models.DateField(
        _("left on"),
        null=True,
        blank=True,
        help_text=_(
            "The day the person left. From then on plans suspend their accounts, and after the "
            "retention period for leavers their data is erased."
        ),
    )
    # Set when the person's data was erased (on request or by the retention job): the row stays
    # with a pseudonym so that counts and training statistics stay right.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            models.Index(fields=["municipality", "last_name", "first_name"]),
            # The dashboards' count of teachers with an account reads this index alone.
            models.Index(
                fields=["municipality", "role", "account_email", "account_made_at"],
                name="person_accounts_idx",
            ),
            # Roster imports find people by their identifier, else their e-mail in any case.
            models.Index(fields=["municipality", "external_id"], name="person_external_id_idx"),
            models.Index(Lower("personal_email"), "municipality", name="person_email_lower_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "external_id"],
                condition=~models.Q(external_id=""),
                name="person_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.middle_name, self.last_name) if part)

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


def on_roster(today=None) -> models.Q:
    """People who should have accounts: not erased, and not left (a leaving day still to come counts)."""
    today = today or timezone.localdate()
    return models.Q(erased_at__isnull=True) & (models.Q(left_on__isnull=True) | models.Q(left_on__gt=today))


class Membership(models.Model):
    """A user's role in one municipality. A director is bound to schools."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.municipal_choices())
    schools = models.ManyToManyField(
        School, verbose_name=_("schools"), blank=True, related_name="memberships"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "municipality", "role"], name="membership_unique_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class RegionMembership(models.Model):
    """A regional coordinator: reads every municipality of the region."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="region_memberships",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.region_choices(), default=Role.COORDINATOR)

    class Meta:
        verbose_name = _("regional membership")
        verbose_name_plural = _("regional memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "region", "role"], name="region_membership_unique_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.region}"


class Invitation(models.Model):
    """An e-mailed, expiring invitation that binds a membership when accepted."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=24, choices=Role.municipal_choices())
    schools = models.ManyToManyField(School, verbose_name=_("schools"), blank=True, related_name="+")
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    # The link carries a signed (id, nonce) pair; a new nonce invalidates every earlier link.
    nonce = models.CharField(max_length=64, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return self.email

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    def get_status_display(self) -> str:
        return {
            "accepted": _("accepted"),
            "revoked": _("revoked"),
            "expired": _("expired"),
            "pending": _("pending"),
        }[self.status]


class AuditEvent(models.Model):
    """Append-only record of every change: who, in which tenant, what, to which object, when, from where."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(max_length=254, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only.")


class WorkerHeartbeat(models.Model):
    """Written by every Celery worker every few seconds; /healthz and the IT admin read it."""

    hostname = models.CharField(max_length=255, unique=True)
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return self.hostname


class OutboxMessage(models.Model):
    """Work a change asked for (an e-mail, a notice, a report to build), written in the same
    transaction as the change, so that a broker outage delays it and never loses it
    (``schools.outbox``). Task arguments are ids only, never personal data or secrets."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [
            models.Index(
                fields=["created_at"], condition=models.Q(sent_at__isnull=True), name="outbox_pending_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"


# --- Personal data (GDPR): the municipality's policy, the access log, the retention reports -----
def _days(default: int, maximum: int = 3650):
    return {"default": default, "validators": [MinValueValidator(1), MaxValueValidator(maximum)]}


class PrivacyPolicy(models.Model):
    """What a municipality (the controller) decided about the personal data the portal processes
    for it. A municipality without a row uses the defaults (``schools.privacy.policy.policy_for``)."""

    class CloudAction(models.TextChoices):
        SUSPEND = "suspend", _("Suspend the accounts (they can be restored by an administrator)")
        DELETE = "delete", _("Delete the accounts")

    municipality = models.OneToOneField(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="privacy_policy"
    )
    cloud_on_erasure = models.CharField(
        _("on erasure, cloud accounts are"),
        max_length=16,
        choices=CloudAction.choices,
        default=CloudAction.SUSPEND,
    )
    leavers_days = models.PositiveIntegerField(
        _("days leavers' data is kept"),
        help_text=_("Counted from the day the person left the roster."),
        **_days(365),
    )
    imports_days = models.PositiveIntegerField(
        _("days uploaded roster files are kept"), help_text=_("Counted from the upload."), **_days(30)
    )
    credentials_days = models.PositiveIntegerField(
        _("days temporary passwords are kept"),
        help_text=_("For printing credential slips, counted from the end of the job."),
        **_days(14, 90),
    )
    audit_days = models.PositiveIntegerField(_("days the audit trail and access log are kept"), **_days(730))
    contact = models.CharField(
        _("where people send requests about their data"),
        max_length=255,
        blank=True,
        help_text=_("E.g. the data protection officer's e-mail address or the municipality's office."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        verbose_name = _("personal data policy")
        verbose_name_plural = _("personal data policies")

    def __str__(self) -> str:
        return str(self.municipality)


class PersonalDataAccess(models.Model):
    """One read or download of personal data: who, when, what and about how many people."""

    class Kind(models.TextChoices):
        PEOPLE_LIST = "people_list", _("Read the list of people")
        PERSON = "person", _("Read a person's record")
        PERSON_EXPORT = "person_export", _("Exported a person's data")
        REPORT = "report", _("Downloaded a report with personal data")
        SLIPS = "slips", _("Downloaded credential slips")
        ACCESS_LOG = "access_log", _("Exported the access log")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user_label = models.CharField(_("who"), max_length=254, blank=True)
    kind = models.CharField(_("what"), max_length=24, choices=Kind.choices, db_index=True)
    # What was read, without personal data (a person is named by the link below, not by name).
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    count = models.PositiveIntegerField(_("people"), default=1)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        indexes = [models.Index(fields=["municipality", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.user_label}"


class PurgeReport(models.Model):
    """What one run of the retention job removed in one municipality, category by category."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    ran_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # {"leavers": n, "imports": n, "credentials": n, "audit": n, "access_log": n}
    counts = models.JSONField(_("removed"), default=dict)
    # {"leavers": days, ...}: the policy the run applied
    policy = models.JSONField(_("policy applied"), default=dict)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-ran_at", "-id"]
        verbose_name = _("retention report")
        verbose_name_plural = _("retention reports")

    def __str__(self) -> str:
        return f"{self.municipality} {self.ran_at:%Y-%m-%d %H:%M}"

    @property
    def total(self) -> int:
        return sum(self.counts.values())
