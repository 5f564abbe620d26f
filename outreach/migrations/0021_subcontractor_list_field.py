"""A list's rows and deliveries name it `subcontractor_list` ("snapshot" is the dashboard's).

Only the Python names change: the column stays `snapshot_id`, and the constraint and the
index keep their names and columns, so the database is not touched (`sqlmigrate` prints
nothing); the state learns the new field name, also in the ordering, constraint and index.
"""

import django.db.models.deletion
from django.db import migrations, models

ROW = "subcontractorlistrow"


def field_renamed(model_name: str, related_name: str) -> list:
    return [
        migrations.RenameField(model_name, "snapshot", "subcontractor_list"),
        migrations.AlterField(
            model_name=model_name,
            name="subcontractor_list",
            field=models.ForeignKey(
                db_column="snapshot_id",
                on_delete=django.db.models.deletion.CASCADE,
                related_name=related_name,
                to="outreach.subcontractorlist",
                verbose_name="list",
            ),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [("outreach", "0020_heartbeat_task_name")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                *field_renamed("subcontractorlistrow", "rows"),
                *field_renamed("listdelivery", "deliveries"),
                migrations.AlterModelOptions(
                    name=ROW,
                    options={
                        "ordering": ["subcontractor_list", "prime", "distance", "business"],
                        "verbose_name": "subcontractor list row",
                        "verbose_name_plural": "subcontractor list rows",
                    },
                ),
                migrations.RemoveConstraint(model_name=ROW, name="sublist_row_once"),
                migrations.AddConstraint(
                    model_name=ROW,
                    constraint=models.UniqueConstraint(
                        fields=("subcontractor_list", "prime", "business"), name="sublist_row_once"
                    ),
                ),
                migrations.RemoveIndex(model_name=ROW, name="sublist_row_business_idx"),
                migrations.AddIndex(
                    model_name=ROW,
                    index=models.Index(fields=["business", "subcontractor_list"], name="sublist_row_business_idx"),
                ),
            ],
            database_operations=[],
        )
    ]
