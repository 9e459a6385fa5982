"""Roles inside one municipality, as the attacker's probe tried them: a director reads, exports,
edits and removes only the people of her own schools and never touches another school's link;
removing someone marks them as having left (certificates stay verifiable); the roster export
goes through a signed link into the access log and the audit trail; credential slips follow the
people a director leads, not a school's name."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from pypdf import PdfReader

from integrations.crypto import encrypt_secret
from integrations.models import JobItem
from schools.models import AuditEvent, Person, PersonalDataAccess
from tests.factories import PersonFactory
from tests.links import signed

pytestmark = pytest.mark.django_db


def people(world):
    """Ana at the director's school, Boris at the other school, Vera at both."""
    tenant = world.a
    with scopes_disabled():
        ana = PersonFactory(municipality=tenant.municipality, first_name="Ana", last_name="Ownschool")
        ana.schools.add(tenant.school)
        boris = PersonFactory(municipality=tenant.municipality, first_name="Boris", last_name="Elsewhere")
        boris.schools.add(tenant.other_school)
        vera = PersonFactory(municipality=tenant.municipality, first_name="Vera", last_name="Twoschools")
        vera.schools.add(tenant.school, tenant.other_school)
    return ana, boris, vera


def test_a_director_lists_and_exports_only_her_schools_people(world, client_for):
    ana, boris, vera = people(world)
    slug = world.a.municipality.slug
    director = client_for(world.a.users["director"])
    listed = director.get(f"/m/{slug}/people/").content.decode()
    assert "Ownschool" in listed and "Twoschools" in listed and "Elsewhere" not in listed
    # The export needs the page's signed link: a typed ?export= is a 404.
    assert director.get(f"/m/{slug}/people/?export=csv").status_code == 404
    response = director.get(signed(director, f"/m/{slug}/people/?export=csv"))
    assert response.status_code == 200
    names = [row[0] for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))]
    assert any("Ownschool" in n for n in names) and not any("Elsewhere" in n for n in names)
    with scopes_disabled():
        access = PersonalDataAccess.objects.filter(
            municipality=world.a.municipality, detail="people.csv"
        ).get()
        assert access.user == world.a.users["director"] and access.count == len(names) - 1
        assert AuditEvent.objects.filter(municipality=world.a.municipality, action="people.export").exists()


def test_the_list_page_links_its_exports_with_a_token(world, client_for):
    slug = world.a.municipality.slug
    officer = client_for(world.a.users["officer"])
    page = officer.get(f"/m/{slug}/people/").content.decode()
    assert "export=csv" in page and "dl=" in page


def test_a_regional_coordinator_reads_figures_not_rosters(world, client_for):
    slug = world.a.municipality.slug
    response = client_for(world.coordinator).get(f"/m/{slug}/people/")
    assert response.status_code in (403, 404)


def test_a_director_cannot_open_or_remove_another_schools_person(world, client_for):
    _ana, boris, _vera = people(world)
    slug = world.a.municipality.slug
    director = client_for(world.a.users["director"])
    assert director.get(f"/m/{slug}/people/{boris.pk}/edit/").status_code in (403, 404)
    assert director.post(f"/m/{slug}/people/{boris.pk}/delete/").status_code in (403, 404)
    with scopes_disabled():
        boris.refresh_from_db()
        assert boris.left_on is None and list(boris.schools.all()) == [world.a.other_school]


def test_a_director_editing_a_two_school_person_keeps_the_other_school(world, client_for):
    _ana, _boris, vera = people(world)
    slug = world.a.municipality.slug
    director = client_for(world.a.users["director"])
    url = f"/m/{slug}/people/{vera.pk}/edit/"
    form = director.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["schools"] = [str(world.a.school.pk)]
    data["personal_email"] = "vera@example.org"
    assert director.post(url, data).status_code == 302
    with scopes_disabled():
        vera.refresh_from_db()
        assert set(vera.schools.all()) == {world.a.school, world.a.other_school}
        assert vera.personal_email == "vera@example.org"


def test_a_director_removing_a_two_school_person_only_takes_her_school(world, client_for):
    _ana, _boris, vera = people(world)
    slug = world.a.municipality.slug
    assert (
        client_for(world.a.users["director"]).post(f"/m/{slug}/people/{vera.pk}/delete/").status_code == 302
    )
    with scopes_disabled():
        vera.refresh_from_db()
        assert list(vera.schools.all()) == [world.a.other_school] and vera.left_on is None


def test_removing_a_person_marks_them_left_and_keeps_their_certificate_verifiable(world, client_for):
    from tests.trainings.objects import training_objects

    with scopes_disabled():
        certificate = training_objects(world.a)["certificate"]
        person = certificate.enrolment.person
    slug = world.a.municipality.slug
    it_admin = client_for(world.a.users["it_admin"])
    assert it_admin.post(f"/m/{slug}/people/{person.pk}/delete/").status_code == 302
    with scopes_disabled():
        person = Person.objects.get(pk=person.pk)  # still there
        assert person.left_on == timezone.localdate()
        certificate.refresh_from_db()
        assert AuditEvent.objects.filter(action="person.leave", object_id=str(person.pk)).exists()
    assert Client().get(reverse("verify_certificate", args=[certificate.code])).status_code == 200


def test_slips_follow_the_people_a_director_leads_not_a_schools_name(world, client_for):
    tenant = world.a
    job = tenant.job
    with scopes_disabled():
        stranger = PersonFactory(municipality=tenant.municipality, first_name="Other", last_name="Pupil")
        stranger.schools.add(tenant.other_school)
        JobItem.objects.create(
            job=job, municipality=job.municipality, seq=1, phase=1, op="create_user", outcome="created",
            status="done", key="other.pupil@alpha.example", school=tenant.other_school.name, person=stranger,
            payload={"given": "Other", "family": "Pupil"},
            secret_ciphertext=encrypt_secret(job.municipality_id, "Secret-Of-Other-1"),
        )  # fmt: skip
        # The director renames her school to the other school's name (the slip's school label).
        other_name = tenant.other_school.name
        tenant.other_school.name = f"{other_name} (old)"
        tenant.other_school.save(update_fields=["name"])
        tenant.school.name = other_name
        tenant.school.save(update_fields=["name"])
    director = client_for(tenant.users["director"])
    url = f"/m/{tenant.municipality.slug}/jobs/{job.pk}/slips/?school={other_name}"
    response = director.get(signed(director, url))
    assert response.status_code == 200  # the name is hers now: the slips of her own people
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Secret-Of-Other-1" not in text and "Pupil" not in text
