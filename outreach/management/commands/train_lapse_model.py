"""Learn the lapse model from the ended terms, score every current term, print how well it did."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from outreach.reports import lapse_model


class Command(BaseCommand):
    help = (
        "Learn which terms lapse without an application by expiry (ended terms, validated on later "
        "expiry months), store the model and score every current term. The last line gives AUC, "
        "Brier score and the top decile's lapse rate against the average."
    )

    def handle(self, *args, **options):
        today = timezone.localdate()
        try:
            row = lapse_model.train(today=today)
            scored = lapse_model.score_current(row=row, today=today)
        except lapse_model.LapseModelError as error:
            raise CommandError(str(error)) from error
        metrics = row.metrics
        self.stdout.write(
            _(
                "Learned from %(learned)s terms expiring %(first)s – %(last)s in %(seconds).1f s; "
                "model file %(file)s; %(scored)s current terms scored."
            )
            % {
                "learned": f"{metrics['learned_terms']:,}",
                "first": metrics["learned_months"][0],
                "last": metrics["learned_months"][1],
                "seconds": row.seconds,
                "file": row.file.name,
                "scored": f"{scored:,}",
            }
        )
        self.stdout.write(lapse_model.metrics_line(metrics))
