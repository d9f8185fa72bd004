"""Checks of the exercises of notebook 03 (state, action and reward design).

They use the machinery of ``beautyrl_lib.course.checks``: each check runs the
learner's function on several inputs, compares every answer with a reference
and prints one verdict with a hint, naming a typical mistake when the wrong
answer is exactly what that mistake gives. A check never raises because of
the learner's code; it returns ``True`` or ``False``.

Exercises (function the learner writes -> check):

* ``normalize(batch, mean, var, eps)`` -> ``check_normalize``
* ``masked_argmax(scores, mask)`` -> ``check_masked_argmax``
* ``suitability_reward(click, cart, purchase, suitability, weights)`` ->
  ``check_suitability_reward``
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from beautyrl_lib.course.checks import Case, Exercise, Mistake, run_check, show

# ----------------------------------------------------------------------------
# Normalising a batch of observations with given statistics.


def ref_normalize(
    batch: np.ndarray, mean: np.ndarray, var: np.ndarray, eps: float
) -> np.ndarray:
    """``(batch - mean) / sqrt(var + eps)``; batch (N, D), mean and var (D,)."""
    batch = np.asarray(batch, dtype=np.float64)
    return (batch - mean) / np.sqrt(var + eps)


def _normalize_cases() -> list[Case]:
    rng = np.random.default_rng(3)
    cases = []
    # Entries on very different scales, as in the shop's observation.
    scales = np.array([1.0, 0.3, 5.0, 2.0])
    for n_rows, eps in ((3, 1e-8), (4, 0.25)):
        batch = (rng.normal(size=(n_rows, 4)) * scales).round(3)
        mean = (rng.normal(size=4) * scales).round(3)
        var = (rng.uniform(0.5, 2.0, size=4) * scales**2).round(5)
        cases.append(Case((batch, mean, var, eps)))
    # An entry that never varied: variance 0, so only eps keeps it finite.
    batch = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 4.0]])
    mean, var = np.array([0.5, 0.0, 3.0]), np.array([0.25, 0.0, 1.0])
    cases.append(Case((batch, mean, var, 1e-8)))
    # One observation only: the statistics come from elsewhere, not the batch.
    cases.append(
        Case((np.array([[0.2, 1.0, -0.5]]), np.array([0.1, 0.5, 0.0]), var + 1, 0.01))
    )
    return cases


_NORMALIZE = Exercise(
    name="normalize",
    reference=ref_normalize,
    cases=_normalize_cases(),
    hint="subtract mean, then divide by the square root of (var + eps); mean and "
    "var have one entry per column and broadcast over the rows.",
    mistakes=[
        Mistake(
            lambda b, m, v, eps: (b - m) / (v + eps),
            "the batch was divided by the variance; divide by the standard "
            "deviation, np.sqrt(var + eps).",
        ),
        Mistake(
            lambda b, m, v, eps: (b - m) / (np.sqrt(v) + eps),
            "eps goes inside the square root: np.sqrt(var + eps), not "
            "np.sqrt(var) + eps.",
        ),
        Mistake(
            lambda b, m, v, eps: (b - m) / np.sqrt(v),
            "eps was left out: add it to var before the square root, so an entry "
            "that never varied stays finite.",
        ),
        Mistake(
            lambda b, m, v, eps: b / np.sqrt(v + eps),
            "the mean was not subtracted before dividing.",
        ),
        Mistake(
            lambda b, m, v, eps: (b - b.mean(axis=0)) / np.sqrt(b.var(axis=0) + eps),
            "the batch's own mean and variance were used; use the mean and var "
            "passed in (the running statistics), so every batch is scaled the "
            "same way.",
        ),
    ],
)


def check_normalize(fn: Callable) -> bool:
    """Check ``normalize(batch, mean, var, eps) -> (N, D)`` (notebook 03).

    ``batch`` is float (N, D), ``mean`` and ``var`` (D,), ``eps`` > 0.
    """
    return run_check(_NORMALIZE, fn)


# ----------------------------------------------------------------------------
# Choosing the best allowed action.


def ref_masked_argmax(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per row, the index of the highest score among entries where mask is True."""
    return np.where(mask, scores, -np.inf).argmax(axis=1)


def _masked_case(scores: Sequence, mask: Sequence) -> Case:
    scores = np.array(scores, dtype=np.float64)
    mask = np.array(mask, dtype=bool)
    return Case((scores, mask), f"scores={show(scores)}, mask={show(mask)}")


def _masked_cases() -> list[Case]:
    rng = np.random.default_rng(11)
    scores = rng.normal(size=(4, 6)).round(2)
    mask = np.ones((4, 6), dtype=bool)
    mask[np.arange(4), scores.argmax(axis=1)] = False  # hide every row's best
    mask[0, :3] = False
    return [
        _masked_case([[0.5, 2.0, 1.0]], [[True, True, True]]),
        _masked_case([[0.5, 2.0, 1.0]], [[True, False, True]]),
        _masked_case(
            [[3.0, 1.0, 2.0], [0.1, 0.3, 0.2]],
            [[False, True, True], [True, True, False]],
        ),
        # Every allowed score is negative and a hidden one is 0 or more.
        _masked_case(
            [[-1.0, 4.0, -0.5, -2.0], [0.0, -3.0, -1.0, 5.0]],
            [[True, False, True, True], [False, True, True, False]],
        ),
        Case((scores, mask), f"scores of shape {scores.shape}, 5 products hidden"),
    ]


_MASKED_ARGMAX = Exercise(
    name="masked_argmax",
    reference=ref_masked_argmax,
    cases=_masked_cases(),
    hint="replace the scores of hidden products (mask False) by -np.inf with "
    "np.where, then take argmax along axis 1.",
    mistakes=[
        Mistake(
            lambda s, m: s.argmax(axis=1),
            "the mask was ignored: a product already shown must never be chosen, "
            "even when its score is the highest.",
        ),
        Mistake(
            lambda s, m: (s * m).argmax(axis=1),
            "multiplying by the mask sets hidden scores to 0, which still beats "
            "allowed negative scores; use -np.inf instead.",
        ),
        Mistake(
            lambda s, m: np.where(m, -np.inf, s).argmax(axis=1),
            "the mask is inverted: True means the product is allowed.",
        ),
    ],
)


def check_masked_argmax(fn: Callable) -> bool:
    """Check ``masked_argmax(scores, mask) -> (N,)`` (notebook 03).

    ``scores`` is float (N, A), ``mask`` bool (N, A) with at least one True per
    row; the answer is one index per row.
    """
    return run_check(_MASKED_ARGMAX, fn)


# ----------------------------------------------------------------------------
# The suitability-aware reward of one step.


def ref_suitability_reward(
    click: bool,
    cart: bool,
    purchase: bool,
    suitability: float,
    weights: tuple[float, float, float],
) -> float:
    """Funnel points with the purchase points scaled by ``2 * suitability - 1``."""
    w_click, w_cart, w_purchase = weights
    return (
        w_click * click + w_cart * cart + w_purchase * purchase * (2 * suitability - 1)
    )


def _funnel_only(click, cart, purchase, suitability, weights):
    return weights[0] * click + weights[1] * cart + weights[2] * purchase


def _times_suitability(click, cart, purchase, suitability, weights):
    return weights[0] * click + weights[1] * cart + weights[2] * purchase * suitability


def _all_scaled(click, cart, purchase, suitability, weights):
    return _funnel_only(click, cart, purchase, suitability, weights) * (
        2 * suitability - 1
    )


_POINTS = (1.0, 3.0, 10.0)

_SUITABILITY_REWARD = Exercise(
    name="suitability_reward",
    reference=ref_suitability_reward,
    cases=[
        Case((False, False, False, 0.9, _POINTS)),
        Case((True, False, False, 0.15, _POINTS)),
        Case((True, True, False, 0.15, _POINTS)),
        Case((True, True, True, 0.9, _POINTS)),
        Case((True, True, True, 0.15, _POINTS)),
        Case((True, True, True, 0.5, _POINTS)),
        Case((True, True, True, 0.55, (0.0, 0.0, 1.0))),
    ],
    hint="add w_click per click and w_cart per cart as in the funnel mode; a "
    "purchase earns w_purchase * (2 * suitability - 1).",
    mistakes=[
        Mistake(
            _funnel_only,
            "this is the plain funnel reward: scale the purchase points by "
            "(2 * suitability - 1), so selling a poor fit costs points.",
        ),
        Mistake(
            _times_suitability,
            "the purchase points were multiplied by suitability, which is never "
            "negative; use (2 * suitability - 1): 0.5 is neutral, a poor fit "
            "costs points.",
        ),
        Mistake(
            _all_scaled,
            "only the purchase points are scaled; the click and cart points stay "
            "as in the funnel mode.",
        ),
    ],
)


def check_suitability_reward(fn: Callable) -> bool:
    """Check ``suitability_reward(click, cart, purchase, suitability, weights)``.

    ``weights`` is ``(w_click, w_cart, w_purchase)``; the answer is one number
    (notebook 03).
    """
    return run_check(_SUITABILITY_REWARD, fn)


__all__ = [
    "check_masked_argmax",
    "check_normalize",
    "check_suitability_reward",
    "ref_masked_argmax",
    "ref_normalize",
    "ref_suitability_reward",
]
