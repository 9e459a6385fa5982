"""Demo surveys for the reference municipalities (called by ``schools.demo.seed``, which runs with
scopes disabled). Safe to run twice: a campaign that exists by name is left alone.

- Barnaul (Altai krai): last year's and this year's pilot-school criteria, three schools
  submitted this year, teachers' self-assessments at one school (enough to show figures).
- Haskovo: the readiness survey for "School in the Cloud", two schools submitted.
- Pruszków: the SELFIE-style self-reflection, leaders and teachers side by side at one school.
"""

from __future__ import annotations

import random
import secrets
from datetime import timedelta

from django.utils import timezone

from schools.models import Membership, Municipality, Person, School
from schools.roles import Role
from surveys import scoring
from surveys.actions import TEACHING_ROLES
from surveys.models import Campaign, Response, SurveyTemplate, TeacherLink, TeacherResponse
from surveys.shipped import install_shipped_templates

ALTAI_ANSWERS = [
    {  # meets everything
        "internet_mbps": 20,
        "library_lan": True,
        "ict_basic_pct": 90,
        "ict_advanced_pct": 35,
        "distance_courses": 6,
        "network_projects": True,
        "network_projects_list": "Краевой предметный марафон, конкурс портфолио",
        "online_communities": 5,
        "ediary_activity": "high",
        "ict_responsible": True,
        "ict_responsible_name": "Зам. директора по ИКТ",
        "website_updated": True,
        "website_url": "https://school.example",
    },
    {  # slow Internet, no network projects
        "internet_mbps": 0.5,
        "library_lan": True,
        "ict_basic_pct": 82,
        "ict_advanced_pct": 26,
        "distance_courses": 2,
        "network_projects": False,
        "online_communities": 2,
        "ediary_activity": "high",
        "ict_responsible": True,
        "ict_responsible_name": "Учитель информатики",
        "website_updated": True,
    },
    {  # organisational gaps
        "internet_mbps": 4,
        "library_lan": False,
        "ict_basic_pct": 70,
        "ict_advanced_pct": 15,
        "distance_courses": 1,
        "network_projects": True,
        "network_projects_list": "Сетевой проект «Читаем вместе»",
        "online_communities": 0,
        "ediary_activity": "medium",
        "ict_responsible": False,
        "website_updated": False,
    },
]

HASKOVO_ANSWERS = [
    {
        "internet_mbps": 50,
        "wifi": True,
        "teacher_devices_pct": 90,
        "admin_person": True,
        "digital_skills": 4,
        "trainings": ["intro", "admins"],
        "gdpr": True,
        "eservices": ["ediary"],
        "pilot_volunteer": True,
        "pilot_reason": "Искаме бърза връзка с всички учители.",
    },
    {
        "internet_mbps": 8,
        "wifi": False,
        "teacher_devices_pct": 60,
        "admin_person": False,
        "digital_skills": 2,
        "trainings": ["intro", "communication"],
        "gdpr": True,
        "eservices": ["ediary"],
        "pilot_volunteer": False,
    },
]


def _latest(slug: str) -> SurveyTemplate:
    return SurveyTemplate.objects.filter(slug=slug).order_by("-version").first()


def _campaign(municipality, slug, name, *, days_ago=0, deadline_in=14, teacher_slug=None):
    existing = Campaign.objects.filter(municipality=municipality, name=name).first()
    if existing is not None:
        return existing, False
    officer = (
        Membership.objects.filter(municipality=municipality, role=Role.OFFICER).select_related("user").first()
    )
    template = _latest(slug)
    campaign = Campaign.objects.create(
        municipality=municipality,
        template=template,
        teacher_template=_latest(teacher_slug or template.companion_slug)
        if (teacher_slug or template.companion_slug)
        else None,
        name=name,
        deadline=timezone.localdate() - timedelta(days=days_ago) + timedelta(days=deadline_in),
        status=Campaign.Status.CLOSED if days_ago else Campaign.Status.OPEN,
        created_by=officer.user if officer else None,
    )
    if days_ago:
        Campaign.objects.filter(pk=campaign.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
        campaign.refresh_from_db()
    now = timezone.now()
    for school in School.objects.filter(municipality=municipality).order_by("code"):
        # Already sent: the demo must not e-mail anyone when the worker starts.
        Response.objects.create(municipality=municipality, campaign=campaign, school=school, invited_at=now)
    return campaign, True


def _submit(campaign, school, answers, days_ago=0):
    when = timezone.now() - timedelta(days=days_ago)
    Response.objects.filter(campaign=campaign, school=school).update(
        answers=scoring.keep_visible(campaign.template.definition, answers),
        status=Response.Status.SUBMITTED,
        submitted_at=when,
        updated_at=when,
    )


def _teachers(campaign, school, answer_sets):
    """Personal links for the school's teachers, as many used as there are answers (not tied to them)."""
    definition = campaign.teacher_template.definition
    people = Person.objects.filter(schools=school, role__in=TEACHING_ROLES).order_by("pk")
    now = timezone.now()
    TeacherLink.objects.bulk_create(
        TeacherLink(
            municipality=campaign.municipality,
            campaign=campaign,
            school=school,
            person=person,
            nonce=secrets.token_urlsafe(16),
            used_at=now if n < len(answer_sets) else None,
        )
        for n, person in enumerate(people)
    )
    for answers in answer_sets:
        TeacherResponse.objects.create(
            municipality=campaign.municipality,
            campaign=campaign,
            school=school,
            answers=answers,
            level=scoring.teacher_level(definition, answers),
            submitted_on=timezone.localdate(),
        )


def seed_surveys() -> int:
    """Returns the number of new campaigns."""
    install_shipped_templates()
    made = 0
    rng = random.Random("demo-surveys")  # the same answers on every machine
    barnaul = Municipality.objects.filter(slug="barnaul").first()
    if barnaul is not None:
        schools = list(School.objects.filter(municipality=barnaul).order_by("code"))
        last_year, created = _campaign(
            barnaul, "altai-pilot-criteria", "Отбор пилотных школ 2025", days_ago=365
        )
        if created:
            made += 1
            # A year ago the same schools had slower Internet and no updated website.
            for school, answers in zip(schools[:3], ALTAI_ANSWERS, strict=False):
                _submit(
                    last_year,
                    school,
                    {**answers, "internet_mbps": 0.8, "website_updated": False},
                    days_ago=350,
                )
        campaign, created = _campaign(barnaul, "altai-pilot-criteria", "Отбор пилотных школ 2026")
        if created:
            made += 1
            for school, answers in zip(schools[:3], ALTAI_ANSWERS, strict=False):
                _submit(campaign, school, answers, days_ago=1)
            areas = ["engagement", "resources", "teaching", "assessment", "empowering", "facilitating"]
            _teachers(
                campaign,
                schools[0],
                [
                    {
                        "role": rng.choice(["teacher", "teacher", "manager"]),
                        **{a: str(rng.choice([1, 2, 3, 3, 4])) for a in areas},
                    }
                    for _n in range(7)
                ],
            )
    haskovo = Municipality.objects.filter(slug="haskovo").first()
    if haskovo is not None:
        campaign, created = _campaign(haskovo, "haskovo-readiness", "Анкета за готовност 2026")
        if created:
            made += 1
            schools = list(School.objects.filter(municipality=haskovo).order_by("code"))
            for school, answers in zip(schools[:2], HASKOVO_ANSWERS, strict=False):
                _submit(campaign, school, answers, days_ago=2)
    pruszkow = Municipality.objects.filter(slug="pruszkow").first()
    if pruszkow is not None:
        campaign, created = _campaign(pruszkow, "selfie", "Autorefleksja SELFIE 2026")
        if created:
            made += 1
            school = School.objects.filter(municipality=pruszkow).order_by("code").first()
            areas = [q["key"] for q in scoring.questions(campaign.template.definition)]
            _submit(campaign, school, {a: rng.choice([3, 4, 5]) for a in areas}, days_ago=1)
            _teachers(campaign, school, [{a: rng.choice([1, 2, 3, 4]) for a in areas} for _n in range(6)])
    return made
