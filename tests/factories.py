"""Test data: two municipalities with every role in each (STYLE.md practice 8)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from dataclasses import dataclass, field
from datetime import timedelta

import factory
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone
from django_scopes import scopes_disabled

from integrations.crypto import encrypt_secret, fingerprint
from integrations.models import Connection, Job, Plan, PlanOperation, Provider, RosterImport, RosterImportRow
from schools.models import (
    Invitation,
    Membership,
    Municipality,
    Person,
    Region,
    RegionMembership,
    School,
    User,
)
from schools.roles import Role

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    slug = factory.Sequence(lambda n: f"region-{n}")
    name = factory.Sequence(lambda n: f"Region {n}")
    country = "RU"
    language = "ru"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    slug = factory.Sequence(lambda n: f"town-{n}")
    name = factory.Sequence(lambda n: f"Town {n}")
    country = "BG"
    language = "bg"
    time_zone = "Europe/Sofia"
    currency = "BGN"


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"СУ „Школа {n}“")
    kind = School.Kind.SECONDARY
    code = factory.Sequence(lambda n: f"{2600000 + n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = "Мария"
    last_name = factory.Sequence(lambda n: f"Иванова{n}")
    role = "teacher"


def enrol_totp(user: User) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str, at: float | None = None) -> str:
    """RFC 6238 (30 s, 6 digits, SHA-1): what an authenticator app shows."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


@dataclass
class Tenant:
    municipality: Municipality
    school: School
    other_school: School
    person: Person
    invitation: Invitation
    connection: Connection
    roster_import: RosterImport
    plan: Plan
    job: Job
    users: dict[str, User] = field(default_factory=dict)
    memberships: dict[str, Membership] = field(default_factory=dict)


@dataclass
class World:
    a: Tenant
    b: Tenant
    region: Region
    coordinator: User
    other_region: Region
    staff: User


def make_tenant(label: str, region: Region | None, language: str) -> Tenant:
    with scopes_disabled():
        municipality = MunicipalityFactory(
            slug=f"{label}-town", name=f"{label.title()} Town", region=region, language=language
        )
        school = SchoolFactory(municipality=municipality)
        other_school = SchoolFactory(municipality=municipality)
        person = PersonFactory(municipality=municipality)
        person.schools.add(school)
        invitation = Invitation.objects.create(
            municipality=municipality,
            email=f"invitee@{label}.example",
            role=Role.TEACHER,
            language=language,
            nonce=f"nonce-{label}",
            expires_at=timezone.now() + timedelta(days=7),
        )
        connection = Connection.objects.create(
            municipality=municipality,
            provider=Provider.GOOGLE,
            admin_email=f"admin@{label}.example",
            primary_domain=f"{label}.example",
            secret_ciphertext=encrypt_secret(municipality.pk, "{}"),
            secret_fingerprint=fingerprint("{}"),
        )
        roster_import = RosterImport.objects.create(
            municipality=municipality,
            filename="roster.csv",
            format="csv",
            headers=["First name", "Last name"],
            mapping={"first_name": 0, "last_name": 1},
            status=RosterImport.Status.PREVIEW,
            counts={
                "rows": 1,
                "errors": 0,
                "new": 1,
                "changed": 0,
                "unchanged": 0,
                "leaving": 0,
                "covered": [],
            },
        )
        RosterImportRow.objects.create(
            roster_import=roster_import, line=2, first_name="Anna", last_name="Nowak", name_key="anna nowak",
            kind=RosterImportRow.Kind.NEW,
        )  # fmt: skip
        plan = Plan.objects.create(
            municipality=municipality,
            provider=Provider.GOOGLE,
            summary={"counts": {"create_user": 1}, "blocked": False},
            provider_state_hash="0" * 64,
        )
        PlanOperation.objects.create(
            plan=plan,
            municipality=municipality,
            seq=0,
            phase=10,
            op="create_user",
            key=f"anna@{label}.example",
            school=school.name,
        )
        applied = Plan.objects.create(
            municipality=municipality,
            provider=Provider.GOOGLE,
            summary={},
            provider_state_hash="0" * 64,
        )
        job = Job.objects.create(
            municipality=municipality, plan=applied, provider=Provider.GOOGLE, status="done"
        )
        tenant = Tenant(
            municipality, school, other_school, person, invitation, connection, roster_import, plan, job
        )
        for role, _label in Role.municipal_choices():
            user = UserFactory(email=f"{role}@{label}.example", full_name=f"{label} {role}")
            membership = Membership.objects.create(user=user, municipality=municipality, role=role)
            if role == Role.DIRECTOR:
                membership.schools.add(school)
            if role in (Role.OFFICER, Role.IT_ADMIN):
                enrol_totp(user)
            tenant.users[role] = user
            tenant.memberships[role] = membership
        # Someone holding every municipal role: the isolation test's strongest insider.
        everyone = UserFactory(email=f"all-roles@{label}.example", full_name=f"{label} all roles")
        for role, _label in Role.municipal_choices():
            membership = Membership.objects.create(user=everyone, municipality=municipality, role=role)
            if role == Role.DIRECTOR:
                membership.schools.add(school)
        enrol_totp(everyone)
        tenant.users["all"] = everyone
    return tenant


def make_world() -> World:
    region = RegionFactory(slug="north", name="North")
    other_region = RegionFactory(slug="south", name="South")
    a = make_tenant("alpha", region, "bg")
    b = make_tenant("beta", other_region, "pl")
    coordinator = UserFactory(email="coordinator@north.example")
    RegionMembership.objects.create(user=coordinator, region=region, role=Role.COORDINATOR)
    enrol_totp(coordinator)
    staff = UserFactory(email="staff@platform.example", is_staff=True, is_superuser=True)
    enrol_totp(staff)
    return World(a=a, b=b, region=region, coordinator=coordinator, other_region=other_region, staff=staff)
