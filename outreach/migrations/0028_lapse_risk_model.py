"""The lapse risk model and its scores; supervisors and administrators see the models (metrics,
training date) in the admin; the nightly training joins the declared schedules."""

import django.db.models.deletion
from django.db import migrations, models

from ccus import periodic_tasks, roles


def grant_and_schedule(apps, schema_editor):
    roles.grant(
        apps,
        schema_editor,
        "outreach",
        {roles.SUPERVISOR: ["view_lapsemodel"], roles.ADMINISTRATOR: ["view_lapsemodel"]},
    )
    periodic_tasks.install(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0027_holdout_roles"),
        ("registrations", "0013_exportjob_params"),
        ("renewals", "0008_term_correction_permission"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="LapseModel",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("trained_at", models.DateTimeField(verbose_name="trained at")),
                ("file", models.FileField(upload_to="lapse_models/", verbose_name="model file")),
                ("spec", models.JSONField(default=dict, verbose_name="features")),
                ("metrics", models.JSONField(default=dict, verbose_name="validation")),
                ("reach", models.JSONField(blank=True, default=dict, verbose_name="reach by hour")),
                ("seconds", models.FloatField(default=0, verbose_name="seconds to train")),
                ("scored_at", models.DateTimeField(blank=True, null=True, verbose_name="scored at")),
                ("scored_terms", models.PositiveIntegerField(default=0, verbose_name="terms scored")),
                ("load_error", models.TextField(blank=True, verbose_name="load error")),
            ],
            options={
                "verbose_name": "lapse risk model",
                "verbose_name_plural": "lapse risk models",
                "ordering": ["-trained_at", "-pk"],
                "default_permissions": ("view",),
            },
        ),
        migrations.CreateModel(
            name="LapseRisk",
            fields=[
                (
                    "term",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="renewals.term",
                        verbose_name="term",
                    ),
                ),
                ("risk", models.FloatField(verbose_name="lapse risk")),
                ("reasons", models.CharField(blank=True, max_length=300, verbose_name="main reasons")),
                (
                    "business",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="registrations.business",
                        verbose_name="business",
                    ),
                ),
                (
                    "model",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="risks",
                        to="outreach.lapsemodel",
                        verbose_name="model",
                    ),
                ),
            ],
            options={
                "verbose_name": "lapse risk",
                "verbose_name_plural": "lapse risks",
                "default_permissions": (),
            },
        ),
        migrations.RunPython(grant_and_schedule, migrations.RunPython.noop),
    ]
