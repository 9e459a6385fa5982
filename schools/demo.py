"""Demo data for the four reference programmes. Safe to run twice: it only adds what is missing.

``seed`` makes the municipalities, schools, people and demo users, then runs the seeders the
other apps registered from their ``AppConfig.ready()`` (``register_seeder``), in their order,
inside the same transaction and with scopes disabled."""

from __future__ import annotations

import random
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import transaction
from django_scopes import scopes_disabled

from schools import demo_names, demo_places
from schools.models import Membership, Municipality, Person, Region, RegionMembership, School
from schools.roles import PersonRole, Role

DEMO_PASSWORD = "cloud-demo-2026"  # noqa: S105 (printed by make run for the demo users)

# (role, local part, the index of the demo name in the municipality's language)
DEMO_ROLES = [
    (Role.OFFICER, "officer"),
    (Role.IT_ADMIN, "itadmin"),
    (Role.DIRECTOR, "director"),
    (Role.TRAINER, "trainer"),
    (Role.TEACHER, "teacher"),
]


# name → (order, seeder): a seeder returns what ``seed`` reports under its name
_SEEDERS: dict[str, tuple[int, Callable[[], object]]] = {}


def register_seeder(name: str, seeder: Callable[[], object], order: int = 100) -> None:
    """Called from an ``AppConfig.ready()``: ``seeder()`` adds the app's demo data (only what is
    missing) after the municipalities, people and users exist; lower ``order`` runs first."""
    _SEEDERS[name] = (order, seeder)


def seeders() -> list[tuple[str, Callable[[], object]]]:
    return [
        (name, seeder) for name, (_order, seeder) in sorted(_SEEDERS.items(), key=lambda i: (i[1][0], i[0]))
    ]


def demo_email(local: str, slug: str) -> str:
    return f"{local}@{slug}.example"


def _name(rng: random.Random, language: str) -> tuple[str, str, str]:
    gender = rng.choice("mf")
    first = rng.choice(demo_names.FIRST_NAMES[language][gender])
    male, female = rng.choice(demo_names.LAST_NAMES[language])
    last = male if gender == "m" else female
    middle = ""
    if language in demo_names.PATRONYMICS:
        m_pat, f_pat = rng.choice(demo_names.PATRONYMICS[language])
        middle = m_pat if gender == "m" else f_pat
    return first, middle, last


@transaction.atomic
def seed() -> dict:
    User = get_user_model()
    counts = {"municipalities": 0, "schools": 0, "people": 0, "users": 0}
    with scopes_disabled():  # ESCAPE HATCH: seeding writes every tenant
        regions = {}
        for data in demo_places.REGIONS:
            regions[data["slug"]], _ = Region.objects.get_or_create(
                slug=data["slug"],
                defaults={k: data[k] for k in ("name", "country", "language", "time_zone")},
            )
        for data in demo_places.MUNICIPALITIES:
            municipality, created = Municipality.objects.get_or_create(
                slug=data["slug"],
                defaults={
                    "name": data["name"],
                    "country": data["country"],
                    "language": data["language"],
                    "time_zone": data["time_zone"],
                    "currency": data["currency"],
                    "region": regions.get(data["region"]) if data["region"] else None,
                },
            )
            counts["municipalities"] += created
            rng = random.Random(f"demo-{municipality.slug}")  # the same people on every machine
            language = data["language"]
            schools = []
            for school_data in data["schools"]:
                school, created = School.objects.get_or_create(
                    municipality=municipality,
                    code=school_data["code"],
                    defaults={k: school_data[k] for k in ("name", "kind", "address", "phone", "email")},
                )
                counts["schools"] += created
                schools.append(school)
                if school.people.exists():
                    continue
                people = [
                    (PersonRole.DIRECTOR, 1),
                    (PersonRole.STAFF, 2),
                    (PersonRole.TEACHER, school_data["teachers"]),
                ]
                for role, how_many in people:
                    for _i in range(how_many):
                        first, middle, last = _name(rng, language)
                        person = Person.objects.create(
                            municipality=municipality,
                            first_name=first,
                            middle_name=middle,
                            last_name=last,
                            role=role,
                        )
                        person.schools.add(school)
                        counts["people"] += 1
            for role, local in DEMO_ROLES:
                email = demo_email(local, municipality.slug)
                first, _middle, last = _name(random.Random(email), language)
                user = User.objects.filter(email=email).first()
                if user is None:
                    user = User.objects.create_user(email, DEMO_PASSWORD, full_name=f"{first} {last}")
                    counts["users"] += 1
                membership, _ = Membership.objects.get_or_create(
                    user=user, municipality=municipality, role=role
                )
                if role == Role.DIRECTOR:
                    membership.schools.add(*schools[:2])
        for slug, region in regions.items():
            email = demo_email("coordinator", slug)
            user = User.objects.filter(email=email).first()
            if user is None:
                first, _middle, last = _name(random.Random(email), region.language)
                user = User.objects.create_user(email, DEMO_PASSWORD, full_name=f"{first} {last}")
                counts["users"] += 1
            RegionMembership.objects.get_or_create(user=user, region=region, role=Role.COORDINATOR)
        if not User.objects.filter(email="admin@platform.example").exists():
            User.objects.create_superuser("admin@platform.example", DEMO_PASSWORD, full_name="Platform admin")
            counts["users"] += 1
        for name, seeder in seeders():
            counts[name] = seeder()
    return counts


def demo_logins() -> list[tuple[str, str]]:
    """(who, e-mail) for the README and the `make run` banner."""
    rows = []
    for data in demo_places.MUNICIPALITIES:
        for role, local in DEMO_ROLES:
            rows.append((f"{data['name_en']}: {Role(role).label}", demo_email(local, data["slug"])))
    for data in demo_places.REGIONS:
        rows.append((f"{data['slug']}: {Role.COORDINATOR.label}", demo_email("coordinator", data["slug"])))
    rows.append(("Platform staff (Django admin)", "admin@platform.example"))
    return rows
