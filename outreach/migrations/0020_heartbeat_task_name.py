"""The heartbeat's periodic task named in Japanese only: the admin's list of schedules reads Japanese."""

from django.db import migrations

OLD, NEW = "ワーカーの稼働確認 (heartbeat)", "ワーカーの稼働確認（1分ごと）"


def rename(old: str, new: str):
    def run(apps, schema_editor):
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=old).update(name=new)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0019_notice_scan_run_label"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(rename(OLD, NEW), rename(NEW, OLD))]
