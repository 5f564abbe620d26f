"""Import files for tests: the interchange format's header and valid rows, in any encoding."""

import csv
import io

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
