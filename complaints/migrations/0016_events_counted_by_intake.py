"""Re-install the ticket triggers (complaints/search_sql.py as it was then, frozen in _sql_0016.py): the events' trigger leaves
alone the statements whose events the intake counted itself, in the tickets it opened with
them; a per-customer ticket's search text takes its reports' subjects and its events'
resources, not their evidence."""

from django.db import migrations

from complaints.migrations import _sql_0016 as frozen


class Migration(migrations.Migration):
    dependencies = [("complaints", "0015_ticket_tally")]

    operations = [migrations.RunSQL(frozen.INSTALL, reverse_sql=migrations.RunSQL.noop)]
