from collections import Counter

from faults.ledger import Tally, table, tally, webhook_tally


def test_every_due_notice_sent_once_is_ok():
    result = tally("clean", due=[1, 2], notices=[(10, 1, "sent"), (11, 2, "sent")], received=Counter({10: 1, 11: 1}))
    assert result == Tally("clean", 2, 2, 2, 0, 0, 0, 0, 0)
    assert result.ok


def test_a_message_received_twice_is_a_duplicate():
    result = tally("twice", due=[1], notices=[(10, 1, "sent")], received=Counter({10: 2}))
    assert result.duplicated == 1
    assert not result.ok


def test_a_due_business_without_a_notice_is_lost():
    result = tally("missing", due=[1, 2], notices=[(10, 1, "sent")], received=Counter({10: 1}))
    assert (result.created, result.lost) == (1, 1)
    assert not result.ok


def test_a_notice_marked_sent_that_the_server_never_got_is_lost():
    result = tally("phantom", due=[1], notices=[(10, 1, "sent")], received=Counter())
    assert result.lost == 1


def test_failed_or_cancelled_due_notices_are_lost():
    notices = [(10, 1, "failed"), (11, 2, "cancelled")]
    assert tally("dropped", due=[1, 2], notices=notices, received=Counter()).lost == 2


def test_uncertain_and_waiting_notices_are_reported_not_lost():
    notices = [(10, 1, "uncertain"), (11, 2, "queued"), (12, 3, "sending")]
    result = tally("pending", due=[1, 2, 3], notices=notices, received=Counter({10: 1}))
    assert (result.uncertain, result.waiting, result.lost) == (1, 2, 0)
    assert result.ok


def test_a_notice_for_a_business_not_due_is_unexpected():
    result = tally("stray", due=[1], notices=[(10, 1, "sent"), (11, 9, "sent")], received=Counter({10: 1, 11: 1}))
    assert result.unexpected == 1
    assert not result.ok


def test_table_prints_one_row_per_scenario_with_its_result():
    rows = [
        tally("worker SIGKILL", due=[1], notices=[(10, 1, "sent")], received=Counter({10: 1})),
        tally("two beats", due=[1], notices=[(10, 1, "sent")], received=Counter({10: 2})),
    ]
    lines = table(rows).splitlines()
    assert lines[0].split()[:3] == ["scenario", "due", "created"]
    assert lines[1].startswith("worker SIGKILL") and lines[1].endswith("OK")
    assert lines[2].startswith("two beats") and lines[2].endswith("FAIL")
    assert lines[2].split()[-4] == "1"  # the duplicated column


def webhook(**overrides) -> Tally:
    counts = {
        "events": {"a": 1, "b": 2},
        "acknowledged": Counter({"a": 2, "b": 1}),  # a provider may deliver an event twice
        "pending": [],
        "recorded": Counter({"a": 1, "b": 1}),
        "effects": Counter({1: 1, 2: 1}),
    }
    return webhook_tally("webhook", **(counts | overrides))


def test_every_event_recorded_once_with_its_effect_is_ok():
    assert webhook() == Tally("webhook", 2, 2, 2, 0, 0, 0, 0, 0)
    assert webhook().ok


def test_an_acknowledged_event_not_recorded_is_lost():
    result = webhook(recorded=Counter({"a": 1}), effects=Counter({1: 1}))
    assert (result.created, result.lost) == (1, 1)
    assert not result.ok


def test_an_event_recorded_without_its_effect_is_lost():
    assert webhook(effects=Counter({1: 1})).lost == 1


def test_an_effect_applied_twice_is_a_duplicate():
    result = webhook(effects=Counter({1: 2, 2: 1}))
    assert result.duplicated == 1
    assert not result.ok


def test_an_event_the_provider_still_holds_is_waiting_not_lost():
    result = webhook(acknowledged=Counter({"a": 1}), pending=["b"], recorded=Counter({"a": 1}), effects=Counter({1: 1}))
    assert (result.waiting, result.lost) == (1, 0)
    assert result.ok


def test_an_effect_on_a_business_no_event_concerned_is_unexpected():
    assert webhook(effects=Counter({1: 1, 2: 1, 3: 1})).unexpected == 1
