"""Deployable baselines: the recommenders a shop could run without RL.

All of them read only the observation (and the public catalog); none reads
the shopper's hidden profile. Each acts on a whole batch of shoppers at once.

* ``RandomPolicy`` ("random"): a uniform choice among the products not yet
  shown. The floor every recommender must beat.
* ``PopularityPolicy`` ("popularity"): the best seller not yet shown, the
  same list for everyone.
* ``GreedyPolicy`` ("greedy"): the usual non-RL shop recommender. It logs
  recommendations of the random policy on training shoppers, fits one ridge
  regression per product that predicts the immediate reward from the
  observation, and recommends the product with the highest prediction.
* ``LinUCBPolicy`` ("bandit"): a contextual bandit (disjoint LinUCB). It
  learns the same kind of per-product linear model online, choosing its own
  recommendations with an optimism bonus for products it knows little about.

Greedy and bandit are myopic by construction: they predict the reward of the
next step only, which is why a long-term learner can beat them.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, fields, replace

import numpy as np
from tqdm.auto import tqdm

from beautyrl_lib.agents.base import Policy, masked_argmax
from beautyrl_lib.errors import ActionError, ConfigError, ObservationError, invalid
from beautyrl_lib.errors import check_float as _check_float
from beautyrl_lib.errors import check_int as _check_int
from beautyrl_lib.sim.config import ShopConfig
from beautyrl_lib.sim.core import catalog_for
from beautyrl_lib.sim.observation import OBS_DIM
from beautyrl_lib.sim.vector import VectorShop

logger = logging.getLogger(__name__)

N_FEATURES = OBS_DIM + 1
"""Inputs of the linear reward models: the observation plus a constant 1 (bias)."""


# ---------------------------------------------------------------- checks
def check_seed(seed, param: str = "seed") -> int:
    """Return ``seed`` as an int, or raise ``ConfigError`` unless it is an int >= 0."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise invalid(param, seed, "an integer >= 0")
    return int(seed)


def check_config(config) -> ShopConfig:
    """Return ``config`` unchanged, or raise ``ConfigError`` if it is no ShopConfig."""
    if not isinstance(config, ShopConfig):
        raise invalid("config", config, "a ShopConfig")
    return config


def check_batch(obs, action_mask, n_products: int | None = None) -> np.ndarray:
    """Check a batch given to ``act`` and return the mask as a bool array.

    Args:
        obs: Observations, float (N, OBS_DIM).
        action_mask: bool (N, n_products), True where a product may be shown.
        n_products: Catalog size the policy was fitted on, if any.

    Returns:
        ``action_mask`` as a bool array of shape (N, n_products).
    """
    obs = np.asarray(obs)
    if obs.ndim != 2 or obs.shape[1] != OBS_DIM:
        raise invalid(
            "obs",
            f"array of shape {obs.shape}",
            f"shape (N, {OBS_DIM})",
            ObservationError,
        )
    mask = np.asarray(action_mask)
    if mask.dtype != bool:
        raise invalid(
            "action_mask", f"array of dtype {mask.dtype}", "bool", ActionError
        )
    width = "n_products" if n_products is None else str(n_products)
    if mask.ndim != 2 or mask.shape[0] != len(obs):
        raise invalid(
            "action_mask",
            f"array of shape {mask.shape}",
            f"shape ({len(obs)}, {width})",
            ActionError,
        )
    if n_products is not None and mask.shape[1] != n_products:
        raise invalid(
            "action_mask",
            f"array of shape {mask.shape}",
            f"shape ({len(obs)}, {n_products}) (the catalog the policy was fitted on)",
            ActionError,
        )
    return mask


def _require_fitted(policy: Policy, attribute: str) -> None:
    if getattr(policy, attribute) is None:
        raise ConfigError(
            f"{type(policy).__name__} is not fitted; "
            "call fit(config, seed) before act()"
        )


def features(obs: np.ndarray) -> np.ndarray:
    """Inputs of the linear models: float64 (N, OBS_DIM + 1), the last column is 1."""
    obs = np.asarray(obs, dtype=np.float64)
    return np.concatenate([obs, np.ones((len(obs), 1))], axis=1)


# ---------------------------------------------------------------- random
class RandomPolicy(Policy):
    """A uniform choice among the products not yet shown.

    Args:
        seed: Seed of the policy's own generator. Acting continues that
            generator's stream, so evaluating the same instance twice gives
            different sessions; build a new instance to repeat a run.
    """

    name = "random"

    def __init__(self, seed: int = 0) -> None:
        self.seed = check_seed(seed)
        self._rng = np.random.default_rng(self.seed)

    def act(self, obs: np.ndarray, action_mask: np.ndarray, shop=None) -> np.ndarray:
        """One uniformly random allowed product per shopper."""
        mask = check_batch(obs, action_mask)
        # The argmax of independent uniform scores over the allowed products
        # is a uniform choice among them, for every row at once.
        scores = self._rng.random(mask.shape)
        return masked_argmax(scores, mask)


# ------------------------------------------------------------ popularity
class PopularityPolicy(Policy):
    """The most popular product (``catalog.popularity``) not yet shown.

    The catalog is public shop data; ``fit`` reads it from the configuration.
    """

    name = "popularity"

    def __init__(self) -> None:
        self.popularity: np.ndarray | None = None

    def fit(self, config: ShopConfig, seed: int = 0) -> PopularityPolicy:
        """Read the popularity of each product from the catalog of ``config``."""
        check_seed(seed)
        self.popularity = catalog_for(check_config(config)).popularity.copy()
        return self

    def act(self, obs: np.ndarray, action_mask: np.ndarray, shop=None) -> np.ndarray:
        """The best seller among each shopper's unshown products."""
        _require_fitted(self, "popularity")
        mask = check_batch(obs, action_mask, len(self.popularity))
        return masked_argmax(np.broadcast_to(self.popularity, mask.shape), mask)


# --------------------------------------------------------------- logging
def log_random_recommendations(
    config: ShopConfig,
    seed: int,
    n_samples: int,
    num_envs: int = 256,
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Recommend at random to training shoppers and log what happened.

    Args:
        config: The shop.
        seed: Training seed: slot ``i`` starts with shopper ``seed + i``, and
            the random recommendations are drawn from ``seed`` as well.
        n_samples: Number of recommendations to log.
        num_envs: Shoppers stepped at once.
        progress: Show a progress bar.

    Returns:
        ``obs`` float32 (n_samples, OBS_DIM) seen before each recommendation,
        ``actions`` int64 (n_samples,) and ``rewards`` float64 (n_samples,).
    """
    shop = VectorShop(config, num_envs=num_envs, autoreset=True)
    obs, _ = shop.reset(seed=seed)
    logger_policy = RandomPolicy(seed)
    n_steps = math.ceil(n_samples / num_envs)
    obs_log = np.empty((n_steps * num_envs, OBS_DIM), dtype=np.float32)
    action_log = np.empty(n_steps * num_envs, dtype=np.int64)
    reward_log = np.empty(n_steps * num_envs, dtype=np.float64)
    for step in tqdm(
        range(n_steps), desc="fit greedy (log random)", disable=not progress
    ):
        rows = slice(step * num_envs, (step + 1) * num_envs)
        actions = logger_policy.act(obs, shop.action_mask())
        obs_log[rows] = obs
        action_log[rows] = actions
        # step_arrays gives the next session's first obs for finished slots,
        # which is exactly what the next recommendation in that slot sees.
        obs, reward, _, _, _ = shop.step_arrays(actions)
        reward_log[rows] = reward
    return obs_log[:n_samples], action_log[:n_samples], reward_log[:n_samples]


# ---------------------------------------------------------------- greedy
def _penalty_matrix(ridge, d: int) -> np.ndarray:
    penalty = np.broadcast_to(np.asarray(ridge, dtype=np.float64), (d,))
    return np.diag(penalty)


def ridge_fit(x: np.ndarray, y: np.ndarray, ridge) -> np.ndarray:
    """Weights ``w`` minimising ``|x w - y|^2 + sum_j ridge_j w_j^2``, in closed form.

    Args:
        x: float (n, d) inputs.
        y: float (n,) targets.
        ridge: L2 penalty, a number or one per column (d,); all > 0 so the
            system is always solvable.

    Returns:
        float64 (d,) weights, ``(x^T x + diag(ridge))^-1 x^T y``.
    """
    x = np.asarray(x, dtype=np.float64)
    gram = x.T @ x + _penalty_matrix(ridge, x.shape[1])
    return np.linalg.solve(gram, x.T @ np.asarray(y, dtype=np.float64))


def fit_product_models(
    x: np.ndarray, actions: np.ndarray, rewards: np.ndarray, n_products: int, ridge
) -> np.ndarray:
    """One ridge regression of the reward per product, on that product's rows.

    Args:
        x: float (n, d) inputs (use ``features(obs)`` to add the bias column).
        actions: int (n,) product recommended in each row.
        rewards: float (n,) immediate reward of each row.
        n_products: Catalog size.
        ridge: L2 penalty of every model, a number or one per column (d,).

    Returns:
        float64 (n_products, d): row ``a`` is ``ridge_fit`` on the rows with
        action ``a``. A product never logged gets all-zero weights.
    """
    x = np.asarray(x, dtype=np.float64)
    rewards = np.asarray(rewards, dtype=np.float64)
    d = x.shape[1]
    gram = np.broadcast_to(_penalty_matrix(ridge, d), (n_products, d, d)).copy()
    target = np.zeros((n_products, d))

    # Group the rows by product once instead of masking per product.
    order = np.argsort(actions, kind="stable")
    bounds = np.searchsorted(actions[order], np.arange(n_products + 1))
    for product in range(n_products):
        rows = order[bounds[product] : bounds[product + 1]]
        if len(rows):
            gram[product] += x[rows].T @ x[rows]
            target[product] = x[rows].T @ rewards[rows]

    # Batched solve: (P, d, d) systems with (P, d, 1) right-hand sides.
    return np.linalg.solve(gram, target[:, :, None])[:, :, 0]


BIAS_RIDGE = 1e-6
"""Penalty on the bias of the greedy models: almost none, so shrinkage pulls
the context weights to zero but leaves each product's mean reward alone (the
tiny value keeps the system solvable for products never logged)."""


@dataclass(frozen=True)
class GreedyConfig:
    """Settings of the greedy recommender's immediate-reward model.

    The default penalty is strong on purpose: rewards are rare and noisy (most
    recommendations are ignored), and with a few thousand rows per product a
    weak penalty fits that noise and recommends worse on new shoppers.
    """

    n_samples: int = 100_000
    """Random recommendations logged on training shoppers to fit the model."""
    ridge: float = 100.0
    """L2 penalty on each product's observation weights (not on its bias)."""
    num_envs: int = 256
    """Shoppers stepped at once while logging."""

    def __post_init__(self) -> None:
        _check_int("n_samples", self.n_samples, 100, 10_000_000)
        _check_float("ridge", self.ridge, 1e-6, 1e6)
        _check_int("num_envs", self.num_envs, 1, 100_000)


class GreedyPolicy(Policy):
    """Recommend the unshown product with the highest predicted immediate reward.

    The prediction is ``features(obs) @ weights[a]``, one ridge regression per
    product fitted on random recommendations to training shoppers. It learns
    what pays now from the same observations a DQN sees, and nothing about
    what a recommendation does to the rest of the session.

    Args:
        settings: A ``GreedyConfig``; keyword ``overrides`` replace its fields.
        progress: Show a progress bar while logging in ``fit``.
    """

    name = "greedy"

    def __init__(
        self,
        settings: GreedyConfig | None = None,
        *,
        progress: bool = False,
        **overrides,
    ) -> None:
        settings = GreedyConfig() if settings is None else settings
        if not isinstance(settings, GreedyConfig):
            raise invalid("settings", settings, "a GreedyConfig or None")
        unknown = set(overrides) - {f.name for f in fields(GreedyConfig)}
        if unknown:
            raise invalid(
                "overrides",
                sorted(unknown),
                "fields of GreedyConfig (n_samples, ridge, num_envs)",
            )
        self.settings = replace(settings, **overrides)
        self.progress = bool(progress)
        self.weights: np.ndarray | None = None
        """float64 (n_products, OBS_DIM + 1) after ``fit``; last column is the bias."""

    def fit(self, config: ShopConfig, seed: int = 0) -> GreedyPolicy:
        """Log random recommendations to training shoppers from ``seed`` and fit."""
        config, seed = check_config(config), check_seed(seed)
        s = self.settings
        obs, actions, rewards = log_random_recommendations(
            config, seed, s.n_samples, s.num_envs, self.progress
        )
        n_products = catalog_for(config).n_products
        penalty = np.full(N_FEATURES, s.ridge)
        penalty[-1] = BIAS_RIDGE
        self.weights = fit_product_models(
            features(obs), actions, rewards, n_products, penalty
        )
        logger.info("greedy: fitted %d product models on %d rows", n_products, len(obs))
        return self

    def predict(self, obs: np.ndarray) -> np.ndarray:
        """Predicted immediate reward of every product: float64 (N, n_products)."""
        _require_fitted(self, "weights")
        return features(obs) @ self.weights.T

    def act(self, obs: np.ndarray, action_mask: np.ndarray, shop=None) -> np.ndarray:
        """Masked argmax of the predicted immediate reward."""
        _require_fitted(self, "weights")
        mask = check_batch(obs, action_mask, len(self.weights))
        return masked_argmax(self.predict(obs), mask)


# ---------------------------------------------------------------- LinUCB
@dataclass(frozen=True)
class LinUCBConfig:
    """Settings of the LinUCB contextual bandit."""

    n_samples: int = 40_000
    """Recommendations made to training shoppers while learning online."""
    alpha: float = 0.3
    """Weight of the exploration bonus ``alpha * sqrt(x^T A^-1 x)``."""
    ridge: float = 10.0
    """Each product's model starts from ``A = ridge * I`` and ``b = 0`` (bias too)."""
    num_envs: int = 64
    """Shoppers served at once; the models update once per step of all of them."""

    def __post_init__(self) -> None:
        _check_int("n_samples", self.n_samples, 100, 10_000_000)
        _check_float("alpha", self.alpha, 0.0, 1e3)
        _check_float("ridge", self.ridge, 1e-6, 1e6)
        _check_int("num_envs", self.num_envs, 1, 100_000)


def sherman_morrison_update(
    a_inv: np.ndarray, x: np.ndarray, actions: np.ndarray
) -> None:
    """Add ``x_i x_i^T`` to ``A[actions[i]]`` for every row ``i``, on the inverses.

    Uses ``(A + x x^T)^-1 = A^-1 - (A^-1 x)(A^-1 x)^T / (1 + x^T A^-1 x)``,
    valid because every ``A`` is symmetric. Rows that update the same product
    must be applied one after another; each round takes the next row of every
    product, so the products in a round are distinct and it is vectorised.

    Args:
        a_inv: float64 (n_products, d, d) inverses, updated in place.
        x: float64 (n, d) inputs.
        actions: int (n,) product of each row.
    """
    order = np.argsort(actions, kind="stable")
    sorted_actions = actions[order]
    # occurrence[j]: how many earlier rows (in order) share row j's product.
    occurrence = np.arange(len(order)) - np.searchsorted(sorted_actions, sorted_actions)
    for round_ in range(int(occurrence.max(initial=-1)) + 1):
        rows = order[occurrence == round_]
        products = actions[rows]
        u = np.einsum("kde,ke->kd", a_inv[products], x[rows])  # A^-1 x, (k, d)
        denom = 1.0 + np.einsum("kd,kd->k", x[rows], u)
        a_inv[products] -= u[:, :, None] * u[:, None, :] / denom[:, None, None]


class LinUCBPolicy(Policy):
    """Disjoint LinUCB: one ridge model per product plus an optimism bonus.

    While learning (``fit``), it recommends the unshown product with the
    highest ``x . theta_a + alpha * sqrt(x^T A_a^-1 x)`` to training shoppers
    and updates the models of the recommended products after every step of
    the batch (``A_a += x x^T``, ``b_a += r x``, ``theta_a = A_a^-1 b_a``).
    Exact ties are broken at random from the seed.

    At evaluation it is frozen and acts on the mean estimate
    ``x . theta_a`` alone, without bonus or updates. This choice keeps the
    comparison fair and paired: every learned policy (greedy, bandit, DQN) is
    judged on what it learned from training shoppers, the evaluation cohort
    never trains anyone, and evaluating twice gives the same numbers. A bandit
    that keeps learning in production would do a little better over time.

    Args:
        settings: A ``LinUCBConfig``; keyword ``overrides`` replace its fields.
        progress: Show a progress bar in ``fit``.
    """

    name = "bandit"

    def __init__(
        self,
        settings: LinUCBConfig | None = None,
        *,
        progress: bool = False,
        **overrides,
    ) -> None:
        settings = LinUCBConfig() if settings is None else settings
        if not isinstance(settings, LinUCBConfig):
            raise invalid("settings", settings, "a LinUCBConfig or None")
        unknown = set(overrides) - {f.name for f in fields(LinUCBConfig)}
        if unknown:
            raise invalid(
                "overrides",
                sorted(unknown),
                "fields of LinUCBConfig (n_samples, alpha, ridge, num_envs)",
            )
        self.settings = replace(settings, **overrides)
        self.progress = bool(progress)
        self.a_inv: np.ndarray | None = None
        """float64 (n_products, d, d): inverse of each product's ``A``."""
        self.b: np.ndarray | None = None
        """float64 (n_products, d): each product's ``b``."""
        self.theta: np.ndarray | None = None
        """float64 (n_products, d): each product's mean weights ``A^-1 b``."""

    def reset_models(self, n_products: int) -> None:
        """Start every product's model from the prior ``A = ridge I``, ``b = 0``."""
        d = N_FEATURES
        eye = np.eye(d) / self.settings.ridge
        self.a_inv = np.broadcast_to(eye, (n_products, d, d)).copy()
        self.b = np.zeros((n_products, d))
        self.theta = np.zeros((n_products, d))

    def ucb_scores(self, x: np.ndarray) -> np.ndarray:
        """Optimistic scores ``x . theta_a + alpha * sqrt(x^T A_a^-1 x)``: (N, P)."""
        mean = x @ self.theta.T
        spread = self.a_inv @ x.T  # (P, d, d) @ (d, N) -> (P, d, N)
        quad = np.einsum("pdn,nd->np", spread, x)
        return mean + self.settings.alpha * np.sqrt(np.maximum(quad, 0.0))

    def update(self, x: np.ndarray, actions: np.ndarray, rewards: np.ndarray) -> None:
        """Add one batch of (input, product, reward) rows to the models."""
        np.add.at(self.b, actions, rewards[:, None] * x)
        sherman_morrison_update(self.a_inv, x, actions)
        touched = np.unique(actions)
        self.theta[touched] = np.einsum(
            "pde,pe->pd", self.a_inv[touched], self.b[touched]
        )

    def fit(self, config: ShopConfig, seed: int = 0) -> LinUCBPolicy:
        """Learn online on training shoppers from ``seed``.

        The budget ``n_samples`` is rounded up to whole steps of ``num_envs``
        shoppers.
        """
        config, seed = check_config(config), check_seed(seed)
        s = self.settings
        shop = VectorShop(config, num_envs=s.num_envs, autoreset=True)
        obs, _ = shop.reset(seed=seed)
        self.reset_models(shop.catalog.n_products)
        tie_rng = np.random.default_rng(seed)
        n_steps = math.ceil(s.n_samples / s.num_envs)
        for _ in tqdm(range(n_steps), desc="fit bandit", disable=not self.progress):
            x = features(obs)
            # A tiny random jitter only breaks exact ties (all products score
            # the same before any data), which would otherwise all go to
            # product 0.
            scores = self.ucb_scores(x) + 1e-9 * tie_rng.random((len(x), len(self.b)))
            actions = masked_argmax(scores, shop.action_mask())
            obs, reward, _, _, _ = shop.step_arrays(actions)
            self.update(x, actions, reward)
        logger.info("bandit: learned from %d recommendations", n_steps * s.num_envs)
        return self

    def predict(self, obs: np.ndarray) -> np.ndarray:
        """Mean predicted immediate reward of every product: float64 (N, P)."""
        _require_fitted(self, "theta")
        return features(obs) @ self.theta.T

    def act(self, obs: np.ndarray, action_mask: np.ndarray, shop=None) -> np.ndarray:
        """Masked argmax of the mean estimate (frozen; see the class docstring)."""
        _require_fitted(self, "theta")
        mask = check_batch(obs, action_mask, len(self.theta))
        return masked_argmax(self.predict(obs), mask)
