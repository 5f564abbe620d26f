#!/usr/bin/env bash
# The measurements of BENCHMARKS.md, in order, against DATABASE_URL (PostgreSQL).
# Seeds BENCH_BUSINESSES (default 1,000,000) into an empty register first, so use a
# database of its own. Each step prints the command it ran and its result.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL=postgres://… (a database of its own)}"
PY=${PYTHON:-.venv/bin/python}
N=${BENCH_BUSINESSES:-1000000}
ROWS=${BENCH_IMPORT_ROWS:-200000}
OUT=var/bench
mkdir -p "$OUT"

step() {  # step COMMAND…: run it under /usr/bin/time, print wall time and peak RSS
  echo "\$ $*"
  /usr/bin/time -f "wall %es, peak RSS %MkB" "$@" 2>&1 | grep -v "^[0-9]*行目" | tail -n 3
}

$PY manage.py migrate --noinput -v0
step $PY manage.py seed_demo --businesses "$N" --if-empty
step $PY bench/changelist.py --requests 20 --stock-requests 5
step $PY bench/make_import_file.py --rows "$ROWS" --out "$OUT/businesses.csv"
step $PY bench/make_import_file.py --rows "$ROWS" --out "$OUT/businesses-fields.csv" --field-names
step $PY manage.py import_businesses "$OUT/businesses.csv" --dry-run
step $PY manage.py import_businesses "$OUT/businesses.csv"
step $PY manage.py import_businesses "$OUT/businesses.csv"
step $PY bench/import_default_resource.py "$OUT/businesses-fields.csv" --seconds 60
bench/scan.sh
