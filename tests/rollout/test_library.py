"""Budget in the municipality's currency, the document library (shared with other municipalities
when chosen) and partnership agreements."""

import re
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope, scopes_disabled

from rollout.models import (
    Agreement,
    AgreementParty,
    AgreementPlanItem,
    AgreementReview,
    BudgetLine,
    LibraryDocument,
)
from tests.links import signed

pytestmark = pytest.mark.django_db


def test_budget_per_year_and_line_in_the_municipality_currency(world, client_for):
    client = client_for(world.a.users["officer"])
    slug = world.a.municipality.slug
    for year in (2017, 2018, 2019):
        response = client.post(
            f"/m/{slug}/budget/new/",
            {
                "year": year,
                "line": "Обучение на училищни екипи",
                "planned": "30000",
                "actual": "28500.50" if year == 2017 else "0",
                "document": SimpleUploadedFile("reshenie.pdf", b"%PDF decision"),
            },
        )
        assert response.status_code == 302
    page = client.get(f"/m/{slug}/budget/").content.decode()
    # In the municipality's language (Bulgarian): "90000,00 BGN".
    assert "BGN" in page and re.search(r"90\D?000,00", page) and re.search(r"28\D?500,50", page)
    with scope(municipality=world.a.municipality.pk):
        line = BudgetLine.objects.first()
    assert client.get(signed(client, f"/m/{slug}/budget/{line.pk}/file/")).content == b"%PDF decision"
    assert client_for(world.a.users["director"]).get(f"/m/{slug}/budget/").status_code == 403
    assert client_for(world.b.users["all"]).get(f"/m/{slug}/budget/{line.pk}/file/").status_code == 404


def test_library_is_shared_with_our_schools_and_optionally_every_municipality(world, client_for):
    with scopes_disabled():
        shared = LibraryDocument.objects.create(
            municipality=world.b.municipality,
            title="Regulamin komunikacji elektronicznej",
            language="pl",
            file=ContentFile(b"regulamin", name="regulamin.pdf"),
            shared_with_all=True,
        )
        private = LibraryDocument.objects.create(
            municipality=world.b.municipality,
            title="Internal budget memo",
            language="pl",
            file=ContentFile(b"memo", name="memo.pdf"),
        )
    officer = client_for(world.a.users["officer"])
    slug = world.a.municipality.slug
    upload = SimpleUploadedFile("pravila.pdf", b"%PDF pravila")
    response = officer.post(
        f"/m/{slug}/library/new/",
        {
            "title": "Правила за електронна комуникация",
            "category": "procedure",
            "language": "bg",
            "file": upload,
        },
    )
    assert response.status_code == 302
    teacher = client_for(world.a.users["teacher"])
    page = teacher.get(f"/m/{slug}/library/").content.decode()
    assert "Правила за електронна комуникация" in page
    assert shared.title in page and private.title not in page
    assert teacher.get(signed(teacher, f"/m/{slug}/library/{shared.pk}/file/")).content == b"regulamin"
    assert teacher.get(signed(teacher, f"/m/{slug}/library/{private.pk}/file/")).status_code == 404
    assert teacher.post(f"/m/{slug}/library/new/", {}).status_code == 403


def test_partnership_agreement_with_parties_joint_plan_and_review(world, client_for):
    client = client_for(world.a.users["officer"])
    slug = world.a.municipality.slug
    response = client.post(
        f"/m/{slug}/agreements/new/",
        {
            "title": "Мрежа „Музеят като класна стая“",
            "subject": "Съвместни майсторски класове и виртуални разходки",
            "starts_on": "2026-09-15",
            "ends_on": "2027-06-30",
            "signed_document": SimpleUploadedFile("dogovor.pdf", b"%PDF signed"),
        },
    )
    assert response.status_code == 302
    with scope(municipality=world.a.municipality.pk):
        agreement = Agreement.objects.get()
    base = f"/m/{slug}/agreements/{agreement.pk}"
    client.post(
        f"{base}/parties/", {"kind": "school", "school": world.a.school.pk, "resources": "Компютърен кабинет"}
    )
    client.post(
        f"{base}/parties/",
        {"kind": "museum", "name": "Регионален исторически музей", "responsibilities": "Експонати"},
    )
    client.post(
        f"{base}/parties/", {"kind": "school", "school": world.b.school.pk}
    )  # another tenant's school
    client.post(
        f"{base}/plan/", {"year": 2026, "kind": "event", "title": "Майсторски клас", "when": "ноември"}
    )
    client.post(f"{base}/review/", {"year": 2026, "text": "Проведени 3 от 4 събития."})
    with scope(municipality=world.a.municipality.pk):
        assert [str(p) for p in AgreementParty.objects.order_by("pk")] == [
            world.a.school.name,
            "Регионален исторически музей",
        ]
        assert AgreementPlanItem.objects.get().title == "Майсторски клас"
        assert AgreementReview.objects.get().year == 2026
    page = client.get(base + "/").content.decode()
    assert "Регионален исторически музей" in page and "Проведени 3 от 4 събития." in page
    assert client.get(signed(client, f"{base}/file/")).content == b"%PDF signed"
    assert (
        client_for(world.a.users["director"]).post(f"{base}/plan/", {"year": 2026, "title": "x"}).status_code
        == 403
    )
    assert date(2026, 9, 15) == agreement.starts_on
