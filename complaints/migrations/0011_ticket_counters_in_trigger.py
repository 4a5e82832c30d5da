"""The events trigger now also keeps the ticket's event counters (complaints/search_sql.py):
re-install the functions (every statement there is CREATE OR REPLACE)."""

from django.db import migrations

from complaints import search_sql


class Migration(migrations.Migration):
    dependencies = [("complaints", "0010_event_indexes_and_snapshot_keys")]

    operations = [migrations.RunSQL(search_sql.INSTALL, reverse_sql=migrations.RunSQL.noop)]
