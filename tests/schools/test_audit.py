"""The audit trail is append-only and written by every change."""

import pytest
from django.db import connection, transaction
from django_scopes import scope, scopes_disabled

from schools.audit import log_action
from schools.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_events_cannot_be_changed_or_deleted(world):
    with scopes_disabled():
        event = log_action("test.event", municipality=world.a.municipality)
        with pytest.raises(ValueError):
            event.save()
        with pytest.raises(ValueError):
            event.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_the_database_refuses_to_rewrite_events(world):
    from django.db import DatabaseError

    with scopes_disabled():
        event = log_action("test.event", municipality=world.a.municipality)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.with_scopes_disabled().filter(pk=event.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.with_scopes_disabled().filter(pk=event.pk).delete()


def test_audit_log_page_shows_only_own_events(world, client_for):
    with scopes_disabled():
        log_action("secret.b", municipality=world.b.municipality)
        log_action("visible.a", municipality=world.a.municipality)
    page = client_for(world.a.users["officer"]).get(f"/m/{world.a.municipality.slug}/audit/").content.decode()
    assert "visible.a" in page
    assert "secret.b" not in page


def test_changes_record_who_and_from_where(world, client_for):
    client = client_for(world.a.users["officer"])
    client.post(
        f"/m/{world.a.municipality.slug}/schools/{world.a.school.pk}/edit/",
        {"name": "New name", "kind": "primary"},
        REMOTE_ADDR="192.0.2.7",
    )
    with scope(municipality=world.a.municipality.pk):
        event = AuditEvent.objects.get(action="school.update")
    assert event.actor == world.a.users["officer"]
    assert event.ip == "192.0.2.7"
    assert event.changes["name"][1] == "New name"
