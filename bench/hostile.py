"""Hostile files: the worst of each kind, read by ours until refused, and by main's reader before issue 16.

    python -m bench.hostile make --kind xlsx-shared-strings     # writes var/bench/hostile-KIND.*
    python -m bench.hostile read --kind xlsx-shared-strings --side ours
    python -m bench.hostile read --kind xlsx-shared-strings --side old --cap 60

Each file is small on disk (or, for the CSV, generated on the fly as it is read) and
huge once expanded or split. `ours` opens it with ccus.tabular.open_table and runs the
business import's dry run; it must refuse, and the time is the time to refusal. `old`
is the reader main had before issue 16 (openpyxl read-only; csv over a TextIOWrapper)
inside an address-space cap, so that it cannot take the machine down while it shows
what it would have done. The suite takes the peak RSS of each side's process.
"""

import argparse
import io
import json
import resource
import signal
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"
MB = 1024 * 1024
# The address space the old reader may take: enough to show it growing, not to hurt the host.
OLD_CAP_MB = 1536
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml"
HEADER = ["事業者ID", "法人番号", "商号"]


def _workbook(path: Path, sheet_parts, shared_parts=None, dimension: str = "") -> None:
    """An XLSX whose sheet (and shared strings) are written from chunks, compressed as they come."""
    types = "".join(
        f'<Override PartName="/{part}" ContentType="{SPREADSHEET}.{kind}+xml"/>'
        for part, kind in [("xl/workbook.xml", "sheet.main"), ("xl/worksheets/sheet1.xml", "worksheet")]
        + ([("xl/sharedStrings.xml", "sharedStrings")] if shared_parts else [])
    )
    rels = f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    if shared_parts:
        rels += f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    package = "http://schemas.openxmlformats.org/package/2006"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{package}/content-types"><Default Extension="rels" '
            f'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>{types}</Types>',
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{package}/relationships"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{package}/relationships">{rels}</Relationships>'
        )
        head = f'<worksheet xmlns="{MAIN}">' + (f'<dimension ref="{dimension}"/>' if dimension else "") + "<sheetData>"
        parts = {"xl/worksheets/sheet1.xml": [head.encode(), *sheet_parts, b"</sheetData></worksheet>"]}
        if shared_parts:
            parts["xl/sharedStrings.xml"] = [f'<sst xmlns="{MAIN}">'.encode(), *shared_parts, b"</sst>"]
        for name, chunks in parts.items():
            with archive.open(name, "w", force_zip64=True) as stream:
                for chunk in chunks:
                    stream.write(chunk)


def _repeat(unit: bytes, total: int):
    block = unit * (MB // len(unit))
    for _ in range(total // len(block)):
        yield block


def _header_row(shared: bool) -> bytes:
    if shared:
        cells = "".join(f'<c r="{chr(65 + i)}1" t="s"><v>{i}</v></c>' for i in range(len(HEADER)))
    else:
        cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(HEADER))
    return f'<row r="1">{cells}</row>'.encode()


def make(kind: str) -> Path:
    """Write the hostile file of `kind`; the CSV kinds are generated while read, not written."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"hostile-{kind}.xlsx"
    if kind == "xlsx-shared-strings":  # the reviewer's case: ≈1.2 MB expanding to ≈1.2 GB
        strings = [f"<si><t>{h}</t></si>".encode() for h in HEADER]
        _workbook(path, [_header_row(True)], [*strings, *_repeat("<si><t>株式会社</t></si>".encode(), 1200 * MB)])
    elif kind == "xlsx-wide-row":  # one row of ≈40 million cells, ≈1.2 GB of sheet
        cells = _repeat(b'<c t="inlineStr"><is><t>a</t></is></c>', 1200 * MB)
        _workbook(path, [_header_row(False), b'<row r="2">', *cells, b"</row>"])
    elif kind == "xlsx-dimension":  # A1:XFD1048576 declared, and a cell there
        last = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
        _workbook(path, [_header_row(False), last], dimension="A1:XFD1048576")
    return path


class Generated(io.RawIOBase):
    """A seekable file of `size` bytes produced while read: `head`, then `unit` repeated."""

    def __init__(self, head: bytes, unit: bytes, size: int):
        self.head, self.unit, self.size, self.position = head, unit * (MB // len(unit)), size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = offset if whence == 0 else (self.position + offset if whence == 1 else self.size + offset)
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.size - self.position)
        if count <= 0:
            return 0
        data = bytearray()
        if self.position < len(self.head):
            data += self.head[self.position : self.position + count]
        while len(data) < count:
            data += self.unit[: count - len(data)]
        buffer[:count] = data[:count]
        self.position += count
        return count


CSV_KINDS = {
    # 1 GB with no line break at all, after a header.
    "csv-no-line-breaks": lambda: Generated("事業者ID,商号\r\n".encode(), b"a", 1024 * MB),
    # One row of 100 MB of empty cells: 50 million separators.
    "csv-wide-row": lambda: Generated("事業者ID,商号\r\n".encode(), b"1,", 100 * MB),
}
SIZES = {"csv-no-line-breaks": 1024 * MB, "csv-wide-row": 100 * MB}


def source(kind: str):
    if kind in CSV_KINDS:
        return io.BufferedReader(CSV_KINDS[kind](), buffer_size=MB), SIZES[kind], SIZES[kind]
    path = OUT / f"hostile-{kind}.xlsx"
    with zipfile.ZipFile(path) as archive:
        expanded = sum(info.file_size for info in archive.infolist())
    return path.open("rb"), path.stat().st_size, expanded


def read_ours(stream) -> str:
    from django.db import transaction

    from ccus.importing import run_import
    from ccus.tabular import TabularError, open_table
    from registrations.imports import BusinessRows

    try:
        with transaction.atomic(), open_table(stream) as table:
            outcome = run_import(BusinessRows(), table, dry_run=True)
    except TabularError as error:
        return f"refused: {error}"
    return f"not refused: {outcome.summary()}"


def read_old(stream, kind: str, cap: float) -> str:
    """Main's reader before issue 16, rows counted as the importer would iterate them."""
    import csv

    import openpyxl

    def out_of_time(*_args):
        raise TimeoutError

    resource.setrlimit(resource.RLIMIT_AS, (OLD_CAP_MB * MB, OLD_CAP_MB * MB))
    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(int(cap))
    rows = 0
    try:
        if kind in CSV_KINDS:
            text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
            for _values in csv.reader(text):
                rows += 1
        else:
            workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
            for _values in workbook.worksheets[0].iter_rows(values_only=True):
                rows += 1
    except MemoryError:
        return f"MemoryError at the {OLD_CAP_MB:,} MB address-space cap after {rows:,} rows"
    except TimeoutError:
        return f"still reading after {cap:.0f} s ({rows:,} rows), stopped"
    except csv.Error as error:
        return f"refused after reading the line whole: {error}"
    return f"read {rows:,} rows"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["make", "read"])
    parser.add_argument("--kind", required=True)
    parser.add_argument("--side", choices=["ours", "old"], default="ours")
    parser.add_argument("--cap", type=float, default=60, help="seconds the old reader may take")
    args = parser.parse_args()
    if args.action == "make":
        if args.kind not in CSV_KINDS:
            path = make(args.kind)
            print(f"wrote {path} ({path.stat().st_size / MB:.1f} MB)")
        return
    from bench.measures import setup

    setup()
    stream, size, expanded = source(args.kind)
    started = time.perf_counter()
    outcome = read_ours(stream) if args.side == "ours" else read_old(stream, args.kind, args.cap)
    seconds = time.perf_counter() - started
    note = f"{size / MB:,.1f} MB file, {expanded / MB:,.0f} MB expanded; {outcome[:160]}"
    print(note)
    print("RESULT " + json.dumps({"count": 1, "seconds": seconds, "note": note}, ensure_ascii=False))


if __name__ == "__main__":
    main()
