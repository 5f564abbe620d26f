"""The heartbeat's periodic task named in Japanese only: the admin's list of schedules reads Japanese.

The rename is done by the installer (ccus/schedules.py declares the former name; outreach 0022).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0019_notice_scan_run_label"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
