#!/usr/bin/env bash
# The daily scan at the scale of DATABASE_URL's register (seed it first: bench/run.sh or
# `manage.py seed_demo --businesses 1000000`). Steps: renewal history, go-live catch-up,
# the catch-up after a 30-day outage, a steady-state day, the same with caps off, and
# the per-business loop baseline. E-mail sends stay queued (sending hours closed).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL=postgres://… (a database of its own)}"
PY=${PYTHON:-.venv/bin/python}
DAY=${BENCH_SCAN_DATE:-2026-12-28}
export SENDING_HOUR_FROM=0 SENDING_HOUR_TO=0 CELERY_BROKER_URL=
day() { $PY -c "import datetime,sys; print(datetime.date.fromisoformat('$DAY') + datetime.timedelta(days=int(sys.argv[1])))" "$1"; }
step() {
  echo "\$ $*"
  /usr/bin/time -f "wall %es, peak RSS %MkB" "$@" 2>&1 | grep -vE "INFO|^\s*$" | tail -n 8
}

$PY manage.py migrate --noinput -v0
step $PY manage.py sync_terms
step $PY manage.py seed_demo_renewals
# Start from no notices (TRUNCATE … CASCADE also empties the call tasks that hang off them).
$PY manage.py shell -v0 -c "from django.db import connection; connection.cursor().execute('TRUNCATE outreach_notice, outreach_scanrun CASCADE')"
step $PY manage.py run_reminders --date "$(day -31)"
step $PY manage.py run_reminders --date "$DAY"
step $PY manage.py run_reminders --date "$(day 1)"
step $PY manage.py run_reminders --date "$(day 2)" --dry-run
DAILY_CAP_EMAIL=0 DAILY_CAP_POSTCARD=0 DAILY_CAP_PHONE=0 step $PY manage.py run_reminders --date "$(day 2)" --dry-run
step $PY bench/scan_loop.py --date "$(day 2)" --seconds 60
