"""Every periodic task declared in ccus/schedules.py, installed by ccus.periodic_tasks.

The migrations that used to create them one by one now do nothing. Here a new database
gets every declared task; an existing one gets those it lacks (a row renamed since gets
its new name), and rows already there keep an admin's edits (`setup_periodic_tasks --reset`
puts them back as declared). Reversing leaves the rows alone.
"""

from django.db import migrations

from ccus import periodic_tasks


def install(apps, schema_editor):
    periodic_tasks.install(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0021_subcontractor_list_field"),
        ("registrations", "0013_exportjob_params"),
        ("renewals", "0008_term_correction_permission"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
