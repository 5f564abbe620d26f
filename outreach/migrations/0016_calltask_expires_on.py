from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery


def fill_expiry(apps, schema_editor):
    """Existing tasks take their business's expiry, as new tasks do when they are made."""
    CallTask = apps.get_model("outreach", "CallTask")
    Business = apps.get_model("registrations", "Business")
    expiry = Business.objects.filter(notices=OuterRef("notice")).values("expires_on")[:1]
    CallTask.objects.update(expires_on=Subquery(expiry))


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0015_notice_due_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="calltask",
            name="expires_on",
            field=models.DateField(editable=False, null=True, verbose_name="expires on"),
        ),
        migrations.RunPython(fill_expiry, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="calltask",
            name="expires_on",
            field=models.DateField(editable=False, verbose_name="expires on"),
        ),
        migrations.AddIndex(
            model_name="calltask",
            index=models.Index(
                condition=Q(status="open"), fields=["expires_on", "due_at", "id"], name="calltask_open_order_idx"
            ),
        ),
    ]
