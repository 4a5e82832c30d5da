"""Events: a b-tree on the address instead of GiST (cheaper per insert; `<<=` against a
constant network is a range scan of it), and no database constraint on the ticket and
customer (complaints/models/events.py)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0016_events_counted_by_intake"),
        ("customers", "0003_reputation_defaults"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="event",
            name="event_ip_gist",
        ),
        migrations.AlterField(
            model_name="event",
            name="customer",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="customers.customer",
            ),
        ),
        migrations.AlterField(
            model_name="event",
            name="ticket",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="events",
                to="complaints.ticket",
            ),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["ip"], name="event_ip_idx"),
        ),
    ]
