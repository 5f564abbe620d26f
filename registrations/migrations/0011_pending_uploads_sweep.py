from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0010_merge_access"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        # The periodic task once created here is declared in ccus/schedules.py (outreach 0022 installs it).
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
