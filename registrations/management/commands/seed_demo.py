import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from registrations.demo import DemoRegister, ensure_associations
from registrations.models import Business


class Command(BaseCommand):
    help = "Add a realistic demo register: businesses, trades, memberships and a subcontract network."

    def add_arguments(self, parser):
        parser.add_argument("--businesses", type=int, default=3_000, help="how many businesses to add (default 3000)")
        parser.add_argument("--links-per-business", type=float, default=6.0, help="average links per business")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if the register has businesses")
        parser.add_argument("--seed", type=int, default=2025, help="random seed, for repeatable data")

    def handle(self, *args, businesses, links_per_business, seed, if_empty, **options):
        if businesses < 1:
            raise CommandError("--businesses must be at least 1")
        if if_empty and Business.objects.exists():
            self.stdout.write("seed_demo: the register already has businesses; nothing added")
            return
        started = time.monotonic()
        with transaction.atomic():
            ensure_associations()
            counts = DemoRegister(businesses, links_per_business, seed).build()
        summary = ", ".join(f"{name} {count:,}" for name, count in counts.items())
        self.stdout.write(f"seed_demo: {summary} in {time.monotonic() - started:.1f}s")
