"""Results beyond one campaign: last year's change, leaders and teachers side by side, the demo."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from surveys import queries
from surveys.models import Campaign, Response, TeacherResponse
from tests.surveys.fixtures import template
from tests.surveys.test_scoring import ALTAI_ALL_MET

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def campaign_for(tenant, slug, *, days_ago=0, teacher_slug=None):
    campaign = Campaign.objects.create(
        municipality=tenant.municipality,
        template=template(slug),
        teacher_template=template(teacher_slug) if teacher_slug else None,
        name=f"{slug} {days_ago}",
        deadline=timezone.localdate(),
    )
    Campaign.objects.filter(pk=campaign.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    campaign.refresh_from_db()
    return campaign


def test_a_campaign_a_year_later_shows_each_schools_change(world):
    tenant = world.a
    with scopes_disabled():
        last_year = campaign_for(tenant, "altai-pilot-criteria", days_ago=365)
        this_year = campaign_for(tenant, "altai-pilot-criteria")
        other_survey = campaign_for(tenant, "haskovo-readiness", days_ago=30)  # not the same survey
        Response.objects.create(
            municipality=tenant.municipality,
            campaign=last_year,
            school=tenant.school,
            status="submitted",
            answers={**ALTAI_ALL_MET, "internet_mbps": 0.5, "website_updated": False},  # 100 - 15 - 5 = 80
        )
        for campaign in (this_year, other_survey):
            for school in (tenant.school, tenant.other_school):
                Response.objects.create(
                    municipality=tenant.municipality,
                    campaign=campaign,
                    school=school,
                    status="submitted",
                    answers=ALTAI_ALL_MET,
                )
    with scope(municipality=tenant.municipality.pk):
        assert queries.previous_campaign(this_year) == last_year
        results = {r.school.pk: r for r in queries.campaign_results(this_year)}
    assert results[tenant.school.pk].previous_score == 80
    assert results[tenant.school.pk].change == 20
    assert results[tenant.other_school.pk].change is None  # no answer last year


def test_leaders_and_teachers_side_by_side_from_five_teachers(world):
    tenant = world.a
    with scopes_disabled():
        campaign = campaign_for(tenant, "selfie", teacher_slug="selfie-teachers")
        response = Response.objects.create(
            municipality=tenant.municipality,
            campaign=campaign,
            school=tenant.school,
            status="submitted",
            answers={"leadership": 5, "collaboration": 2, "infrastructure": "na"},
        )

        def teachers(*values):
            for leadership, collaboration in values:
                TeacherResponse.objects.create(
                    municipality=tenant.municipality,
                    campaign=campaign,
                    school=tenant.school,
                    answers={"leadership": leadership, "collaboration": collaboration, "infrastructure": 3},
                    submitted_on=timezone.localdate(),
                )

        teachers((2, 2), (3, 3), (2, 1), (3, 2))
    with scope(municipality=tenant.municipality.pk):
        rows = {row["area"]: row for row in queries.side_by_side(campaign, response)}
    assert len(rows) == 8
    leadership = rows["A. Leadership"]
    assert (leadership["leaders"], leadership["teachers"], leadership["n"]) == (5, None, 4)  # hidden below 5

    with scopes_disabled():
        teachers((2, 2))
    with scope(municipality=tenant.municipality.pk):
        rows = {row["area"]: row for row in queries.side_by_side(campaign, response)}
    # Leadership: leaders 5, teachers (2+3+2+3+2)/5 = 2.4 → they disagree (more than one point apart).
    assert (rows["A. Leadership"]["teachers"], rows["A. Leadership"]["agree"]) == (2.4, False)
    # Collaboration: leaders 2, teachers (2+3+1+2+2)/5 = 2.0 → they agree.
    collaboration = rows["B. Collaboration and networking"]
    assert (collaboration["teachers"], collaboration["agree"]) == (2.0, True)
    # "Not applicable" from the leaders: nothing to compare.
    assert rows["C. Infrastructure and equipment"]["agree"] is None


def test_demo_has_an_altai_campaign_with_three_schools_submitted():
    call_command("seed_demo", "--quiet-logins")
    call_command("seed_demo", "--quiet-logins")  # twice: nothing doubles
    with scopes_disabled():
        campaign = Campaign.objects.get(municipality__slug="barnaul", name="Отбор пилотных школ 2026")
        assert Campaign.objects.filter(municipality__slug="barnaul").count() == 2
        assert campaign.responses.count() >= 8
        assert campaign.responses.filter(status="submitted").count() == 3
        municipality = campaign.municipality
    with scope(municipality=municipality.pk):
        results = queries.campaign_results(campaign)
        ranked = [r for r in results if r.rank]
        assert [r.evaluation.score for r in ranked] == sorted(
            (r.evaluation.score for r in ranked), reverse=True
        )
        assert all(r.change is not None and r.change > 0 for r in ranked)
        assert any(r.teachers.enough for r in ranked)  # teachers' figures at one school
    with scopes_disabled():
        assert Campaign.objects.filter(municipality__slug="haskovo").exists()
        assert Campaign.objects.filter(municipality__slug="pruszkow", template__slug="selfie").exists()
