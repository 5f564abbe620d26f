from ccus.commands import ImportCommand
from registrations.imports import LinkRows


class Command(ImportCommand):
    help = "Import links from a CSV or XLSX file in the interchange format (DOMAIN.md); all rows or none."
    kind = LinkRows
