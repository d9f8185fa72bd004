"""The interface every recommender in BeautyRL implements.

A policy acts on a batch of shoppers at once::

    actions = policy.act(obs, action_mask, shop)

* ``obs``: float32 (N, OBS_DIM), what the shop observes (see
  ``beautyrl_lib.sim.observation``);
* ``action_mask``: bool (N, n_products), True where a product has not been
  shown to that shopper yet in this session;
* ``shop``: the ``VectorShop`` being stepped. Deployable policies must not
  read it; only oracles (``reads_hidden_state = True``) use it to read the
  hidden profiles.

It returns int64 product indices of shape (N,). Rows whose session has already
ended may receive any valid index; the shop ignores them.

Policies that learn before evaluation implement ``fit(config, seed)``; it
must only draw shoppers from training seeds (``reset(seed=...)`` of the shop),
never from evaluation cohorts.
"""

from __future__ import annotations

import numpy as np

from beautyrl_lib.sim.config import ShopConfig


class Policy:
    """Base class of recommenders; subclasses override ``act``."""

    name: str = "policy"
    """Short name used in tables and on the command line."""
    reads_hidden_state: bool = False
    """True only for oracles, which are references and never deployable."""

    def fit(self, config: ShopConfig, seed: int) -> Policy:
        """Learn from training shoppers of ``config`` (no-op by default)."""
        return self

    def act(self, obs: np.ndarray, action_mask: np.ndarray, shop=None) -> np.ndarray:
        """Choose one product per shopper; see the module docstring."""
        raise NotImplementedError(f"{type(self).__name__} must implement act()")


def masked_argmax(scores: np.ndarray, action_mask: np.ndarray) -> np.ndarray:
    """Index of the best score per row among allowed products.

    Rows with no allowed product fall back to the best score overall, so the
    shop always receives a valid index (such a recommendation is simply never
    clicked). Ties go to the lowest index, deterministically.
    """
    masked = np.where(action_mask, scores, -np.inf)
    best = masked.argmax(axis=1)
    empty = ~action_mask.any(axis=1)
    if empty.any():
        best[empty] = scores[empty].argmax(axis=1)
    return best.astype(np.int64)
