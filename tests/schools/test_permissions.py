"""Roles: who may change what inside their own municipality (outsiders are covered by the isolation test)."""

import pytest
from django_scopes import scope, scopes_disabled

from schools.models import Person, School

pytestmark = pytest.mark.django_db


def url(tenant, path=""):
    return f"/m/{tenant.municipality.slug}/{path}"


@pytest.mark.parametrize(
    ("role", "status"),
    [("officer", 200), ("it_admin", 403), ("director", 403), ("trainer", 403), ("teacher", 403)],
)
def test_only_the_officer_adds_schools(world, client_for, role, status):
    assert client_for(world.a.users[role]).get(url(world.a, "schools/new/")).status_code == status


def test_officer_adds_a_school_and_it_is_audited(world, client_for):
    client = client_for(world.a.users["officer"])
    response = client.post(
        url(world.a, "schools/new/"), {"name": "ОУ „Иван Вазов“", "kind": "primary", "code": "2609999"}
    )
    assert response.status_code == 302
    with scope(municipality=world.a.municipality.pk):
        school = School.objects.get(code="2609999")
        from schools.models import AuditEvent

        event = AuditEvent.objects.get(action="school.create")
    assert school.municipality == world.a.municipality
    assert event.actor == world.a.users["officer"]
    assert event.object_id == str(school.pk)
    assert event.changes["name"][1] == "ОУ „Иван Вазов“"


def test_duplicate_school_code_is_refused_in_the_users_language(world, client_for):
    client = client_for(world.a.users["officer"])
    response = client.post(
        url(world.a, "schools/new/"), {"name": "X", "kind": "primary", "code": world.a.school.code}
    )
    assert response.status_code == 200
    error = response.context["form"].errors["code"][0]
    assert error in response.content.decode()


def test_director_edits_own_school_but_not_another(world, client_for):
    client = client_for(world.a.users["director"])
    own = client.post(
        url(world.a, f"schools/{world.a.school.pk}/edit/"), {"name": "Renamed", "kind": "primary"}
    )
    assert own.status_code == 302
    other = client.get(url(world.a, f"schools/{world.a.other_school.pk}/edit/"))
    assert other.status_code == 403


def test_teacher_cannot_see_the_roster(world, client_for):
    assert client_for(world.a.users["teacher"]).get(url(world.a, "people/")).status_code == 403


def test_person_form_refuses_another_municipalitys_school(world, client_for):
    client = client_for(world.a.users["officer"])
    response = client.post(
        url(world.a, "people/new/"),
        {"first_name": "Anna", "last_name": "Nowak", "role": "teacher", "schools": [world.b.school.pk]},
    )
    assert response.status_code == 200  # the form comes back with an error
    assert response.context["form"].errors["schools"]
    with scopes_disabled():
        assert not Person.objects.filter(last_name="Nowak").exists()


def test_person_form_offers_only_own_schools(world, client_for):
    response = client_for(world.a.users["officer"]).get(url(world.a, "people/new/"))
    offered = {school.pk for school in response.context["form"].fields["schools"].queryset}
    assert offered == {world.a.school.pk, world.a.other_school.pk}


def test_director_adds_people_only_to_own_schools(world, client_for):
    client = client_for(world.a.users["director"])
    response = client.post(
        url(world.a, "people/new/"),
        {
            "first_name": "Петя",
            "last_name": "Петрова",
            "role": "teacher",
            "schools": [world.a.other_school.pk],
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["schools"]
    response = client.post(
        url(world.a, "people/new/"),
        {"first_name": "Петя", "last_name": "Петрова", "role": "teacher", "schools": [world.a.school.pk]},
    )
    assert response.status_code == 302


def test_it_admin_cannot_invite_an_officer(world, client_for):
    client = client_for(world.a.users["it_admin"])
    response = client.post(
        url(world.a, "members/invite/"), {"email": "x@example.org", "role": "officer", "language": "bg"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["role"]


def test_navigation_follows_the_role(world, client_for):
    officer_page = client_for(world.a.users["officer"]).get(url(world.a)).content.decode()
    teacher_page = client_for(world.a.users["teacher"]).get(url(world.a)).content.decode()
    assert url(world.a, "members/") in officer_page
    assert url(world.a, "members/") not in teacher_page
    assert url(world.a, "people/") not in teacher_page


def test_regional_coordinator_reads_the_regions_municipalities_only(world, client_for):
    client = client_for(world.coordinator)
    assert client.get(url(world.a)).status_code == 200  # alpha is in the coordinator's region
    assert client.get(url(world.a, "schools/")).status_code == 200
    assert client.get(url(world.a, "schools/new/")).status_code == 403  # read-mostly
    assert client.get(url(world.b)).status_code == 404  # beta is in another region


def test_member_of_several_municipalities_gets_the_switcher(world, client_for):
    from schools.models import Membership

    user = world.a.users["trainer"]
    with scopes_disabled():
        Membership.objects.create(user=user, municipality=world.b.municipality, role="trainer")
    client = client_for(user)
    home = client.get("/")
    assert home.status_code == 200  # a choice, not a redirect
    page = client.get(url(world.b)).content.decode()
    assert url(world.a) in page and url(world.b) in page


def test_school_names_are_unique_in_a_municipality(world, client_for):
    client = client_for(world.a.users["officer"])
    response = client.post(url(world.a, "schools/new/"), {"name": world.a.school.name, "kind": "primary"})
    assert response.status_code == 200 and response.context["form"].errors["name"]
    # Another municipality may have a school of the same name.
    other = client_for(world.b.users["officer"]).post(
        url(world.b, "schools/new/"), {"name": world.a.school.name, "kind": "primary"}
    )
    assert other.status_code == 302
