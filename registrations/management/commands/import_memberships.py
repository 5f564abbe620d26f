from ccus.commands import ImportCommand
from registrations.imports import MembershipRows


class Command(ImportCommand):
    help = "Import memberships from a CSV or XLSX file in the interchange format (DOMAIN.md); all rows or none."
    kind = MembershipRows
