"""Only a ticket's first events add search text (complaints/search_sql.py): re-install."""

from django.db import migrations

from complaints import search_sql


class Migration(migrations.Migration):
    dependencies = [("complaints", "0011_ticket_counters_in_trigger")]

    operations = [migrations.RunSQL(search_sql.INSTALL, reverse_sql=migrations.RunSQL.noop)]
