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


@pytest.fixture
def postgres(db):
    """The test needs PostgreSQL (row locks, COPY, trigram indexes)."""
    require(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://…")


@pytest.fixture
def redis_url():
    require(_reachable("127.0.0.1", 6379), "needs Redis on 127.0.0.1:6379")
    return REDIS_URL


@pytest.fixture
def browser(monkeypatch):
    require(shutil.which(CHROMIUM) is not None, f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in
    # the test body are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

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
def page(browser, live_server):
    context = browser.new_context(locale="ja-JP", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


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
