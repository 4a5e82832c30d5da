"""Re-install the ticket triggers (complaints/search_sql.py as it was then, frozen in _sql_0020.py): the events' trigger says which
events the intake counts itself (the tickets it opens and the open tickets it finds whose
search text is settled). Its statements are unchanged."""

from django.db import migrations

from complaints.migrations import _sql_0020 as frozen


class Migration(migrations.Migration):
    dependencies = [("complaints", "0019_event_drop_unused_customer_index")]

    operations = [migrations.RunSQL(frozen.INSTALL, reverse_sql=migrations.RunSQL.noop)]
