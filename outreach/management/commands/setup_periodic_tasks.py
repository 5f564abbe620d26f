from django.apps import apps
from django.core.management.base import BaseCommand

from ccus import periodic_tasks


class Command(BaseCommand):
    help = (
        "Create the periodic tasks declared in ccus/schedules.py that the database lacks; "
        "rows already there keep their admin edits unless --reset."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="put every declared task back as declared")

    def handle(self, *args, reset, **options):
        for name, outcome in periodic_tasks.install(apps, reset=reset).items():
            self.stdout.write(f"{outcome:<8} {name}")
