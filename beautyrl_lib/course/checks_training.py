"""Checks of the exercises of notebook 06 (training a DQN).

They work like the checks in ``beautyrl_lib.course.checks`` and reuse its
machinery (``Exercise``, ``Case``, ``Mistake``, ``run_check``, ``report``):
each runs the learner's code against a reference, prints one green, yellow
or red verdict with a hint, names a typical mistake when the answer is
exactly what that mistake gives, and returns ``True`` or ``False`` without
ever raising because of the learner's code.

Exercises and their checks (what the learner writes):

* ``polyak(target, online, tau)``: the soft target update of one weight
  array -> ``check_polyak``
* ``stored_next_obs(next_obs, terminated, truncated, final_obs)``: the
  ``next_obs`` rows a training step stores in replay -> ``check_stored_next_obs``
* ``updates_due(steps_before, steps_after, learning_starts, train_every,
  gradient_steps)``: gradient steps due after a step of the vector shop ->
  ``check_updates_due``

This module prints on purpose: its output is the course's feedback to the
learner, shown under the cell that runs the check.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

from beautyrl_lib.course.checks import (
    _PENDING,
    Case,
    Exercise,
    Mistake,
    report,
    run_check,
    show,
)
from beautyrl_lib.errors import invalid

# ----------------------------------------------------------------------------
# The soft (Polyak) target update.


def ref_polyak(target: np.ndarray, online: np.ndarray, tau: float) -> np.ndarray:
    """``(1 - tau) * target + tau * online``: the target moves a share tau."""
    return (1.0 - tau) * target + tau * online


def _weights(seed: int, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """A target and an online weight array of ``shape``, rounded for hints."""
    rng = np.random.default_rng(seed)
    target = rng.normal(0.0, 1.0, shape).round(2)
    online = (target + rng.normal(0.0, 1.0, shape)).round(2)
    return target, online


def _polyak_cases() -> list[Case]:
    t4, o4 = _weights(1, (4,))
    t23, o23 = _weights(2, (2, 3))
    t3, o3 = _weights(3, (3,))
    return [
        Case((t4, o4, 0.1)),
        Case((t23, o23, 0.005)),
        Case((t3, o3, 1.0)),
        Case((t3, o3, 0.0)),
        Case((t4, o4, 0.5)),
    ]


_POLYAK = Exercise(
    name="polyak",
    reference=ref_polyak,
    cases=_polyak_cases(),
    hint="keep (1 - tau) of the old target and take tau of the online weights: "
    "(1 - tau) * target + tau * online.",
    mistakes=[
        Mistake(
            lambda target, online, tau: (1.0 - tau) * online + tau * target,
            "target and online swapped roles: the target keeps most of its own "
            "weights, (1 - tau) * target, and moves a small share tau towards "
            "online.",
        ),
        Mistake(
            lambda target, online, tau: target + tau * online,
            "tau of the online weights was added, but the target did not give up "
            "tau of its own; without the factor (1 - tau) the weights keep "
            "growing.",
        ),
        Mistake(
            lambda target, online, tau: tau * (online - target),
            "this is only the step the target takes, tau * (online - target); add "
            "it to the target.",
        ),
        Mistake(
            lambda target, online, tau: online.copy(),
            "this is a hard copy of the online weights; a soft update moves only a "
            "share tau of the way.",
        ),
    ],
)


def check_polyak(fn: Callable) -> bool:
    """Check ``polyak(target, online, tau) -> new target weights``.

    ``target`` and ``online`` are float arrays of the same shape (one layer's
    weights) and ``tau`` is from 0 to 1; the answer has their shape. The
    function may also update ``target`` in place, as long as it returns it.
    """
    return run_check(_POLYAK, fn)


# ----------------------------------------------------------------------------
# The next_obs a training step stores: the finished session's last one.


def ref_stored_next_obs(
    next_obs: np.ndarray,
    terminated: np.ndarray,
    truncated: np.ndarray,
    final_obs: np.ndarray,
) -> np.ndarray:
    """``next_obs`` with each finished slot's row replaced by its ``final_obs`` row.

    Args:
        next_obs: float (N, D) from ``VectorShop.step_arrays``: finished slots
            already hold the next shopper's first observation.
        terminated: bool (N,), the shopper left.
        truncated: bool (N,), the session reached the horizon.
        final_obs: float (k, D), the last observation of each of the k finished
            slots, in slot order.

    Returns:
        A new float array (N, D); ``next_obs`` is left unchanged, because it is
        the next step's observation.
    """
    ended = np.asarray(terminated) | np.asarray(truncated)  # (N,)
    stored = np.array(next_obs, copy=True)
    stored[ended] = final_obs
    return stored


def _only_terminated(next_obs, terminated, truncated, final_obs):
    ended = terminated | truncated
    stored = next_obs.copy()
    stored[terminated] = final_obs[terminated[ended]]
    return stored


def _obs_case(seed: int, terminated: list[bool], truncated: list[bool]) -> Case:
    """Four slots of 3-number observations; finished slots get final rows 9x."""
    rng = np.random.default_rng(seed)
    next_obs = rng.integers(0, 9, size=(len(terminated), 3)).astype(np.float32)
    terminated, truncated = np.array(terminated), np.array(truncated)
    ended = terminated | truncated
    final_obs = (90 + rng.integers(0, 9, size=(int(ended.sum()), 3))).astype(np.float32)
    return Case((next_obs, terminated, truncated, final_obs))


def _stored_cases() -> list[Case]:
    f, t = False, True
    return [
        _obs_case(1, [f, t, f, f], [f, f, f, f]),
        _obs_case(2, [t, f, f, f], [f, f, t, f]),
        _obs_case(3, [f, f, f, f], [f, f, f, f]),
        _obs_case(4, [f, t, f, t], [t, f, f, f]),
        _obs_case(5, [t, t, t, t], [f, f, f, f]),
    ]


_STORED_HINT = (
    "copy next_obs, then write final_obs into the rows of the slots whose session "
    "ended (terminated | truncated); final_obs has one row per ended slot, in slot "
    "order, so stored[ended] = final_obs."
)
_STORED_NEXT_OBS = Exercise(
    name="stored_next_obs",
    reference=ref_stored_next_obs,
    cases=_stored_cases(),
    hint=_STORED_HINT,
    mistakes=[
        Mistake(
            lambda next_obs, terminated, truncated, final_obs: next_obs.copy(),
            "finished slots kept the next shopper's first observation. The "
            "transition belongs to the shopper whose session ended: store her last "
            "observation, the matching row of final_obs.",
        ),
        Mistake(
            _only_terminated,
            "only the slots where the shopper left got their last observation. A "
            "session cut at the horizon (truncated) ended too, and the shop has "
            "already put the next shopper in its slot.",
        ),
    ],
)


class _ChangedInput(Exception):
    """Internal: the learner's function wrote into an input array."""


def _changed_inputs(fn: Callable) -> None:
    """Raise ``_ChangedInput`` if ``fn`` writes into ``next_obs``."""
    for case in _STORED_NEXT_OBS.cases:
        args = copy.deepcopy(case.args)
        try:
            fn(*args)
        except NotImplementedError:
            raise
        except Exception:  # run_check reports failures with their input
            return
        if not np.array_equal(args[0], case.args[0]):
            raise _ChangedInput(
                "stored_next_obs wrote into next_obs.\n"
                f"  next_obs before: {show(case.args[0], '  next_obs before: ')}\n"
                f"  next_obs after:  {show(args[0], '  next_obs after:  ')}\n"
                "  Hint: the loop still needs next_obs: it is the observation the "
                "agent acts on at the next step, the new shoppers' first. Write "
                "into a copy, next_obs.copy()."
            )


def check_stored_next_obs(fn: Callable) -> bool:
    """Check ``stored_next_obs(next_obs, terminated, truncated, final_obs)``.

    ``next_obs`` float (N, D), ``terminated`` and ``truncated`` bool (N,),
    ``final_obs`` float (k, D) for the k slots that ended, in slot order. The
    answer is the (N, D) array of ``next_obs`` rows to store in replay. Two
    tests: ``next_obs`` itself must not be changed (the loop acts on it
    next), and the answer must equal the reference on several steps.
    """
    if not callable(fn):
        raise invalid("fn", fn, "the function stored_next_obs itself, not its result")
    try:
        _changed_inputs(fn)
    except NotImplementedError:
        name = _STORED_NEXT_OBS.name
        return report(False, _PENDING.format(name=name), pending=True)
    except _ChangedInput as changed:
        return report(False, str(changed))
    return run_check(_STORED_NEXT_OBS, fn)


# ----------------------------------------------------------------------------
# Gradient steps due after one step of the vector shop.


def ref_updates_due(
    steps_before: int,
    steps_after: int,
    learning_starts: int,
    train_every: int,
    gradient_steps: int,
) -> int:
    """Gradient steps due when the env step count goes from before to after.

    One round of ``gradient_steps`` updates per multiple of ``train_every`` in
    ``(steps_before, steps_after]`` that is at least ``learning_starts``.
    """
    # Multiples of k in (a, b] number b // k - a // k; the lower end a is the
    # step count before, or learning_starts - 1 so that learning_starts counts.
    lower = max(steps_before, learning_starts - 1)
    rounds = max(0, steps_after // train_every - lower // train_every)
    return rounds * gradient_steps


def _no_warm_up(before, after, starts, every, gradient_steps):
    return (after // every - before // every) * gradient_steps


def _steps_between(before, after, starts, every, gradient_steps):
    if after < starts:
        return 0
    return (after - max(before, starts)) // every * gradient_steps


def _one_round_per_call(before, after, starts, every, gradient_steps):
    return gradient_steps if ref_updates_due(before, after, starts, every, 1) else 0


def _starts_after_learning_starts(before, after, starts, every, gradient_steps):
    lower = max(before, starts)
    return max(0, after // every - lower // every) * gradient_steps


_UPDATES_DUE = Exercise(
    name="updates_due",
    reference=ref_updates_due,
    cases=[
        Case((0, 64, 5000, 8, 1)),
        Case((30, 50, 10, 8, 1)),
        Case((4999, 5000, 5000, 8, 1)),
        Case((4992, 5056, 5000, 8, 1)),
        Case((5056, 5120, 5000, 8, 2)),
        Case((20, 30, 10, 8, 1)),
        Case((0, 6400, 5000, 8, 1)),
        Case((100, 101, 50, 1, 4)),
        Case((130, 150, 100, 16, 3)),
    ],
    hint="count the multiples of train_every in (steps_before, steps_after] that "
    "are >= learning_starts (multiples of k in (a, b]: b // k - a // k), then "
    "multiply by gradient_steps.",
    mistakes=[
        Mistake(
            _no_warm_up,
            "updates were due before learning_starts: no multiple of train_every "
            "below learning_starts counts, so the buffer can fill first.",
        ),
        Mistake(
            _starts_after_learning_starts,
            "the step count learning_starts itself was left out; updates may run "
            "once the count reaches learning_starts (>=).",
        ),
        Mistake(
            _steps_between,
            "(steps_after - steps_before) // train_every counts whole blocks of "
            "steps, not the multiples of train_every passed: from 30 to 50 steps "
            "the count passes three multiples of 8 (32, 40 and 48), not 20 // 8 = "
            "2.",
        ),
        Mistake(
            _one_round_per_call,
            "at most one round was due per call, but one step of the vector shop "
            "adds num_envs environment steps and can pass several multiples of "
            "train_every: each one is a round.",
        ),
        Mistake(
            lambda before, after, starts, every, gradient_steps: ref_updates_due(
                before, after, starts, every, 1
            ),
            "each round is gradient_steps updates: multiply the rounds by "
            "gradient_steps.",
        ),
    ],
)


def check_updates_due(fn: Callable) -> bool:
    """Check ``updates_due(steps_before, steps_after, learning_starts, train_every,
    gradient_steps) -> int`` (all integers, ``steps_before <= steps_after``)."""
    return run_check(_UPDATES_DUE, fn)


__all__ = [
    "check_polyak",
    "check_stored_next_obs",
    "check_updates_due",
    "ref_polyak",
    "ref_stored_next_obs",
    "ref_updates_due",
]
