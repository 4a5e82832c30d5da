"""The events trigger now also keeps the ticket's event counters (complaints/search_sql.py
as it was then, frozen in _sql_0011.py): re-install the functions (every statement there is
CREATE OR REPLACE)."""

from django.db import migrations

from complaints.migrations import _sql_0011 as frozen


class Migration(migrations.Migration):
    dependencies = [("complaints", "0010_event_indexes_and_snapshot_keys")]

    operations = [migrations.RunSQL(frozen.INSTALL, reverse_sql=migrations.RunSQL.noop)]
