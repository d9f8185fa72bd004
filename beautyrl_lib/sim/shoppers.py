"""Shoppers: a hidden profile, what the shop sees of it, and how they respond.

The hidden ``ShopperProfile`` is what a shopper really is (skin type,
concerns, budget, tastes, patience). The shop never reads it; it reads the
observation built in ``beautyrl_lib.sim.observation`` from the declared part
of the profile and the session so far. Only the oracles in
``beautyrl_lib.agents.oracles`` read the profile, to bound what is possible.

Response model
--------------
A recommendation of product ``j`` goes through a three-stage funnel, each
stage a logistic probability:

* click: category interest (plus routine boost, minus fatigue), hype, rating,
  brand affinity, whether the product addresses one of the shopper's concerns,
  the shopper's trust in the shop, and a penalty for prices far above what is
  left of the budget. Fit with the skin plays no part: a shopper cannot tell
  from a thumbnail whether a product suits them, and hype pulls clicks
  whatever the fit. A product already shown in the session is never clicked
  again.
* add to cart given click: fit with the skin (weakly: the product page tells
  a little), concerns, hype (impulse), brand, and price against the shopper's
  price sensitivity; much less likely when the price is above what is left of
  the budget.
* purchase given cart: rating and price as a share of the remaining budget;
  impossible when the price is above it. Fit is only discovered after the
  purchase, as regret.

Calibration
-----------
Under the popularity recommender on the default shop the rates fall inside
these ranges (``tests/test_calibration.py`` checks it):

=====================  ==========  ============================================
rate                   range       basis
=====================  ==========  ============================================
click per recommended  3% - 15%    click-through of on-site product
product                            recommendation widgets is commonly reported
                                   in the low single digits to low teens of
                                   impressions (e.g. Barilliance and Salesforce
                                   Commerce Cloud personalisation reports).
add to cart given      8% - 30%    product-page-view-to-cart rates reported in
click                              e-commerce benchmarks (e.g. Dynamic Yield's
                                   public benchmarks, health & beauty vertical)
                                   sit around ten percent, higher for engaged
                                   visitors.
purchase given cart    15% - 35%   Baymard Institute's average of published
                                   cart-abandonment studies is about 70%, i.e.
                                   about 30% of carts are bought; DESIGN.md
                                   asks for 15% to 35%.
=====================  ==========  ============================================

These are order-of-magnitude calibrations, not a fit to any one shop's data.

Long-term effects
-----------------
All are scaled by ``ShopConfig.long_term_strength`` (``s``); at ``s = 0`` the
session is a sequence of independent draws and a myopic policy is close to
optimal.

* patience (starts between 2 and 5): an ignored recommendation costs
  ``0.4 s``; showing a poor fit (suitability < 0.35) costs ``1 s`` whatever the
  response; clicking a poor fit costs ``1.5 s`` more; a clicked good fit
  (suitability >= 0.5) restores ``1 s``, and so does a purchase that suits. At
  zero the shopper leaves (termination).
* mismatch regret and trust: buying a poor fit costs ``3 s`` patience and
  ``0.5 s`` trust; clicking a poor fit costs ``0.3 s`` trust; a clicked good fit
  earns ``0.25 s`` and a suited purchase ``0.3 s``. Trust stays in [0, 2] and adds
  ``2 (trust - 1)`` to every later click logit.
* routines: buying a cleanser raises interest in toners by ``0.6 s``, and so on
  along ``ROUTINE_NEXT``.
* budget: a purchase spends ``min(s, 1)`` times the price.
* fatigue: each recommendation adds ``0.35 s`` fatigue to its category;
  fatigue decays by 15% a step and is subtracted from interest.
* information: responses reveal fit, and so the hidden skin type, to a policy
  that reads the ``skin_evidence`` part of the observation. This one does not
  depend on ``s``.

Independently of all this, a shopper leaves with probability
``ShopConfig.leave_prob`` at each step.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from beautyrl_lib.sim import rng
from beautyrl_lib.sim.catalog import (
    CATEGORY_NAMES,
    N_BRANDS,
    N_CATEGORIES,
    N_CONCERNS,
    N_SKIN_TYPES,
    ROUTINE_NEXT,
    Catalog,
)
from beautyrl_lib.sim.config import ShopConfig

AGE_BRACKETS = ("18-24", "25-34", "35-44", "45+")
LOYALTY_TIERS = ("new", "member", "vip")
UNKNOWN_SKIN = N_SKIN_TYPES  # declared_skin value when not declared

SUITS = 0.5
"""A purchase suits the shopper when the product's suitability is at least this."""
POOR_FIT = 0.35
"""Below this suitability a product is a poor fit for the shopper's skin."""

_AGE_P = np.array([0.25, 0.35, 0.22, 0.18])
_SKIN_P = np.array([0.2, 0.2, 0.3, 0.2, 0.1])
_LOYALTY_P = np.array([0.55, 0.33, 0.12])
# Chance of each concern (acne, aging, dryness, dark spots, redness) by age.
_CONCERN_P = np.array(
    [
        [0.55, 0.05, 0.25, 0.2, 0.2],
        [0.35, 0.2, 0.3, 0.3, 0.25],
        [0.2, 0.5, 0.35, 0.35, 0.25],
        [0.1, 0.75, 0.45, 0.4, 0.25],
    ]
)
# Mean interest in skincare and makeup by age.
_SKINCARE_BY_AGE = np.array([0.15, 0.4, 0.65, 0.85])
_IS_MAKEUP = np.array([i >= 7 for i in range(N_CATEGORIES)])

ROUTINE_TARGET = np.array(
    [
        CATEGORY_NAMES.index(ROUTINE_NEXT[name]) if name in ROUTINE_NEXT else -1
        for name in CATEGORY_NAMES
    ]
)


@dataclass
class ShopperProfile:
    """Hidden truth about a batch of shoppers (arrays with leading axis N)."""

    skin_type: np.ndarray
    """int64 (N,): true skin type, index into ``SKIN_TYPES``."""
    concerns: np.ndarray
    """bool (N, 5): true skin concerns."""
    budget: np.ndarray
    """float64 (N,): dollars the shopper is willing to spend this session."""
    price_sensitivity: np.ndarray
    """float64 (N,): 0 (price-blind) to 1 (very price-sensitive)."""
    brand_affinity: np.ndarray
    """float64 (N, B): liking for each brand, added to click and cart logits."""
    category_interest: np.ndarray
    """float64 (N, C): interest in each category, about 0 to 1."""
    patience: np.ndarray
    """float64 (N,): starting patience."""
    age_bracket: np.ndarray
    """int64 (N,): observed age bracket."""
    loyalty: np.ndarray
    """int64 (N,): observed loyalty tier."""
    declared_skin: np.ndarray
    """int64 (N,): observed declared skin type, ``UNKNOWN_SKIN`` when not declared."""

    def take(self, index: np.ndarray) -> ShopperProfile:
        """Copy of the rows ``index`` (used to clone shoppers for look-ahead)."""
        return ShopperProfile(
            **{f.name: getattr(self, f.name)[index] for f in fields(self)}
        )

    def put(self, slots: np.ndarray, other: ShopperProfile) -> None:
        """Write ``other``'s rows into ``slots`` in place."""
        for f in fields(self):
            getattr(self, f.name)[slots] = getattr(other, f.name)


def _categorical(u: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Map uniforms to category indices; ``probs`` is (K,) or (N, K)."""
    cum = np.cumsum(probs, axis=-1)
    if cum.ndim == 1:
        return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1)
    return np.minimum((u[:, None] >= cum).sum(axis=1), cum.shape[1] - 1)


def sample_profiles(keys: np.ndarray, config: ShopConfig) -> ShopperProfile:
    """Draw the hidden profiles of the shoppers whose session keys are ``keys``.

    Each shopper's profile depends only on its own key, so a shopper is the
    same whether drawn alone or in a batch of thousands.
    """
    stream = rng.STREAM_PROFILE

    def u(k: int) -> np.ndarray:
        return rng.uniform(keys, 0, stream + k)

    age = _categorical(u(0), _AGE_P).astype(np.int64)
    skin = _categorical(u(1), _SKIN_P).astype(np.int64)
    loyalty = _categorical(u(2), _LOYALTY_P).astype(np.int64)
    concern_u = np.stack([u(10 + k) for k in range(N_CONCERNS)], axis=1)
    concerns = concern_u < _CONCERN_P[age]
    declared = np.where(u(3) < config.declared_skin_prob, skin, UNKNOWN_SKIN)

    budget = (
        config.mean_budget
        * (1.0 + 0.4 * loyalty)
        * np.exp(0.5 * rng.normal(keys, stream + 4))
    )
    price_sensitivity = 0.15 + 0.8 * u(5)
    brand_affinity = 0.4 * np.stack(
        [rng.normal(keys, stream + 20 + b) for b in range(N_BRANDS)], axis=1
    )
    skincare = _SKINCARE_BY_AGE[age]
    base = np.where(_IS_MAKEUP[None, :], 1.0 - skincare[:, None], skincare[:, None])
    noise = np.stack(
        [rng.normal(keys, stream + 40 + c) for c in range(N_CATEGORIES)], axis=1
    )
    category_interest = np.clip(base + 0.3 * noise, 0.0, 1.2)
    patience = 2.0 + 3.0 * u(6)
    return ShopperProfile(
        skin_type=skin,
        concerns=concerns,
        budget=budget,
        price_sensitivity=price_sensitivity,
        brand_affinity=brand_affinity,
        category_interest=category_interest,
        patience=patience,
        age_bracket=age,
        loyalty=loyalty,
        declared_skin=declared.astype(np.int64),
    )


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # tanh form: the same function, without overflow for large |x|.
    return 0.5 + 0.5 * np.tanh(0.5 * x)


def response_probabilities(
    catalog: Catalog,
    profile: ShopperProfile,
    rows: np.ndarray,
    products: np.ndarray,
    trust: np.ndarray,
    remaining_budget: np.ndarray,
    routine: np.ndarray,
    fatigue: np.ndarray,
    shown: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Probabilities of click, cart given click and purchase given cart.

    ``rows`` selects shoppers and ``products`` the recommended products; both
    broadcast together, so ``rows`` of shape (N, 1) and ``products`` of shape
    (N, K) score K candidates per shopper. The dynamic arguments are the
    session state arrays (indexed by shopper row).

    Returns:
        ``(p_click, p_cart, p_purchase)``, each shaped like the broadcast of
        ``rows`` and ``products``.
    """
    cat = catalog.category[products]
    price = catalog.price[products]
    fit = catalog.suitability[products, profile.skin_type[rows]]
    concern = (catalog.concerns[products] & profile.concerns[rows]).any(axis=-1)
    affinity = profile.brand_affinity[rows, catalog.brand[products]]
    interest = (
        profile.category_interest[rows, cat] + routine[rows, cat] - fatigue[rows, cat]
    )
    left = np.maximum(remaining_budget[rows], 1e-6)
    over = price > left
    sensitivity = profile.price_sensitivity[rows]

    click_logit = (
        -4.6
        + 2.0 * interest
        + 2.8 * catalog.hype[products]
        + 0.5 * (catalog.rating[products] - 4.2)
        + affinity
        + 0.4 * concern
        + 2.0 * (trust[rows] - 1.0)
        - 0.8 * sensitivity * np.maximum(0.0, np.log(price / left))
    )
    p_click = _sigmoid(click_logit) * ~shown[rows, products]

    cart_logit = (
        -1.5
        + 1.5 * (fit - 0.55)
        + 0.8 * concern
        + 0.8 * catalog.hype[products]
        + 0.3 * affinity
        - 0.9 * sensitivity * np.log(price / 35.0)
        - 2.5 * over
    )
    p_cart = _sigmoid(cart_logit)

    buy_logit = (
        -0.8 + 0.3 * (catalog.rating[products] - 4.2) - 1.2 * sensitivity * price / left
    )
    p_purchase = _sigmoid(buy_logit) * ~over
    return p_click, p_cart, p_purchase
