"""Checks of actions and seeds shared by the single and the vectorised shop."""

from __future__ import annotations

import numpy as np

from beautyrl_lib.errors import ActionError, ConfigError, invalid


def check_actions(
    actions, n: int, n_products: int, param: str = "actions"
) -> np.ndarray:
    """Return ``actions`` as an int64 array of shape (n,), or raise ``ActionError``.

    Floats are refused rather than rounded: a float action almost always means
    the caller passed Q-values or probabilities by mistake.
    """
    arr = np.asarray(actions)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise invalid(param, f"array of dtype {arr.dtype}", "integers", ActionError)
    if arr.shape != (n,):
        raise invalid(
            param, f"array of shape {arr.shape}", f"shape ({n},)", ActionError
        )
    if n and (arr.min() < 0 or arr.max() >= n_products):
        bad = arr[(arr < 0) | (arr >= n_products)][0]
        raise invalid(
            param, int(bad), f"product indices from 0 to {n_products - 1}", ActionError
        )
    return arr.astype(np.int64, copy=False)


def check_seed(seed, param: str = "seed") -> int | None:
    """Accept ``None`` or a non-negative integer seed."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise invalid(param, seed, "None or an integer >= 0", ConfigError)
    return int(seed)
