from ccus.commands import ImportCommand
from registrations.imports import AssociationRows


class Command(ImportCommand):
    help = "Import associations from a CSV or XLSX file in the interchange format (DOMAIN.md); all rows or none."
    kind = AssociationRows
