"""Only a ticket's first filing adds search text, each report's text once
(complaints/search_sql.py as it was then, frozen in _sql_0014.py): re-install."""

from django.db import migrations

from complaints.migrations import _sql_0014 as frozen


class Migration(migrations.Migration):
    dependencies = [("complaints", "0013_ticket_redundant_indexes")]

    operations = [migrations.RunSQL(frozen.INSTALL, reverse_sql=migrations.RunSQL.noop)]
