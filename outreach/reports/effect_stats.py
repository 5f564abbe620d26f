"""The statistics of a holdout experiment: the normal approximation, by hand (no SciPy here).

Two groups, n₁ and n₂ businesses, r₁ and r₂ of them renewed by expiry, rates p = r / n.
- The difference p₁ − p₂ has the standard error √(p₁(1−p₁)/n₁ + p₂(1−p₂)/n₂) and the 95 %
  interval difference ± 1.96 × that (Wald). Fine from a few dozen renewals and lapses per
  group, which is all an experiment worth reading has.
- The power to detect an effect d (the chance that a two-sided test at the 5 % level finds
  a true difference d): with p₁ the contacted group's rate and p₂ = p₁ − d, and the standard
  error se as above, power = Φ(d / se − 1.96) + Φ(−d / se − 1.96).
Φ is the standard normal distribution function, from math.erf.
"""

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054  # Φ⁻¹(0.975)


def normal_cdf(x: float) -> float:
    """Φ(x), the standard normal distribution function."""
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _standard_error(p1: float, n1: int, p2: float, n2: int) -> float:
    return math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)


@dataclass(frozen=True)
class Difference:
    value: float
    low: float
    high: float


def rate_difference(r1: int, n1: int, r2: int, n2: int) -> Difference | None:
    """p₁ − p₂ with its 95 % interval; None while a group is empty."""
    if not n1 or not n2:
        return None
    p1, p2 = r1 / n1, r2 / n2
    margin = Z_95 * _standard_error(p1, n1, p2, n2)
    return Difference(p1 - p2, p1 - p2 - margin, p1 - p2 + margin)


def power(*, base_rate: float, effect: float, n1: int, n2: int) -> float | None:
    """The chance of detecting a true difference `effect` between a group of n₁ at `base_rate`
    and one of n₂ at `base_rate − effect` (two-sided, 5 %); None while a group is empty."""
    if not n1 or not n2 or effect <= 0:
        return None
    p2 = min(max(base_rate - effect, 0.0), 1.0)
    se = _standard_error(base_rate, n1, p2, n2)
    if se == 0:
        return 1.0
    shift = effect / se
    return normal_cdf(shift - Z_95) + normal_cdf(-shift - Z_95)
