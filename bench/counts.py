"""Row counts of the seeded register, for the report: python -m bench.counts."""

import json

from bench.measures import setup


def main() -> None:
    setup()
    from outreach.models import Notice
    from registrations.models import Business, Membership, SubcontractLink
    from renewals.models import Term

    tables = {"businesses": Business, "links": SubcontractLink, "memberships": Membership, "terms": Term}
    register = {label: model.objects.count() for label, model in {**tables, "notices": Notice}.items()}
    print("RESULT " + json.dumps({"count": 0, "seconds": 0, "register": register}))


if __name__ == "__main__":
    main()
