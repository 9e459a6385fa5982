"""The four reference programmes, shipped in their own language and in English, and officers'
own templates."""

from datetime import date

import pytest
from django_scopes import scope, scopes_disabled

from rollout.models import Activity, Programme, ProgrammeTemplate, Stage, Task
from rollout.programme_templates import SHIPPED, count_activities
from tests.rollout.helpers import start

pytestmark = pytest.mark.django_db


def test_each_template_is_in_its_own_language_and_english():
    expected = {
        "haskovo-school-in-the-cloud": "bg",
        "plovdiv-digitalisation": "bg",
        "pruszkow-edu-kompas": "pl",
        "altai-inter-school-model": "ru",
    }
    for key, language in expected.items():
        template = SHIPPED[key]
        assert template["languages"] == [language, "en"]
        texts = [template["name"]] + [s["name"] for s in template["stages"]]
        texts += [a["title"] for s in template["stages"] for a in s["activities"]]
        for value in texts:
            assert value.get(language) and value.get("en"), (key, value)


def test_haskovo_has_its_two_stages_with_accounts_for_all_teachers(world):
    programme = start(world.a, schools=[world.a.school])
    with scope(municipality=world.a.municipality.pk):
        stages = list(Stage.objects.filter(programme=programme).order_by("order"))
        assert [s.name for s in stages] == [
            "Етап 1: електронно общуване и основни административни процеси в облака",
            "Етап 2: Училище в облака",
        ]
        accounts = Activity.objects.get(
            programme=programme, title__startswith="Създаване на електронни профили"
        )
        assert accounts.stage == stages[0]
        assert accounts.per_school and accounts.fact_kind == "teacher_accounts"
        assert accounts.responsible_role == "it_admin"
        assert stages[0].starts_on == date(2026, 9, 1) and stages[1].ends_on == date(2028, 2, 29)
        # One task per covered school for per-school activities, one for the rest.
        assert Task.objects.filter(activity=accounts).get().school == world.a.school
        assert Task.objects.filter(activity__programme=programme, school=None).count() == 5


def test_pruszkow_runs_nine_weeks_week_by_week(world):
    programme = start(world.b, "pruszkow-edu-kompas", language="pl", starts_on=date(2026, 9, 7))
    with scope(municipality=world.b.municipality.pk):
        stages = list(Stage.objects.filter(programme=programme).order_by("order"))
    assert len(stages) == 9
    assert stages[0].name.startswith("Tydzień 1")
    assert (stages[0].starts_on, stages[0].ends_on) == (date(2026, 9, 7), date(2026, 9, 13))
    assert stages[8].ends_on == date(2026, 11, 8)
    assert programme.ends_on == date(2026, 11, 8)


def test_altai_plan_has_fifteen_activities_with_months_and_responsible_people(world):
    programme = start(world.a, "altai-inter-school-model", language="ru", starts_on=date(2027, 3, 1))
    with scope(municipality=world.a.municipality.pk):
        activities = list(Activity.objects.filter(programme=programme).order_by("order"))
    assert len(activities) == 15 == count_activities(SHIPPED["altai-inter-school-model"])
    first = activities[0]
    assert first.title == "Формирование критериев для отбора пилотных школ"
    assert (first.starts_on, first.due_on) == (date(2027, 3, 1), date(2027, 3, 31))
    assert first.responsible_label == "Муратов А.Ю."
    materials = activities[9]
    assert materials.responsible_label == "Кулакова Т.Г., Зайцева Ю.В."
    assert (materials.starts_on, materials.due_on) == (date(2027, 5, 1), date(2027, 6, 30))
    monitoring = activities[10]
    assert "1 раз в квартал" in monitoring.description
    assert activities[14].due_on == date(2027, 12, 31)


def test_the_same_template_in_english(world):
    programme = start(world.a, "altai-inter-school-model", language="en")
    assert programme.name == "Inter-school model of distance learning technologies"
    with scope(municipality=world.a.municipality.pk):
        assert Activity.objects.filter(programme=programme, responsible_label="A. Yu. Muratov").count() == 11


def test_officer_starts_a_programme_and_saves_it_as_a_template(world, client_for):
    client = client_for(world.a.users["officer"])
    slug = world.a.municipality.slug
    response = client.post(
        f"/m/{slug}/programmes/new/",
        {
            "template": "plovdiv-digitalisation",
            "language": "bg",
            "starts_on": "2027-01-01",
            "coverage": "chosen",
            "schools": [world.a.school.pk],
        },
    )
    assert response.status_code == 302
    with scope(municipality=world.a.municipality.pk):
        programme = Programme.objects.get()
        assert programme.name == "Дигитализация на образователния процес"
        assert list(programme.schools.all()) == [world.a.school]
    response = client.post(f"/m/{slug}/programmes/{programme.pk}/save-template/", {"name": "Наш модел"})
    assert response.status_code == 302
    with scope(municipality=world.a.municipality.pk):
        template = ProgrammeTemplate.objects.get()
    assert template.name == "Наш модел"
    response = client.post(
        f"/m/{slug}/programmes/new/",
        {"template": f"own-{template.pk}", "language": "bg", "starts_on": "2028-01-01", "coverage": "all"},
    )
    assert response.status_code == 302
    with scope(municipality=world.a.municipality.pk):
        copy = Programme.objects.exclude(pk=programme.pk).get()
        assert copy.name == "Наш модел"
        assert Activity.objects.filter(programme=copy).count() == 9
        assert Stage.objects.filter(programme=copy).order_by("order").first().starts_on == date(2028, 1, 1)


def test_a_director_cannot_start_a_programme_and_another_municipality_cannot_use_our_template(
    world, client_for
):
    slug = world.a.municipality.slug
    assert client_for(world.a.users["director"]).get(f"/m/{slug}/programmes/new/").status_code == 403
    with scopes_disabled():
        theirs = ProgrammeTemplate.objects.create(
            municipality=world.b.municipality,
            name="Theirs",
            language="pl",
            data=SHIPPED["pruszkow-edu-kompas"],
        )
    response = client_for(world.a.users["officer"]).post(
        f"/m/{slug}/programmes/new/",
        {"template": f"own-{theirs.pk}", "language": "bg", "starts_on": "2027-01-01", "coverage": "all"},
    )
    assert response.status_code == 200  # the form shows the error
    with scopes_disabled():
        assert not Programme.objects.filter(municipality=world.a.municipality).exists()


def test_pilot_group_coverage_is_hidden_without_the_surveys_app(world, client_for):
    response = client_for(world.a.users["officer"]).get(f"/m/{world.a.municipality.slug}/programmes/new/")
    assert 'value="all"' in response.content.decode()
    assert 'value="pilot"' not in response.content.decode()
