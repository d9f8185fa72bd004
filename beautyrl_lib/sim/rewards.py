"""Reward modes of the shop.

* ``funnel`` (default): points for each funnel stage reached,
  ``click * w_click + cart * w_cart + purchase * w_purchase``. With the default
  weights 1, 3 and 10 a purchase is worth ten clicks: a shop cares most about
  sales, but clicks and carts are far more frequent and give the learner a
  denser signal.
* ``revenue``: the price of the product when it is bought, in dollars. It
  rewards pushing expensive products and is the easiest to hack.
* ``suitability``: like ``funnel`` but a purchase earns ``w_purchase`` scaled
  by ``2 * suitability - 1``, so selling a product that does not suit the
  shopper's skin costs points. It aligns the reward with the shopper's
  interest.
"""

from __future__ import annotations

import numpy as np

from beautyrl_lib.sim.config import ShopConfig


def funnel_value(
    config: ShopConfig,
    p_click: np.ndarray,
    p_cart: np.ndarray,
    p_purchase: np.ndarray,
    price: np.ndarray,
    fit: np.ndarray,
) -> np.ndarray:
    """Reward of one step; pass 0/1 outcomes for the realised reward, or
    probabilities for the expected reward (the funnel is a product of stages)."""
    clicked = p_click
    carted = clicked * p_cart
    bought = carted * p_purchase
    w = config.reward_weights
    if config.reward_mode == "funnel":
        return w.click * clicked + w.cart * carted + w.purchase * bought
    if config.reward_mode == "revenue":
        return bought * price
    return w.click * clicked + w.cart * carted + w.purchase * bought * (2.0 * fit - 1.0)
