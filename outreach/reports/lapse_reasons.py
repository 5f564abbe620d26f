"""Why a term's lapse risk is high: the features that raise it most, in words the desk reads.

A reason is a group of features (the e-mail columns, the earlier calls, …). Its weight for a
term is how far the trees' log-odds fall when that group is set to the typical value of the
terms the model learned from (the most common value; the median for a number of days). The
groups that raise the risk most, by at least MIN_WEIGHT, are the term's reasons, described by
the term's own values. One prediction per group and chunk: no per-term loop over the trees.
"""

import numpy as np
from django.utils.translation import gettext as _

from outreach.models import Answer
from outreach.reports.lapse_features import ANSWER_CLASSES, GROUP_PREFIX, REASON_GROUPS
from registrations.models import CapitalBand, Prefecture

TOP_REASONS = 3
MIN_WEIGHT = 0.05  # log-odds
MEDIAN_FEATURES = {"previous_lead_days"}


def references(features: np.ndarray, names: list[str] | None = None) -> list[float | None]:
    """The typical value of each column (None: most terms have none)."""
    typical = []
    for column in range(features.shape[1]):
        values = features[:, column]
        known = values[~np.isnan(values)]
        if len(known) * 2 < len(values) or not len(known):
            typical.append(None)
        elif names and names[column] in MEDIAN_FEATURES:
            typical.append(float(np.median(known)))
        else:
            found, counts = np.unique(known, return_counts=True)
            typical.append(float(found[np.argmax(counts)]))
    return typical


class Explainer:
    """The main reasons of each term's risk, for one model."""

    def __init__(self, model, spec: dict):
        self.trees = model.calibrated_classifiers_[0].estimator
        self.names = spec["features"]
        self.references = np.array([np.nan if value is None else value for value in spec["references"]], np.float32)
        self.groups = {
            group: [self.names.index(name) for name in columns if name in self.names]
            + ([i for i, name in enumerate(self.names) if name.startswith(GROUP_PREFIX)] if group == "trades" else [])
            for group, columns in REASON_GROUPS.items()
        }
        self.prefectures = dict(Prefecture.objects.values_list("code", "name"))
        self.texts: dict[tuple, str] = {}

    def reasons(self, features: np.ndarray) -> list[list[str]]:
        """For each row, up to TOP_REASONS descriptions, strongest first.

        A group is predicted again only for the rows where it differs from the typical value (the
        others' weight is 0), and each distinct description is written once: at a million terms
        the trees and gettext are the cost.
        """
        base = self.trees.decision_function(features)
        weights = np.zeros((len(features), len(self.groups)), dtype=np.float32)
        for position, columns in enumerate(self.groups.values()):
            differs = np.flatnonzero((features[:, columns] != self.references[columns]).any(axis=1))
            if len(differs):
                typical = features[differs]
                typical[:, columns] = self.references[columns]
                weights[differs, position] = base[differs] - self.trees.decision_function(typical)
        keys = list(self.groups)
        order = np.argsort(-weights, axis=1)[:, :TOP_REASONS]
        found = []
        for row, row_weights, row_order in zip(features.tolist(), weights, order, strict=True):
            found.append([self.describe(keys[i], row) for i in row_order if row_weights[i] >= MIN_WEIGHT])
        return found

    def describe(self, group: str, row: list[float]) -> str:
        """The term's own values of a reason group, in Japanese (each distinct text made once)."""
        columns = self.groups[group]
        key = (group, *(row[i] for i in columns))
        if key not in self.texts:
            values = {self.names[i]: row[i] for i in columns}
            self.texts[key] = getattr(self, f"_{group}")(values)
        return self.texts[key]

    def _prefecture(self, values):
        code = f"{int(values['prefecture']):02d}"
        return _("prefecture: %(name)s") % {"name": self.prefectures.get(code, code)}

    def _capital(self, values):
        return _("capital band: %(band)s") % {"band": CapitalBand(int(values["capital_band"])).label}

    def _kind(self, values):
        if values["sole_proprietor"]:
            return _("sole proprietor (一人親方)")
        return _("individual business") if values["individual"] else _("corporation")

    def _email(self, values):
        if not values["has_email"]:
            return _("no e-mail address registered")
        if values["email_bounced"]:
            return _("e-mail bounced")
        return _("asked not to be e-mailed") if values["do_not_email"] else _("has an e-mail address")

    def _phone(self, values):
        if not values["has_phone"]:
            return _("no phone number registered")
        if values["phone_invalid"]:
            return _("phone number wrong")
        return _("asked not to be called") if values["do_not_call"] else _("has a phone number")

    def _address(self, values):
        if values["address_undeliverable"]:
            return _("postal mail returned (address unknown)")
        return _("postal mail arrives")

    def _trades(self, values):
        groups = [name.removeprefix(GROUP_PREFIX) for name, value in values.items() if name.startswith(GROUP_PREFIX)]
        groups = [name for name in groups if values[GROUP_PREFIX + name]]
        if groups:
            return _("trades: %(groups)s") % {"groups": "・".join(groups)}
        return _("%(count)s trades, none in a trade group") % {"count": int(values["trades"])}

    def _memberships(self, values):
        count = int(values["memberships"])
        return _("member of %(count)s associations") % {"count": count} if count else _("member of no association")

    def _primes(self, values):
        count = int(values["primes"])
        if not count:
            return _("works for no prime contractor on record")
        return _("works for %(count)s prime contractors (tier %(tier)s)") % {
            "count": count,
            "tier": int(values["tier"]),
        }

    def _previous(self, values):
        if not values["earlier_terms"]:
            return _("first registration term")
        if values["previous_lapsed"]:
            return _("the previous term lapsed")
        return _("previous renewal applied %(days)s days before expiry") % {"days": int(values["previous_lead_days"])}

    def _calls(self, values):
        counts = [
            (values["calls_reached"], _("reached %(count)s times")),
            (values["calls_no_answer"], _("no answer %(count)s times")),
            (values["calls_refused"], _("refused %(count)s times")),
            (values["calls_wrong_number"], _("wrong number %(count)s times")),
        ]
        parts = [text % {"count": int(count)} for count, text in counts if count]
        return _("earlier calls: %(calls)s") % {"calls": "、".join(parts)} if parts else _("no earlier calls")

    def _answers(self, values):
        parts = [
            _("%(answer)s (%(count)s times)") % {"answer": Answer.Kind(kind).label, "count": int(values[name])}
            for name, (kind,) in ANSWER_CLASSES.items()
            if values[name]
        ]
        return _("earlier answers: %(answers)s") % {"answers": "、".join(parts)} if parts else _("no earlier answers")
