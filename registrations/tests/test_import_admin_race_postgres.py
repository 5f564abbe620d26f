"""On PostgreSQL: two desks confirm imports of the same new rows at once.

The test holds a SHARE lock on the register until both confirms wait to write it, so both
checked the file against the same register: the loser's rows were "new" when it checked.
"""

import threading

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from ccus import roles
from registrations.models import Business
from registrations.tests.factories import staff_user
from registrations.tests.files import business_row, csv_bytes
from registrations.tests.test_import_admin_faults import CONFIRM, leftovers, preview, private_directories

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def spool(tmp_path, settings, monkeypatch):
    return private_directories(tmp_path, settings, monkeypatch)


def waiting_for_the_register() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE relation = 'registrations_business'::regclass AND NOT granted"
        )
        return cursor.fetchone()[0]


def confirm_at_once(clients_and_forms) -> list:
    """POST each confirm from its own thread (its own connection), both checked before either writes."""
    responses = [None] * len(clients_and_forms)

    def confirm(index, client, form):
        try:
            responses[index] = client.post(CONFIRM, form, follow=True)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(i, *pair)) for i, pair in enumerate(clients_and_forms)]
    with transaction.atomic():
        connection.cursor().execute("LOCK TABLE registrations_business IN SHARE MODE")
        for thread in threads:
            thread.start()
        while waiting_for_the_register() < 2 and all(thread.is_alive() for thread in threads):
            threading.Event().wait(0.05)
    for thread in threads:
        thread.join()
    return responses


def test_the_loser_of_two_imports_of_the_same_file_gets_a_japanese_message_and_writes_nothing(postgres, spool):
    data = csv_bytes([business_row(), business_row(事業者ID="12345678901235", 商号="株式会社髙橋塗装")])
    clients = []
    for name in ("desk1", "desk2"):
        client = Client()
        client.force_login(staff_user(roles.DESK, name))
        clients.append((client, preview(client, data).context["confirm_form"].initial))

    responses = confirm_at_once(clients)

    assert [response.status_code for response in responses] == [200, 200]
    pages = sorted((response.content.decode() for response in responses), key=lambda page: "新規 2件" in page)
    assert "別の取り込みが同時にこれらの行を変更したため" in pages[0]
    assert "2行: 新規 2件" in pages[1]
    assert Business.objects.count() == 2
    assert Business.history.count() == 2  # one import's creations, nothing of the loser's
    trades = [sorted(b.trades.values_list("code", flat=True)) for b in Business.objects.order_by("ccus_id")]
    assert trades == [["03", "05"], ["03", "05"]]  # とび・土工・コンクリート, 大工: once each
    assert leftovers(spool) == []
