"""Shared test fixtures: real services where they exist (ARCHITECTURE principle 9).

A test that needs PostgreSQL, Redis or Chromium skips with the reason where the
service is missing, and fails instead when CI=true.
"""

import os
import shutil
import socket

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations


def pytest_configure(config):
    """A fast password hasher: the default one is slow on purpose, and tests log in often."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


CI = os.environ.get("CI", "").lower() == "true"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def require(available: bool, reason: str) -> None:
    """Skip when a service is missing; under CI a missing service is a failure."""
    if available:
        return
    if CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _delete_rows_sql(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    """Empty the tables with DELETE: on a mostly empty test database much faster than TRUNCATE.

    Django empties every table after each transactional test (live server, browser, worker tests);
    TRUNCATE replaces each table's files, which costs seconds per test on a loaded machine.
    Foreign keys are deferred (Django creates them so), so the order of the deletes does not matter.
    """
    if reset_sequences or allow_cascade:
        return _truncate_sql(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
    return [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]


_truncate_sql = PostgresOperations.sql_flush


@pytest.fixture(scope="session", autouse=True)
def _flush_by_delete():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PostgresOperations, "sql_flush", _delete_rows_sql)
        yield


@pytest.fixture
def postgres(db):
    """The test needs PostgreSQL (row locks, COPY, trigram indexes)."""
    require(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://…")


@pytest.fixture
def redis_url():
    require(_reachable("127.0.0.1", 6379), "needs Redis on 127.0.0.1:6379")
    return REDIS_URL


# Browser waits are on conditions (a URL, a locator's text); this is how long a condition may take under
# load on a shared machine before the test fails. No test waits a fixed time.
BROWSER_TIMEOUT_MS = 30_000


@pytest.fixture
def browser(monkeypatch):
    """Chromium for one test. Not shared across tests: while Playwright's sync API lives it runs an event
    loop in this thread, and Django then keeps its connections apart from the test database's setup."""
    require(shutil.which(CHROMIUM) is not None, f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    # Django's ORM calls in the test body are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """Opens pages, each in a fresh browser context with the suite's condition timeout; closes them after."""
    contexts = []

    def open_page(**options):
        context = browser.new_context(locale="ja-JP", base_url=live_server.url, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(BROWSER_TIMEOUT_MS)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(autouse=True)
def postcard_sender(settings):
    """Tests run as a configured desk: a real-looking phone, a return address and a postage mark.

    A print batch refuses to build without them (outreach/postcards/sender.py); the tests of
    that refusal clear them.
    """
    settings.DESK_PHONE = "03-6812-4510"
    settings.POSTCARD_SENDER_NAME = "CCUS事業者登録窓口"
    settings.POSTCARD_SENDER_POSTAL_CODE = "104-0032"
    settings.POSTCARD_SENDER_ADDRESS = ["東京都中央区八丁堀9-9-9 テスト会館3階"]
    settings.POSTCARD_POSTAGE_MARK = "料金別納"
    settings.POSTCARD_POST_OFFICE = "京橋郵便局"
    settings.POSTCARD_POSTAGE_APPROVAL = ""
