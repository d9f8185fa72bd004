"""The shop's dynamics for a batch of shoppers, stepped with NumPy.

``ShopCore`` holds N slots, each a shopper in a session. Both the Gymnasium
environment (one slot) and the vectorised shop (many slots) are thin layers
over it, so they share one implementation of the dynamics. Every random draw
is a counter-based function of the session key, the step and the kind of
draw (``beautyrl_lib.sim.rng``), so a shopper's session does not depend on
which other shoppers are stepped beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from beautyrl_lib.sim import rng
from beautyrl_lib.sim.catalog import N_CATEGORIES, Catalog, make_catalog
from beautyrl_lib.sim.config import ShopConfig
from beautyrl_lib.sim.observation import COUNT_SCALE, OBS_DIM, OBS_LAYOUT, SPEND_SCALE
from beautyrl_lib.sim.rewards import funnel_value
from beautyrl_lib.sim.shoppers import (
    POOR_FIT,
    ROUTINE_TARGET,
    SUITS,
    response_probabilities,
    sample_profiles,
)

FATIGUE_DECAY = 0.85
_L = OBS_LAYOUT
_SHOWN0 = _L["shown_by_category"].start
_CLICK0 = _L["clicks_by_category"].start
_BOUGHT0 = _L["bought_by_category"].start
_EVIDENCE = _L["skin_evidence"]


@dataclass
class StepOutcome:
    """What happened in one step, for the stepped rows (arrays of shape (n,))."""

    reward: np.ndarray
    click: np.ndarray
    cart: np.ndarray
    purchase: np.ndarray
    suits: np.ndarray
    """Whether the recommended product suits the shopper's skin."""
    price: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray


_catalog_cache: dict[tuple[int, int], Catalog] = {}


def catalog_for(config: ShopConfig) -> Catalog:
    """The catalog of a configuration (cached: catalogs are immutable)."""
    key = (config.n_products, config.catalog_seed)
    if key not in _catalog_cache:
        if len(_catalog_cache) > 16:
            _catalog_cache.clear()
        _catalog_cache[key] = make_catalog(*key)
    return _catalog_cache[key]


class ShopCore:
    """Session state of ``n`` shopper slots and the step function.

    Args:
        config: The shop.
        n: Number of slots.
    """

    def __init__(self, config: ShopConfig, n: int) -> None:
        self.config = config
        self.catalog = catalog_for(config)
        self.n = n
        p = self.catalog.n_products
        self.keys = np.zeros(n, dtype=np.uint64)
        self.profile = sample_profiles(self.keys, config)
        self.step_count = np.zeros(n, dtype=np.int64)
        self.patience = np.zeros(n)
        self.trust = np.ones(n)
        self.remaining_budget = np.zeros(n)
        self.spend = np.zeros(n)
        self.routine = np.zeros((n, N_CATEGORIES))
        self.fatigue = np.zeros((n, N_CATEGORIES))
        self.shown = np.zeros((n, p), dtype=bool)
        self.obs = np.zeros((n, OBS_DIM), dtype=np.float32)
        self.done = np.ones(n, dtype=bool)
        self._all = np.arange(n)

    # ------------------------------------------------------------------ start
    def start(self, slots: np.ndarray, keys: np.ndarray) -> None:
        """Begin new sessions with session ``keys`` in ``slots``."""
        slots = np.asarray(slots, dtype=np.int64)
        keys = np.asarray(keys, dtype=np.uint64)
        profile = sample_profiles(keys, self.config)
        self.profile.put(slots, profile)
        self.keys[slots] = keys
        self.step_count[slots] = 0
        self.patience[slots] = profile.patience
        self.trust[slots] = 1.0
        self.remaining_budget[slots] = profile.budget
        self.spend[slots] = 0.0
        self.routine[slots] = 0.0
        self.fatigue[slots] = 0.0
        self.shown[slots] = False
        self.done[slots] = False

        obs = np.zeros((len(slots), OBS_DIM), dtype=np.float32)
        rows = np.arange(len(slots))
        obs[rows, _L["declared_skin"].start + profile.declared_skin] = 1.0
        obs[rows, _L["age_bracket"].start + profile.age_bracket] = 1.0
        obs[rows, _L["loyalty"].start + profile.loyalty] = 1.0
        self.obs[slots] = obs

    # ------------------------------------------------------------- expected
    def response_probabilities(self, rows: np.ndarray, products: np.ndarray):
        """(p_click, p_cart, p_purchase) of recommending ``products`` to ``rows``.

        ``rows`` (N,) with ``products`` (N,) scores one product per shopper;
        ``rows[:, None]`` with ``products`` (N, K) or (1, K) scores K each.
        """
        return response_probabilities(
            self.catalog,
            self.profile,
            rows,
            products,
            self.trust,
            self.remaining_budget,
            self.routine,
            self.fatigue,
            self.shown,
        )

    def expected_rewards(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Expected immediate reward of every product for each row: (N, P).

        This reads the hidden profile: only oracles may use it.
        """
        rows = self._all if rows is None else rows
        products = np.arange(self.catalog.n_products)[None, :]
        p_click, p_cart, p_purchase = self.response_probabilities(
            rows[:, None], products
        )
        fit = self.catalog.suitability[products, self.profile.skin_type[rows][:, None]]
        return funnel_value(
            self.config, p_click, p_cart, p_purchase, self.catalog.price[products], fit
        )

    # ------------------------------------------------------------------ step
    def step(self, actions: np.ndarray, rows: np.ndarray | None = None) -> StepOutcome:
        """Recommend ``actions[i]`` to shopper ``rows[i]`` and advance one step.

        Args:
            actions: int64 product indices, one per row (already validated).
            rows: Slots to step; ``None`` steps all slots.

        Returns:
            The outcome for the stepped rows.
        """
        # ``r`` pairs rows with actions in 2-D indexing; ``sl`` is a cheaper
        # slice when every slot is stepped (the training hot path).
        r = self._all if rows is None else rows
        sl = slice(None) if rows is None else rows
        cat_ = self.catalog
        s = self.config.long_term_strength
        keys = self.keys[sl]
        t = self.step_count[r]  # a copy: step_count is updated below

        # Responses: click, then cart given click, then purchase given cart.
        p_click, p_cart, p_purchase = self.response_probabilities(r, actions)
        click = rng.uniform(keys, t, rng.STREAM_CLICK) < p_click
        cart = click & (rng.uniform(keys, t, rng.STREAM_CART) < p_cart)
        purchase = cart & (rng.uniform(keys, t, rng.STREAM_PURCHASE) < p_purchase)
        fit = cat_.suitability[actions, self.profile.skin_type[sl]]
        price = cat_.price[actions]
        category = cat_.category[actions]
        reward = funnel_value(self.config, click, cart, purchase, price, fit)

        # Long-term effects, all scaled by the strength knob.
        if s > 0.0:
            poor = fit < POOR_FIT
            good = fit >= SUITS
            self.patience[sl] += s * (
                -0.4 * ~click
                - 1.0 * poor
                - 1.5 * (click & poor)
                + 1.0 * (click & good)
                + 1.0 * (purchase & good)
                - 3.0 * (purchase & poor)
            )
            trust = self.trust[sl] + s * (
                0.25 * (click & good)
                - 0.3 * (click & poor)
                + 0.3 * (purchase & good)
                - 0.5 * (purchase & poor)
            )
            self.trust[sl] = np.clip(trust, 0.0, 2.0)
            target = ROUTINE_TARGET[category]
            grow = purchase & (target >= 0)
            if grow.any():
                self.routine[r[grow], target[grow]] += 0.6 * s
            self.remaining_budget[sl] -= purchase * price * min(s, 1.0)
            fatigue = self.fatigue[sl] * FATIGUE_DECAY
            fatigue[np.arange(len(r)), category] += 0.35 * s
            self.fatigue[sl] = fatigue
        self.spend[sl] += purchase * price
        self.shown[r, actions] = True

        # What the shop observes of this step.
        obs = self.obs
        t1 = t + 1
        obs[sl, _L["progress"].start] = t1 / self.config.horizon
        obs[sl, _L["spend"].start] = self.spend[sl] / SPEND_SCALE
        last = _L["last_response"].start
        obs[sl, last] = click
        obs[sl, last + 1] = cart
        obs[sl, last + 2] = purchase
        streak = _L["ignored_streak"].start
        obs[sl, streak] = np.where(click, 0.0, obs[sl, streak] + 1.0 / COUNT_SCALE)
        obs[r, _SHOWN0 + category] += 1.0 / COUNT_SCALE
        obs[r, _CLICK0 + category] += click / COUNT_SCALE
        obs[r, _BOUGHT0 + category] += purchase / COUNT_SCALE
        sign = np.where(cart, 1.0, -1.0) * click
        evidence = sign[:, None] * (cat_.suitability[actions] - 0.55)
        obs[sl, _EVIDENCE] += evidence.astype(np.float32)

        # Endings: leaving is termination; the horizon is truncation.
        self.step_count[sl] = t1
        leave = rng.uniform(keys, t, rng.STREAM_LEAVE) < self.config.leave_prob
        terminated = leave | (self.patience[sl] <= 0.0)
        truncated = ~terminated & (t1 >= self.config.horizon)
        self.done[sl] = terminated | truncated
        return StepOutcome(
            reward=reward.astype(np.float64),
            click=click,
            cart=cart,
            purchase=purchase,
            suits=fit >= SUITS,
            price=price,
            terminated=terminated,
            truncated=truncated,
        )

    # ------------------------------------------------------------- snapshot
    _STATE_ARRAYS = (
        "keys",
        "step_count",
        "patience",
        "trust",
        "remaining_budget",
        "spend",
        "routine",
        "fatigue",
        "shown",
        "obs",
        "done",
    )

    def state_dict(self) -> dict:
        """Every slot's session state as torch tensors (for checkpoints).

        Profiles are not stored: they are a pure function of the session keys
        and are redrawn on load. ``torch.load(weights_only=True)`` reads it.
        """
        import torch

        state = {"n": self.n, "config": self.config.to_dict()}
        for name in self._STATE_ARRAYS:
            state[name] = torch.from_numpy(getattr(self, name).copy())
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore ``state_dict``; the shop configuration and size must match."""
        from beautyrl_lib.errors import CheckpointError, invalid

        if not isinstance(state, dict) or state.get("n") != self.n:
            raise invalid(
                "shop state",
                state.get("n") if isinstance(state, dict) else state,
                f"a ShopCore state of {self.n} slots",
                CheckpointError,
            )
        if state.get("config") != self.config.to_dict():
            raise CheckpointError(
                "shop state belongs to another shop configuration: "
                f"{state.get('config')} instead of {self.config.to_dict()}"
            )
        for name in self._STATE_ARRAYS:
            setattr(self, name, state[name].numpy().copy())
        self.profile = sample_profiles(self.keys, self.config)

    # ----------------------------------------------------------------- clone
    def clone(self, rows: np.ndarray, keys: np.ndarray | None = None) -> ShopCore:
        """A new core whose slots copy ``rows`` of this one.

        Used by the look-ahead oracle to imagine futures. ``keys`` replaces the
        session keys of the copies, so the imagined futures draw different
        randomness from the real one.
        """
        new = ShopCore.__new__(ShopCore)
        new.config, new.catalog, new.n = self.config, self.catalog, len(rows)
        new.profile = self.profile.take(rows)
        for name in self._STATE_ARRAYS:
            setattr(new, name, getattr(self, name)[rows].copy())
        if keys is not None:
            new.keys = np.asarray(keys, dtype=np.uint64)
        new._all = np.arange(new.n)
        return new
