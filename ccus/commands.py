"""The base of the `import_*` management commands."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from ccus.importing import RowKind, run_import
from ccus.tabular import TabularError, open_table

# Exit statuses: 1 when rows are invalid, 2 when the file cannot be read at all.
ROWS_INVALID, FILE_UNREADABLE = 1, 2


class ImportCommand(BaseCommand):
    """`import_<kind> FILE [--dry-run]`: every row checked; written only if all are good."""

    kind: type[RowKind]

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV (UTF-8, UTF-8 with BOM or CP932) or XLSX")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        # Commands run untranslated by default; the desk reads Japanese messages.
        with translation.override(settings.LANGUAGE_CODE):
            try:
                with file.open("rb") as stream, open_table(stream) as table:
                    outcome = run_import(self.kind(), table, dry_run=dry_run, source=file.name)
            except (OSError, TabularError) as exc:
                raise CommandError(f"{file}: {exc}", returncode=FILE_UNREADABLE) from exc
            for error in outcome.errors:
                self.stderr.write(str(error))
            if outcome.more_errors:
                self.stderr.write(_("… and %(count)s more errors.") % {"count": f"{outcome.more_errors:,}"})
            summary = f"{self.kind.name}: {outcome.summary()} ({outcome.seconds:.1f}s)"
        if not outcome.ok:
            raise CommandError(summary, returncode=ROWS_INVALID)
        self.stdout.write(summary)
