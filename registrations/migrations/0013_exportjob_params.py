"""Export jobs store the list's filter parameters instead of a pickled query.

A job still waiting when this runs holds only a pickled query of the old code: it is
marked failed with a message (export again from the list), never unpickled.
"""

from django.db import migrations, models
from django.utils import timezone

WAITING = ["queued", "running"]
MESSAGE = "Queued before an upgrade of the application: export again from the list."


def fail_waiting_jobs(apps, schema_editor):
    ExportJob = apps.get_model("registrations", "ExportJob")
    ExportJob.objects.filter(status__in=WAITING).update(status="failed", error=MESSAGE, finished_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("registrations", "0012_dates_not_in_future")]

    operations = [
        migrations.RunPython(fail_waiting_jobs, migrations.RunPython.noop),
        migrations.RemoveField(model_name="exportjob", name="query"),
        migrations.AddField(
            model_name="exportjob",
            name="params",
            field=models.JSONField(default=dict, editable=False, verbose_name="filters"),
        ),
    ]
