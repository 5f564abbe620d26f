from ccus.commands import ImportCommand
from renewals.imports import RenewalRows


class Command(ImportCommand):
    help = "Record renewal applications and approvals from a file (事業者ID, 申請日, 承認日); all rows or none."
    kind = RenewalRows
