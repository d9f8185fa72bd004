"""Evaluation protocol: fixed cohorts, metrics, bootstrap intervals, comparisons.

A policy is judged on a fixed *cohort* of shoppers whose session keys come
from ``beautyrl_lib.sim.rng.cohort_keys``: a separate key space from the
training shoppers (``reset(seed=...)``), so no policy ever trains on the
shoppers it is evaluated on. Every policy of a comparison meets the same
cohort, so differences between policies are *paired*: the same shopper under
two policies, which makes the comparison far less noisy than two separate
samples.

Per policy (``EvalResult.metrics``):

======================  ==========================================================
key                     meaning
======================  ==========================================================
mean_return             mean session return (reward summed over the session)
return_ci_low/high      percentile bootstrap 95% interval of ``mean_return``
click_rate              clicks / recommendations, pooled over the cohort
add_to_cart_rate        carts / clicks, pooled
purchase_given_cart     purchases / carts, pooled
conversion              share of sessions with at least one purchase
revenue_per_session     dollars of purchases per session
mean_session_length     recommendations per session
suited_purchase_share   purchases that suit the shopper's skin / purchases
coverage                share of catalog products recommended at least once
======================  ==========================================================

Rates are pooled (total over total), so long sessions weigh more than short
ones. A rate whose denominator is zero (no clicks, so no add-to-cart rate) is
undefined: it is ``nan`` in Python, ``null`` in JSON and ``n/a`` in tables.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from beautyrl_lib.agents.base import Policy
from beautyrl_lib.agents.baselines import check_config, check_seed
from beautyrl_lib.errors import UnknownPolicyError, invalid
from beautyrl_lib.sim import rng
from beautyrl_lib.sim.config import ShopConfig
from beautyrl_lib.sim.vector import VectorShop

logger = logging.getLogger(__name__)

MIN_SESSIONS = 10
MAX_SESSIONS = 1_000_000
CI_LEVEL = 0.95
N_BOOT = 2000

METRIC_KEYS = (
    "mean_return",
    "return_ci_low",
    "return_ci_high",
    "click_rate",
    "add_to_cart_rate",
    "purchase_given_cart",
    "conversion",
    "revenue_per_session",
    "mean_session_length",
    "suited_purchase_share",
    "coverage",
)
"""Keys of ``EvalResult.metrics()``, in table order."""


def _check_sessions(n_sessions) -> int:
    if (
        isinstance(n_sessions, bool)
        or not isinstance(n_sessions, int | np.integer)
        or not MIN_SESSIONS <= n_sessions <= MAX_SESSIONS
    ):
        raise invalid(
            "n_sessions",
            n_sessions,
            f"an integer from {MIN_SESSIONS} to {MAX_SESSIONS}",
        )
    return int(n_sessions)


def make_cohort(seed: int, n_sessions: int) -> np.ndarray:
    """Session keys of the evaluation cohort ``seed``.

    Args:
        seed: Cohort seed, an integer >= 0. Cohort keys never meet training
            shoppers' keys, whatever the two seeds.
        n_sessions: Number of shoppers, from 10 to 1,000,000.

    Returns:
        uint64 keys of shape (n_sessions,), for ``VectorShop.start_cohort``.
    """
    seed = check_seed(seed)
    n_sessions = _check_sessions(n_sessions)
    return rng.cohort_keys(seed, n_sessions)


def _ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, or nan when the denominator is zero."""
    return float(numerator / denominator) if denominator else math.nan


@dataclass
class EvalResult:
    """Per-session outcomes of one policy on one cohort (arrays of shape (n,))."""

    policy: str
    """Name of the evaluated policy."""
    returns: np.ndarray
    """float64: reward summed over each session."""
    recommendations: np.ndarray
    """int64: recommendations made in each session (the session length)."""
    clicks: np.ndarray
    """int64: clicks in each session."""
    carts: np.ndarray
    """int64: add-to-carts in each session."""
    purchases: np.ndarray
    """int64: purchases in each session."""
    suited_purchases: np.ndarray
    """int64: purchases of products that suit the shopper's skin."""
    revenue: np.ndarray
    """float64: dollars spent in each session."""
    coverage: float
    """Share of catalog products recommended at least once over the cohort."""
    seed: int | None = None
    """Cohort seed, when known; ``paired_difference`` checks it matches."""

    def __post_init__(self) -> None:
        n = len(self.returns)
        for name in ("recommendations", "clicks", "carts", "purchases"):
            if len(getattr(self, name)) != n:
                raise invalid(
                    name,
                    f"array of length {len(getattr(self, name))}",
                    f"length {n} (one entry per session, like returns)",
                )

    @property
    def n_sessions(self) -> int:
        """Number of sessions in the cohort."""
        return len(self.returns)

    def metrics(self, ci_seed: int = 0) -> dict[str, float]:
        """Summary metrics (see the module docstring); undefined rates are nan.

        Args:
            ci_seed: Seed of the bootstrap interval of the mean return.

        Returns:
            A dict with the keys of ``METRIC_KEYS``, values Python floats.
        """
        low, high = bootstrap_ci(self.returns, seed=ci_seed)
        recommendations = int(self.recommendations.sum())
        clicks, carts = int(self.clicks.sum()), int(self.carts.sum())
        purchases = int(self.purchases.sum())
        return {
            "mean_return": float(self.returns.mean()),
            "return_ci_low": low,
            "return_ci_high": high,
            "click_rate": _ratio(clicks, recommendations),
            "add_to_cart_rate": _ratio(carts, clicks),
            "purchase_given_cart": _ratio(purchases, carts),
            "conversion": float((self.purchases > 0).mean()),
            "revenue_per_session": float(self.revenue.mean()),
            "mean_session_length": float(self.recommendations.mean()),
            "suited_purchase_share": _ratio(
                int(self.suited_purchases.sum()), purchases
            ),
            "coverage": float(self.coverage),
        }


def _check_policy(policy) -> Policy:
    if not isinstance(policy, Policy):
        raise invalid(
            "policy",
            policy,
            "a Policy (build one with beautyrl_lib.agents.registry.make_policy)",
            UnknownPolicyError,
        )
    return policy


def evaluate(
    policy: Policy,
    config: ShopConfig,
    n_sessions: int = 2000,
    seed: int = 0,
    progress: bool = False,
) -> EvalResult:
    """Run ``policy`` once on every shopper of cohort ``seed``.

    Args:
        policy: The recommender (fitted, if it learns).
        config: The shop.
        n_sessions: Cohort size, from 10 to 1,000,000.
        seed: Cohort seed.
        progress: Show a progress bar over the steps of the sessions.

    Returns:
        The per-session outcomes.
    """
    policy = _check_policy(policy)
    config = check_config(config)
    keys = make_cohort(seed, n_sessions)
    n = len(keys)
    shop = VectorShop(config, n, autoreset=False)
    obs, _ = shop.start_cohort(keys)

    returns = np.zeros(n)
    revenue = np.zeros(n)
    counts = {
        k: np.zeros(n, dtype=np.int64) for k in ("rec", "click", "cart", "buy", "fit")
    }
    recommended = np.zeros(shop.catalog.n_products, dtype=bool)

    with tqdm(
        total=config.horizon, desc=f"evaluate {policy.name}", disable=not progress
    ) as bar:
        while not shop.core.done.all():
            # Only sessions still running before this step count; the shop
            # ignores the actions of finished ones and scores them 0.
            live = ~shop.core.done
            actions = policy.act(obs, shop.action_mask(), shop)
            out = shop.step_outcome(actions)
            recommended[np.asarray(actions)[live]] = True
            returns += np.where(live, out.reward, 0.0)
            revenue += np.where(live & out.purchase, out.price, 0.0)
            counts["rec"] += live
            counts["click"] += live & out.click
            counts["cart"] += live & out.cart
            counts["buy"] += live & out.purchase
            counts["fit"] += live & out.purchase & out.suits
            obs = shop.core.obs.copy()
            bar.update(1)

    return EvalResult(
        policy=policy.name,
        returns=returns,
        recommendations=counts["rec"],
        clicks=counts["click"],
        carts=counts["cart"],
        purchases=counts["buy"],
        suited_purchases=counts["fit"],
        revenue=revenue,
        coverage=float(recommended.mean()),
        seed=int(seed),
    )


# ------------------------------------------------------------ intervals
_BOOT_CHUNK_CELLS = 4_000_000  # indices drawn at once: bounds memory to ~32 MB


def bootstrap_ci(
    values, n_boot: int = N_BOOT, level: float = CI_LEVEL, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values``.

    Resamples ``values`` with replacement ``n_boot`` times and returns the
    ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of the resampled
    means.

    Args:
        values: 1-D finite numbers, at least 2.
        n_boot: Number of resamples, from 100 to 1,000,000.
        level: Coverage of the interval, strictly between 0 and 1.
        seed: Seed of the resampling.

    Returns:
        ``(low, high)`` as Python floats.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or len(values) < 2 or not np.isfinite(values).all():
        raise invalid(
            "values",
            f"array of shape {values.shape}",
            "a 1-D array of at least 2 finite numbers",
        )
    if (
        isinstance(n_boot, bool)
        or not isinstance(n_boot, int)
        or not (100 <= n_boot <= 1_000_000)
    ):
        raise invalid("n_boot", n_boot, "an integer from 100 to 1000000")
    ok = not isinstance(level, bool) and isinstance(level, int | float)
    if not ok or not 0.0 < level < 1.0:
        raise invalid("level", level, "a number strictly between 0 and 1")
    gen = np.random.default_rng(check_seed(seed))

    n = len(values)
    chunk = max(1, _BOOT_CHUNK_CELLS // n)
    means = np.empty(n_boot)
    for start in range(0, n_boot, chunk):
        stop = min(start + chunk, n_boot)
        idx = gen.integers(0, n, size=(stop - start, n))  # (chunk, n) resamples
        means[start:stop] = values[idx].mean(axis=1)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return float(low), float(high)


def paired_difference(
    a: EvalResult, b: EvalResult, seed: int = 0
) -> tuple[float, float, float]:
    """Mean per-session return difference ``a - b`` with a 95% bootstrap interval.

    Both results must come from the same cohort: the difference is taken
    shopper by shopper, which cancels the variation between shoppers.

    Returns:
        ``(mean, low, high)`` as Python floats.
    """
    for name, result in (("a", a), ("b", b)):
        if not isinstance(result, EvalResult):
            raise invalid(name, result, "an EvalResult from evaluate()")
    if a.n_sessions != b.n_sessions:
        raise invalid(
            "b",
            f"a result of {b.n_sessions} sessions",
            f"a result on the same cohort as a ({a.n_sessions} sessions)",
        )
    if a.seed is not None and b.seed is not None and a.seed != b.seed:
        raise invalid(
            "b",
            f"a result on cohort seed {b.seed}",
            f"a result on the same cohort as a (seed {a.seed})",
        )
    diff = a.returns - b.returns
    low, high = bootstrap_ci(diff, seed=seed)
    return float(diff.mean()), low, high


# ----------------------------------------------------------- comparison
def _json_safe(value):
    """Replace nan (undefined rates) by None so the JSON stays valid."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# Columns of the text table: metric key, header, format.
_TABLE_COLUMNS = (
    ("mean_return", "return", "{:.2f}"),
    ("return_ci_low", "95% low", "{:.2f}"),
    ("return_ci_high", "95% high", "{:.2f}"),
    ("click_rate", "click", "{:.3f}"),
    ("add_to_cart_rate", "cart|click", "{:.3f}"),
    ("purchase_given_cart", "buy|cart", "{:.3f}"),
    ("conversion", "conversion", "{:.3f}"),
    ("revenue_per_session", "revenue $", "{:.2f}"),
    ("mean_session_length", "length", "{:.2f}"),
    ("suited_purchase_share", "suited", "{:.3f}"),
    ("coverage", "coverage", "{:.2f}"),
)


@dataclass
class Comparison:
    """Results of several policies on one cohort (see ``compare``)."""

    results: dict[str, EvalResult]
    """Per policy name, its outcomes on the cohort, in the order given."""
    config: ShopConfig
    """The shop the policies were evaluated on."""
    seed: int
    """Cohort seed; also seeds the bootstrap intervals."""
    n_sessions: int
    """Cohort size."""
    oracles: tuple[str, ...] = ()
    """Names of policies that read the hidden profile (references only)."""
    _metrics: dict[str, dict[str, float]] = field(default_factory=dict, repr=False)

    def metrics(self) -> dict[str, dict[str, float]]:
        """Per policy name, ``EvalResult.metrics(ci_seed=seed)`` (computed once)."""
        if not self._metrics:
            for name, result in self.results.items():
                self._metrics[name] = result.metrics(ci_seed=self.seed)
        return self._metrics

    def paired(self, a: str, b: str) -> tuple[float, float, float]:
        """``paired_difference`` of policies ``a`` and ``b`` by name."""
        for param, name in (("a", a), ("b", b)):
            if name not in self.results:
                raise invalid(
                    param, name, f"one of {list(self.results)}", UnknownPolicyError
                )
        return paired_difference(self.results[a], self.results[b], seed=self.seed)

    def table(self) -> str:
        """Aligned text table of the metrics, one row per policy.

        Oracles are marked with ``*`` (they read the hidden profile); ``n/a``
        marks an undefined rate.
        """
        header = ["policy", *(title for _, title, _ in _TABLE_COLUMNS)]
        rows = [header]
        for name, values in self.metrics().items():
            label = f"{name}*" if name in self.oracles else name
            cells = [label]
            for key, _, fmt in _TABLE_COLUMNS:
                value = values[key]
                cells.append("n/a" if math.isnan(value) else fmt.format(value))
            rows.append(cells)
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines = []
        for row in rows:
            first = row[0].ljust(widths[0])
            rest = [cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True)]
            lines.append("  ".join([first, *rest]))
        lines.insert(1, "-" * len(lines[0]))
        footer = (
            f"{self.n_sessions} sessions, cohort seed {self.seed}; return in "
            f"{_return_unit(self.config)}, 95% percentile bootstrap interval"
        )
        if self.oracles:
            footer += "; * reads the hidden profile (reference, not deployable)"
        return "\n".join([*lines, footer])

    def to_dict(self) -> dict:
        """JSON-ready summary: config, cohort, and every policy's metrics.

        Undefined rates are ``None`` (``null`` in JSON).
        """
        return _json_safe(
            {
                "config": self.config.to_dict(),
                "cohort_seed": self.seed,
                "n_sessions": self.n_sessions,
                "ci_level": CI_LEVEL,
                "n_boot": N_BOOT,
                "oracles": sorted(self.oracles),
                "policies": self.metrics(),
            }
        )

    def to_json(self) -> str:
        """``to_dict`` as JSON text with sorted keys, indent 2, newline-terminated."""
        return (
            json.dumps(self.to_dict(), sort_keys=True, indent=2, allow_nan=False) + "\n"
        )

    def plot(self, ax=None):
        """Bar chart of mean return per policy with 95% interval error bars.

        Args:
            ax: A matplotlib ``Axes``; a new figure is made when None.

        Returns:
            The ``Axes`` drawn on.
        """
        from beautyrl_lib.plots import plot_comparison

        figure = plot_comparison(self, ax)
        return ax if ax is not None else figure.axes[0]


def _return_unit(config: ShopConfig) -> str:
    return "dollars" if config.reward_mode == "revenue" else "points"


def compare(
    policies: dict[str, Policy],
    config: ShopConfig,
    n_sessions: int = 2000,
    seed: int = 0,
    progress: bool = False,
) -> Comparison:
    """Evaluate every policy on the same cohort (paired comparison).

    Args:
        policies: Policy per name, in the order to report them.
        config: The shop.
        n_sessions: Cohort size, from 10 to 1,000,000.
        seed: Cohort seed, also the seed of the bootstrap intervals.
        progress: Show a progress bar per policy.

    Returns:
        A ``Comparison`` with ``table()``, ``to_dict()`` and ``plot()``.
    """
    if not isinstance(policies, dict) or not policies:
        raise invalid("policies", policies, "a non-empty dict of name to Policy")
    config = check_config(config)
    seed = check_seed(seed)
    n_sessions = _check_sessions(n_sessions)
    results = {}
    for name, policy in policies.items():
        if not isinstance(name, str) or not name:
            raise invalid("policies", f"a key {name!r}", "non-empty string keys")
        result = evaluate(policy, config, n_sessions, seed, progress)
        result.policy = name
        results[name] = result
        logger.info("%s: mean return %.3f", name, result.returns.mean())
    oracles = tuple(n for n, p in policies.items() if p.reads_hidden_state)
    return Comparison(results, config, seed, n_sessions, oracles)


__all__ = [
    "METRIC_KEYS",
    "Comparison",
    "EvalResult",
    "bootstrap_ci",
    "compare",
    "evaluate",
    "make_cohort",
    "paired_difference",
]
