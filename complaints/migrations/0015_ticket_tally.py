"""The queue's "most events" order moves to TicketTally, kept by triggers, so that filing
events into a ticket leaves its indexes alone (a HOT update: hence the free space left on
each page); the intake opens tickets with their first filing's text in place."""

import django.db.models.deletion
from django.db import migrations, models

from complaints.migrations import _sql_0015 as frozen


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0014_search_text_of_first_filing"),
    ]

    operations = [
        migrations.CreateModel(
            name="TicketTally",
            fields=[
                (
                    "ticket",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="tally",
                        serialize=False,
                        to="complaints.ticket",
                    ),
                ),
                ("event_count", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="ticket_q_events_idx",
        ),
        migrations.AddIndex(
            model_name="tickettally",
            index=models.Index(
                models.F("event_count"), models.F("ticket"), name="tally_events_idx"
            ),
        ),
        migrations.RunSQL(frozen.TALLY_INSTALL, reverse_sql=frozen.TALLY_UNINSTALL),
        migrations.RunSQL(frozen.TALLY_BACKFILL, reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(frozen.INSTALL, reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(
            "ALTER TABLE complaints_ticket SET (fillfactor = 80)",
            reverse_sql="ALTER TABLE complaints_ticket RESET (fillfactor)",
        ),
    ]
