"""Reading and scaling the shop's observations.

The shop encodes what it observes as 63 numbers (``beautyrl_lib.sim.observation``
lists the parts). This module helps a learner read them and prepares them for a
neural network:

* ``read_observation`` and ``describe_observation`` turn one observation back
  into words (the declared skin type, the categories shown so far...), and
  ``describe_profile`` does the same for the hidden profile returned by
  ``BeautyShopEnv.hidden_profile()``, so the two can be put side by side.
* ``RunningNormalizer`` keeps a running mean and variance of every entry over
  the batches of observations it has seen, and rescales observations to mean
  0 and variance 1. Networks learn faster when their inputs share one scale;
  the observation's entries do not (a one-hot entry is 0 or 1, the skin
  evidence can reach several units, a rare purchase count is almost always 0).

The mask of products worth recommending needs no helper here: it is
``VectorShop.action_mask()`` (bool, True = not shown yet) and
``info["action_mask"]`` of the single environment (int8, 1 = not shown yet).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping

import numpy as np

from beautyrl_lib.errors import CheckpointError, ObservationError, invalid
from beautyrl_lib.sim.catalog import CATEGORY_NAMES, CONCERNS, SKIN_TYPES
from beautyrl_lib.sim.observation import COUNT_SCALE, OBS_DIM, OBS_LAYOUT, SPEND_SCALE
from beautyrl_lib.sim.shoppers import AGE_BRACKETS, LOYALTY_TIERS

_STATE_KEYS = ("count", "mean", "var", "eps")


def _is_tensor(value) -> bool:
    """True for a torch tensor, without importing torch when it is not loaded."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _check_obs(obs, param: str = "obs") -> np.ndarray:
    """One observation as a float64 array of shape (OBS_DIM,), or raise."""
    if _is_tensor(obs):
        obs = obs.detach().cpu().numpy()
    arr = np.asarray(obs)
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise invalid(
            param, f"array of dtype {arr.dtype}", "a float array", ObservationError
        )
    if arr.shape != (OBS_DIM,):
        raise invalid(
            param,
            f"array of shape {arr.shape}",
            f"one observation of shape ({OBS_DIM},)",
            ObservationError,
        )
    return arr.astype(np.float64)


# ---------------------------------------------------------------- reading
def _one_hot_name(values: np.ndarray, names: tuple[str, ...]) -> str:
    hot = np.flatnonzero(values > 0.5)
    if len(hot) != 1:
        return f"not a one-hot vector ({len(hot)} entries set)"
    return names[hot[0]]


def _counts(values: np.ndarray) -> str:
    """``"serum 2, lipstick 1"`` for per-category counts scaled by COUNT_SCALE."""
    counts = np.rint(values * COUNT_SCALE).astype(int)
    listed = [f"{CATEGORY_NAMES[c]} {counts[c]}" for c in np.flatnonzero(counts)]
    return ", ".join(listed) or "none"


def _last_response(values: np.ndarray, progress: float) -> str:
    if progress == 0.0:
        return "no recommendation yet"
    click, cart, purchase = values > 0.5
    if purchase:
        return "bought"
    if cart:
        return "added to cart, not bought"
    return "clicked, not carted" if click else "ignored"


def _evidence(values: np.ndarray) -> str:
    if not np.any(values):
        return "none yet"
    best = int(np.argmax(values))
    return f"points most to {SKIN_TYPES[best]} ({values[best]:+.2f})"


def read_observation(obs) -> dict[str, str]:
    """Each part of one observation, read back into words.

    Args:
        obs: One observation, float array of shape (OBS_DIM,) (a torch tensor
            is accepted too).

    Returns:
        Part name (the keys of ``OBS_LAYOUT``, in order) to a short reading,
        for example ``{"declared_skin": "oily", ..., "spend": "$38.99"}``.
    """
    x = _check_obs(obs)
    part = {name: x[sl] for name, sl in OBS_LAYOUT.items()}
    progress = float(part["progress"][0])
    streak = int(round(part["ignored_streak"][0] * COUNT_SCALE))
    return {
        "declared_skin": _one_hot_name(
            part["declared_skin"], (*SKIN_TYPES, "not declared")
        ),
        "age_bracket": _one_hot_name(part["age_bracket"], AGE_BRACKETS),
        "loyalty": _one_hot_name(part["loyalty"], LOYALTY_TIERS),
        "progress": f"{progress:.0%} of the step limit",
        "spend": f"${part['spend'][0] * SPEND_SCALE:.2f}",
        "last_response": _last_response(part["last_response"], progress),
        "ignored_streak": f"{streak} ignored in a row",
        "shown_by_category": _counts(part["shown_by_category"]),
        "clicks_by_category": _counts(part["clicks_by_category"]),
        "bought_by_category": _counts(part["bought_by_category"]),
        "skin_evidence": _evidence(part["skin_evidence"]),
    }


def _values(values: np.ndarray, width: int) -> str:
    text = " ".join(f"{v:.2f}".rstrip("0").rstrip(".") for v in values)
    return text if len(text) <= width else text[: width - 3] + "..."


def describe_observation(obs, value_width: int = 30) -> str:
    """A text table of one observation: part, entries, raw values, reading.

    Args:
        obs: One observation, float array of shape (OBS_DIM,).
        value_width: Characters of raw values shown per part; longer lists
            are cut with ``...`` (the reading still covers every entry).

    Returns:
        The table, one line per part of ``OBS_LAYOUT``.
    """
    if isinstance(value_width, bool) or not isinstance(value_width, int):
        raise invalid("value_width", value_width, "an integer >= 10")
    if value_width < 10:
        raise invalid("value_width", value_width, "an integer >= 10")
    x = _check_obs(obs)
    readings = read_observation(x)
    name_width = max(len(name) for name in OBS_LAYOUT)
    header = f"{'part':<{name_width}}  {'entries':>7}  {'values':<{value_width}}  "
    lines = [header + "reading", "-" * (len(header) + 30)]
    for name, sl in OBS_LAYOUT.items():
        entries = f"{sl.start}-{sl.stop - 1}" if sl.stop - sl.start > 1 else sl.start
        raw = _values(x[sl], value_width)
        lines.append(
            f"{name:<{name_width}}  {entries:>7}  {raw:<{value_width}}  "
            f"{readings[name]}"
        )
    return "\n".join(lines)


_PROFILE_KEYS = (
    "skin_type",
    "concerns",
    "budget",
    "remaining_budget",
    "price_sensitivity",
    "patience",
    "trust",
)


def describe_profile(profile: Mapping) -> str:
    """A text table of a shopper's hidden profile, as the shop never sees it.

    Args:
        profile: The dict returned by ``BeautyShopEnv.hidden_profile()``.

    Returns:
        One line per hidden quantity: skin type, concerns, budget (at the
        start and left now), price sensitivity, patience and trust.
    """
    if not isinstance(profile, Mapping) or any(k not in profile for k in _PROFILE_KEYS):
        raise invalid(
            "profile",
            profile,
            f"the dict of BeautyShopEnv.hidden_profile() (keys {list(_PROFILE_KEYS)})",
        )
    concerns = np.asarray(profile["concerns"], dtype=bool)
    named = [CONCERNS[i] for i in np.flatnonzero(concerns)]
    rows = {
        "skin_type": SKIN_TYPES[int(profile["skin_type"])],
        "concerns": ", ".join(named) or "none",
        "budget": f"${profile['budget']:.2f} at the start of the session",
        "remaining_budget": f"${profile['remaining_budget']:.2f} left now",
        "price_sensitivity": f"{profile['price_sensitivity']:.2f} (0 blind, 1 high)",
        "patience": f"{profile['patience']:.2f} (the shopper leaves at 0)",
        "trust": f"{profile['trust']:.2f} (starts at 1, from 0 to 2)",
    }
    width = max(len(name) for name in rows)
    lines = [f"{'hidden':<{width}}  value", "-" * (width + 40)]
    lines += [f"{name:<{width}}  {text}" for name, text in rows.items()]
    return "\n".join(lines)


# ------------------------------------------------------------- normalising
class RunningNormalizer:
    """Running mean and variance of observations, and rescaling by them.

    ``update(batch)`` folds a batch of observations into the statistics with
    the parallel form of Welford's algorithm (Chan, Golub and LeVeque's
    update): only the count, the mean and the variance are kept, never the
    observations, and after any sequence of batches they equal
    ``np.mean`` and ``np.var`` (population variance, ``ddof=0``) of all the
    batches stacked, up to float64 rounding. ``normalize(obs)`` returns
    ``(obs - mean) / sqrt(var + eps)``.

    Before the first update the mean is 0 and the variance 1, so
    ``normalize`` changes nothing (apart from ``eps``).

    Nothing is clipped. An entry that hardly varied in the data seen so far
    (a category nobody has bought yet has variance 0) is divided by about
    ``sqrt(eps)``, so the first shopper who does buy it gives a very large
    normalised value: with the default ``eps`` a count of 0.2 becomes 2000.
    ``|normalised| <= |obs - mean| / sqrt(eps)`` always holds; raise ``eps``
    to bound it, or update on enough data that every entry has varied.

    Statistics change while they are updated, so a network trained on
    normalised inputs must keep the normaliser it was trained with: save
    ``state_dict()`` next to its weights.

    Args:
        obs_dim: Length of one observation (``OBS_DIM`` for the shop).
        eps: Added to the variance before the square root, > 0: keeps entries
            that never varied finite (they normalise to 0).
    """

    def __init__(self, obs_dim: int = OBS_DIM, eps: float = 1e-8) -> None:
        if isinstance(obs_dim, bool) or not isinstance(obs_dim, int | np.integer):
            raise invalid("obs_dim", obs_dim, "an integer >= 1")
        if obs_dim < 1:
            raise invalid("obs_dim", obs_dim, "an integer >= 1")
        ok = not isinstance(eps, bool) and isinstance(eps, int | float)
        if not ok or not math.isfinite(eps) or eps <= 0:
            raise invalid("eps", eps, "a finite number > 0")
        self.obs_dim = int(obs_dim)
        self.eps = float(eps)
        self._count = 0
        self._mean = np.zeros(self.obs_dim)
        self._var = np.ones(self.obs_dim)

    @property
    def count(self) -> int:
        """Number of observations folded in so far."""
        return self._count

    @property
    def mean(self) -> np.ndarray:
        """float64 (obs_dim,): running mean (a copy)."""
        return self._mean.copy()

    @property
    def var(self) -> np.ndarray:
        """float64 (obs_dim,): running population variance (a copy)."""
        return self._var.copy()

    @property
    def std(self) -> np.ndarray:
        """float64 (obs_dim,): what ``normalize`` divides by, ``sqrt(var + eps)``."""
        return np.sqrt(self._var + self.eps)

    def _check_batch(self, batch) -> np.ndarray:
        if _is_tensor(batch):
            batch = batch.detach().cpu().numpy()
        arr = np.asarray(batch)
        if arr.dtype == bool or arr.dtype.kind not in "iuf":
            raise invalid(
                "batch",
                f"array of dtype {arr.dtype}",
                "a float array of shape (N, obs_dim)",
                ObservationError,
            )
        if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] != self.obs_dim:
            raise invalid(
                "batch",
                f"array of shape {arr.shape}",
                f"shape (N, {self.obs_dim}) with N >= 1",
                ObservationError,
            )
        arr = arr.astype(np.float64)
        if not np.isfinite(arr).all():
            raise invalid(
                "batch",
                "an array with nan or inf entries",
                "finite values",
                ObservationError,
            )
        return arr

    def update(self, batch) -> None:
        """Fold a batch of observations (N, obs_dim) into the statistics.

        Args:
            batch: float array of shape (N, obs_dim), N >= 1, finite (NumPy
                or torch).
        """
        x = self._check_batch(batch)
        n = len(x)
        batch_mean = x.mean(axis=0)
        batch_var = x.var(axis=0)
        if self._count == 0:
            self._count, self._mean, self._var = n, batch_mean, batch_var
            return

        # Combine two groups from their sizes, means and variances: the sum
        # of squared deviations of the union is the two groups' sums plus a
        # term for the distance between their means.
        total = self._count + n
        delta = batch_mean - self._mean
        squares = (
            self._var * self._count
            + batch_var * n
            + delta**2 * (self._count * n / total)
        )
        self._mean = self._mean + delta * (n / total)
        self._var = squares / total
        self._count = total

    def normalize(self, obs):
        """``(obs - mean) / sqrt(var + eps)`` for one or many observations.

        Args:
            obs: float array whose last axis has length obs_dim: one
                observation (obs_dim,) or a batch (N, obs_dim). A torch tensor
                gives a tensor of the same dtype and device.

        Returns:
            float32 NumPy array of the same shape, or a tensor for a tensor.
            Nothing is clipped (see the class docstring).
        """
        if _is_tensor(obs):
            torch = sys.modules["torch"]
            self._check_shape(tuple(obs.shape), str(obs.dtype), obs.is_floating_point())
            # float64 arithmetic, like the NumPy path: entries with a large
            # mean and a small spread lose their digits in float32.
            mean = torch.as_tensor(self._mean, device=obs.device)
            std = torch.as_tensor(self.std, device=obs.device)
            return ((obs.double() - mean) / std).to(obs.dtype)
        arr = np.asarray(obs)
        self._check_shape(arr.shape, str(arr.dtype), arr.dtype.kind in "iuf")
        out = (arr.astype(np.float64) - self._mean) / self.std
        return out.astype(np.float32)

    def _check_shape(self, shape: tuple, dtype: str, numeric: bool) -> None:
        if not numeric or dtype == "bool":
            raise invalid(
                "obs", f"array of dtype {dtype}", "a float array", ObservationError
            )
        if len(shape) not in (1, 2) or shape[-1] != self.obs_dim:
            raise invalid(
                "obs",
                f"array of shape {shape}",
                f"shape ({self.obs_dim},) or (N, {self.obs_dim})",
                ObservationError,
            )

    def state_dict(self) -> dict:
        """The statistics as torch tensors, for a checkpoint.

        Returns:
            ``{"count": int64 tensor (), "mean": float64 tensor (obs_dim,),
            "var": float64 tensor (obs_dim,), "eps": float64 tensor ()}``;
            ``torch.load(..., weights_only=True)`` reads it back.
        """
        import torch

        return {
            "count": torch.tensor(self._count, dtype=torch.int64),
            "mean": torch.from_numpy(self._mean.copy()),
            "var": torch.from_numpy(self._var.copy()),
            "eps": torch.tensor(self.eps, dtype=torch.float64),
        }

    def load_state_dict(self, state: Mapping) -> None:
        """Restore statistics saved by ``state_dict``.

        Raises:
            CheckpointError: ``state`` misses a key, or its statistics have
                another length than ``obs_dim``.
        """
        if not isinstance(state, Mapping) or any(k not in state for k in _STATE_KEYS):
            raise invalid(
                "state",
                state if not isinstance(state, Mapping) else sorted(state),
                f"a RunningNormalizer state_dict with keys {list(_STATE_KEYS)}",
                CheckpointError,
            )
        mean = np.asarray(_to_numpy(state["mean"]), dtype=np.float64)
        var = np.asarray(_to_numpy(state["var"]), dtype=np.float64)
        for name, value in (("mean", mean), ("var", var)):
            if value.shape != (self.obs_dim,):
                raise invalid(
                    f"state['{name}']",
                    f"array of shape {value.shape}",
                    f"shape ({self.obs_dim},), as this normaliser's obs_dim",
                    CheckpointError,
                )
        count = int(_to_numpy(state["count"]))
        eps = float(_to_numpy(state["eps"]))
        if count < 0 or not eps > 0 or (var < 0).any():
            raise invalid(
                "state",
                {"count": count, "eps": eps},
                "a count >= 0, eps > 0 and variances >= 0",
                CheckpointError,
            )
        self._count, self._mean, self._var, self.eps = (
            count,
            mean.copy(),
            var.copy(),
            eps,
        )

    def __repr__(self) -> str:
        return (
            f"RunningNormalizer(obs_dim={self.obs_dim}, eps={self.eps:g}, "
            f"count={self._count})"
        )


def _to_numpy(value):
    if _is_tensor(value):
        return value.detach().cpu().numpy()
    return value


__all__ = [
    "RunningNormalizer",
    "describe_observation",
    "describe_profile",
    "read_observation",
]
