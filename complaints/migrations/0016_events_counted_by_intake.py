"""Re-install the ticket triggers (complaints/search_sql.py): the events' trigger leaves
alone the statements whose events the intake counted itself, in the tickets it opened with
them; a per-customer ticket's search text takes its reports' subjects and its events'
resources, not their evidence."""

from django.db import migrations

from complaints import search_sql


class Migration(migrations.Migration):
    dependencies = [("complaints", "0015_ticket_tally")]

    operations = [migrations.RunSQL(search_sql.INSTALL, reverse_sql=migrations.RunSQL.noop)]
