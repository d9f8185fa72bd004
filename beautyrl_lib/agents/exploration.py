"""Exploration: epsilon schedules and epsilon-greedy action selection.

An agent that always recommends what it currently believes best never learns
what it has not tried. Epsilon-greedy recommends a random allowed product with
probability ``epsilon`` and the best one otherwise; ``epsilon`` starts high and
falls as the agent learns.

Schedules are functions of the number of environment steps taken (one step =
one recommendation to one shopper), never of the number of gradient updates:
how much the agent explores should depend on how much it has seen, not on how
often the training loop happens to update. With a vector shop of ``N`` slots,
one call to ``step`` advances the count by ``N``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from beautyrl_lib.agents.base import masked_argmax
from beautyrl_lib.errors import ActionError, ConfigError, invalid


def _check_finite(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(name, value, "a finite number", ConfigError)
    if not math.isfinite(value):
        raise invalid(name, value, "a finite number", ConfigError)


def _check_positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid(name, value, "an integer >= 1", ConfigError)


def _check_step(step):
    """Return ``step`` as a float or a float array, refusing negatives."""
    if isinstance(step, bool):
        raise invalid("step", step, "an integer >= 0 or an array of them", ConfigError)
    if isinstance(step, int | np.integer):
        if step < 0:
            raise invalid("step", step, "an integer >= 0", ConfigError)
        return float(step)
    arr = np.asarray(step)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise invalid("step", step, "an integer >= 0 or an array of them", ConfigError)
    if arr.size and arr.min() < 0:
        raise invalid("step", int(arr.min()), "integers >= 0", ConfigError)
    return arr.astype(np.float64)


@dataclass(frozen=True)
class LinearSchedule:
    """A value that moves in a straight line from ``start`` to ``end``, then stays.

    ``schedule(step) = start + (end - start) * min(step / duration_steps, 1)``.
    """

    start: float
    """Value at step 0."""
    end: float
    """Value from ``duration_steps`` on."""
    duration_steps: int
    """Environment steps taken to go from ``start`` to ``end`` (>= 1)."""

    def __post_init__(self) -> None:
        _check_finite("start", self.start)
        _check_finite("end", self.end)
        _check_positive_int("duration_steps", self.duration_steps)

    def __call__(self, step):
        """Value after ``step`` environment steps (an int, or an array of them)."""
        step = _check_step(step)
        fraction = np.minimum(step / self.duration_steps, 1.0)
        value = self.start + (self.end - self.start) * fraction
        return float(value) if np.ndim(value) == 0 else value


@dataclass(frozen=True)
class ExponentialSchedule:
    """A value that approaches ``end`` from ``start`` exponentially.

    Give exactly one of the two rates:

    * ``decay_steps``: ``end + (start - end) * exp(-step / decay_steps)``, the
      gap to ``end`` shrinks by a factor e every ``decay_steps`` steps;
    * ``half_life``: ``end + (start - end) * 0.5 ** (step / half_life)``, the
      gap halves every ``half_life`` steps.

    Unlike the linear schedule it never quite reaches ``end``.
    """

    start: float
    """Value at step 0."""
    end: float
    """Value approached as the step count grows."""
    decay_steps: float | None = None
    """Environment steps for the gap to ``end`` to shrink by a factor e."""
    half_life: float | None = None
    """Environment steps for the gap to ``end`` to halve."""

    def __post_init__(self) -> None:
        _check_finite("start", self.start)
        _check_finite("end", self.end)
        if (self.decay_steps is None) == (self.half_life is None):
            raise invalid(
                "decay_steps, half_life",
                (self.decay_steps, self.half_life),
                "exactly one of the two given",
                ConfigError,
            )
        for name in ("decay_steps", "half_life"):
            value = getattr(self, name)
            if value is not None:
                _check_finite(name, value)
                if value <= 0:
                    raise invalid(name, value, "a number > 0", ConfigError)

    def __call__(self, step):
        """Value after ``step`` environment steps (an int, or an array of them)."""
        step = _check_step(step)
        if self.decay_steps is not None:
            remaining = np.exp(-step / self.decay_steps)
        else:
            remaining = 0.5 ** (step / self.half_life)
        value = self.end + (self.start - self.end) * remaining
        return float(value) if np.ndim(value) == 0 else value


def epsilon_greedy(
    q_values: np.ndarray,
    action_mask: np.ndarray | None,
    epsilon: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Pick one action per row: random with probability epsilon, else the best.

    Each row independently explores with probability ``epsilon``. An
    exploring row picks uniformly among its allowed products; the others take
    the allowed product with the highest Q-value (ties to the lowest index).
    A row with no allowed product falls back to all products.

    Random numbers: ``n`` uniforms to decide which rows explore, then
    ``n_actions`` uniforms per exploring row, all from ``rng``.

    Args:
        q_values: float array (n, n_actions).
        action_mask: bool array (n, n_actions), True where allowed, or None
            to allow every product.
        epsilon: Probability of exploring, from 0 to 1.
        rng: NumPy generator the random choices are drawn from.

    Returns:
        int64 array (n,) of product indices.

    Raises:
        ConfigError: If ``epsilon`` is outside [0, 1] or ``rng`` is not a
            NumPy generator.
        ActionError: If ``q_values`` or ``action_mask`` has the wrong shape or
            dtype.
    """
    q_values = np.asarray(q_values)
    if q_values.ndim != 2:
        raise invalid(
            "q_values",
            f"array of shape {q_values.shape}",
            "shape (n, n_actions)",
            ActionError,
        )
    n, n_actions = q_values.shape
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float | np.floating):
        raise invalid("epsilon", epsilon, "a number from 0 to 1", ConfigError)
    if not 0.0 <= epsilon <= 1.0:
        raise invalid("epsilon", epsilon, "a number from 0 to 1", ConfigError)
    if not isinstance(rng, np.random.Generator):
        raise invalid("rng", rng, "a numpy.random.Generator", ConfigError)

    if action_mask is None:
        actions = q_values.argmax(axis=1).astype(np.int64)
    else:
        action_mask = np.asarray(action_mask)
        if action_mask.dtype != bool or action_mask.shape != q_values.shape:
            raise invalid(
                "action_mask",
                f"array of shape {action_mask.shape} and dtype {action_mask.dtype}",
                f"a bool array of shape {q_values.shape}",
                ActionError,
            )
        actions = masked_argmax(q_values, action_mask)

    explore = rng.random(n) < epsilon
    n_explore = int(np.count_nonzero(explore))
    if n_explore:
        # The argmax of independent uniform draws over the allowed products
        # is a uniform pick among them: one vectorised draw for all rows.
        noise = rng.random((n_explore, n_actions))
        if action_mask is not None:
            allowed = action_mask[explore]
            allowed |= ~allowed.any(axis=1, keepdims=True)
            noise = np.where(allowed, noise, -1.0)
        actions[explore] = noise.argmax(axis=1)
    return actions
