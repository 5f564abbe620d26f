"""Import files for tests: the interchange format's header and valid rows, in any encoding."""

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape

import openpyxl

from registrations.imports import BusinessRows

HEADER = [c.header for c in BusinessRows.columns]
VALID_CORPORATE_NUMBER = "5835678256246"


def business_row(**overrides) -> dict[str, str]:
    row = {
        "事業者ID": "12345678901234",
        "法人番号": VALID_CORPORATE_NUMBER,
        "商号": "株式会社髙橋工務店",
        "商号カナ": "かぶしきがいしゃたかはしこうむてん",
        "代表者名": "髙橋 一郎",
        "資本金": "30,000,000",
        "一人親方": "0",
        "法人個人": "",
        "郵便番号": "100-0001",
        "都道府県": "東京都",
        "住所": "千代田区千代田1-1",
        "電話番号": "03-1234-5678",
        "メールアドレス": "info@example.jp",
        "業種": "とび・土工・コンクリート・大工",
        "建設業許可番号": "東京都知事許可(般-5)第123456号",
        "登録日": "2021/12/10",
        "有効期限": "",
        "所属団体": "",
    }
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict[str, str]], encoding: str = "cp932", header: list[str] = HEADER) -> bytes:
    """A CSV as Excel writes it: CRLF, quotes only where needed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], header: list[str] = HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# Hand-built workbooks: the parts Excel writes, so that a test can make any of them hostile.
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>'
)
OVERRIDE = (
    '<Override PartName="/{part}" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.{kind}+xml"/>'
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
REL = (
    '<Relationship Id="{id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{type}" '
    'Target="{target}"/>'
)
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELS_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def cell_ref(column: int, row: int) -> str:
    return f"{openpyxl.utils.get_column_letter(column)}{row}"


def sheet_xml(rows: list[list], dimension: str = "") -> str:
    """A worksheet of inline strings (str), numbers (int/float) and formulas ('=…', no cached result)."""
    out = [f'<?xml version="1.0" encoding="UTF-8"?><worksheet {MAIN}>']
    if dimension:
        out.append(f'<dimension ref="{dimension}"/>')
    out.append("<sheetData>")
    for number, row in enumerate(rows, start=1):
        out.append(f'<row r="{number}">')
        for column, value in enumerate(row, start=1):
            ref = cell_ref(column, number)
            if value is None or value == "":
                continue
            if isinstance(value, str) and value.startswith("="):
                out.append(f'<c r="{ref}"><f>{escape(value[1:])}</f></c>')
            elif isinstance(value, str):
                out.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
            else:
                out.append(f'<c r="{ref}"><v>{value}</v></c>')
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out)


def workbook_bytes(sheets: dict[str, str | Iterable[bytes]], hidden: tuple[str, ...] = (), shared=None) -> bytes:
    """An XLSX of the given worksheet parts (XML text, or chunks streamed into the archive).

    `shared` is the sharedStrings part, as text or chunks. Chunks are compressed as they
    come, so a part that expands to gigabytes costs the test only its compressed size.
    """
    out = io.BytesIO()
    rels = [
        REL.format(id=f"rId{i}", type="worksheet", target=f"worksheets/sheet{i}.xml") for i in range(1, len(sheets) + 1)
    ]
    if shared is not None:
        rels.append(REL.format(id="rIdS", type="sharedStrings", target="sharedStrings.xml"))
    states = {name: ' state="hidden"' if name in hidden else "" for name in sheets}
    entries = "".join(
        f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"{states[name]}/>' for i, name in enumerate(sheets, start=1)
    )
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        kinds = {"xl/workbook.xml": "sheet.main"} | dict.fromkeys(
            (f"xl/worksheets/sheet{i}.xml" for i in range(1, len(sheets) + 1)), "worksheet"
        )
        if shared is not None:
            kinds["xl/sharedStrings.xml"] = "sharedStrings"
        overrides = "".join(OVERRIDE.format(part=part, kind=kind) for part, kind in kinds.items())
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(overrides=overrides))
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", f"<workbook {MAIN} {RELS_NS}><sheets>{entries}</sheets></workbook>")
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{"".join(rels)}</Relationships>',
        )
        parts = {f"xl/worksheets/sheet{i}.xml": part for i, part in enumerate(sheets.values(), start=1)}
        if shared is not None:
            parts["xl/sharedStrings.xml"] = shared
        for name, part in parts.items():
            with archive.open(name, "w", force_zip64=True) as stream:
                for chunk in [part.encode()] if isinstance(part, str) else part:
                    stream.write(chunk)
    return out.getvalue()


def repeated(head: str, body: str, times: int, tail: str, per_chunk: int = 100_000) -> Iterator[bytes]:
    """head + body × times + tail, as chunks: a part that expands to len(body) × times bytes."""
    yield head.encode()
    block = (body * per_chunk).encode()
    for _ in range(times // per_chunk):
        yield block
    yield (body * (times % per_chunk)).encode()
    yield tail.encode()
