from django.core.management.base import BaseCommand

from renewals import services


class Command(BaseCommand):
    help = "Give every business its registration term and keep terms in step with the register."

    def handle(self, *args, **options):
        synced = services.terms_sync()
        self.stdout.write(", ".join(f"{name} {count}" for name, count in synced.items()))
