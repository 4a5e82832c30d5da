"""Actions say what happened to them (issue 17 item 3): "retrying" while the provisioning
system does not answer (the reason in plain words, ``error_detail`` the technical text,
``retry_at`` the next attempt), "cancelled" by a person (``cancelled_by``), and when each
attempt started (``attempted_at``), so the sweeper finds an attempt whose task died. A rule's
one open action per ticket and kind counts a retrying one as open."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0022_event_rule"),
        ("customers", "0004_legal_hold"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="action",
            name="action_one_open_per_rule_ticket",
        ),
        migrations.AddField(
            model_name="action",
            name="attempted_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the last attempt started (a dead one is resumed)",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="action",
            name="cancelled_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="action",
            name="error_detail",
            field=models.TextField(blank=True, help_text="The technical text behind ``error``"),
        ),
        migrations.AddField(
            model_name="action",
            name="retry_at",
            field=models.DateTimeField(
                blank=True, help_text="When the next attempt is due (status retrying)", null=True
            ),
        ),
        migrations.AlterField(
            model_name="action",
            name="error",
            field=models.TextField(
                blank=True, help_text="Why it failed or is retried, in plain words"
            ),
        ),
        migrations.AlterField(
            model_name="action",
            name="status",
            field=models.CharField(
                choices=[
                    ("requested", "Requested (awaiting approval)"),
                    ("approved", "Approved (queued)"),
                    ("running", "Running"),
                    ("retrying", "Retrying (the provisioning system did not answer)"),
                    ("done", "Done"),
                    ("failed", "Failed"),
                    ("reverted", "Reverted"),
                    ("rejected", "Rejected"),
                    ("cancelled", "Cancelled"),
                ],
                default="requested",
                max_length=12,
            ),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                condition=models.Q(("status__in", ["running", "retrying"])),
                fields=["attempted_at"],
                name="action_in_flight_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="action",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("rule__isnull", False),
                    ("status__in", ["requested", "approved", "running", "retrying"]),
                ),
                fields=("ticket", "kind", "rule"),
                name="action_one_open_per_rule_ticket",
            ),
        ),
    ]
