"""``VectorShop``: many shopper sessions stepped at once with NumPy.

It follows Gymnasium's ``VectorEnv`` interface. Slot ``i`` of
``reset(seed=s)`` is the same shopper, with the same draws, as
``BeautyShopEnv().reset(seed=s + i)``, and when a session ends the slot moves
on to the shopper that a seedless ``reset()`` of that single environment would
give. The tests compare the two step by step.

Two modes:

* ``autoreset=True`` (training): a finished slot starts its next session in
  the same step. The returned observation is the new session's first one; the
  finished session's last observation is in ``info["final_obs"]`` and
  ``info["_final_obs"]`` marks which slots finished (Gymnasium's same-step
  autoreset convention).
* ``autoreset=False`` (evaluation): finished slots stay finished and their
  actions are ignored; ``start_cohort(keys)`` runs a fixed cohort of shoppers.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv

from beautyrl_lib.errors import SessionEndedError, invalid
from beautyrl_lib.sim import rng
from beautyrl_lib.sim.config import ShopConfig
from beautyrl_lib.sim.core import ShopCore, StepOutcome
from beautyrl_lib.sim.observation import observation_bounds
from beautyrl_lib.sim.validation import check_actions, check_seed


class VectorShop(VectorEnv):
    """``num_envs`` shopper slots sharing one catalog.

    Args:
        config: The shop (defaults to ``ShopConfig()``).
        num_envs: Number of shoppers stepped at once (1 to 1,000,000).
        autoreset: Start the next session in a slot as soon as one ends.
    """

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP}

    def __init__(
        self,
        config: ShopConfig | None = None,
        num_envs: int = 64,
        autoreset: bool = True,
    ) -> None:
        config = ShopConfig() if config is None else config
        if not isinstance(config, ShopConfig):
            raise invalid("config", config, "a ShopConfig or None")
        if (
            isinstance(num_envs, bool)
            or not isinstance(num_envs, int)
            or not (1 <= num_envs <= 1_000_000)
        ):
            raise invalid("num_envs", num_envs, "an integer from 1 to 1000000")
        self.config = config
        self.num_envs = num_envs
        self.autoreset = bool(autoreset)
        self.core = ShopCore(config, num_envs)
        self.catalog = self.core.catalog
        low, high = observation_bounds(config.horizon, float(self.catalog.price.max()))
        self.single_observation_space = gym.spaces.Box(low, high, dtype=np.float32)
        self.single_action_space = gym.spaces.Discrete(self.catalog.n_products)
        self.observation_space = gym.vector.utils.batch_space(
            self.single_observation_space, num_envs
        )
        self.action_space = gym.vector.utils.batch_space(
            self.single_action_space, num_envs
        )
        self._started = False
        self._slots = np.arange(num_envs)

    # ----------------------------------------------------------------- reset
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Start one session per slot; slot ``i`` uses seed ``seed + i``."""
        seed = check_seed(seed)
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2**62))
        self.core.start(self._slots, rng.seed_keys(seed + self._slots))
        self._started = True
        return self.core.obs.copy(), {}

    def start_cohort(self, keys: np.ndarray):
        """Start the sessions of a fixed cohort, one key per slot (evaluation)."""
        keys = np.asarray(keys, dtype=np.uint64)
        if keys.shape != (self.num_envs,):
            raise invalid(
                "keys", f"array of shape {keys.shape}", f"shape ({self.num_envs},)"
            )
        self.core.start(self._slots, keys)
        self._started = True
        return self.core.obs.copy(), {}

    # ------------------------------------------------------------------ step
    def step_outcome(self, actions) -> StepOutcome:
        """Step and return the full ``StepOutcome`` (plus ``self.core.obs``).

        Rows that had already finished (only with ``autoreset=False``) are not
        stepped: their reward is 0 and they stay finished.
        """
        if not self._started:
            raise SessionEndedError("step() called before reset(); call reset() first")
        actions = check_actions(actions, self.num_envs, self.catalog.n_products)
        if self.autoreset:
            return self.core.step(actions)
        live = np.flatnonzero(~self.core.done)
        if len(live) == 0:
            raise SessionEndedError(
                "step() called after every session of the cohort ended; "
                "call reset() or start_cohort() first"
            )
        out = self.core.step(actions[live], live)
        return _scatter(out, live, self.num_envs)

    def step(self, actions):
        """Gymnasium step: ``(obs, reward, terminated, truncated, info)``."""
        out = self.step_outcome(actions)
        info = {}
        ended = out.terminated | out.truncated
        if self.autoreset and ended.any():
            slots = np.flatnonzero(ended)
            info["final_obs"] = np.empty(self.num_envs, dtype=object)
            info["_final_obs"] = ended.copy()
            for i in slots:
                info["final_obs"][i] = self.core.obs[i].copy()
            self.core.start(slots, rng.next_keys(self.core.keys[slots]))
        return self.core.obs.copy(), out.reward, out.terminated, out.truncated, info

    def step_arrays(self, actions):
        """Fast step for training loops: like ``step`` but ``info`` carries the
        finished sessions' last observations as one array ``final_obs``
        (rows of finished slots only, in slot order) and no object arrays."""
        out = self.step_outcome(actions)
        ended = out.terminated | out.truncated
        next_obs = self.core.obs.copy()
        info = {"outcome": out}
        if self.autoreset and ended.any():
            slots = np.flatnonzero(ended)
            info["final_obs"] = next_obs[slots].copy()
            self.core.start(slots, rng.next_keys(self.core.keys[slots]))
            next_obs[slots] = self.core.obs[slots]
        return next_obs, out.reward, out.terminated, out.truncated, info

    # --------------------------------------------------------------- helpers
    def action_mask(self) -> np.ndarray:
        """bool (num_envs, n_products): True where a product was not yet shown."""
        return ~self.core.shown

    @property
    def done(self) -> np.ndarray:
        """bool (num_envs,): which slots' sessions have ended (no-autoreset mode)."""
        return self.core.done.copy()


def _scatter(out: StepOutcome, live: np.ndarray, n: int) -> StepOutcome:
    full = {}
    for name, value in vars(out).items():
        arr = np.zeros(n, dtype=value.dtype)
        arr[live] = value
        full[name] = arr
    return StepOutcome(**full)
