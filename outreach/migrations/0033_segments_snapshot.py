"""The weak segments' snapshot, and its refresh task joins the declared schedules."""

from django.db import migrations, models

from ccus import periodic_tasks


def schedule(apps, schema_editor):
    periodic_tasks.install(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0032_subcontractor_row_status_closed"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="SegmentSnapshot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("as_of", models.DateField(unique=True, verbose_name="as of")),
                ("computed_at", models.DateTimeField(verbose_name="computed at")),
                ("seconds", models.FloatField(verbose_name="seconds to compute")),
                ("data", models.JSONField(verbose_name="figures")),
            ],
            options={
                "verbose_name": "segments snapshot",
                "verbose_name_plural": "segments snapshots",
                "default_permissions": (),
            },
        ),
        migrations.RunPython(schedule, migrations.RunPython.noop),
    ]
