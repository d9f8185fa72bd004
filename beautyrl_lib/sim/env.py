"""``BeautyShopEnv``: one shopper session as a Gymnasium environment.

Description
    The agent is a shop's recommender. Each step it recommends one product of
    the catalog to the shopper, who may click it, add it to the cart and buy
    it. The shopper's skin type, concerns, budget, tastes and patience are
    hidden; the agent sees what they declared, coarse demographics and the
    session so far.

Action space
    ``Discrete(n_products)``: the index of the recommended product. Products
    already recommended in this session are never clicked again;
    ``info["action_mask"]`` (``int8``, 1 = worth recommending) marks the others.

Observation space
    ``Box(low, high, (63,), float32)``; see ``beautyrl_lib.sim.observation``
    for the table of parts (declared skin type, age bracket, loyalty tier,
    progress, spend, last response, ignored streak, per-category counts of
    recommendations, clicks and purchases, skin evidence).

Reward
    Set by ``ShopConfig.reward_mode``: ``funnel`` (default) gives 1 point per
    click, 3 more per add-to-cart and 10 more per purchase; ``revenue`` gives
    the price of a purchase in dollars; ``suitability`` is ``funnel`` with the
    purchase points scaled by ``2 * suitability - 1``.

Starting state
    ``reset(seed=s)`` draws a shopper from ``s``; the same seed always gives
    the same shopper and, for the same actions, the same session. ``reset()``
    without a seed moves on to the next shopper of the same stream.

Episode end
    Terminated when the shopper leaves: patience is used up, or the
    ``leave_prob`` chance each step. Truncated after ``horizon`` steps
    (default 20): the shopper would have stayed, so a value estimate should
    bootstrap through it.

Info
    ``action_mask``, and ``click``, ``cart``, ``purchase``, ``suits`` and
    ``price`` of the step.

Version history
    * v0: first release.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from beautyrl_lib.errors import ActionError, SessionEndedError, invalid
from beautyrl_lib.sim import rng
from beautyrl_lib.sim.config import ShopConfig
from beautyrl_lib.sim.core import ShopCore
from beautyrl_lib.sim.observation import observation_bounds
from beautyrl_lib.sim.validation import check_seed

ENV_ID = "BeautyShop-v0"


class BeautyShopEnv(gym.Env):
    """One shopper session at a time; see the module docstring for the manual."""

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        config: ShopConfig | None = None,
        render_mode: str | None = None,
        **overrides,
    ) -> None:
        if config is None:
            config = ShopConfig(**overrides)
        elif overrides:
            config = ShopConfig.from_dict({**config.to_dict(), **overrides})
        if not isinstance(config, ShopConfig):
            raise invalid("config", config, "a ShopConfig or None")
        if render_mode not in (None, "ansi"):
            raise invalid("render_mode", render_mode, "None or 'ansi'")
        self.config = config
        self.render_mode = render_mode
        self._core = ShopCore(config, 1)
        self.catalog = self._core.catalog
        low, high = observation_bounds(config.horizon, float(self.catalog.price.max()))
        self.observation_space = gym.spaces.Box(low, high, dtype=np.float32)
        self.action_space = gym.spaces.Discrete(self.catalog.n_products)
        self._key: np.ndarray | None = None
        self._last: dict[str, Any] = {}
        self._rows = np.zeros(1, dtype=np.int64)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Start a session. Returns ``(obs, info)``."""
        seed = check_seed(seed)
        super().reset(seed=seed)
        if seed is not None:
            self._key = rng.seed_keys([seed])
        elif self._key is None:
            self._key = rng.seed_keys([int(self.np_random.integers(0, 2**63))])
        else:
            self._key = rng.next_keys(self._key)
        self._core.start(self._rows, self._key)
        self._last = {}
        return self._core.obs[0].copy(), self._info()

    def step(self, action):
        """Recommend product ``action``. Returns the Gymnasium five-tuple."""
        if self._key is None:
            raise SessionEndedError("step() called before reset(); call reset() first")
        if self._core.done[0]:
            raise SessionEndedError(
                "step() called after the session ended (terminated or truncated); "
                "call reset() to start the next session"
            )
        product = _check_action(action, self.catalog.n_products)
        out = self._core.step(np.array([product], dtype=np.int64), self._rows)
        self._last = {
            "click": bool(out.click[0]),
            "cart": bool(out.cart[0]),
            "purchase": bool(out.purchase[0]),
            "suits": bool(out.suits[0]),
            "price": float(out.price[0]),
            "product": product,
        }
        info = self._info()
        return (
            self._core.obs[0].copy(),
            float(out.reward[0]),
            bool(out.terminated[0]),
            bool(out.truncated[0]),
            info,
        )

    def _info(self) -> dict[str, Any]:
        info = {"action_mask": (~self._core.shown[0]).astype(np.int8)}
        info.update({k: v for k, v in self._last.items() if k != "product"})
        return info

    def hidden_profile(self) -> dict[str, Any]:
        """The current shopper's hidden profile, for teaching and oracles only."""
        prof = self._core.profile
        return {
            "skin_type": int(prof.skin_type[0]),
            "concerns": prof.concerns[0].copy(),
            "budget": float(prof.budget[0]),
            "remaining_budget": float(self._core.remaining_budget[0]),
            "price_sensitivity": float(prof.price_sensitivity[0]),
            "patience": float(self._core.patience[0]),
            "trust": float(self._core.trust[0]),
        }

    def render(self) -> str | None:
        """Text summary of the last step (``render_mode='ansi'``)."""
        if self.render_mode != "ansi":
            return None
        step = int(self._core.step_count[0])
        if not self._last:
            return f"step {step}: session started"
        what = (
            "bought"
            if self._last["purchase"]
            else (
                "added to cart"
                if self._last["cart"]
                else ("clicked" if self._last["click"] else "ignored")
            )
        )
        name = self.catalog.names[self._last["product"]]
        return f"step {step}: recommended {name}; shopper {what}"


def _check_action(action, n_products: int) -> int:
    if isinstance(action, bool | np.bool_):
        raise invalid("action", action, "an integer product index", ActionError)
    if isinstance(action, np.ndarray):
        if action.shape != () or not np.issubdtype(action.dtype, np.integer):
            raise invalid(
                "action",
                f"array of shape {action.shape} and dtype {action.dtype}",
                "a scalar integer product index",
                ActionError,
            )
        action = int(action)
    if not isinstance(action, int | np.integer):
        raise invalid("action", action, "an integer product index", ActionError)
    if not 0 <= action < n_products:
        raise invalid(
            "action", int(action), f"an integer from 0 to {n_products - 1}", ActionError
        )
    return int(action)
