from ccus.commands import ImportCommand
from registrations.imports import BusinessRows


class Command(ImportCommand):
    help = "Import businesses from a CSV or XLSX file in the interchange format (DOMAIN.md); all rows or none."
    kind = BusinessRows
