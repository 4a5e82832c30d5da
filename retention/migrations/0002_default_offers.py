"""The save offers a provider starts with (editable in the admin): one of each kind."""

from django.db import migrations

OFFERS = [
    ("pause-3-months", "pause", "Pause for up to 3 months",
     "Keep your data and address; nothing is billed while paused.", ["unused", "project_ended"], 1),
    ("smaller-plan", "downgrade", "Move to a smaller plan",
     "Keep what you use, pay for less.", ["too_expensive", "unused"], 2),
    ("loyalty-discount", "discount", "25 % off your next 6 months",
     "Applied to your next invoices, cancel any time.", ["too_expensive", "switched_provider"], 3),
    ("migration-help", "migration_help", "We move it for you",
     "Our team migrates your site or server to the plan that fits, free of charge.",
     ["performance", "missing_features", "migration", "support"], 4),
]  # fmt: skip


def add(apps, schema_editor):  # type: ignore[no-untyped-def]
    SaveOffer = apps.get_model("retention", "SaveOffer")
    for code, kind, title, description, reasons, order in OFFERS:
        SaveOffer.objects.get_or_create(
            code=code,
            defaults={"kind": kind, "title": title, "description": description,
                      "reasons": reasons, "order": order},
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
