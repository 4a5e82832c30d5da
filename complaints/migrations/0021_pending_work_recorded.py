"""Work queued after a commit is recorded in the database, so a lost task is found again:
a filed report's reactions (``reacted_at``, claimed through ``react_claimed_at``) and an
approved action's execution (``queued_at``); the sweeper re-queues each stall once
(``requeued_at``), and an attempt belongs to the task that started it (``claimed_by``).

Reports filed and actions approved before this migration are taken as they are: filed
reports' reactions as run (they were queued at the time), approved actions as queued when
approved (the sweeper takes up any that never ran)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0020_events_trigger_comment"),
        ("customers", "0003_reputation_defaults"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="action",
            name="claimed_by",
            field=models.CharField(
                blank=True,
                default="",
                help_text="Task carrying it out (its retries resume it)",
                max_length=64,
            ),
        ),
        migrations.AddField(
            model_name="action",
            name="queued_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When its execution was last queued (approved, not taken)",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="report",
            name="claimed_by",
            field=models.CharField(
                blank=True,
                default="",
                help_text="Task that started the last attempt",
                max_length=64,
            ),
        ),
        migrations.AddField(
            model_name="report",
            name="react_claimed_at",
            field=models.DateTimeField(
                blank=True, help_text="When a reaction task last took it", null=True
            ),
        ),
        migrations.AddField(
            model_name="report",
            name="reacted_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When its reactions (threading, acknowledgement, notices) ran",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="report",
            name="requeued_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the sweeper last queued its pending work again",
                null=True,
            ),
        ),
        migrations.RunSQL(
            "UPDATE complaints_report SET reacted_at = processed_at WHERE status = 'filed'",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.RunSQL(
            "UPDATE complaints_action SET queued_at = approved_at WHERE status = 'approved'",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                condition=models.Q(("status", "approved")),
                fields=["queued_at"],
                name="action_queued_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                condition=models.Q(("reacted_at__isnull", True), ("status", "filed")),
                fields=["processed_at"],
                name="report_unreacted_idx",
            ),
        ),
    ]
