"""django-import-export's default ModelResource on the same rows, time-capped, rolled back.

    python bench/import_default_resource.py var/bench/businesses-fields.csv --seconds 60

Only `import_id_fields = ["ccus_id"]` is set, so that rows match by 事業者ID as ours do.
It imports rows in order until the time cap and reports rows/s for that sample and
the process's peak RSS; the transaction is rolled back so the register is unchanged.
"""

import argparse
import json
import resource
import time

import tablib
from django_env import django_setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    django_setup()
    from django.db import transaction
    from import_export.resources import modelresource_factory

    from registrations.models import Business

    resource_class = modelresource_factory(Business, meta_options={"import_id_fields": ["ccus_id"]})
    with open(args.file, encoding="utf-8") as stream:
        dataset = tablib.Dataset().load(stream.read(), format="csv")
    rows, started = 0, time.monotonic()
    with transaction.atomic():
        while rows < len(dataset) and time.monotonic() - started < args.seconds:
            batch = tablib.Dataset(*dataset[rows : rows + args.batch], headers=dataset.headers)
            result = resource_class().import_data(batch, dry_run=False, raise_errors=True)
            rows += len(batch)
            assert not result.has_validation_errors()
        elapsed = time.monotonic() - started
        transaction.set_rollback(True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"default ModelResource: {rows:,} of {len(dataset):,} rows in {elapsed:.1f}s = {rows / elapsed:,.0f} rows/s, "
        f"peak RSS {peak:,.0f} MB (time-capped sample, rolled back)"
    )
    print("RESULT " + json.dumps({"count": rows, "seconds": elapsed, "sample": rows < len(dataset)}))


if __name__ == "__main__":
    main()
