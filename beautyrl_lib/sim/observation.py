"""What the shop observes: the layout of the observation vector.

The observation is a flat ``float32`` vector built only from what a real shop
could know: what the shopper declared in their account, coarse demographics,
and the session so far. The hidden profile never enters it, except through
the shopper's responses.

Layout (``OBS_LAYOUT`` maps each name to its slice):

==================  ====  =====================================================
part                size  meaning
==================  ====  =====================================================
declared_skin       6     one-hot: dry, oily, combination, normal, sensitive,
                          not declared
age_bracket         4     one-hot: 18-24, 25-34, 35-44, 45+
loyalty             3     one-hot: new, member, vip
progress            1     steps taken / horizon, in [0, 1]
spend               1     dollars spent this session / 100
last_response       3     click, cart, purchase of the previous step (0/1)
ignored_streak      1     recommendations ignored in a row / 5
shown_by_category   13    recommendations per category so far / 5
clicks_by_category  13    clicks per category so far / 5
bought_by_category  13    purchases per category so far / 5
skin_evidence       5     for each skin type, the sum over clicks of
                          (+1 if carted else -1) * (suitability - 0.55): what
                          the responses reveal about the hidden skin type
==================  ====  =====================================================
"""

from __future__ import annotations

import numpy as np

from beautyrl_lib.sim.catalog import N_CATEGORIES, N_SKIN_TYPES

COUNT_SCALE = 5.0
SPEND_SCALE = 100.0

_PARTS = (
    ("declared_skin", N_SKIN_TYPES + 1),
    ("age_bracket", 4),
    ("loyalty", 3),
    ("progress", 1),
    ("spend", 1),
    ("last_response", 3),
    ("ignored_streak", 1),
    ("shown_by_category", N_CATEGORIES),
    ("clicks_by_category", N_CATEGORIES),
    ("bought_by_category", N_CATEGORIES),
    ("skin_evidence", N_SKIN_TYPES),
)


def _layout() -> dict[str, slice]:
    out, start = {}, 0
    for name, size in _PARTS:
        out[name] = slice(start, start + size)
        start += size
    return out


OBS_LAYOUT: dict[str, slice] = _layout()
"""Name of each observation part to its slice in the observation vector."""
OBS_DIM: int = sum(size for _, size in _PARTS)
"""Length of the observation vector."""


def observation_bounds(horizon: int, max_price: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of each observation entry (for the Box space).

    Counts cannot exceed the horizon, spend cannot exceed ``horizon`` times the
    dearest product, and each step moves the skin evidence by at most 0.55.
    """
    low = np.zeros(OBS_DIM, dtype=np.float32)
    high = np.ones(OBS_DIM, dtype=np.float32)
    most = horizon / COUNT_SCALE
    high[OBS_LAYOUT["spend"]] = horizon * max_price / SPEND_SCALE
    high[OBS_LAYOUT["ignored_streak"]] = most
    for name in ("shown_by_category", "clicks_by_category", "bought_by_category"):
        high[OBS_LAYOUT[name]] = most
    low[OBS_LAYOUT["skin_evidence"]] = -0.55 * horizon
    high[OBS_LAYOUT["skin_evidence"]] = 0.55 * horizon
    return low, high


def split_observation(obs: np.ndarray) -> dict[str, np.ndarray]:
    """Views of each named part of one or many observations (last axis)."""
    return {name: obs[..., sl] for name, sl in OBS_LAYOUT.items()}
