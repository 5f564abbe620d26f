from django.core.management.base import BaseCommand
from django.utils import timezone

from outreach.management import demo_outreach as demo


class Command(BaseCommand):
    help = (
        "Give the demo register the past months' reminders: e-mails and postcards sent and calls made "
        "to businesses whose terms were near expiry (SQLite or PostgreSQL). Nothing when outreach history exists."
    )

    def handle(self, *args, **options):
        if demo.has_history():
            self.stdout.write("seed_demo_outreach: outreach history exists; nothing added")
            return
        counts = demo.build_history(today=timezone.localdate())
        experiment = demo.start_experiment(today=timezone.localdate())
        self.stdout.write(
            "seed_demo_outreach: e-mails {email:,}, postcards {postcard:,}, phone notices {phone:,}, "
            "calls {calls:,}; holdout experiment: {experiment}".format(**counts, experiment=experiment or "none")
        )
