"""The synthetic beauty catalog.

Products are drawn from a seeded generator, so a catalog is a pure function of
``(n_products, catalog_seed)``. The taxonomy follows how beauty retailers
shelve products: skincare (cleanser, toner, serum, moisturizer, sunscreen,
mask, eye care) and makeup (foundation, concealer, lipstick, mascara,
eyeshadow, blush).

Modelling assumptions, stated plainly:

* Prices are log-normal around a per-category median, shifted by the brand's
  positioning. Category medians are set so that the catalog median is about
  $35 and skincare sits above makeup, in line with the price levels of large
  beauty retailers' online assortments. Tiers are drugstore (< $20), mid
  ($20-50), prestige ($50-100) and luxury (> $100).
* Suitability is a number in [0, 1] per skin type (dry, oily, combination,
  normal, sensitive): about 0.9 for the skin types a product is formulated
  for, about 0.55 for neutral ones and about 0.15 where it is a poor fit (a
  rich cream on oily skin, an acid serum on sensitive skin). A purchase
  "suits" the shopper when suitability is at least 0.5.
* Hype is a trend score in [0, 1]; a few products are very hyped. Hype
  attracts clicks whatever the fit, and hyped products are more often
  formulated narrowly, so they are a poor fit for more shoppers.
* Popularity blends rating, hype and affordability with noise, the way
  best-seller lists do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SKIN_TYPES = ("dry", "oily", "combination", "normal", "sensitive")
CONCERNS = ("acne", "aging", "dryness", "dark spots", "redness")
TIERS = ("drugstore", "mid", "prestige", "luxury")
TIER_EDGES = (20.0, 50.0, 100.0)

# (name, group, median price in dollars, concerns it tends to address)
CATEGORIES = (
    ("cleanser", "skincare", 28.0, ("acne", "redness")),
    ("toner", "skincare", 30.0, ("acne", "dark spots")),
    ("serum", "skincare", 58.0, ("aging", "dark spots", "acne")),
    ("moisturizer", "skincare", 45.0, ("dryness", "aging", "redness")),
    ("sunscreen", "skincare", 32.0, ("aging", "dark spots")),
    ("mask", "skincare", 35.0, ("dryness", "acne")),
    ("eye care", "skincare", 50.0, ("aging", "dryness")),
    ("foundation", "makeup", 40.0, ("redness", "dark spots")),
    ("concealer", "makeup", 29.0, ("dark spots", "redness")),
    ("lipstick", "makeup", 26.0, ("dryness",)),
    ("mascara", "makeup", 25.0, ()),
    ("eyeshadow", "makeup", 36.0, ()),
    ("blush", "makeup", 28.0, ()),
)
CATEGORY_NAMES = tuple(c[0] for c in CATEGORIES)
N_CATEGORIES = len(CATEGORIES)
N_SKIN_TYPES = len(SKIN_TYPES)
N_CONCERNS = len(CONCERNS)

# The next step of a routine: buying a product of the key category raises
# interest in the value category.
ROUTINE_NEXT = {
    "cleanser": "toner",
    "toner": "serum",
    "serum": "moisturizer",
    "moisturizer": "sunscreen",
    "foundation": "concealer",
    "mascara": "eyeshadow",
}

# (brand, positioning tier index)
BRANDS = (
    ("Dewdrop Basics", 0),
    ("Clearday", 0),
    ("Petal & Pine", 1),
    ("Lumen Lab", 1),
    ("Kiso Skin", 1),
    ("Rouge Atelier", 1),
    ("Velvet Theory", 2),
    ("Maison Sable", 2),
    ("Aurelia", 2),
    ("Nocturne", 2),
    ("Orchid & Onyx", 3),
    ("Celestine Paris", 3),
)
N_BRANDS = len(BRANDS)
_TIER_PRICE_FACTOR = np.array([0.5, 0.95, 1.7, 3.0])
_TIER_SHARE = np.array([0.3, 0.4, 0.22, 0.08])  # share of products by brand tier
_ADJECTIVES = (
    "Gentle",
    "Radiant",
    "Hydra",
    "Velvet",
    "Pure",
    "Glow",
    "Calm",
    "Silk",
    "Bright",
    "Daily",
    "Barrier",
    "Dew",
    "Matte",
    "Bloom",
    "Clear",
    "Soft",
)


@dataclass(frozen=True)
class Catalog:
    """Products of a shop as parallel arrays, one entry per product."""

    category: np.ndarray
    """int64 (P,): index into ``CATEGORY_NAMES``."""
    brand: np.ndarray
    """int64 (P,): index into ``BRANDS``."""
    price: np.ndarray
    """float64 (P,): price in dollars."""
    tier: np.ndarray
    """int64 (P,): price tier index into ``TIERS``."""
    suitability: np.ndarray
    """float64 (P, 5): fit for each skin type, in [0, 1]."""
    concerns: np.ndarray
    """bool (P, 5): concerns the product addresses."""
    rating: np.ndarray
    """float64 (P,): average star rating, 1 to 5."""
    popularity: np.ndarray
    """float64 (P,): best-seller score in [0, 1]."""
    hype: np.ndarray
    """float64 (P,): trend score in [0, 1]."""
    names: tuple[str, ...]
    """Product names, for display."""

    @property
    def n_products(self) -> int:
        """Number of products."""
        return len(self.price)

    def describe(self, product: int) -> str:
        """One-line description of a product, for notebooks and logs."""
        cat = CATEGORY_NAMES[self.category[product]]
        fits = zip(SKIN_TYPES, self.suitability[product], strict=True)
        good = [skin for skin, value in fits if value >= 0.5]
        return (
            f"{self.names[product]} ({cat}, ${self.price[product]:.0f}, "
            f"{TIERS[self.tier[product]]}, rating {self.rating[product]:.1f}, "
            f"hype {self.hype[product]:.2f}, suits {', '.join(good) or 'no skin type'})"
        )


def make_catalog(n_products: int, seed: int) -> Catalog:
    """Draw a catalog of ``n_products`` products from ``seed``.

    Args:
        n_products: Number of products, at least 1.
        seed: Catalog seed; the same seed gives the same catalog.

    Returns:
        The catalog.
    """
    rng = np.random.default_rng([seed, 0xCA7A106])
    p = n_products

    # Categories cycle first so that even a small catalog covers every shelf.
    category = np.concatenate(
        [
            np.arange(min(p, N_CATEGORIES)),
            rng.integers(0, N_CATEGORIES, max(0, p - N_CATEGORIES)),
        ]
    ).astype(np.int64)
    category = category[rng.permutation(p)]
    # Brands: most products are drugstore or mid-priced, as on real shelves.
    # Systematic sampling within each category keeps every shelf's mix of
    # price tiers close to those shares, even in a small catalog.
    tier_of_brand = np.array([t for _, t in BRANDS])
    share = _TIER_SHARE[tier_of_brand] / np.bincount(tier_of_brand)[tier_of_brand]
    cumulative = np.cumsum(share)
    brand = np.zeros(p, dtype=np.int64)
    for c in range(N_CATEGORIES):
        members = np.flatnonzero(category == c)
        grid = (np.arange(len(members)) + rng.random()) / max(len(members), 1)
        picks = np.minimum(np.searchsorted(cumulative, grid), N_BRANDS - 1)
        brand[members] = picks[rng.permutation(len(members))]
    brand_tier = np.array([t for _, t in BRANDS])[brand]

    # Prices: category median, brand positioning, log-normal spread.
    median = np.array([c[2] for c in CATEGORIES])[category]
    price = median * _TIER_PRICE_FACTOR[brand_tier] * np.exp(rng.normal(0.0, 0.25, p))
    price = np.round(price, 0) - 0.01
    price = np.maximum(price, 3.99)
    tier = np.searchsorted(np.array(TIER_EDGES), price, side="right").astype(np.int64)

    # Hype: most products are not trending, a few are very much so.
    hype = rng.beta(0.6, 2.6, p)

    # Suitability: formulated for 1-3 skin types, a poor fit for 0-2 others.
    # Hyped products are formulated more narrowly.
    suitability = np.full((p, N_SKIN_TYPES), 0.55)
    for i in range(p):
        order = rng.permutation(N_SKIN_TYPES)
        n_good = 1 + rng.binomial(2, 0.55 - 0.35 * hype[i])
        n_bad = rng.binomial(3, 0.3 + 0.5 * hype[i])
        n_bad = min(n_bad, N_SKIN_TYPES - n_good)
        suitability[i, order[:n_good]] = 0.9
        suitability[i, order[n_good : n_good + n_bad]] = 0.15
    suitability = np.clip(
        suitability + rng.normal(0.0, 0.04, suitability.shape), 0.0, 1.0
    )

    # Concerns: drawn from what the category tends to address.
    concerns = np.zeros((p, N_CONCERNS), dtype=bool)
    for i in range(p):
        options = CATEGORIES[category[i]][3]
        for name in options:
            if rng.random() < 0.6:
                concerns[i, CONCERNS.index(name)] = True

    rating = np.clip(4.2 + rng.normal(0.0, 0.35, p), 2.5, 5.0)
    afford = -np.log(price / 35.0)
    pop_score = (
        1.2 * (rating - 4.2) + 1.5 * hype + 0.4 * afford + rng.normal(0.0, 0.5, p)
    )
    popularity = 1.0 / (1.0 + np.exp(-pop_score))

    adjectives = rng.integers(0, len(_ADJECTIVES), p)
    names = tuple(
        f"{BRANDS[brand[i]][0]} {_ADJECTIVES[adjectives[i]]} "
        f"{CATEGORY_NAMES[category[i]].title()} #{i}"
        for i in range(p)
    )
    return Catalog(
        category=category,
        brand=brand,
        price=price,
        tier=tier,
        suitability=suitability,
        concerns=concerns,
        rating=rating,
        popularity=popularity,
        hype=hype,
        names=names,
    )
