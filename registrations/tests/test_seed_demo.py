"""seed_demo: a believable register in one command, COPY-based on PostgreSQL."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count

from registrations.expiry import expiry_for
from registrations.models import Business, Membership, SubcontractLink


def seed(count: int) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--businesses", str(count), stdout=out)
    return out.getvalue()


def check_register(count: int) -> None:
    assert Business.objects.count() == count
    business = Business.objects.order_by("pk")[count // 2]
    assert business.expires_on == expiry_for(business.registered_on)
    assert business.name_key and business.search_text  # derived fields were written
    assert Membership.objects.exists()
    tiers = set(SubcontractLink.objects.values_list("tier", flat=True))
    assert tiers == {1, 2, 3}
    per_business = SubcontractLink.objects.count() / count
    assert 3 < per_business < 9
    assert not Business.objects.annotate(n=Count("trades")).filter(n=0).exists()


@pytest.mark.django_db
def test_seed_demo_builds_a_register_with_tiers_trades_and_memberships():
    assert "businesses 400" in seed(400)
    check_register(400)


def test_seed_demo_copies_into_postgres(postgres):
    """COPY streams rows while the generators run: none of them may query the database."""
    seed(400)
    check_register(400)


@pytest.mark.django_db
def test_seed_demo_registers_nobody_in_the_future():
    """Passes the register's own rule: a 登録日 is never after today (here 2025-01-10 in Tokyo)."""
    with time_machine.travel(datetime.datetime(2025, 1, 10, 1, 0, tzinfo=datetime.UTC), tick=False):
        seed(300)
    latest = Business.objects.order_by("-registered_on").values_list("registered_on", flat=True).first()
    assert datetime.date(2024, 12, 1) < latest <= datetime.date(2025, 1, 10)


@pytest.mark.django_db
def test_make_runs_demo_gives_each_prime_a_tree_of_a_few_dozen_in_three_tiers():
    call_command("seed_demo", "--businesses", "600", "--links-per-business", "1.1", stdout=io.StringIO())
    below: dict[int, set[int]] = {}
    for prime, sub in SubcontractLink.objects.values_list("prime_id", "subcontractor_id"):
        below.setdefault(prime, set()).add(sub)
    subcontractors = {sub for subs in below.values() for sub in subs}
    primes = set(below) - subcontractors
    sizes = []
    for prime in primes:
        reached, frontier = set(), {prime}
        while frontier:
            frontier = {sub for business in frontier for sub in below.get(business, ())} - reached
            reached |= frontier
        sizes.append(len(reached))

    assert len(primes) == 12
    assert all(5 <= size <= 120 for size in sizes), sorted(sizes)
    assert set(SubcontractLink.objects.values_list("tier", flat=True)) == {1, 2, 3}
