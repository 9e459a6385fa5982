"""On PostgreSQL the database itself refuses to delete or rewrite audit events.

Only the actor columns may change (to erase a person under GDPR the actor link is cleared
and the label redacted); everything else about an event stays as it was written.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION schools_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit events are append-only';
    END IF;
    IF (NEW.id, NEW.at, NEW.municipality_id, NEW.action, NEW.object_type, NEW.object_id,
        NEW.object_repr, NEW.changes::text, NEW.ip)
       IS DISTINCT FROM
       (OLD.id, OLD.at, OLD.municipality_id, OLD.action, OLD.object_type, OLD.object_id,
        OLD.object_repr, OLD.changes::text, OLD.ip) THEN
        RAISE EXCEPTION 'audit events are append-only';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER schools_auditevent_append_only
    BEFORE UPDATE OR DELETE ON schools_auditevent
    FOR EACH ROW EXECUTE FUNCTION schools_auditevent_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS schools_auditevent_append_only ON schools_auditevent;
DROP FUNCTION IF EXISTS schools_auditevent_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE)


class Migration(migrations.Migration):
    dependencies = [("schools", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
