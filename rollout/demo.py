"""Demo rollout data for the reference municipalities: the four reference programmes under way
(some activities done with evidence, some overdue), budget, library, an agreement, snapshots.
Safe to run twice: a municipality that already has the programme is left alone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone
from django_scopes import scope

from rollout import actions
from rollout.models import (
    Activity,
    Agreement,
    AgreementParty,
    AgreementPlanItem,
    AgreementReview,
    BudgetLine,
    Evidence,
    LibraryDocument,
    Programme,
    Task,
    TaskStatus,
)
from rollout.programme_templates import SHIPPED
from rollout.queries import today_for
from schools.models import Membership, Municipality
from schools.roles import Role

# slug → (template, language, how long ago it started, pilot schools or None for all)
PLAN = {
    "haskovo": ("haskovo-school-in-the-cloud", "bg", timedelta(days=130), 5),
    "plovdiv": ("plovdiv-digitalisation", "bg", timedelta(days=300), None),
    "pruszkow": ("pruszkow-edu-kompas", "pl", timedelta(weeks=5), None),
    "barnaul": ("altai-inter-school-model", "ru", None, 4),
    "biysk": ("altai-inter-school-model", "ru", None, 3),
}

NOTES = {
    "bg": "Протокол от срещата е качен в споделената папка.",
    "pl": "Notatka ze spotkania w udostępnionym folderze.",
    "ru": "Протокол совещания размещён в общей папке.",
}


def seed() -> int:
    """Called by ``schools.demo.seed`` (inside its transaction, with scopes disabled)."""
    made = 0
    for slug, (key, language, ago, pilot) in PLAN.items():
        municipality = Municipality.objects.filter(slug=slug).first()
        if municipality is None:
            continue
        with scope(municipality=municipality.pk):
            if Programme.objects.filter(source=key).exists():
                continue
            _programme(municipality, key, language, ago, pilot)
            made += 1
            _extras(municipality, language)
    return made


def _programme(municipality, key, language, ago, pilot) -> Programme:
    today = today_for(municipality)
    if ago is None:  # the Altai plan runs from March to December
        year = today.year if today.month >= 3 else today.year - 1
        starts_on = date(year, 3, 1)
    else:
        starts_on = today - ago
        if SHIPPED[key]["unit"] == "month":
            starts_on = starts_on.replace(day=1)
    schools = list(municipality.schools.order_by("-kind", "name"))
    officer = _member(municipality, Role.OFFICER)
    programme = actions.create_programme(
        municipality,
        SHIPPED[key],
        language=language,
        starts_on=starts_on,
        coverage=Programme.Coverage.CHOSEN if pilot else Programme.Coverage.ALL,
        schools=schools[:pilot] if pilot else [],
        actor=officer,
    )
    for role in (Role.OFFICER, Role.IT_ADMIN, Role.TRAINER):
        user = _member(municipality, role)
        if user is not None:
            for activity in Activity.objects.filter(programme=programme, responsible_role=role):
                activity.responsible_users.add(user)
    # Progress: most of what ended more than two weeks ago is done (with a note), one item of the
    # past is left open so it shows overdue; what is running now is in progress.
    tasks = (
        Task.objects.filter(activity__programme=programme)
        .select_related("activity")
        .order_by("activity__order", "pk")
    )
    left_open = False
    for index, task in enumerate(tasks):
        due, begins = task.activity.due_on, task.activity.starts_on
        if due and due < today - timedelta(days=14):
            if not left_open and index % 3 == 2:
                left_open = True
                continue
            task.status, task.done_at = TaskStatus.DONE, timezone.now()
            task.save(update_fields=["status", "done_at"])
            Evidence.objects.create(
                task=task, municipality=municipality, kind="note", note=NOTES[language], created_by=officer
            )
        elif begins and begins <= today:
            task.status = TaskStatus.IN_PROGRESS
            task.save(update_fields=["status"])
    actions.refresh_facts(programme)
    # Monitoring: last quarter's and this quarter's snapshots.
    moment = datetime.combine(
        today.replace(day=1) - timedelta(days=70), datetime.min.time(), tzinfo=timezone.get_current_timezone()
    )
    if starts_on <= moment.date():
        actions.take_snapshots(programme, now=moment)
    actions.take_snapshots(programme)
    return programme


def _member(municipality, role):
    membership = Membership.objects.filter(role=role).select_related("user").order_by("pk").first()
    return membership.user if membership else None


def _extras(municipality, language: str) -> None:
    slug = municipality.slug
    if slug == "plovdiv":
        programme = Programme.objects.first()
        for offset in range(3):
            year = programme.starts_on.year + offset
            BudgetLine.objects.create(
                municipality=municipality,
                programme=programme,
                year=year,
                line="Обучение на училищни екипи (G Suite и Office 365)",
                planned=Decimal("30000"),
                actual=Decimal("28640.00") if offset == 0 else Decimal("0"),
                note="Общинска образователна програма, съфинансиране от общинския бюджет",
            )
    if slug == "haskovo":
        _dashboard_sources(municipality)
        LibraryDocument.objects.create(
            municipality=municipality,
            title="Правила за електронна комуникация в училище",
            description="Образец, приет от училища в България; адаптирайте името на училището и домейна.",
            category=LibraryDocument.Category.PROCEDURE,
            language="bg",
            file=ContentFile(
                "Правила за електронна комуникация\n1. Служебната поща е единственият канал ...\n".encode(),
                name="pravila-elektronna-komunikatsia.txt",
            ),
            shared_with_all=True,
        )
    if slug == "pruszkow":
        LibraryDocument.objects.create(
            municipality=municipality,
            title="Standard pracy zdalnej szkół miasta Pruszkowa",
            category=LibraryDocument.Category.PROCEDURE,
            language="pl",
            file=ContentFile(b"Standard pracy zdalnej\n", name="standard-pracy-zdalnej.txt"),
            shared_with_all=True,
        )
    if slug == "barnaul":
        _agreement(municipality)


def _dashboard_sources(municipality) -> None:
    """What the Haskovo dashboard shows that no other seed makes: the pilot group (the
    programme's schools), accounts created at Google for most of their teachers, the budget,
    and a half-yearly master-class quota."""
    from django.apps import apps

    from integrations.models import Job, JobItem, Plan, Provider
    from integrations.provisioning.outcomes import mark_accounts_made
    from schools.models import Person
    from trainings.models import NetworkEvent, QuotaRule, QuotaSet
    from trainings.models.events import EventKind

    programme = Programme.objects.first()
    schools = list(programme.schools.order_by("name")) or list(municipality.schools.order_by("name")[:5])
    if apps.is_installed("surveys"):
        from surveys.models import Campaign, PilotGroup

        group = PilotGroup.objects.create(
            municipality=municipality,
            name="Пилотна група 2026",
            campaign=Campaign.objects.order_by("-created_at").first(),
            created_by=_member(municipality, Role.OFFICER),
        )
        group.schools.set(schools)
    teachers = list(Person.objects.filter(role="teacher", schools__in=schools).distinct().order_by("pk"))
    plan = Plan.objects.create(
        municipality=municipality,
        provider=Provider.GOOGLE,
        status=Plan.Status.APPLIED,
        items=[],
        summary={},
        provider_state_hash="0" * 64,
    )
    job = Job.objects.create(
        municipality=municipality,
        plan=plan,
        provider=Provider.GOOGLE,
        status="done",
        finished_at=timezone.now(),
    )
    created = teachers[: len(teachers) * 4 // 5]  # a few are still waiting for their account
    JobItem.objects.bulk_create(
        JobItem(
            job=job,
            municipality=municipality,
            seq=index,
            phase=2,
            op="create_user",
            key=f"teacher{person.pk}@haskovo.example",
            person=person,
            payload={"person": person.pk},
            status=JobItem.Status.DONE,
            outcome="created",
            finished_at=timezone.now(),
        )
        for index, person in enumerate(created, start=1)
    )
    mark_accounts_made([person.pk for person in created])
    year = today_for(municipality).year
    BudgetLine.objects.create(
        municipality=municipality,
        programme=programme,
        year=year,
        line="Обучения на учители и администратори",
        planned=Decimal("12000"),
        actual=Decimal("7450.00"),
        note="Общински бюджет, дейност „Образование“",
    )
    quota_set = QuotaSet.objects.create(municipality=municipality, name="Училище в облака: мрежови събития")
    QuotaRule.objects.create(quota_set=quota_set, kind=EventKind.MASTER_CLASS, minimum=1, period="half_year")
    for school in schools[:3]:
        NetworkEvent.objects.create(
            municipality=municipality,
            kind=EventKind.MASTER_CLASS,
            title="Майсторски клас: Google Classroom в часа",
            school=school,
            starts_at=datetime(year, 4, 15, 12, tzinfo=timezone.get_current_timezone()),
            participants=24,
        )


def _agreement(municipality) -> None:
    today = today_for(municipality)
    schools = list(municipality.schools.order_by("name"))
    agreement = Agreement.objects.create(
        municipality=municipality,
        title="Договор о сетевом взаимодействии «Музей и библиотека — школе»",
        subject="Совместная программа мастер-классов, дистанционных мероприятий и вебинаров "
        "для учащихся и педагогов.",
        programme=Programme.objects.first(),
        starts_on=date(today.year, 1, 1),
        ends_on=date(today.year + 1, 12, 31),
    )
    parties = [
        (
            AgreementParty.Kind.SCHOOL,
            schools[0],
            "",
            "Компьютерный класс, площадка для вебинаров",
            "Методическое сопровождение",
        ),
        (
            AgreementParty.Kind.SCHOOL,
            schools[-1],
            "",
            "Педагоги дошкольного образования",
            "Участие в мероприятиях",
        ),
        (
            AgreementParty.Kind.MUSEUM,
            None,
            "Алтайский государственный краеведческий музей",
            "Экспозиции, экскурсоводы",
            "Виртуальные экскурсии",
        ),
        (
            AgreementParty.Kind.LIBRARY,
            None,
            "Городская библиотека",
            "Фонды, читальный зал",
            "Библиотечные уроки",
        ),
    ]
    for kind, school, name, resources, duties in parties:
        AgreementParty.objects.create(
            agreement=agreement, municipality=municipality, kind=kind, school=school, name=name,
            resources=resources, responsibilities=duties,
        )  # fmt: skip
    for title, kind, when, done in (
        ("Мастер-класс «Дистанционный урок в музее»", AgreementPlanItem.Kind.EVENT, "март", True),
        ("Предметный марафон для учащихся", AgreementPlanItem.Kind.EVENT, "октябрь", False),
        ("Сетевой проект «Моя малая родина»", AgreementPlanItem.Kind.PROJECT, "сентябрь — декабрь", False),
    ):
        AgreementPlanItem.objects.create(
            agreement=agreement,
            municipality=municipality,
            year=today.year,
            kind=kind,
            title=title,
            when=when,
            done=done,
        )
    AgreementReview.objects.create(
        agreement=agreement,
        municipality=municipality,
        year=today.year - 1,
        text="Проведено 4 мероприятия из 5 запланированных; "
        "препятствия: нехватка оборудования в детском саду.",
    )
