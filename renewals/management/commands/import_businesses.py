from ccus.commands import ImportCommand
from renewals.register_import import RegisterRows


class Command(ImportCommand):
    help = (
        "Import businesses from a CSV or XLSX file in the interchange format (DOMAIN.md), their registration "
        "terms in step; all rows or none."
    )
    kind = RegisterRows
