"""Personal data (GDPR): a person's export, erasure of our records, retention, the access log and
the record of processing. Erasure at the providers is tested against the sandbox in
tests/integrations/test_privacy_erasure.py."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from integrations.crypto import encrypt_secret
from integrations.models import JobItem, RosterImport
from schools.audit import log_action
from schools.models import AuditEvent, Person, PersonalDataAccess, PrivacyPolicy, PurgeReport
from schools.tasks import purge_personal_data
from tests.links import signed
from trainings import actions as training_actions
from trainings.models import Certificate, Enrolment, ExternalCertification, Feedback, TrainingSession

pytestmark = pytest.mark.django_db

FIRST, LAST = "Радослава", "Кирилова"
NAME = f"{FIRST} {LAST}"
EMAIL = "radoslava.home@example.net"
ACCOUNT = "radoslava.kirilova@alpha.example"


def _reads_english(user) -> None:
    """The officer chose English for the portal (the municipality's language is another)."""
    user.language = "en"
    user.save(update_fields=["language"])


def _url(world, rest: str, tenant=None) -> str:
    return f"/m/{(tenant or world.a).municipality.slug}/{rest}"


def _person_with_history(world, client_for) -> Person:
    """Made through the officer's pages (so the audit trail holds the name), then trained,
    certified, provisioned and linked to a portal user who acted in the portal."""
    officer = client_for(world.a.users["officer"])
    response = officer.post(
        _url(world, "people/new/"),
        {
            "first_name": FIRST,
            "last_name": LAST,
            "role": "teacher",
            "schools": [world.a.school.pk],
            "personal_email": EMAIL,
        },
    )
    assert response.status_code == 302
    m = world.a.municipality
    with scope(municipality=m.pk):
        person = Person.objects.get(first_name=FIRST)
        Person.objects.filter(pk=person.pk).update(account_email=ACCOUNT, user=world.a.users["teacher"])
        person.refresh_from_db()
        curriculum = training_actions.create_curriculum(
            m,
            title="Облачно училище",
            description="",
            language="bg",
            target_roles=["teacher"],
            modules=[("Gmail", 2)],
            questions=["Полезно ли беше?"],
        )
        now = timezone.now()
        session = TrainingSession.objects.create(
            municipality=m, curriculum=curriculum, starts_at=now, ends_at=now + timedelta(hours=2)
        )
        enrolment = Enrolment.objects.create(municipality=m, session=session, person=person, queued_at=now)
        log_action("enrolment.complete", municipality=m, obj=enrolment, changes={"by": NAME})
        Feedback.objects.create(
            municipality=m, enrolment=enrolment, comment='=HYPERLINK("x") мнение на Радослава'
        )
        Certificate.objects.create(
            municipality=m,
            enrolment=enrolment,
            code="CERT-RADOSLAVA",
            holder_name=NAME,
            course=curriculum.title,
            issued_on=timezone.localdate(),
            issuer=m.name,
            language="bg",
        )
        ExternalCertification.objects.create(
            municipality=m,
            person=person,
            kind=ExternalCertification.Kind.CUSTOM,
            custom_name="Certificate of Радослава",
            obtained_on=timezone.localdate(),
            evidence_url="https://example.org/radoslava",
        )
        JobItem.objects.create(
            job=world.a.job,
            municipality=m,
            seq=1,
            phase=10,
            op="create_user",
            key=ACCOUNT,
            school=world.a.school.name,
            payload={"person": person.pk, "given": FIRST, "family": LAST},
            status="done",
            outcome="created",
            secret_ciphertext=encrypt_secret(m.pk, "Temp-pass-1x"),
            finished_at=now,
        )
        log_action(
            "user.language", actor=world.a.users["teacher"], municipality=m, changes={"language": "bg"}
        )
    # Another person of the same municipality, and one of the other municipality, with history.
    officer.post(
        _url(world, "people/new/"), {"first_name": "Стоян", "last_name": "Другов", "role": "teacher"}
    )
    client_for(world.b.users["officer"]).post(
        _url(world, "people/new/", world.b), {"first_name": "Obca", "last_name": "Osoba", "role": "teacher"}
    )
    return person


def _everything_text(municipality) -> str:
    """Every audit row of the municipality, as text."""
    with scope(municipality=municipality.pk):
        rows = AuditEvent.objects.values_list("object_repr", "changes", "actor_label")
        return "\n".join(f"{r} {json.dumps(c, ensure_ascii=False)} {a}" for r, c, a in rows)


# --- export -------------------------------------------------------------------------------------
def test_export_holds_the_person_and_their_audit_events_and_nobody_else(world, client_for):
    person = _person_with_history(world, client_for)
    officer = client_for(world.a.users["officer"])
    response = officer.get(signed(officer, _url(world, f"people/{person.pk}/data.json")))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["person"][0]["first_name"] == FIRST and data["person"][0]["personal_email"] == EMAIL
    assert [s["name"] for s in data["schools"]] == [world.a.school.name]
    assert data["trainings"][0]["certificate"] == "CERT-RADOSLAVA"
    assert "мнение" in data["trainings"][0]["feedback_comment"]
    assert data["accounts"][0]["address"] == ACCOUNT
    assert "Temp-pass-1x" not in response.content.decode()  # a credential is not data about them
    actions = {event["action"] for event in data["audit"]}
    # The person's own row, their enrolment, and what their portal user did.
    assert {"person.create", "enrolment.complete", "user.language"} <= actions
    text = response.content.decode()
    assert "Другов" not in text and "Osoba" not in text  # another person, another municipality
    csv_response = officer.get(signed(officer, _url(world, f"people/{person.pk}/data.csv")))
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[0] == ["section", "record", "field", "value"]
    assert ["person", "1", "last_name", LAST] in rows
    feedback = next(r for r in rows if r[2] == "feedback_comment")
    assert feedback[3].startswith("'=HYPERLINK")  # neutralised for spreadsheets
    assert "Другов" not in csv_response.content.decode()
    with scope(municipality=world.a.municipality.pk):
        assert AuditEvent.objects.filter(action="person.export", object_id=str(person.pk)).count() == 2
        accesses = PersonalDataAccess.objects.filter(kind="person_export", person=person)
        assert accesses.count() == 2
        assert accesses.first().user == world.a.users["officer"]


def test_only_the_officer_exports_and_erases(world, client_for):
    person = world.a.person
    for role in ("it_admin", "director", "teacher"):
        client = client_for(world.a.users[role])
        for rest in (f"people/{person.pk}/data.json", f"people/{person.pk}/erase/"):
            assert client.get(_url(world, rest)).status_code in (403, 404), (role, rest)
        assert client.post(_url(world, f"people/{person.pk}/erase/"), {"confirm": "yes"}).status_code in (
            403,
            404,
        )
    with scope(municipality=world.a.municipality.pk):
        assert Person.objects.get(pk=person.pk).erased_at is None


# --- erasure of our records ------------------------------------------------------------------------
def test_erasure_pseudonymises_the_person_their_audit_trail_and_trainings(world, client_for):
    person = _person_with_history(world, client_for)
    with scopes_disabled():  # no provider connected: our records only (providers: the sandbox tests)
        world.a.connection.delete()
    _reads_english(world.a.users["officer"])
    officer = client_for(world.a.users["officer"])
    page = officer.get(_url(world, f"people/{person.pk}/erase/")).content.decode()
    assert "cannot be undone" in page
    with scope(municipality=world.a.municipality.pk):
        assert NAME in _everything_text(world.a.municipality)  # the trail named them before
    with translation.override("en"):
        response = officer.post(_url(world, f"people/{person.pk}/erase/"), {"confirm": "yes"}, follow=True)
    assert response.redirect_chain[0][1] == 302
    notes = [str(m) for m in response.context["messages"]]
    # The job made a Google account, and Google is no longer connected: the officer is told.
    assert any("no longer connected" in note and "Google" in note for note in notes), notes
    m = world.a.municipality
    with scope(municipality=m.pk):
        person.refresh_from_db()
        assert person.erased_at is not None and person.user_id is None
        row = " ".join(
            str(v)
            for v in Person.objects.filter(pk=person.pk)
            .values_list("first_name", "middle_name", "last_name", "personal_email", "account_email")
            .get()
        )
        assert FIRST not in row and LAST not in row and "@" not in row
        assert not person.schools.exists()
        trail = _everything_text(m)
        for secret in (FIRST, LAST, EMAIL, ACCOUNT, world.a.users["teacher"].email):
            assert secret.casefold() not in trail.casefold(), secret
        assert f"Erased person #{person.pk}" in trail
        erase = AuditEvent.objects.get(action="person.erase")
        assert erase.actor == world.a.users["officer"] and erase.changes["reason"] == "request"
        enrolment = Enrolment.objects.get(person=person)  # the statistics keep the enrolment
        assert Certificate.objects.get(enrolment=enrolment).holder_name == f"Erased person #{person.pk}"
        assert Feedback.objects.get(enrolment=enrolment).comment == ""
        certification = ExternalCertification.objects.get(person=person)
        assert FIRST not in certification.custom_name and certification.evidence_url == ""
        item = JobItem.objects.get(payload__person=person.pk)
        assert ACCOUNT not in item.key and FIRST not in json.dumps(item.payload, ensure_ascii=False)
        assert item.secret_ciphertext == ""
        # Other people's records stay as they were.
        assert Person.objects.filter(last_name="Другов").exists()
        assert "Другов" in trail
    assert "Osoba" in _everything_text(world.b.municipality)
    # An erased person is no longer on the roster for new accounts.
    logins = client_for(world.a.users["it_admin"]).get(_url(world, "logins/")).content.decode()
    assert f"#{person.pk}" not in logins


def test_erasure_needs_the_confirmation(world, client_for):
    person = _person_with_history(world, client_for)
    officer = client_for(world.a.users["officer"])
    response = officer.post(_url(world, f"people/{person.pk}/erase/"), {})
    assert response.status_code == 400
    with scope(municipality=world.a.municipality.pk):
        assert Person.objects.get(pk=person.pk).first_name == FIRST
    assert NAME in _everything_text(world.a.municipality)


def test_leavers_drop_out_of_the_accounts_on_their_leaving_day(world, client_for):
    today = timezone.localdate()
    with scope(municipality=world.a.municipality.pk):
        for first, left_on in (("Напуснала", today), ("Остава", today + timedelta(days=1))):
            Person.objects.create(
                municipality=world.a.municipality, first_name=first, last_name="Тестова", left_on=left_on
            ).schools.add(world.a.school)
    page = client_for(world.a.users["it_admin"]).get(_url(world, "logins/")).content.decode()
    assert "Остава Тестова" in page and "Напуснала" not in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_the_database_allows_pseudonymising_only_inside_a_redaction(world):
    from django.db import DatabaseError, transaction

    from schools.audit import redaction

    with scopes_disabled():
        event = log_action("test.event", municipality=world.a.municipality, changes={"name": NAME})
        events = AuditEvent.objects.with_scopes_disabled().filter(pk=event.pk)
        with pytest.raises(DatabaseError), transaction.atomic():
            events.update(changes={})
        with transaction.atomic(), redaction():
            events.update(changes={"name": "[erased]"}, object_repr="x")
        with pytest.raises(DatabaseError), transaction.atomic(), redaction():
            events.update(action="forged")  # what happened never changes
        with pytest.raises(DatabaseError), transaction.atomic():
            events.update(changes={"name": NAME})  # the redaction ended with its block
        assert events.get().changes == {"name": "[erased]"}


# --- retention ----------------------------------------------------------------------------------
def _aged(world, tenant, days_old: int, label: str):
    """One row of every category, ``days_old`` days old, in the tenant's municipality."""
    m = tenant.municipality
    now = timezone.now()
    with scope(municipality=m.pk):
        person = Person.objects.create(
            municipality=m,
            first_name=f"Leaver{label}",
            last_name="Old",
            left_on=timezone.localdate() - timedelta(days=days_old),
        )
        upload = RosterImport.objects.create(municipality=m, filename=f"{label}.csv", format="csv")
        RosterImport.objects.filter(pk=upload.pk).update(created_at=now - timedelta(days=days_old))
        item = JobItem.objects.create(
            job=tenant.job,
            municipality=m,
            seq=1000 + days_old,
            phase=10,
            op="create_user",
            key=f"{label}@x.example",
            payload={},
            status="done",
            outcome="created",
            secret_ciphertext="secret",
            finished_at=now - timedelta(days=days_old),
        )
        event = AuditEvent.objects.create(
            municipality=m, action=f"old.{label}", at=now - timedelta(days=days_old)
        )
        access = PersonalDataAccess.objects.create(
            municipality=m, kind="people_list", at=now - timedelta(days=days_old)
        )
    return {"person": person, "upload": upload, "item": item, "event": event, "access": access}


def test_the_purge_removes_exactly_what_is_past_retention_and_reports_it(world, client_for, settings):
    settings.CREDENTIAL_RETENTION_DAYS = 14
    with scopes_disabled():
        PrivacyPolicy.objects.create(
            municipality=world.a.municipality,
            leavers_days=30,
            imports_days=30,
            credentials_days=5,
            audit_days=30,
        )
    old = _aged(world, world.a, 31, "old")
    young = _aged(world, world.a, 29, "young")
    other = _aged(world, world.b, 31, "other")  # the other municipality keeps the default policy
    with scope(municipality=world.a.municipality.pk):
        second = Person.objects.create(
            municipality=world.a.municipality,
            first_name="Втора",
            last_name="Напуснала",
            left_on=timezone.localdate() - timedelta(days=90),
        )
        for leaver in (old["person"], second):
            log_action("person.update", obj=leaver, changes={"left_on": [None, str(leaver.left_on)]})
        log_action(
            "note", municipality=world.a.municipality, changes={"text": "Втора Напуснала and Leaverold Old"}
        )
    purge_personal_data()
    with scope(municipality=world.a.municipality.pk):
        report = PurgeReport.objects.get()
        assert report.counts == {"leavers": 2, "imports": 1, "credentials": 2, "audit": 1, "access_log": 1}
        trail = _everything_text(world.a.municipality)
        assert "Напуснала" not in trail and "Leaverold" not in trail
        assert f"Erased person #{second.pk} and Erased person #{old['person'].pk}" in trail
        assert report.policy["credentials"] == 5
        assert Person.objects.get(pk=old["person"].pk).erased_at is not None
        assert Person.objects.get(pk=young["person"].pk).erased_at is None
        assert not RosterImport.objects.filter(pk=old["upload"].pk).exists()
        assert RosterImport.objects.filter(pk=young["upload"].pk).exists()
        assert JobItem.objects.get(pk=old["item"].pk).secret_ciphertext == ""
        assert JobItem.objects.get(pk=young["item"].pk).secret_ciphertext == ""  # 29 > 5 days
        assert not AuditEvent.objects.filter(pk=old["event"].pk).exists()
        assert AuditEvent.objects.filter(pk=young["event"].pk).exists()
        assert not PersonalDataAccess.objects.filter(pk=old["access"].pk).exists()
        assert PersonalDataAccess.objects.filter(pk=young["access"].pk).exists()
        assert AuditEvent.objects.filter(action="privacy.purge").count() == 1
    with scope(municipality=world.b.municipality.pk):
        assert PurgeReport.objects.get().counts["leavers"] == 0
        assert Person.objects.get(pk=other["person"].pk).erased_at is None  # 31 < 365 days
        assert not RosterImport.objects.filter(pk=other["upload"].pk).exists()  # the default: 30 days
        assert AuditEvent.objects.filter(pk=other["event"].pk).exists()
    page = client_for(world.a.users["officer"]).get(_url(world, "privacy/purges/"))
    assert page.status_code == 200
    assert page.context["page"].object_list[0] == report


def test_the_beat_runs_the_purge_daily(settings):
    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].endswith("purge_personal_data")
    )
    assert entry["schedule"] <= 24 * 3600


# --- access log ---------------------------------------------------------------------------------
def test_reads_exports_and_slip_downloads_are_logged(world, client_for):
    officer = client_for(world.a.users["officer"])
    it_admin = client_for(world.a.users["it_admin"])
    person = world.a.person
    assert officer.get(_url(world, "people/?q=Мария&role=teacher")).status_code == 200
    assert officer.get(_url(world, f"people/{person.pk}/edit/")).status_code == 200
    assert officer.get(signed(officer, _url(world, f"people/{person.pk}/data.json"))).status_code == 200
    assert it_admin.get(signed(it_admin, _url(world, f"jobs/{world.a.job.pk}/csv/"))).status_code == 200
    assert it_admin.get(signed(it_admin, _url(world, f"jobs/{world.a.job.pk}/slips/"))).status_code == 200
    assert it_admin.get(signed(it_admin, _url(world, f"plans/{world.a.plan.pk}/csv/"))).status_code == 200
    with scope(municipality=world.a.municipality.pk):
        rows = {row.kind: row for row in PersonalDataAccess.objects.order_by("at", "pk")}
        reports = list(PersonalDataAccess.objects.filter(kind="report").values_list("detail", flat=True))
    assert set(rows) == {"people_list", "person", "person_export", "report", "slips"}
    assert sorted(reports) == [f"job {world.a.job.pk} report", f"plan {world.a.plan.pk}"]
    assert rows["people_list"].count == 1 and "Мария" not in rows["people_list"].detail
    assert rows["person"].person == person and rows["person"].user == world.a.users["officer"]
    assert rows["slips"].user == world.a.users["it_admin"]
    with scope(municipality=world.b.municipality.pk):
        assert not PersonalDataAccess.objects.exists()
    # The officer's page lists them, filtered, and exports them.
    page = officer.get(_url(world, "privacy/access/?kind=slips"))
    assert [row.kind for row in page.context["page"].object_list] == ["slips"]
    export = officer.get(_url(world, "privacy/access.csv"))
    assert export.status_code == 200 and world.a.users["it_admin"].email in export.content.decode("utf-8-sig")
    xlsx = officer.get(_url(world, "privacy/access.xlsx"))
    assert xlsx.content[:2] == b"PK"
    assert client_for(world.a.users["it_admin"]).get(_url(world, "privacy/access/")).status_code == 403


# --- the record of processing -------------------------------------------------------------------
def test_the_record_shows_the_policy_and_the_officer_edits_it(world, client_for):
    officer = client_for(world.a.users["officer"])
    response = officer.post(
        _url(world, "privacy/policy/"),
        {
            "cloud_on_erasure": "delete",
            "leavers_days": 123,
            "imports_days": 45,
            "credentials_days": 7,
            "audit_days": 678,
            "contact": "dpo@alpha.example",
        },
    )
    assert response.status_code == 302
    with translation.override("en"):
        page = client_for(world.a.users["teacher"]).get(_url(world, "privacy/"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page.context["days"] == {"leavers": 123, "imports": 45, "credentials": 7, "audit": 678}
    text = page.content.decode()
    for number in ("123", "45", "678", "dpo@alpha.example"):
        assert number in text
    assert "sub-processor" in text or page.context["connections"]  # the world's Google connection
    with scope(municipality=world.a.municipality.pk):
        assert AuditEvent.objects.filter(action="privacy_policy.create").exists()
    # Members read; only the officer edits; passwords are never kept past the platform's ceiling.
    assert client_for(world.a.users["teacher"]).get(_url(world, "privacy/policy/")).status_code == 403
    too_long = officer.post(
        _url(world, "privacy/policy/"),
        {
            "cloud_on_erasure": "suspend",
            "leavers_days": 1,
            "imports_days": 1,
            "credentials_days": 90,
            "audit_days": 1,
        },
    )
    assert too_long.status_code == 200 and too_long.context["form"].errors.get("credentials_days")
