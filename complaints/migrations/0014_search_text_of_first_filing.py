"""Only a ticket's first filing adds search text, each report's text once
(complaints/search_sql.py): re-install."""

from django.db import migrations

from complaints import search_sql


class Migration(migrations.Migration):
    dependencies = [("complaints", "0013_ticket_redundant_indexes")]

    operations = [migrations.RunSQL(search_sql.INSTALL, reverse_sql=migrations.RunSQL.noop)]
