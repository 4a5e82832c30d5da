"""Only a ticket's first events add search text (complaints/search_sql.py as it was then, frozen in _sql_0012.py): re-install."""

from django.db import migrations

from complaints.migrations import _sql_0012 as frozen


class Migration(migrations.Migration):
    dependencies = [("complaints", "0011_ticket_counters_in_trigger")]

    operations = [migrations.RunSQL(frozen.INSTALL, reverse_sql=migrations.RunSQL.noop)]
