"""Every admin page a role may open reads Japanese: no visible English word outside an allow-list.

The pages are those of the access walk (`test_access.walk`: every registered model's list, add, change,
delete and history pages and every custom admin page), plus the site's own pages. What counts is what a
person sees: text outside <script>/<style>, the page title, and the labels of buttons, placeholders and
tooltips. A word is a run of two or more ASCII letters standing alone; identifiers (with digits, dots,
slashes, @, hyphens or underscores: IDs, file names, URLs, e-mail addresses, UTF-8, CP932) are data, and
so are the {{ placeholders }} a notice template's help names.
"""

import re
from html.parser import HTMLParser

import pytest
from axes.models import AccessLog
from django.urls import reverse

from ccus import roles
from ccus.tests.test_access import log_in, register, walk  # noqa: F401 (register is a fixture)

pytestmark = pytest.mark.django_db

# Names a Japanese back office writes in Latin letters: file formats, units, codes, keys on the keyboard.
ALLOWED = {
    "CCUS", "ID", "CSV", "csv", "XLSX", "xlsx", "PDF", "BOM", "MB", "OTP", "TOTP", "QR", "URL", "JSON", "JIS", "IP",
    "UTC", "Excel", "Esc", "Control", "Command", "Mac", "Mailgun", "Postmark",
}  # fmt: skip
SKIPPED_ELEMENTS = {"script", "style", "template", "noscript"}
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
BUTTON_TYPES = {"submit", "button", "reset"}
PLACEHOLDER = re.compile(r"\{\{.*?\}\}")
TOKEN = re.compile(r"[\w.@/:+\-#?=&%']+", re.ASCII)
WORD = re.compile(r"[A-Za-z]{2,}")


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []  # open elements whose content nobody sees

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self.skipping or tag in SKIPPED_ELEMENTS or "hidden" in attributes:
            if tag not in VOID_ELEMENTS:
                self.skipping.append(tag)
            return
        self.parts += [attributes[name] or "" for name in ("title", "placeholder") if name in attributes]
        if tag == "input" and attributes.get("type") in BUTTON_TYPES:
            self.parts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def english_words(html: str) -> set[str]:
    """The English words a person sees on `html`, less the allow-list."""
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    words = set()
    for token in TOKEN.findall(PLACEHOLDER.sub(" ", " ".join(parser.parts))):
        token = token.strip(".,:;!?'")
        if WORD.fullmatch(token) and token not in ALLOWED:
            words.add(token)
    return words


def test_the_check_reads_what_a_person_sees_and_nothing_else():
    html = """<html><head><title>Change history</title><style>.x{color:red}</style>
        <script>var hidden = "Secret";</script></head><body>
        <p class="help" data-x="Attribute">事業者ID 12345678901234 を CSV (UTF-8, CP932) で出力 — desk@example.jp
        https://example.jp/admin/ outreach.tasks.scan_task walk-登録窓口 {{ representative }}</p>
        <p hidden>Not shown <b>at all</b></p><img src="x.svg" alt="True"><input type="hidden" value="Ghost">
        <input type="submit" value="Save"><input name="q" placeholder="Search"><a title="View on site">表示</a>
        <select><option>All</option></select><button>Confirm import</button></body></html>"""

    assert english_words(html) == {
        "Change",
        "history",
        "Save",
        "Search",
        "View",
        "on",
        "site",
        "All",
        "Confirm",
        "import",
    }


SITE_PAGES = ["admin:index", "admin:password_change"]


@pytest.mark.parametrize("role", roles.ALL_ROLES)
def test_every_page_a_role_opens_reads_japanese(client, register, role):  # noqa: F811 (the fixture)
    log_in(client, role)
    # force_login has no browser: django-axes records "<unknown>" where a real login records the browser.
    AccessLog.objects.filter(user_agent="<unknown>").update(user_agent="Mozilla/5.0", path_info="/admin/login/")
    urls = [reverse(name) for name in SITE_PAGES]
    urls += [url for method, url, expected in walk(role) if method == "get" and expected == 200]
    english, read = {}, 0  # word: the pages showing it
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if not response["Content-Type"].startswith("text/html"):
            continue  # a download
        read += 1
        for word in english_words(response.content.decode()):
            english.setdefault(word, []).append(url)
    assert read > 10
    assert not english, "\n".join(
        f"{word}: {pages[0]} and {len(pages) - 1} more" for word, pages in sorted(english.items())
    )


def test_the_login_page_reads_japanese(client):
    assert english_words(client.get(reverse("admin:login")).content.decode()) == set()
