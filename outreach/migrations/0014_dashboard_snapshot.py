"""The dashboard's snapshot table."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0013_least_privilege_after_merges"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="DashboardSnapshot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("as_of", models.DateField(unique=True, verbose_name="as of")),
                ("computed_at", models.DateTimeField(verbose_name="computed at")),
                ("seconds", models.FloatField(verbose_name="seconds to compute")),
                ("data", models.JSONField(verbose_name="figures")),
            ],
            options={
                "verbose_name": "dashboard snapshot",
                "verbose_name_plural": "dashboard snapshots",
                "default_permissions": (),
            },
        ),
        # The periodic task once created here is declared in ccus/schedules.py (outreach 0022 installs it).
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
