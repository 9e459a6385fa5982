"""The issue's "done when", as a new user would try it: an Altai officer launches the criteria
survey to 10 schools; three directors submit; the matrix and ranking show who passes which
criterion and why; the officer picks a pilot group; the school PDF renders in Russian."""

import io

import pytest
from django.core import mail
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from schools.models import Membership
from surveys import queries
from surveys.tasks import send_invitations
from tests.factories import SchoolFactory, UserFactory
from tests.links import signed
from tests.surveys.test_campaigns import ALTAI_ALL_MET, form_data, latest_campaign, launch, response_of

pytestmark = pytest.mark.django_db


def test_altai_officer_to_pilot_group_and_russian_pdf(world, client_for):
    tenant = world.a
    with scopes_disabled():
        tenant.municipality.language = "ru"
        tenant.municipality.save(update_fields=["language"])
        schools = [
            SchoolFactory(municipality=tenant.municipality, name=f"МБОУ «СОШ № {n}»") for n in range(1, 11)
        ]
        directors = []
        for n, school in enumerate(schools[:3]):
            user = UserFactory(email=f"director{n}@altai.example")
            Membership.objects.create(
                user=user, municipality=tenant.municipality, role="director"
            ).schools.add(school)
            directors.append(user)
    officer = client_for(tenant.users["officer"])
    assert launch(officer, tenant, schools=schools).status_code == 302
    campaign = latest_campaign(tenant)
    send_invitations.apply(args=[campaign.pk, tenant.municipality.pk], throw=True)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(d.email for d in directors)

    answers = [
        ALTAI_ALL_MET,
        {**ALTAI_ALL_MET, "internet_mbps": 0.6, "website_updated": False},  # 100 - 15 - 5 = 80
        {**ALTAI_ALL_MET, "ict_responsible": False, "ict_advanced_pct": 10},  # 100 - 10 - 10 = 80
    ]
    for director, school, given in zip(directors, schools[:3], answers, strict=True):
        url = f"/m/{tenant.municipality.slug}/surveys/responses/{response_of(campaign, school).pk}/"
        assert client_for(director).post(url, {**form_data(given), "submit": "1"}).status_code == 302

    page = officer.get(f"/m/{tenant.municipality.slug}/surveys/{campaign.pk}/").content.decode()
    assert "Интернет ≥ 1 Мбит/с" in page  # the criteria in the municipality's language
    with scope(municipality=tenant.municipality.pk):
        results = queries.campaign_results(campaign)
    ranked = [r for r in results if r.rank]
    assert [(r.school.name, r.evaluation.score) for r in ranked] == [
        ("МБОУ «СОШ № 1»", 100),
        ("МБОУ «СОШ № 2»", 80),  # ties at 80: fewer failed criteria first, then the name
        ("МБОУ «СОШ № 3»", 80),
    ]
    assert "0.6 Мбит/с" in ranked[1].reason and "Обновляемый сайт школы" in ranked[1].reason
    assert len(results) == 10 and sum(r.evaluation is None for r in results) == 7

    response = officer.post(
        f"/m/{tenant.municipality.slug}/surveys/{campaign.pk}/pilot-group/",
        {"name": "Пилотные школы 2026", "schools": [schools[0].pk, schools[1].pk]},
    )
    assert response.status_code == 302
    with scope(municipality=tenant.municipality.pk):
        group = queries.pilot_groups(tenant.municipality).first()
        assert group.name == "Пилотные школы 2026" and group.schools.count() == 2

    pdf = officer.get(
        signed(
            officer,
            f"/m/{tenant.municipality.slug}/surveys/responses/{response_of(campaign, schools[1]).pk}/report.pdf",
        )
    )
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split())
    assert "МБОУ «СОШ № 2»" in text
    assert "Критерии отбора пилотных школ (алтайская модель)" in text
    assert "0.6 Мбит/с" in text
