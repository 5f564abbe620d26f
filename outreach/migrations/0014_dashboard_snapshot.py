"""The dashboard's snapshot table, and the beat task that refreshes it every five minutes."""

from django.db import migrations, models

REFRESH = "更新ダッシュボードの再計算"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_five_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=REFRESH,
        defaults={
            "task": "outreach.tasks.refresh_dashboard_task",
            "interval": every_five_minutes,
            "enabled": True,
            # A refresh that waited longer than the interval is superseded by the next one.
            "expire_seconds": 300,
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=REFRESH).delete()


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
        migrations.RunPython(schedule, unschedule),
    ]
