"""Campaigns as people use them: launch, invitations, drafts, submit, reopen, results, pilot group."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from schools.models import Membership
from surveys import queries
from surveys.models import Campaign, PilotGroup, Response
from surveys.tasks import send_invitations
from tests.factories import SchoolFactory
from tests.links import signed
from tests.surveys.fixtures import template
from tests.surveys.test_scoring import ALTAI_ALL_MET

pytestmark = pytest.mark.django_db


def form_data(answers: dict) -> dict:
    """The Altai answers as the browser posts them."""
    data = {}
    for key, value in answers.items():
        data[key] = "yes" if value is True else "no" if value is False else str(value)
    return data


def english(tenant):
    """The UI strings below are checked in English, whatever the municipality speaks."""
    with scopes_disabled():
        for user in tenant.users.values():
            user.language = "en"
            user.save(update_fields=["language"])


def launch(client, tenant, schools=None, **extra):
    payload = {
        "template": template().pk,
        "name": "Отбор пилотных школ 2026",
        "deadline": (timezone.localdate() + timedelta(days=10)).isoformat(),
        **extra,
    }
    if schools is None:
        payload["all_schools"] = "on"
    else:
        payload["schools"] = [s.pk for s in schools]
    return client.post(f"/m/{tenant.municipality.slug}/surveys/new/", payload)


def latest_campaign(tenant) -> Campaign:
    with scope(municipality=tenant.municipality.pk):
        return Campaign.objects.select_related("template", "teacher_template").latest("pk")


def response_of(campaign, school) -> Response:
    with scope(municipality=campaign.municipality_id):
        return Response.objects.get(campaign=campaign, school=school)


def test_officer_launches_to_ten_schools_and_directors_are_invited_in_their_language(world, client_for):
    tenant = world.a
    with scopes_disabled():
        tenant.municipality.language = "ru"
        tenant.municipality.save(update_fields=["language"])
        extra = [SchoolFactory(municipality=tenant.municipality) for _ in range(8)]
    officer = client_for(tenant.users["officer"])
    assert launch(officer, tenant).status_code == 302
    campaign = latest_campaign(tenant)
    assert campaign.template.slug == "altai-pilot-criteria"
    assert campaign.teacher_template.slug == "digcompedu"  # the companion self-assessment
    with scope(municipality=tenant.municipality.pk):
        assert campaign.responses.count() == 10 == 2 + len(extra)
    send_invitations.apply(args=[campaign.pk, tenant.municipality.pk], throw=True)
    # Both directors of the one school with a director in the portal; the municipality speaks Russian.
    assert sorted(m.to[0] for m in mail.outbox) == [tenant.users["all"].email, tenant.users["director"].email]
    body = mail.outbox[0].body
    assert f"/surveys/responses/{response_of(campaign, tenant.school).pk}/" in body
    assert any(month in body for month in ("января", "февраля", "декабря", "ноября", "октября", "марта"))
    # A second delivery (a retried task) sends nothing more.
    send_invitations.apply(args=[campaign.pk, tenant.municipality.pk], throw=True)
    assert len(mail.outbox) == 2


def test_launch_to_chosen_schools_refuses_another_municipalitys_school(world, client_for):
    officer = client_for(world.a.users["officer"])
    response = launch(officer, world.a, schools=[world.b.school])
    assert response.status_code == 200  # the form again, with an error
    with scope(municipality=world.a.municipality.pk):
        assert not Campaign.objects.exists()
    assert launch(officer, world.a, schools=[world.a.other_school]).status_code == 302
    with scope(municipality=world.a.municipality.pk):
        assert list(latest_campaign(world.a).responses.values_list("school_id", flat=True)) == [
            world.a.other_school.pk
        ]


def test_only_officers_launch(world, client_for):
    director = client_for(world.a.users["director"])
    assert launch(director, world.a).status_code == 403


def test_director_drafts_autosave_submits_and_the_officer_reopens(world, client_for):
    tenant = world.a
    english(tenant)
    launch(client_for(tenant.users["officer"]), tenant)
    campaign = latest_campaign(tenant)
    response = response_of(campaign, tenant.school)
    url = f"/m/{tenant.municipality.slug}/surveys/responses/{response.pk}/"
    director = client_for(tenant.users["director"])
    assert director.get(url).status_code == 200

    # Autosave (htmx) keeps what fits and ignores what does not.
    saved = director.post(
        url + "autosave/", {"internet_mbps": "2,5", "library_lan": "yes", "distance_courses": "x"}
    )
    assert saved.status_code == 200
    response.refresh_from_db()
    assert response.status == "draft"
    assert response.answers == {"internet_mbps": 2.5, "library_lan": True}

    # Submitting with a required question unanswered: refused, the rest kept as a draft.
    incomplete = form_data({**ALTAI_ALL_MET, "ict_responsible_name": ""})
    page = director.post(url, {**incomplete, "submit": "1"})
    assert page.status_code == 200
    assert "This question needs an answer." in page.content.decode()
    response.refresh_from_db()
    assert response.status == "draft"

    # The director of another school of the same municipality may not answer this one.
    assert (
        director.get(
            f"/m/{tenant.municipality.slug}/surveys/responses/{response_of(campaign, tenant.other_school).pk}/"
        ).status_code
        == 403
    )

    assert director.post(url, {**form_data(ALTAI_ALL_MET), "submit": "1"}).status_code == 302
    response.refresh_from_db()
    assert response.status == "submitted" and response.submitted_by == tenant.users["director"]
    page = director.get(url).content.decode()
    assert "Scorecard" in page and "10 of 10 criteria met" in page
    # Submitted answers cannot be changed by autosave.
    assert director.post(url + "autosave/", {"internet_mbps": "0"}).status_code == 409

    # Reopen is the officer's.
    assert director.post(url + "reopen/").status_code == 403
    assert client_for(tenant.users["officer"]).post(url + "reopen/").status_code == 302
    response.refresh_from_db()
    assert response.status == "draft" and response.answers["internet_mbps"] == 2
    with scope(municipality=tenant.municipality.pk):
        assert queries.survey_submitted(tenant.school) is False


def test_hidden_answers_are_dropped_when_the_choice_changes(world, client_for):
    tenant = world.a
    launch(client_for(tenant.users["officer"]), tenant)
    response = response_of(latest_campaign(tenant), tenant.school)
    url = f"/m/{tenant.municipality.slug}/surveys/responses/{response.pk}/autosave/"
    director = client_for(tenant.users["director"])
    director.post(url, {"ict_responsible": "yes", "ict_responsible_name": "Петров П. П."})
    director.post(url, {"ict_responsible": "no"})
    response.refresh_from_db()
    assert response.answers == {"ict_responsible": False}


def submit_three(world, client_for):
    """Three schools of ten submit (two by the officer on their behalf); returns the campaign."""
    tenant = world.a
    with scopes_disabled():
        extra = [SchoolFactory(municipality=tenant.municipality, name=f"Школа {n}") for n in range(8)]
    officer = client_for(tenant.users["officer"])
    launch(officer, tenant)
    campaign = latest_campaign(tenant)
    answers = {
        tenant.school: ALTAI_ALL_MET,
        extra[0]: {**ALTAI_ALL_MET, "internet_mbps": 0.5},
        extra[1]: {**ALTAI_ALL_MET, "library_lan": False, "ediary_activity": "low", "ict_basic_pct": 70},
    }
    for school, given in answers.items():
        url = f"/m/{tenant.municipality.slug}/surveys/responses/{response_of(campaign, school).pk}/"
        assert officer.post(url, {**form_data(given), "submit": "1"}).status_code == 302
    return campaign, extra


def test_matrix_ranking_and_pilot_group(world, client_for, django_assert_max_num_queries):
    tenant = world.a
    english(tenant)
    campaign, extra = submit_three(world, client_for)
    officer = client_for(tenant.users["officer"])
    url = f"/m/{tenant.municipality.slug}/surveys/{campaign.pk}/"
    with django_assert_max_num_queries(25):
        page = officer.get(url).content.decode()
    # 100; 100 - 15 (internet) = 85; 100 - 10 (LAN) - 10 (e-diary) - 15 (basic ICT) = 65.
    with scope(municipality=tenant.municipality.pk):
        results = queries.campaign_results(campaign)
    ranked = sorted((r for r in results if r.rank), key=lambda r: r.rank)
    assert [(r.school.pk, r.evaluation.score) for r in ranked] == [
        (tenant.school.pk, 100),
        (extra[0].pk, 85),
        (extra[1].pk, 65),
    ]
    assert "Internet ≥ 1 Mbit/s: 0.5 Mbit/s, required ≥ 1 Mbit/s" in ranked[1].reason
    assert ranked[2].reason.startswith("Meets 7 of 10 criteria; not met:")
    assert "0.5 Mbit/s; required ≥ 1 Mbit/s: short by 0.5 Mbit/s." in page
    assert page.count("table-danger") >= 4

    # Filters: the schools that fail the Internet criterion; the staff columns only.
    page = officer.get(url, {"criterion": "internet:fail"}).content.decode()
    filtered = page.split("survey-matrix")[1].split("</table>")[0]
    assert extra[0].name in filtered and extra[1].name not in filtered
    staff = officer.get(url, {"group": "staff"}).content.decode()
    header = staff.split("survey-matrix")[1].split("</thead>")[0]
    assert "Basic ICT skills" in header and "Local network in the library" not in header

    # The officer marks the pilot group; rollout programmes read it from queries.pilot_groups.
    assert (
        officer.post(
            url + "pilot-group/", {"name": "Пилот", "schools": [tenant.school.pk, extra[0].pk]}
        ).status_code
        == 302
    )
    with scope(municipality=tenant.municipality.pk):
        groups = list(queries.pilot_groups(tenant.municipality))
        assert [g.name for g in groups] == ["Пилот"]
        assert set(groups[0].schools.values_list("pk", flat=True)) == {tenant.school.pk, extra[0].pk}
        assert groups[0].campaign == campaign
        assert queries.survey_submitted(tenant.school, "altai-pilot-criteria")
        assert not queries.survey_submitted(tenant.school, "haskovo-readiness")
        assert not queries.survey_submitted(extra[5])
    # Another municipality's school cannot be put into the group.
    officer.post(url + "pilot-group/", {"name": "Чужой", "schools": [world.b.school.pk]})
    with scope(municipality=tenant.municipality.pk):
        assert not PilotGroup.objects.filter(name="Чужой").exists()


def test_the_matrix_costs_the_same_for_more_schools(world, client_for, django_assert_num_queries):
    campaign, _extra = submit_three(world, client_for)
    officer = client_for(world.a.users["officer"])
    url = f"/m/{world.a.municipality.slug}/surveys/{campaign.pk}/"
    officer.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        officer.get(url)
    with scopes_disabled():
        more = [SchoolFactory(municipality=world.a.municipality) for _ in range(5)]
        for school in more:
            Response.objects.create(
                municipality=world.a.municipality,
                campaign=campaign,
                school=school,
                status="submitted",
                answers=ALTAI_ALL_MET,
            )
    with django_assert_num_queries(len(before)):
        officer.get(url)


def test_export_neutralises_formulas(world, client_for):
    campaign, extra = submit_three(world, client_for)
    with scopes_disabled():
        extra[0].name = '=HYPERLINK("http://evil")'
        extra[0].save(update_fields=["name"])
    officer = client_for(world.a.users["officer"])
    base = f"/m/{world.a.municipality.slug}/surveys/{campaign.pk}/"
    content = officer.get(signed(officer, base + "results.csv")).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    names = [row[1] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in names
    assert rows[1][0] == "1" and rows[1][3] == "100"

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(officer.get(signed(officer, base + "results.xlsx")).content))
    cells = [cell.value for row in workbook.active.iter_rows() for cell in row]
    assert '\'=HYPERLINK("http://evil")' in cells
    assert not any(isinstance(c, str) and c.startswith("=") for c in cells)


def test_school_pdf_is_in_the_schools_language_with_cyrillic(world, client_for):
    from pypdf import PdfReader

    tenant = world.a
    with scopes_disabled():
        tenant.municipality.language = "ru"
        tenant.municipality.save(update_fields=["language"])
    campaign, _extra = submit_three(world, client_for)
    response = response_of(campaign, tenant.school)
    director = client_for(tenant.users["director"])
    pdf = director.get(
        signed(director, f"/m/{tenant.municipality.slug}/surveys/responses/{response.pk}/report.pdf")
    )
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages).split()
    )
    assert "Интернет ≥ 1 Мбит/с" in text
    # A hyphenated word may break at the end of a table cell's line: the extracted text then
    # has "информационно- библиотечном".
    assert "Локальная сеть в информационно-библиотечном центре" in text.replace("- ", "-")
    assert tenant.school.name in text


def test_directors_see_their_schools_surveys(world, client_for):
    launch(client_for(world.a.users["officer"]), world.a)
    page = (
        client_for(world.a.users["director"]).get(f"/m/{world.a.municipality.slug}/surveys/").content.decode()
    )
    assert world.a.school.name in page and world.a.other_school.name not in page
    with scope(municipality=world.a.municipality.pk):
        assert Membership.objects.filter(role="director").count() == 2  # the director and all-roles


def test_evidence_is_attached_and_only_the_municipality_downloads_it(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    tenant = world.a
    launch(client_for(tenant.users["officer"]), tenant)
    response = response_of(latest_campaign(tenant), tenant.school)
    url = f"/m/{tenant.municipality.slug}/surveys/responses/{response.pk}/"
    director = client_for(tenant.users["director"])
    upload = SimpleUploadedFile("схема сети.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
    assert (
        director.post(url, {"library_lan": "yes", "library_lan_evidence": upload, "save": "1"}).status_code
        == 302
    )
    with scope(municipality=tenant.municipality.pk):
        evidence = response.evidence.get()
    response.refresh_from_db()
    assert response.answers["library_lan_evidence"] == "схема сети.pdf"
    officer = client_for(tenant.users["officer"])
    download = officer.get(signed(officer, f"/m/{tenant.municipality.slug}/surveys/evidence/{evidence.pk}/"))
    assert download.status_code == 200 and download.content == b"%PDF-1.4 plan"
    assert "attachment" in download["Content-Disposition"]
    other = client_for(world.b.users["officer"]).get(
        f"/m/{world.b.municipality.slug}/surveys/evidence/{evidence.pk}/"
    )
    assert other.status_code == 404


def test_a_closed_campaign_takes_no_answers_and_can_open_again(world, client_for):
    tenant = world.a
    officer = client_for(tenant.users["officer"])
    launch(officer, tenant)
    campaign = latest_campaign(tenant)
    base = f"/m/{tenant.municipality.slug}/surveys/"
    url = f"{base}responses/{response_of(campaign, tenant.school).pk}/"
    director = client_for(tenant.users["director"])
    assert director.post(f"{base}{campaign.pk}/status/", {"status": "closed"}).status_code == 403
    assert officer.post(f"{base}{campaign.pk}/status/", {"status": "closed"}).status_code == 302
    assert director.post(url + "autosave/", {"internet_mbps": "3"}).status_code == 409
    assert director.post(url, {**form_data(ALTAI_ALL_MET), "submit": "1"}).status_code == 302
    response = response_of(campaign, tenant.school)
    assert response.status == "not_started" and response.answers == {}
    officer.post(f"{base}{campaign.pk}/status/", {"status": "open"})
    assert director.post(url + "autosave/", {"internet_mbps": "3"}).status_code == 200
