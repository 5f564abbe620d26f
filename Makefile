# The README's commands. Only Python 3.11 and git are needed; everything else is installed here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_BUSINESSES ?= 3000
PORT ?= 8000

.PHONY: run postcard-images committee-image test tour lint migrations-check bench bench-smoke faults

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# The demo's desk: a sender and postage so that its postcards print (README: Postcards). Variables
# already in the environment win; a .env file does not (set them there and run without make).
run postcard-images: export DESK_PHONE ?= 03-6812-4510
run postcard-images: export POSTCARD_SENDER_NAME ?= CCUS事業者登録窓口（デモ）
run postcard-images: export POSTCARD_SENDER_POSTAL_CODE ?= 104-0032
run postcard-images: export POSTCARD_SENDER_ADDRESS ?= 東京都中央区八丁堀9-9-9 デモ会館3階
run postcard-images: export POSTCARD_POSTAGE_MARK ?= 料金別納
run postcard-images: export POSTCARD_POST_OFFICE ?= 京橋郵便局
run: export SITE_URL ?= http://127.0.0.1:$(PORT)

## run: the embedded default (SQLite, tasks in process, demo data) on http://127.0.0.1:$(PORT)/admin/
run: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_periodic_tasks
	$(BIN)/python manage.py seed_demo --businesses $(DEMO_BUSINESSES) --links-per-business 1.1 --if-empty
	$(BIN)/python manage.py seed_demo_renewals
	$(BIN)/python manage.py seed_demo_outreach
	@# The call queue's order by expected saves; a register too small to learn from keeps expiry order.
	-$(BIN)/python manage.py train_lapse_model
	$(BIN)/python manage.py run_reminders
	$(BIN)/python manage.py create_demo_users --url http://127.0.0.1:$(PORT)/admin/
	@# A worker with beat on kombu's filesystem broker runs the ladder by itself, as in production.
	export CELERY_BROKER_URL=filesystem://localhost/; \
	$(BIN)/celery -A ccus worker --beat --pool solo --loglevel WARNING & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## postcard-images: both sides of a demo postcard as PNG for the README (docs/postcard-1.png, docs/postcard-2.png)
postcard-images: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --businesses $(DEMO_BUSINESSES) --links-per-business 1.1 --if-empty
	$(BIN)/python manage.py seed_demo_renewals
	$(BIN)/python manage.py run_reminders
	$(BIN)/python manage.py postcard_sample var/postcard-sample.pdf
	pdftoppm -png -r 150 var/postcard-sample.pdf docs/postcard

## committee-image: page 1 of the demo's committee report for this fiscal quarter as PNG for the README (docs/committee-report-page1.png)
QUARTER ?= $(shell $(PYTHON) -c "import datetime, zoneinfo; d = datetime.datetime.now(zoneinfo.ZoneInfo('Asia/Tokyo')).date(); print(f'{d.year if d.month >= 4 else d.year - 1}Q{(d.month - 4) % 12 // 3 + 1}')")
committee-image: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --businesses $(DEMO_BUSINESSES) --links-per-business 1.1 --if-empty
	$(BIN)/python manage.py seed_demo_renewals
	$(BIN)/python manage.py seed_demo_outreach
	$(BIN)/python manage.py run_reminders
	$(BIN)/python manage.py committee_report --quarter $(QUARTER) | tail -1 \
	  | xargs -I{} pdftoppm -png -r 80 -f 1 -l 1 -singlefile {} docs/committee-report-page1

## test: the whole suite (SQLite unless DATABASE_URL is set; services it cannot reach are skipped)
test: $(VENV)/.dev
	$(BIN)/pytest

## tour: Chromium logs in as each role and opens its main screens; screenshots in var/tour/
tour: $(VENV)/.dev
	$(BIN)/pytest -q ccus/tests/test_tour_browser.py

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

migrations-check: $(VENV)/.dev
	$(BIN)/python manage.py makemigrations --check --dry-run

## bench: every benchmark row, ours beside its baseline, against DATABASE_URL (PostgreSQL, a database of its own); rewrites BENCHMARKS.md
SCALE ?= 50k
bench: $(VENV)/.dev
	$(BIN)/python -m bench.suite --scale $(SCALE)

## bench-smoke: the same rows on a tiny register with short caps (a few minutes)
bench-smoke: $(VENV)/.dev
	$(BIN)/python -m bench.suite --scale smoke --cap 10

## faults: the fault drill (private PostgreSQL, redis-server, SMTP, Celery worker and beat; a few minutes; needs root for runuser)
faults: $(VENV)/.dev
	$(BIN)/python -m faults
