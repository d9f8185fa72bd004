"""Typed configuration of the beauty shop.

A ``ShopConfig`` fully determines a shop: the catalog, the shoppers'
behaviour, the long-term effects and the reward. It is a frozen dataclass,
validated on creation, and saved next to every run's results.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from beautyrl_lib.errors import ConfigError, invalid
from beautyrl_lib.errors import check_float as _check_float
from beautyrl_lib.errors import check_int as _check_int

REWARD_MODES = ("funnel", "revenue", "suitability")
MAX_PRODUCTS = 100_000


@dataclass(frozen=True)
class RewardWeights:
    """Points the shop earns for each step of the funnel (``funnel`` mode)."""

    click: float = 1.0
    """Points for a click on the recommended product."""
    cart: float = 3.0
    """Extra points when the clicked product is added to the cart."""
    purchase: float = 10.0
    """Extra points when the carted product is bought."""

    def __post_init__(self) -> None:
        for name in ("click", "cart", "purchase"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise invalid(f"reward_weights.{name}", value, "a finite number >= 0")
            if not math.isfinite(value) or value < 0:
                raise invalid(f"reward_weights.{name}", value, "a finite number >= 0")
        if self.click == 0 and self.cart == 0 and self.purchase == 0:
            raise invalid(
                "reward_weights",
                (self.click, self.cart, self.purchase),
                "weights with at least one positive value",
            )

    @classmethod
    def from_any(cls, value) -> RewardWeights:
        """Accept a ``RewardWeights``, a mapping, or 3 numbers (click, cart, buy)."""
        if isinstance(value, RewardWeights):
            return value
        if isinstance(value, dict):
            unknown = set(value) - {"click", "cart", "purchase"}
            if unknown:
                raise invalid(
                    "reward_weights",
                    value,
                    "a mapping with keys among 'click', 'cart', 'purchase'",
                )
            return cls(**value)
        if isinstance(value, list | tuple) and len(value) == 3:
            return cls(*value)
        raise invalid(
            "reward_weights",
            value,
            "a RewardWeights, a dict with click/cart/purchase, or 3 numbers",
        )


@dataclass(frozen=True)
class ShopConfig:
    """Everything that defines a shop. Defaults are the course's standard shop."""

    n_products: int = 50
    """Number of products in the catalog (1 to 100000)."""
    catalog_seed: int = 0
    """Seed of the synthetic catalog; the same seed always gives the same products."""
    long_term_strength: float = 1.0
    """Scale of all long-term effects: 0 turns them off, 1 is the default shop."""
    horizon: int = 20
    """Most recommendations in one session; reaching it truncates the session."""
    reward_mode: str = "funnel"
    """'funnel' (weighted funnel), 'revenue' (dollars) or 'suitability'."""
    reward_weights: RewardWeights = field(default_factory=RewardWeights)
    """Weights of click, cart and purchase in 'funnel' and 'suitability' modes."""
    leave_prob: float = 0.03
    """Chance per step that a shopper leaves for reasons outside the shop's control."""
    declared_skin_prob: float = 0.6
    """Chance that a shopper has declared their skin type in their account."""
    mean_budget: float = 90.0
    """Median dollars a shopper is willing to spend in one session."""

    def __post_init__(self) -> None:
        _check_int("n_products", self.n_products, 1, MAX_PRODUCTS)
        if isinstance(self.catalog_seed, bool) or not isinstance(
            self.catalog_seed, int
        ):
            raise invalid("catalog_seed", self.catalog_seed, "an integer")
        _check_float("long_term_strength", self.long_term_strength, 0.0, 5.0)
        _check_int("horizon", self.horizon, 1, 1000)
        if self.reward_mode not in REWARD_MODES:
            raise invalid("reward_mode", self.reward_mode, f"one of {REWARD_MODES}")
        object.__setattr__(
            self, "reward_weights", RewardWeights.from_any(self.reward_weights)
        )
        _check_float("leave_prob", self.leave_prob, 0.0, 0.5)
        _check_float("declared_skin_prob", self.declared_skin_prob, 0.0, 1.0)
        _check_float("mean_budget", self.mean_budget, 1.0, 100_000.0)

    def to_dict(self) -> dict:
        """Plain-dict form, suitable for JSON."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ShopConfig:
        """Inverse of ``to_dict``; unknown keys are an error, not ignored."""
        if not isinstance(data, dict):
            raise invalid("config", data, "a dict of ShopConfig fields")
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ConfigError(
                f"config has unknown keys {sorted(unknown)}; "
                f"allowed keys are {sorted(known)}"
            )
        data = dict(data)
        if "reward_weights" in data:
            data["reward_weights"] = RewardWeights.from_any(data["reward_weights"])
        return cls(**data)
