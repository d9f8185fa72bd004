"""Experience replay: a ring buffer of transitions and uniform sampling.

Consecutive steps of a session are strongly correlated; a network trained on
them in order chases whatever the latest shoppers did. Replay stores the last
``capacity`` transitions and trains on random mini-batches drawn from all of
them, which breaks the correlation and lets each transition be used many times.

The buffer is preallocated NumPy arrays written in place: adding a batch of
transitions from the vector shop is a couple of slice copies, and a sampled
batch becomes torch tensors with ``torch.from_numpy`` without building any
Python lists. When the buffer is full the oldest transitions are overwritten
first.

One transition is ``(obs, action, reward, next_obs, terminated, truncated)``.
Both flags are kept because they mean different things for the TD target:
``terminated`` (the shopper left) stops bootstrapping, ``truncated`` (the
session reached the step limit) does not.

A buffer built with ``n_actions`` also keeps, per transition, which products
may still be recommended in the next state (``next_action_mask``). The TD
target must take its max over those only: a product already shown is never
recommended there, so its Q-value is never trained and is free to drift
upwards; a max that includes it feeds that drift back into every target and
the Q-values blow up. The masks are stored as packed bits (one bit per
product), so a buffer of 100,000 transitions over 50 products needs 700 kB
for them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from beautyrl_lib.errors import (
    ActionError,
    CheckpointError,
    ConfigError,
    ObservationError,
    check_float,
    invalid,
)

MAX_CAPACITY = 100_000_000
STATE_FORMAT = "beautyrl-replay-buffer"
STATE_VERSION = 1
_ARRAYS = ("obs", "actions", "rewards", "next_obs", "terminated", "truncated")
_STATE_KEYS = ("capacity", "obs_dim", "n_actions", "seed", "pos", "size", "rng_state")


class Batch(NamedTuple):
    """A mini-batch of transitions as torch tensors (B = batch size)."""

    obs: torch.Tensor
    """float32 (B, obs_dim): observations the actions were chosen on."""
    actions: torch.Tensor
    """int64 (B,): the products recommended."""
    rewards: torch.Tensor
    """float32 (B,): rewards received."""
    next_obs: torch.Tensor
    """float32 (B, obs_dim): observations after the step (the session's last
    observation when it ended, never the next shopper's first)."""
    terminated: torch.Tensor
    """float32 (B,): 1.0 where the shopper left (no bootstrapping)."""
    truncated: torch.Tensor
    """float32 (B,): 1.0 where the step limit ended the session."""
    next_action_mask: torch.Tensor | None = None
    """bool (B, n_actions): products allowed in the next state, True where
    allowed; None if the buffer stores no masks."""
    discounts: torch.Tensor | None = None
    """float32 (B,): with n-step sampling, gamma to the power of the steps
    each row's reward sums (its bootstrap discount); None for one-step rows,
    whose discount is plain gamma."""


def mask_after_recommending(action_mask: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """The action mask of the next state: the recommended products are now shown.

    In the shop a product is allowed until it has been recommended once in
    the session, so the next state's mask is the current one with each row's
    recommended product switched off. This also gives the mask of a session's
    last state, which the vector shop has already replaced by the next
    shopper's by the time ``step_arrays`` returns.

    Args:
        action_mask: bool array (n, n_actions) before the step.
        actions: integer array (n,) of the products recommended.

    Returns:
        A new bool array (n, n_actions).
    """
    next_mask = np.array(action_mask, dtype=bool)
    next_mask[np.arange(len(next_mask)), actions] = False
    return next_mask


def _check_int(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise invalid(name, value, f"an integer from {low} to {high}", ConfigError)
    if not low <= value <= high:
        raise invalid(name, value, f"an integer from {low} to {high}", ConfigError)
    return int(value)


class ReplayBuffer:
    """Fixed-capacity ring buffer of transitions with seeded uniform sampling.

    Args:
        capacity: Most transitions kept; older ones are overwritten.
        obs_dim: Length of an observation vector (63 for the shop).
        seed: Seed of the generator that draws the sampled indices.
        n_actions: Number of products, to store next-state action masks; None
            to store none (then the TD target maxes over every product).

    Attributes:
        obs, next_obs: float32 arrays of shape (capacity, obs_dim).
        actions: int64 array of shape (capacity,).
        rewards: float32 array of shape (capacity,).
        terminated, truncated: bool arrays of shape (capacity,).
        next_action_mask_bits: uint8 array (capacity, ceil(n_actions / 8)),
            the packed masks (only with ``n_actions``).
        pos: Row the next transition is written to.
        size: Number of rows holding a transition (at most ``capacity``).

    Only rows ``[0, size)`` hold data. Once the buffer is full, the oldest
    transition is at row ``pos``.

    Raises:
        ConfigError: If ``capacity``, ``obs_dim``, ``seed`` or ``n_actions``
            is not allowed.
    """

    def __init__(
        self, capacity: int, obs_dim: int, seed: int, n_actions: int | None = None
    ) -> None:
        self.capacity = _check_int("capacity", capacity, 1, MAX_CAPACITY)
        self.obs_dim = _check_int("obs_dim", obs_dim, 1, 1_000_000)
        self.seed = _check_int("seed", seed, 0, 2**63 - 1)
        self.rng = np.random.default_rng(self.seed)
        self.obs = np.zeros((self.capacity, self.obs_dim), dtype=np.float32)
        self.actions = np.zeros(self.capacity, dtype=np.int64)
        self.rewards = np.zeros(self.capacity, dtype=np.float32)
        self.next_obs = np.zeros((self.capacity, self.obs_dim), dtype=np.float32)
        self.terminated = np.zeros(self.capacity, dtype=bool)
        self.truncated = np.zeros(self.capacity, dtype=bool)
        self.n_actions = None
        self._arrays = _ARRAYS
        if n_actions is not None:
            self.n_actions = _check_int("n_actions", n_actions, 1, 1_000_000)
            n_bytes = (self.n_actions + 7) // 8
            self.next_action_mask_bits = np.zeros((self.capacity, n_bytes), np.uint8)
            self._arrays = (*_ARRAYS, "next_action_mask_bits")
        self.pos = 0
        self.size = 0

    def __len__(self) -> int:
        return self.size

    # ------------------------------------------------------------------ add
    def add_batch(
        self,
        obs,
        actions,
        rewards,
        next_obs,
        terminated,
        truncated,
        next_action_mask=None,
    ) -> None:
        """Store n transitions at once, in row order (row 0 is the oldest).

        With the vector shop's autoreset, the ``next_obs`` of a finished slot
        must be its session's last observation (``info["final_obs"]``), not
        the next shopper's first observation that ``step_arrays`` returns in
        its place.

        Args:
            obs: float array (n, obs_dim).
            actions: integer array (n,) of action indices.
            rewards: real array (n,).
            next_obs: float array (n, obs_dim).
            terminated: bool array (n,): the shopper left.
            truncated: bool array (n,): the step limit was reached.
            next_action_mask: bool array (n, n_actions), True where a product
                may be recommended in the next state; required if and only
                if the buffer was built with ``n_actions``. In the shop use
                ``mask_after_recommending(action_mask, actions)``.

        Raises:
            ObservationError: If an observation, reward or flag array has the
                wrong shape, dtype or non-finite values.
            ActionError: If ``actions`` is not a non-negative integer array
                of shape (n,), or ``next_action_mask`` is missing, unexpected
                or not a bool array of shape (n, n_actions).
        """
        obs = self._check_obs("obs", obs)
        n = obs.shape[0]
        next_obs = self._check_obs("next_obs", next_obs, n)
        actions = _check_actions(actions, n)
        rewards = _check_rewards(rewards, n)
        terminated = _check_flags("terminated", terminated, n)
        truncated = _check_flags("truncated", truncated, n)
        values = [obs, actions, rewards, next_obs, terminated, truncated]
        if self.n_actions is not None:
            mask = _check_mask(next_action_mask, n, self.n_actions)
            values.append(np.packbits(mask, axis=1))
        elif next_action_mask is not None:
            raise invalid(
                "next_action_mask",
                "a mask",
                "None for a buffer built without n_actions",
                ActionError,
            )
        if n == 0:
            return

        # More rows than capacity: only the last `capacity` would survive,
        # written where adding them one by one would have put them.
        start, skip = self.pos, 0
        if n > self.capacity:
            skip = n - self.capacity
            start = (self.pos + skip) % self.capacity
        for name, value in zip(self._arrays, values, strict=True):
            self._write(getattr(self, name), value[skip:], start)
        self.pos = (self.pos + n) % self.capacity
        self.size = min(self.size + n, self.capacity)

    def _write(self, store: np.ndarray, rows: np.ndarray, start: int) -> None:
        # Two slice copies: up to the end of the ring, then from its start.
        first = min(len(rows), self.capacity - start)
        store[start : start + first] = rows[:first]
        store[: len(rows) - first] = rows[first:]

    def _check_obs(self, name: str, value, n: int | None = None) -> np.ndarray:
        arr = np.asarray(value)
        if not np.issubdtype(arr.dtype, np.floating):
            raise invalid(
                name, f"array of dtype {arr.dtype}", "floats", ObservationError
            )
        rows = "n" if n is None else str(n)
        if (
            arr.ndim != 2
            or arr.shape[1] != self.obs_dim
            or (n is not None and arr.shape[0] != n)
        ):
            raise invalid(
                name,
                f"array of shape {arr.shape}",
                f"shape ({rows}, {self.obs_dim})",
                ObservationError,
            )
        if not np.isfinite(arr).all():
            raise invalid(name, "an array with NaN or inf", "finite", ObservationError)
        return arr

    # --------------------------------------------------------------- sample
    def sample(
        self,
        batch_size: int,
        n_step: int = 1,
        gamma: float = 1.0,
        stride: int = 1,
    ) -> Batch:
        """Draw ``batch_size`` stored transitions uniformly, with replacement.

        With ``n_step`` above 1, each drawn row is extended along its own
        session: the rewards of up to ``n_step`` consecutive steps are summed
        with discount ``gamma``, and ``next_obs``, the flags and the next mask
        are those of the last step summed. A session that ends sooner stops
        the sum there, and so does the newest stored step; ``discounts`` then
        holds gamma to the power of the steps actually summed, so the TD
        target stays exact for every row. The steps taken in between came from
        the behaviour policy, not the greedy one: n-step targets trade this
        small off-policy bias for rewards that travel back n steps per update.

        ``stride`` is how many rows lie between two consecutive steps of one
        session: ``num_envs`` when every call of ``add_batch`` stores one step
        of each of ``num_envs`` shoppers in the same order, as the training
        loop does; 1 for a single shopper.

        Args:
            batch_size: Number of transitions, from 1 to ``len(self)``.
            n_step: Steps summed per row, from 1 to 100.
            gamma: Discount per step, from 0 to 1 (used when ``n_step`` > 1).
            stride: Rows between consecutive steps of a session, >= 1.

        Returns:
            A ``Batch`` of CPU tensors that own their memory (later writes to
            the buffer do not change them).

        Raises:
            ConfigError: If ``batch_size`` is not an integer from 1 to the
                number of transitions stored, or ``n_step``, ``gamma`` or
                ``stride`` is outside its range.
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
            raise invalid("batch_size", batch_size, "an integer", ConfigError)
        if not 1 <= batch_size <= self.size:
            raise invalid(
                "batch_size",
                batch_size,
                f"an integer from 1 to {self.size} (the transitions stored)",
                ConfigError,
            )
        n_step = _check_int("n_step", n_step, 1, 100)
        stride = _check_int("stride", stride, 1, MAX_CAPACITY)
        check_float("gamma", gamma, 0.0, 1.0)
        idx = self.rng.integers(0, self.size, size=batch_size)
        # Fancy indexing copies, so each tensor owns a fresh array.
        rewards = self.rewards[idx]
        last, discounts = idx, None
        if n_step > 1:
            rewards, last, discounts = self._n_step(idx, n_step, float(gamma), stride)
        next_action_mask = None
        if self.n_actions is not None:
            bits = self.next_action_mask_bits[last]
            mask = np.unpackbits(bits, axis=1, count=self.n_actions).view(bool)
            next_action_mask = torch.from_numpy(mask)
        return Batch(
            obs=torch.from_numpy(self.obs[idx]),
            actions=torch.from_numpy(self.actions[idx]),
            rewards=torch.from_numpy(rewards),
            next_obs=torch.from_numpy(self.next_obs[last]),
            terminated=torch.from_numpy(self.terminated[last].astype(np.float32)),
            truncated=torch.from_numpy(self.truncated[last].astype(np.float32)),
            next_action_mask=next_action_mask,
            discounts=None if discounts is None else torch.from_numpy(discounts),
        )

    def _n_step(
        self, idx: np.ndarray, n_step: int, gamma: float, stride: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Discounted reward sums, last rows and bootstrap discounts of n-step rows."""
        oldest = self.pos if self.size == self.capacity else 0
        age = (idx - oldest) % self.capacity  # 0 for the oldest stored row
        total = self.rewards[idx].astype(np.float64)
        discount = np.full(idx.shape, gamma)
        last = idx.copy()
        going = ~(self.terminated[idx] | self.truncated[idx])
        for k in range(1, n_step):
            going &= age + k * stride < self.size  # that step is stored
            if not going.any():
                break
            rows = (last[going] + stride) % self.capacity
            total[going] += discount[going] * self.rewards[rows]
            discount[going] *= gamma
            last[going] = rows
            going[going] = ~(self.terminated[rows] | self.truncated[rows])
        return total.astype(np.float32), last, discount.astype(np.float32)

    # ------------------------------------------------------------ save/load
    def state_dict(self) -> dict:
        """A snapshot of the buffer for checkpoints.

        The stored rows are torch tensors (copies), the rest plain ints and
        dicts, so ``torch.save`` writes it and ``torch.load(path,
        weights_only=True)`` reads it back. Only the filled rows are saved.
        """
        state = {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "capacity": self.capacity,
            "obs_dim": self.obs_dim,
            "n_actions": self.n_actions,
            "seed": self.seed,
            "pos": self.pos,
            "size": self.size,
            "rng_state": self.rng.bit_generator.state,
        }
        for name in self._arrays:
            state[name] = torch.from_numpy(getattr(self, name)[: self.size].copy())
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore a snapshot from ``state_dict``, including the sampling generator.

        Raises:
            CheckpointError: If ``state`` is not a replay buffer snapshot, or
                one of a buffer with another capacity or observation length.
        """
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            raise invalid(
                "state", "a dict", "a ReplayBuffer.state_dict()", CheckpointError
            )
        missing = sorted((set(_STATE_KEYS) | set(self._arrays)) - set(state))
        if missing:
            raise invalid(
                "state", f"keys missing {missing}", "all keys", CheckpointError
            )
        for name in ("capacity", "obs_dim", "n_actions"):
            if state[name] != getattr(self, name):
                raise invalid(
                    f"state['{name}']",
                    state[name],
                    f"{getattr(self, name)}, as in this buffer",
                    CheckpointError,
                )
        size, pos = int(state["size"]), int(state["pos"])
        if not 0 <= size <= self.capacity or not 0 <= pos < self.capacity:
            raise invalid(
                "state['size']", size, "a size within the capacity", CheckpointError
            )
        for name in self._arrays:
            rows = np.asarray(state[name])
            store = getattr(self, name)
            if rows.shape != (size, *store.shape[1:]):
                raise invalid(
                    f"state['{name}']",
                    f"array of shape {rows.shape}",
                    f"shape {(size, *store.shape[1:])}",
                    CheckpointError,
                )
            store[:size] = rows
            store[size:] = 0
        self.size, self.pos = size, pos
        self.seed = int(state["seed"])
        self.rng = np.random.default_rng()
        self.rng.bit_generator.state = state["rng_state"]


def _check_actions(value, n: int) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise invalid("actions", f"array of dtype {arr.dtype}", "integers", ActionError)
    if arr.shape != (n,):
        raise invalid(
            "actions", f"array of shape {arr.shape}", f"shape ({n},)", ActionError
        )
    if n and arr.min() < 0:
        raise invalid("actions", int(arr.min()), "indices >= 0", ActionError)
    return arr


def _check_rewards(value, n: int) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise invalid(
            "rewards", f"array of dtype {arr.dtype}", "numbers", ObservationError
        )
    if arr.shape != (n,):
        raise invalid(
            "rewards", f"array of shape {arr.shape}", f"shape ({n},)", ObservationError
        )
    if not np.isfinite(arr).all():
        raise invalid("rewards", "an array with NaN or inf", "finite", ObservationError)
    return arr


def _check_flags(name: str, value, n: int) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype != bool:
        raise invalid(name, f"array of dtype {arr.dtype}", "bool", ObservationError)
    if arr.shape != (n,):
        raise invalid(
            name, f"array of shape {arr.shape}", f"shape ({n},)", ObservationError
        )
    return arr


def _check_mask(value, n: int, n_actions: int) -> np.ndarray:
    allowed = f"a bool array of shape ({n}, {n_actions})"
    if value is None:
        raise invalid("next_action_mask", None, allowed, ActionError)
    arr = np.asarray(value)
    if arr.dtype != bool or arr.shape != (n, n_actions):
        got = f"array of shape {arr.shape} and dtype {arr.dtype}"
        raise invalid("next_action_mask", got, allowed, ActionError)
    return arr
