from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError

from ccus import roles

DEMO_PASSWORD = "ccus-demo-2025"
DEMO_USERS = [
    ("admin", None),
    ("desk", roles.DESK),
    ("operator", roles.OPERATOR),
    ("supervisor", roles.SUPERVISOR),
]


class Command(BaseCommand):
    help = "Create demo logins (embedded mode only) and print them."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo logins are for the embedded default only (SECRET_KEY is set).")
        for username, role in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
            if created:
                user.is_superuser = role is None
                user.set_password(DEMO_PASSWORD)
                user.save()
                if role:
                    user.groups.add(Group.objects.get(name=role))
        self.stdout.write(f"Logins for http://127.0.0.1:8000/admin/ (password for all: {DEMO_PASSWORD})")
        for username, role in DEMO_USERS:
            self.stdout.write(f"  {username:<11} {role or 'superuser'}")
