"""PostgreSQL refuses any UPDATE of the access log, and any DELETE before a row's retention ends.

The application has no path to do either (see AccessLogQuerySet); the trigger makes it true for
anyone holding the application's database credentials too. SQLite (development) relies on the
application guard alone: its flush in tests deletes rows, and it is never a territory's database.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_accesslog_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'Journal des accès en ajout seul : modification interdite.'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.keep_until > now() THEN
    RAISE EXCEPTION 'Journal des accès en ajout seul : suppression interdite avant la fin de conservation.'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_accesslog_append_only
  BEFORE UPDATE OR DELETE ON audit_accesslog
  FOR EACH ROW EXECUTE FUNCTION audit_accesslog_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_accesslog_append_only ON audit_accesslog;
DROP FUNCTION IF EXISTS audit_accesslog_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
