"""Drift in the class mix: the recent window's class distribution against the baseline's.

The two windows form a 2 × K table of counts (K classes used in either).  A
test of homogeneity says whether the mix differs more than sampling explains:
Pearson's chi-square with its asymptotic p-value when every expected count is
at least ``min_expected``, else a seeded Monte Carlo estimate of the same
statistic's p-value (tables drawn with both margins fixed, i.e. the recent
window as a random draw without replacement from the pooled incidents).  The
Jensen–Shannon distance (base 2, 0 = same mix, 1 = disjoint) says how large
the shift is.  Drift is declared only when the shift is both significant and
large, and only when both windows hold enough incidents: a p-value from eight
records is no evidence of anything.

Per class: the shares, their change, the adjusted standardised residual of the
recent cell (Haberman's; about N(0, 1) when nothing changed) and the p-value of
the class's own 2 × 2 exact test (this class against the rest, recent against
baseline), Holm-adjusted over the classes.  When drift is declared, the classes
whose adjusted p-value is below ``class_alpha`` and whose share moved by at least
``min_share_change`` are named: the overall test says *that* the mix moved,
these say *which* classes moved, without naming a class for noise merely
because it sits in a drifting table.  A falling class and a rising class are
paired ("`timeout` fell … while
`resource-exhaustion` rose …") using the evidence the caller supplies (how many
recent records of the rising class look like the falling one).

Plain data in and out; numpy and scipy are imported here only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from failearn.config import AuditConfig
from failearn.figures import percent

INSUFFICIENT = "insufficient-data"
DRIFT = "drift"
NO_DRIFT = "no-drift"


@dataclass(frozen=True)
class DriftThresholds:
    """When a shift counts as drift: the ``[audit]`` values of these names, whose
    defaults and meaning are :class:`failearn.config.AuditConfig`'s (:meth:`of`)."""

    alpha: float
    min_distance: float
    min_recent: int
    min_baseline: int
    min_expected: float
    samples: int
    seed: int
    class_alpha: float
    min_share_change: float

    @classmethod
    def of(cls, config: AuditConfig) -> DriftThresholds:
        """The thresholds the audit settings in force set."""
        return cls(**{f.name: getattr(config, f.name) for f in fields(cls)})


@dataclass(frozen=True)
class ClassShare:
    """One class in the two windows."""

    failure_class: str
    recent_count: int
    baseline_count: int
    recent_share: float
    baseline_share: float
    delta: float
    # Adjusted standardised residual of the recent cell; 0 when undefined.
    residual: float
    # Holm-adjusted p-value of the class's own exact test; None when not tested.
    p_value: float | None = None
    # "rose" or "fell" when the class is named as part of a drift; else None.
    direction: str | None = None


@dataclass(frozen=True)
class HomogeneityTest:
    """The test of homogeneity and the size of the shift."""

    method: str  # "chi-square", "monte-carlo", or "none" (not computed)
    statistic: float | None
    dof: int
    p_value: float | None
    samples: int | None
    seed: int | None
    smallest_expected: float | None
    js_distance: float | None


@dataclass(frozen=True)
class DriftAnalysis:
    """The verdict on the class mix, why, and every class's figures."""

    verdict: str
    significant: bool
    large: bool
    reason: str
    recent_total: int
    baseline_total: int
    test: HomogeneityTest
    classes: list[ClassShare]


@dataclass(frozen=True)
class Shift:
    """A named shift: a falling class paired with a rising one, or a lone rise or fall."""

    kind: str  # "paired", "rose" or "fell"
    fell: ClassShare | None
    rose: ClassShare | None
    # Recent records of the rising class that look like the falling class.
    evidence: int
    message: str


def _insufficient(recent: int, baseline: int, thresholds: DriftThresholds) -> str | None:
    if recent == 0:
        return "no incidents in the recent window: there is nothing to compare"
    if baseline == 0:
        return "no incidents in the baseline window: there is nothing to compare against"
    if recent < thresholds.min_recent:
        return (
            f"only {recent} incident(s) in the recent window; at least "
            f"{thresholds.min_recent} are needed to judge drift (widen --recent)"
        )
    if baseline < thresholds.min_baseline:
        return (
            f"only {baseline} incident(s) in the baseline window; at least "
            f"{thresholds.min_baseline} are needed to judge drift (widen --baseline)"
        )
    return None


def _chi_square(
    observed: list[int], column: list[int], n_recent: int, n_baseline: int
) -> tuple[float, list[float]]:
    """Pearson's statistic of the 2 × K table and the expected recent counts."""
    total = n_recent + n_baseline
    statistic = 0.0
    expected_recent: list[float] = []
    for count, col in zip(observed, column, strict=True):
        e_r = n_recent * col / total
        e_b = n_baseline * col / total
        expected_recent.append(e_r)
        diff = count - e_r
        statistic += diff * diff * (1 / e_r + 1 / e_b)
    return statistic, expected_recent


def _monte_carlo_p(
    statistic: float, column: list[int], n_recent: int, n_baseline: int, samples: int, seed: int
) -> float:
    """P(statistic at least as large) under homogeneity, by drawing tables with fixed margins."""
    import numpy as np

    rng = np.random.Generator(np.random.PCG64(seed))
    colors = np.asarray(column, dtype=np.int64)
    drawn = rng.multivariate_hypergeometric(colors, n_recent, size=samples, method="marginals")
    total = n_recent + n_baseline
    expected = n_recent * colors / total
    weight = 1 / expected + 1 / (n_baseline * colors / total)
    simulated = ((drawn - expected) ** 2 * weight).sum(axis=1)
    # A small tolerance so that ties with the observed table count as "as large".
    exceed = int((simulated >= statistic * (1 - 1e-9)).sum())
    return (1 + exceed) / (samples + 1)


def _js_distance(recent: list[float], baseline: list[float]) -> float:
    """Jensen–Shannon distance, base 2 (in [0, 1])."""
    divergence = 0.0
    for p, q in zip(recent, baseline, strict=True):
        m = (p + q) / 2
        if p > 0:
            divergence += p * math.log2(p / m) / 2
        if q > 0:
            divergence += q * math.log2(q / m) / 2
    return math.sqrt(max(divergence, 0.0))


def compare(
    recent: Mapping[str, int], baseline: Mapping[str, int], thresholds: DriftThresholds
) -> DriftAnalysis:
    """Compare the class counts of the recent window with the baseline's."""
    names = sorted(
        c for c in set(recent) | set(baseline) if recent.get(c, 0) + baseline.get(c, 0) > 0
    )
    observed = [int(recent.get(c, 0)) for c in names]
    base = [int(baseline.get(c, 0)) for c in names]
    n_recent, n_baseline = sum(observed), sum(base)
    total = n_recent + n_baseline
    column = [r + b for r, b in zip(observed, base, strict=True)]
    recent_share = [r / n_recent if n_recent else 0.0 for r in observed]
    base_share = [b / n_baseline if n_baseline else 0.0 for b in base]
    residuals = [0.0] * len(names)
    if n_recent and n_baseline:
        for i, col in enumerate(column):
            expected = n_recent * col / total
            variance = expected * (1 - n_recent / total) * (1 - col / total)
            if variance > 0:
                residuals[i] = (observed[i] - expected) / math.sqrt(variance)
    why_not = _insufficient(n_recent, n_baseline, thresholds)
    shares = [
        ClassShare(
            c,
            observed[i],
            base[i],
            recent_share[i],
            base_share[i],
            recent_share[i] - base_share[i],
            residuals[i],
        )
        for i, c in enumerate(names)
    ]
    if why_not is not None:
        test = HomogeneityTest("none", None, 0, None, None, None, None, None)
        return DriftAnalysis(
            INSUFFICIENT, False, False, why_not, n_recent, n_baseline, test, _order(shares)
        )
    distance = _js_distance(recent_share, base_share)
    if len(names) < 2:
        test = HomogeneityTest("none", 0.0, 0, 1.0, None, None, None, distance)
        return DriftAnalysis(
            NO_DRIFT,
            False,
            False,
            "a single class in both windows: the mix cannot shift",
            n_recent,
            n_baseline,
            test,
            _order(shares),
        )
    statistic, expected_recent = _chi_square(observed, column, n_recent, n_baseline)
    smallest = min(min(expected_recent), min(n_baseline * c / total for c in column))
    dof = len(names) - 1
    if smallest < thresholds.min_expected:
        p_value = _monte_carlo_p(
            statistic, column, n_recent, n_baseline, thresholds.samples, thresholds.seed
        )
        test = HomogeneityTest(
            "monte-carlo",
            statistic,
            dof,
            p_value,
            thresholds.samples,
            thresholds.seed,
            smallest,
            distance,
        )
    else:
        from scipy.stats import chi2

        p_value = float(chi2.sf(statistic, dof))
        test = HomogeneityTest(
            "chi-square", statistic, dof, p_value, None, None, smallest, distance
        )
    significant = p_value < thresholds.alpha
    large = distance >= thresholds.min_distance
    shares = _class_tests(shares, n_recent, n_baseline)
    if significant and large:
        verdict = DRIFT
        reason = (
            f"the class mix shifted: p = {p_value:.2g} < {thresholds.alpha:g} and "
            f"Jensen–Shannon distance {distance:.2f} ≥ {thresholds.min_distance:g}"
        )
        shares = [_flag(s, thresholds) for s in shares]
    elif significant:
        verdict = NO_DRIFT
        reason = (
            f"a significant but small shift: Jensen–Shannon distance {distance:.2f} "
            f"< {thresholds.min_distance:g} (p = {p_value:.2g})"
        )
    else:
        verdict = NO_DRIFT
        reason = (
            f"no significant shift in the class mix: p = {p_value:.2g} ≥ "
            f"{thresholds.alpha:g} (Jensen–Shannon distance {distance:.2f})"
        )
    return DriftAnalysis(
        verdict, significant, large, reason, n_recent, n_baseline, test, _order(shares)
    )


def _class_tests(shares: list[ClassShare], n_recent: int, n_baseline: int) -> list[ClassShare]:
    """Each class's two-sided Fisher exact test (class vs rest), Holm-adjusted."""
    from scipy.stats import fisher_exact

    raw = [
        float(
            fisher_exact(
                [
                    [s.recent_count, n_recent - s.recent_count],
                    [s.baseline_count, n_baseline - s.baseline_count],
                ]
            ).pvalue
        )
        for s in shares
    ]
    order = sorted(range(len(raw)), key=lambda i: raw[i])
    adjusted = [1.0] * len(raw)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(raw) - rank) * raw[index]))
        adjusted[index] = running
    return [replace(s, p_value=p) for s, p in zip(shares, adjusted, strict=True)]


def _flag(share: ClassShare, thresholds: DriftThresholds) -> ClassShare:
    if (
        share.p_value is None
        or share.p_value >= thresholds.class_alpha
        or abs(share.delta) < thresholds.min_share_change
    ):
        return share
    return replace(share, direction="rose" if share.delta > 0 else "fell")


def _order(shares: list[ClassShare]) -> list[ClassShare]:
    """Largest residual first (ties by class id): what moved most leads."""
    return sorted(shares, key=lambda s: (-abs(round(s.residual, 9)), s.failure_class))


def name_shifts(
    classes: list[ClassShare], evidence: Mapping[tuple[str, str], int] | None = None
) -> list[Shift]:
    """Pair each falling class with the rising class most likely to have taken its records.

    ``evidence[(fell, rose)]`` counts recent records labelled ``rose`` that look
    like ``fell`` (the classifier predicts it, or their service used it in the
    baseline).  Falling classes are taken largest fall first; each takes the
    unpaired rising class with the most evidence, then the largest rise.  What is
    left is reported alone.
    """
    evidence = evidence or {}
    falling = sorted(
        (c for c in classes if c.direction == "fell"), key=lambda c: (c.delta, c.failure_class)
    )
    rising = sorted(
        (c for c in classes if c.direction == "rose"), key=lambda c: (-c.delta, c.failure_class)
    )
    shifts: list[Shift] = []
    taken: set[str] = set()
    for fell in falling:
        candidates = [r for r in rising if r.failure_class not in taken]
        if not candidates:
            shifts.append(Shift("fell", fell, None, 0, _lone(fell)))
            continue
        rose = min(
            candidates,
            key=lambda r: (
                -evidence.get((fell.failure_class, r.failure_class), 0),
                -r.delta,
                r.failure_class,
            ),
        )
        taken.add(rose.failure_class)
        message = (
            f"`{fell.failure_class}` fell from {percent(fell.baseline_share)} to "
            f"{percent(fell.recent_share)} while `{rose.failure_class}` rose from "
            f"{percent(rose.baseline_share)} to {percent(rose.recent_share)}: check "
            "whether the taxonomy is being applied consistently"
        )
        shifts.append(
            Shift(
                "paired",
                fell,
                rose,
                evidence.get((fell.failure_class, rose.failure_class), 0),
                message,
            )
        )
    for rose in rising:
        if rose.failure_class not in taken:
            shifts.append(Shift("rose", None, rose, 0, _lone(rose)))
    return shifts


def _lone(share: ClassShare) -> str:
    return (
        f"`{share.failure_class}` {share.direction} from {percent(share.baseline_share)} "
        f"to {percent(share.recent_share)}"
    )
