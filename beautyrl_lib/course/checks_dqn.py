"""Checks of the DQN exercises of notebooks 04 and 05.

They work like the checks in ``beautyrl_lib.course.checks`` and reuse its
machinery (``Exercise``, ``Case``, ``Mistake``, ``run_check``, ``report``):
each runs the learner's code against a reference, prints one green, yellow
or red verdict with a hint, names a typical mistake when the answer is
exactly what that mistake gives, and returns ``True`` or ``False`` without
ever raising because of the learner's code.

Exercises and their checks (notebook, what the learner writes):

* 04: ``q_network_forward(obs, weights, biases)`` -> ``check_q_network``
* 04: ``huber_loss(td_errors, delta)`` -> ``check_huber_loss``
* 05: a class ``RingBuffer`` with ``add(item)`` and ``sample(batch_size,
  rng)`` -> ``check_ring_buffer``
* 05: ``linear_epsilon(step, start, end, duration_steps)`` ->
  ``check_linear_schedule``

The TD target (notebook 04) and epsilon-greedy (notebook 05) are checked by
``checks.check_td_target`` and ``checks.check_epsilon_greedy``.

This module prints on purpose: its output is the course's feedback to the
learner, shown under the cell that runs the check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from beautyrl_lib.course.checks import (
    _PENDING,
    Case,
    Exercise,
    Mistake,
    _wrong_answer,
    report,
    run_check,
    show,
)
from beautyrl_lib.errors import invalid

# ----------------------------------------------------------------------------
# Notebook 04: the forward pass of a Q-network, in NumPy.


def ref_q_network_forward(
    obs: np.ndarray, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]
) -> np.ndarray:
    """Q-values (B, A) of a ReLU network: ``x @ W.T + b`` per layer, ReLU between.

    ``weights[i]`` has PyTorch's layout (out, in) and ``biases[i]`` shape
    (out,). Every layer but the last is followed by a ReLU; the last layer is
    linear, so Q-values can be negative.
    """
    x = np.asarray(obs, dtype=np.float64)  # (B, obs_dim)
    last = len(weights) - 1
    for i, (weight, bias) in enumerate(zip(weights, biases, strict=True)):
        x = x @ weight.T + bias  # (B, in) -> (B, out)
        if i < last:
            x = np.maximum(x, 0.0)
    return x


def _forward_with(relu_last: bool, relu: bool = True, bias: bool = True) -> Callable:
    """A forward pass with one typical slip (ReLU on the output, none, no bias)."""

    def forward(obs, weights, biases):
        x = np.asarray(obs, dtype=np.float64)
        for i, (weight, b) in enumerate(zip(weights, biases, strict=True)):
            x = x @ weight.T + (b if bias else 0.0)
            if relu and (i < len(weights) - 1 or relu_last):
                x = np.maximum(x, 0.0)
        return x

    return forward


def _network_case(seed: int, batch: int, sizes: tuple[int, ...]) -> Case:
    """Random observations and a random network with layer widths ``sizes``."""
    rng = np.random.default_rng(seed)
    obs = rng.uniform(0.0, 1.0, size=(batch, sizes[0])).round(2)
    weights, biases = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        bound = 1.0 / np.sqrt(n_in)
        weights.append(rng.uniform(-bound, bound, size=(n_out, n_in)).round(3))
        biases.append(rng.uniform(-bound, bound, size=n_out).round(3))
    widths = " → ".join(str(size) for size in sizes)
    shown = f"obs of shape {obs.shape}, layers {widths}"
    return Case((obs, weights, biases), shown)


_Q_NETWORK = Exercise(
    name="q_network_forward",
    reference=ref_q_network_forward,
    cases=[
        _network_case(seed=0, batch=3, sizes=(4, 5, 2)),
        _network_case(seed=1, batch=2, sizes=(6, 8, 8, 3)),
        _network_case(seed=2, batch=4, sizes=(3, 2)),
        _network_case(seed=3, batch=5, sizes=(63, 32, 32, 50)),
    ],
    hint="each layer computes x @ W.T + b (PyTorch stores W as (out, in)); apply "
    "np.maximum(x, 0) after every layer except the last.",
    mistakes=[
        Mistake(
            _forward_with(relu_last=True),
            "a ReLU was applied after the last layer too, so no Q-value can be "
            "negative; the output layer is linear.",
        ),
        Mistake(
            _forward_with(relu_last=False, relu=False),
            "no ReLU was applied: without it the layers collapse into one linear "
            "map. Use np.maximum(x, 0) after every hidden layer.",
        ),
        Mistake(
            _forward_with(relu_last=False, bias=False),
            "the biases were left out: each layer adds its bias after the "
            "matrix product.",
        ),
    ],
)


def check_q_network(fn: Callable) -> bool:
    """Check ``q_network_forward(obs, weights, biases) -> q_values`` (notebook 04).

    ``obs`` is a float array (B, obs_dim); ``weights[i]`` (out, in) and
    ``biases[i]`` (out,) are the layers in order, as PyTorch's ``nn.Linear``
    stores them. The answer has shape (B, n_actions).
    """
    return run_check(_Q_NETWORK, fn)


# ----------------------------------------------------------------------------
# Notebook 04: the Huber loss of each TD error.


def ref_huber_loss(td_errors: np.ndarray, delta: float) -> np.ndarray:
    """Huber loss of each TD error: ``0.5 x**2`` up to ``delta``, linear beyond.

    The linear part ``delta * (|x| - 0.5 * delta)`` meets the quadratic part
    at ``|x| = delta`` with the same value and slope.
    """
    x = np.abs(np.asarray(td_errors, dtype=np.float64))
    return np.where(x <= delta, 0.5 * x**2, delta * (x - 0.5 * delta))


def _huber_without_offset(td_errors, delta):
    x = np.abs(td_errors)
    return np.where(x <= delta, 0.5 * x**2, delta * x)


def _huber_unscaled(td_errors, delta):
    x = np.abs(td_errors)
    return np.where(x <= delta, 0.5 * x**2, x - 0.5 * delta)


def _huber_signed(td_errors, delta):
    x = np.asarray(td_errors, dtype=np.float64)
    return np.where(np.abs(x) <= delta, 0.5 * x**2, delta * (x - 0.5 * delta))


_HUBER = Exercise(
    name="huber_loss",
    reference=ref_huber_loss,
    cases=[
        Case((np.array([0.0, 0.5, -0.5, 1.0, 2.0, -3.0]), 1.0)),
        Case((np.array([0.3, -13.0, 14.0, 1.9]), 2.0)),
        Case((np.array([0.25, -0.1, 4.0, -0.75]), 0.5)),
        Case((np.array([13.5, -13.5]), 1.0)),
    ],
    hint="for |x| <= delta the loss is 0.5 * x**2; beyond it is "
    "delta * (|x| - 0.5 * delta). np.where(condition, a, b) picks per element.",
    mistakes=[
        Mistake(
            lambda x, delta: 0.5 * x**2,
            "this is the squared error everywhere: beyond delta the Huber loss "
            "grows in a straight line, delta * (|x| - 0.5 * delta).",
        ),
        Mistake(
            lambda x, delta: x**2,
            "this is the squared error without the factor 0.5, and it never turns "
            "linear; the Huber loss is 0.5 * x**2 up to delta.",
        ),
        Mistake(
            _huber_without_offset,
            "the linear part is delta * |x|, which jumps up at |x| = delta; "
            "subtract 0.5 * delta * delta so both parts meet: "
            "delta * (|x| - 0.5 * delta).",
        ),
        Mistake(
            _huber_unscaled,
            "the linear part must be multiplied by delta (its slope is delta): "
            "delta * (|x| - 0.5 * delta).",
        ),
        Mistake(
            _huber_signed,
            "negative TD errors gave a negative loss: use the absolute error |x| "
            "(np.abs); a target below Q is as wrong as one above.",
        ),
    ],
)


def check_huber_loss(fn: Callable) -> bool:
    """Check ``huber_loss(td_errors, delta) -> losses`` (notebook 04).

    ``td_errors`` is a float array; the answer has the same shape, one loss
    per TD error (no mean).
    """
    return run_check(_HUBER, fn)


# ----------------------------------------------------------------------------
# Notebook 05: a tiny ring buffer.

EMPTY = -1
"""What the notebook's ``RingBuffer`` stores in a slot that holds no item yet."""


class ReferenceRingBuffer:
    """The buffer the learner writes in notebook 05: one integer per slot.

    ``items`` is an int64 array of ``capacity`` slots (``EMPTY`` where none
    was written), ``pos`` the slot the next item goes to, ``size`` how many
    slots hold an item.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.items = np.full(capacity, EMPTY, dtype=np.int64)
        self.pos = 0
        self.size = 0

    def add(self, item: int) -> None:
        """Write ``item`` at ``pos``, overwriting the oldest when full."""
        self.items[self.pos] = item
        self.pos = (self.pos + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        """``batch_size`` stored items drawn uniformly, with replacement."""
        idx = rng.integers(0, self.size, size=batch_size)
        return self.items[idx]


class _WrapsEarly(ReferenceRingBuffer):
    def add(self, item):
        self.items[self.pos] = item
        self.pos = self.pos + 1 if self.pos + 1 < self.capacity - 1 else 0
        self.size = min(self.size + 1, self.capacity)


class _WrapsLate(ReferenceRingBuffer):
    def add(self, item):
        self.items[self.pos] = item
        self.pos = self.pos + 1 if self.pos < self.capacity else 0
        self.size = min(self.size + 1, self.capacity)


class _SizeUncapped(ReferenceRingBuffer):
    def add(self, item):
        self.items[self.pos] = item
        self.pos = (self.pos + 1) % self.capacity
        self.size += 1


class _KeepsOldest(ReferenceRingBuffer):
    def add(self, item):
        if self.size < self.capacity:
            self.items[self.pos] = item
            self.pos = (self.pos + 1) % self.capacity
            self.size += 1


_ADD_MISTAKES = (
    Mistake(
        _WrapsEarly,
        "pos went back to 0 one slot early, so the last slot is never written. "
        "pos runs 0, 1, ..., capacity - 1 and then wraps: (pos + 1) % capacity.",
    ),
    Mistake(
        _WrapsLate,
        "pos reached capacity, one past the last slot (slots are numbered 0 to "
        "capacity - 1), so the next add writes outside the array. Wrap with "
        "(pos + 1) % capacity.",
    ),
    Mistake(
        _SizeUncapped,
        "size kept growing past capacity; it counts the slots holding an item, "
        "so it stops at capacity: min(size + 1, capacity).",
    ),
    Mistake(
        _KeepsOldest,
        "once full, new items were dropped; a ring buffer overwrites the oldest "
        "item (the one at pos) and keeps the latest capacity items.",
    ),
)
_ADD_HINT = (
    "write the item at slot pos, then move pos one slot on and back to 0 after "
    "the last slot, (pos + 1) % capacity; size grows by one up to capacity."
)
_SAMPLE_HINT = (
    "draw batch_size slot indices with rng.integers(0, size, size=batch_size) "
    "(the upper end is excluded) and return the items in those slots."
)
# (capacity, number of items added): part full, exactly full, wrapped once or
# several times, and the one-slot buffer.
_ADD_CASES = ((4, 3), (4, 4), (4, 6), (3, 10), (1, 3))


class _BadBuffer(Exception):
    """Internal: the learner's buffer misbehaved; the message says how."""


def _state(buffer) -> tuple[list[int], int, int]:
    """The learner-visible state of a buffer: items, pos, size."""
    items = [int(item) for item in np.asarray(buffer.items).ravel()]
    return items, int(buffer.pos), int(buffer.size)


def _shown_state(state: tuple[list[int], int, int]) -> str:
    items, pos, size = state
    return f"items={show(items)}, pos={pos}, size={size}"


def _fill(cls: type, capacity: int, n_items: int, upto: int | None = None):
    """A buffer of ``cls`` after adding items 0, 1, ... (``upto`` of them)."""
    buffer = cls(capacity)
    for item in range(n_items if upto is None else upto):
        buffer.add(item)
    return buffer


def _added(n: int) -> str:
    return ", ".join(str(i) for i in range(n)) if n <= 4 else f"0, 1, ..., {n - 1}"


def _check_add(cls: type) -> None:
    """Compare the state after every add with the reference's."""
    for capacity, n_items in _ADD_CASES:
        mine, reference = cls(capacity), ReferenceRingBuffer(capacity)
        for item in range(n_items):
            mine.add(item)
            reference.add(item)
            try:
                received = _state(mine)
            except (AttributeError, TypeError, ValueError) as exc:
                raise _BadBuffer(
                    f"After add({item}) the buffer's items, pos and size could not "
                    f"be read ({type(exc).__name__}: {exc}).\n  Hint: keep the "
                    "attributes that __init__ sets up and update them in add."
                ) from exc
            expected = _state(reference)
            if received != expected:
                raise _BadBuffer(
                    _state_message(cls, capacity, item + 1, expected, received)
                )


def _state_message(cls, capacity, n_items, expected, received) -> str:
    hint = _ADD_HINT
    for mistake in _ADD_MISTAKES:
        try:
            wrong = _state(_fill(mistake.fn, capacity, n_items))
        except Exception:  # the mistake does not apply to this input
            continue
        if wrong == received:
            hint = mistake.hint
            break
    return (
        f"RingBuffer(capacity={capacity}) after adding {_added(n_items)}: the "
        "state is wrong.\n"
        f"  expected: {_shown_state(expected)}\n"
        f"  received: {_shown_state(received)}\n"
        f"  Hint: {hint}"
    )


def _draw(buffer, batch_size: int, rng: np.random.Generator, call: str) -> np.ndarray:
    """Call the learner's ``sample`` once and insist on (batch_size,) integers."""
    items = buffer.sample(batch_size, rng)
    if items is None:
        raise _BadBuffer(
            f"{call} returned None.\n  Hint: did you forget the `return` "
            f"statement? Return a NumPy array of {batch_size} items."
        )
    if hasattr(items, "detach"):  # a torch tensor is fine too
        items = items.detach().cpu().numpy()
    try:
        items = np.asarray(items)
    except (TypeError, ValueError):
        items = np.asarray([None], dtype=object)
    if items.shape != (batch_size,) or items.dtype.kind not in "iu":
        raise _BadBuffer(
            f"{call} returned an array of shape {items.shape} and dtype "
            f"{items.dtype}.\n  Hint: return a NumPy array of {batch_size} "
            f"integer items, shape ({batch_size},)."
        )
    return items


def _check_sample(cls: type, n_draws: int) -> None:
    # Part full (capacity 8, items 0-2), then wrapped (capacity 5, items 7-11).
    for capacity, n_items in ((8, 3), (5, 12)):
        buffer = _fill(cls, capacity, n_items)
        stored = np.arange(max(0, n_items - capacity), n_items)
        call = (
            f"sample({n_draws}, rng) on a RingBuffer(capacity={capacity}) after "
            f"adding {_added(n_items)}"
        )
        items = _draw(buffer, n_draws, np.random.default_rng(2024), call)
        _check_sampled_items(items, stored, capacity, call)

    # The same seed must give the same sample.
    buffer = _fill(cls, 5, 12)
    first = _draw(buffer, 50, np.random.default_rng(7), "sample(50, rng)")
    second = _draw(buffer, 50, np.random.default_rng(7), "sample(50, rng)")
    if not np.array_equal(first, second):
        raise _BadBuffer(
            "sample gave different items for two generators with the same seed.\n"
            "  Hint: draw the indices from the rng argument, not from np.random."
        )


def _check_sampled_items(items, stored, capacity, call) -> None:
    strangers = np.setdiff1d(items, stored)
    if strangers.size:
        if (strangers == EMPTY).any():
            hint = (
                "it drew empty slots: draw indices from 0 to size - 1, not up to "
                "capacity - 1, while the buffer is not full."
            )
        elif np.isin(items, np.arange(capacity)).all():
            hint = "it returned slot indices; return the items in those slots."
        else:
            hint = "every sampled item must be one of the items the buffer holds."
        raise _BadBuffer(
            f"{call} gave items the buffer does not hold: {show(strangers[:8])}.\n"
            f"  buffer holds: {show(stored)}\n  Hint: {hint}"
        )
    counts = np.array([np.count_nonzero(items == item) for item in stored])
    share = 1.0 / len(stored)
    tolerance = 4.0 * np.sqrt(share * (1.0 - share) / len(items))
    if (np.abs(counts / len(items) - share) > tolerance).any():
        never = stored[counts == 0]
        if never.size:
            hint = (
                f"item(s) {show(never)} were never drawn. The upper end of "
                "rng.integers(low, high) is excluded, and the indices must cover "
                "every stored slot: rng.integers(0, size, size=batch_size) (pos is "
                "where the next item goes, not how many are stored)."
            )
        else:
            hint = "draw every stored slot with the same chance, 1 / size."
        message = _wrong_answer(
            f"The share of each stored item in {call}",
            np.full(len(stored), share).round(3),
            (counts / len(items)).round(3),
            hint,
        )
        raise _BadBuffer(message.replace("gives a wrong answer", "is off"))


def check_ring_buffer(cls: type, n_draws: int = 2000) -> bool:
    """Check the ring buffer class of notebook 05.

    ``cls(capacity)`` must set up ``items`` (an int array of ``capacity``
    slots, ``-1`` where empty), ``pos`` and ``size``, as the notebook's
    ``__init__`` does; the learner writes ``add(item)`` and ``sample(
    batch_size, rng)``. Three tests, in order:

    1. ``add``: after each of several additions (part full, full, wrapped
       once and several times, capacity 1) ``items``, ``pos`` and ``size``
       equal the reference's.
    2. ``sample``: ``n_draws`` items from a part-full and from a wrapped
       buffer are all stored items, and each stored item's share is within
       four standard errors of ``1 / size``. A correct buffer fails this with
       a chance of about 1 in 10,000 per seed; the seeds are fixed, so the
       verdict never flickers.
    3. ``sample`` draws only from ``rng``: the same seed gives the same items.

    Args:
        cls: The learner's class (not an instance).
        n_draws: Items drawn per sampling test (>= 100).

    Returns:
        True when all three tests pass.

    Raises:
        ConfigError: ``cls`` is not a class or ``n_draws`` is not an integer
            >= 100.
    """
    if not isinstance(cls, type):
        raise invalid("cls", cls, "the class RingBuffer itself, not an instance")
    if isinstance(n_draws, bool) or not isinstance(n_draws, int) or n_draws < 100:
        raise invalid("n_draws", n_draws, "an integer >= 100")
    step = "add"
    try:
        _check_add(cls)
        step = "sample"
        _check_sample(cls, n_draws)
    except NotImplementedError:
        return report(False, _PENDING.format(name=f"RingBuffer.{step}"), pending=True)
    except _BadBuffer as bad:
        return report(False, str(bad))
    except Exception as exc:  # the learner's code may fail in any way
        hint = _ADD_HINT if step == "add" else _SAMPLE_HINT
        message = f"RingBuffer.{step} raised {type(exc).__name__}: {exc}"
        return report(False, f"{message}\n  Hint: {hint}")
    return report(
        True,
        "RingBuffer keeps the latest items, wraps around at capacity and samples "
        "every stored item uniformly.",
    )


# ----------------------------------------------------------------------------
# Notebook 05: a linear epsilon schedule over environment steps.


def ref_linear_epsilon(
    step: int, start: float, end: float, duration_steps: int
) -> float:
    """A straight line from ``start`` to ``end`` over ``duration_steps``, then flat."""
    fraction = min(step / duration_steps, 1.0)
    return start + (end - start) * fraction


ARTICLE_DECAY = 0.995
"""The source article's factor: epsilon is multiplied by it after every update."""


_LINEAR_EPSILON = Exercise(
    name="linear_epsilon",
    reference=ref_linear_epsilon,
    cases=[
        Case((0, 1.0, 0.05, 1000)),
        Case((500, 1.0, 0.05, 1000)),
        Case((1000, 1.0, 0.05, 1000)),
        Case((5000, 1.0, 0.05, 1000)),
        Case((250, 0.5, 0.1, 1000)),
        Case((30, 1.0, 0.0, 40)),
        Case((200_000, 1.0, 0.01, 50_000)),
    ],
    hint="the fraction of the way done is min(step / duration_steps, 1); "
    "epsilon = start + (end - start) * fraction.",
    mistakes=[
        Mistake(
            lambda step, start, end, duration: start + (end - start) * step / duration,
            "epsilon kept falling after duration_steps (below end, even below "
            "0); clamp the fraction: min(step / duration_steps, 1).",
        ),
        Mistake(
            lambda step, start, end, duration: max(start * ARTICLE_DECAY**step, end),
            "this is the source article's decay, epsilon *= 0.995 at every update. "
            "Its speed depends on how often the loop updates; the schedule here "
            "is a straight line over duration_steps environment steps.",
        ),
        Mistake(
            lambda step, start, end, duration: (
                end + (start - end) * min(step / duration, 1.0)
            ),
            "epsilon moved from end to start; it starts at start and reaches end "
            "after duration_steps.",
        ),
        Mistake(
            lambda step, start, end, duration: (
                start + (end - start) * min(step // duration, 1)
            ),
            "step // duration_steps is integer division, so epsilon jumps from "
            "start to end in one go; use step / duration_steps.",
        ),
    ],
)


def check_linear_schedule(fn: Callable) -> bool:
    """Check ``linear_epsilon(step, start, end, duration_steps) -> float``.

    Notebook 05. ``step`` counts environment steps taken so far (an int >= 0).
    """
    return run_check(_LINEAR_EPSILON, fn)


__all__ = [
    "ARTICLE_DECAY",
    "EMPTY",
    "ReferenceRingBuffer",
    "check_huber_loss",
    "check_linear_schedule",
    "check_q_network",
    "check_ring_buffer",
    "ref_huber_loss",
    "ref_linear_epsilon",
    "ref_q_network_forward",
]
