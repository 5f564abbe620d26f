"""Demo logins for the embedded default, one per role; association staff work for the largest demo association."""

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from ccus import roles
from outreach.models import AssociationStaff
from registrations.models import Association

DEMO_PASSWORD = "ccus-demo-2025"
DEMO_USERS = [
    ("admin", None),
    ("desk", roles.DESK),
    ("operator", roles.OPERATOR),
    ("supervisor", roles.SUPERVISOR),
    ("association", roles.ASSOCIATION_STAFF),
]


class Command(BaseCommand):
    help = "Create demo logins (embedded mode only) and print them."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/", help="the admin's address, as served")

    def handle(self, *args, url: str, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo logins are for the embedded default only (SECRET_KEY is set).")
        largest = Association.objects.annotate(member_count=Count("memberships")).order_by("-member_count", "code")
        association = largest.first()
        for username, role in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
            if created:
                user.is_superuser = role is None
                user.set_password(DEMO_PASSWORD)
                user.save()
                if role:
                    user.groups.add(Group.objects.get(name=role))
            if role == roles.ASSOCIATION_STAFF and association is not None:
                AssociationStaff.objects.get_or_create(user=user, defaults={"association": association})
        self.stdout.write(f"Logins for {url} (password for all: {DEMO_PASSWORD})")
        for username, role in DEMO_USERS:
            where = f" ({association.name})" if role == roles.ASSOCIATION_STAFF and association else ""
            self.stdout.write(f"  {username:<11} {role or 'superuser'}{where}")
