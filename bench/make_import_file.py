"""Write an import file of N businesses taken from the register, with new 事業者IDs.

A register smaller than N is read again as often as needed, each pass under IDs of its
own (30…, 31…, 32…), so the 50k register makes the 200,000-row file.

    python bench/make_import_file.py --rows 200000 --out var/bench/businesses.csv
    python bench/make_import_file.py --rows 200000 --out var/bench/businesses-fields.csv --field-names

The first is the interchange format in CP932 (what the desk receives from Excel). The
second is the same rows as django-import-export's default ModelResource expects them:
model field names as headers, prefecture as its code, trades as codes.
"""

import argparse
import csv
import itertools
from pathlib import Path

from django_env import django_setup

NEW_ID_OFFSET = 20_000_000_000_000  # seeded IDs start at 10…; these start at 30…
PASS_OFFSET = 1_000_000_000_000  # each further pass over the register: 31…, 32…


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--field-names", action="store_true")
    args = parser.parse_args()
    django_setup()
    from registrations.export_files import HEADERS, business_rows
    from registrations.models import Business

    queryset = Business.objects.order_by("pk")[: args.rows]
    passes = range(-(-args.rows // max(queryset.count(), 1)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8" if args.field_names else "cp932", errors="replace", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        if args.field_names:
            fields = ["ccus_id", "corporate_number", "entity_type", "name", "name_kana", "representative", "capital",
                      "is_sole_proprietor", "postal_code", "prefecture", "address", "phone", "email", "trades",
                      "permit_number", "registered_on", "expires_on"]  # fmt: skip
            writer.writerow(fields)
            every = ((n, b) for n in passes for b in queryset.prefetch_related("trades").iterator(chunk_size=2_000))
            for n, b in itertools.islice(every, args.rows):
                values = {f: getattr(b, f) for f in fields if f not in ("prefecture", "trades")}
                values["ccus_id"] = str(int(b.ccus_id) + NEW_ID_OFFSET + n * PASS_OFFSET)
                values["prefecture"] = b.prefecture_id
                values["trades"] = ",".join(t.code for t in b.trades.all())
                values["is_sole_proprietor"] = int(b.is_sole_proprietor)
                writer.writerow(["" if values[f] is None else values[f] for f in fields])
        else:
            writer.writerow(HEADERS)
            every = ((n, cells) for n in passes for cells in business_rows(queryset))
            for n, cells in itertools.islice(every, args.rows):
                cells[0] = str(int(cells[0]) + NEW_ID_OFFSET + n * PASS_OFFSET)
                writer.writerow(cells)
    print(f"wrote {args.rows:,} rows to {args.out}")


if __name__ == "__main__":
    main()
