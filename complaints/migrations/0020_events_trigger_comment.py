"""Re-install the ticket triggers (complaints/search_sql.py): the events' trigger says which
events the intake counts itself (the tickets it opens and the open tickets it finds whose
search text is settled). Its statements are unchanged."""

from django.db import migrations

from complaints import search_sql


class Migration(migrations.Migration):
    dependencies = [("complaints", "0019_event_drop_unused_customer_index")]

    operations = [migrations.RunSQL(search_sql.INSTALL, reverse_sql=migrations.RunSQL.noop)]
