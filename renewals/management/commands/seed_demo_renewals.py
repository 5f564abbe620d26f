from django.core.management.base import BaseCommand
from django.utils import timezone

from renewals import demo, services
from renewals.models import RenewalCase


class Command(BaseCommand):
    help = "Give the demo register a renewal history: most expired terms renewed, some applications pending."

    def handle(self, *args, **options):
        if RenewalCase.objects.exists():
            self.stdout.write("seed_demo_renewals: renewal history exists; nothing added")
            return
        services.terms_sync()
        counts = demo.build_history(today=timezone.localdate())
        self.stdout.write(f"seed_demo_renewals: renewed {counts['renewed']:,}, pending {counts['pending']:,}")
