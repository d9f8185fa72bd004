"""Checks of the exercises of notebook 07, debugging the article's DQN.

They work like the checks in ``beautyrl_lib.course.checks`` and reuse its
machinery: each runs the learner's function against a reference, prints one
green, yellow or red verdict with a hint, names a typical mistake when the
answer is exactly what that mistake gives, and returns ``True`` or ``False``
without ever raising because of the learner's code.

Exercises and their checks (what the learner writes):

* ``td_target(rewards, next_q_values, terminated, truncated, gamma)`` ->
  ``check_td_target_with_truncation``: stop at termination, bootstrap
  through truncation;
* ``sync_due(n_updates, sync_every)`` -> ``check_sync_due``: when to copy
  the online network into the target;
* ``article_epsilon(env_steps, batch_size, decay, floor)`` ->
  ``check_article_epsilon``: the exploration rate the article's loop has
  left after a number of environment steps.

This module prints on purpose: its output is the course's feedback to the
learner, shown under the cell that runs the check.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from beautyrl_lib.course.checks import Case, Exercise, Mistake, run_check
from beautyrl_lib.errors import invalid

# ----------------------------------------------------------------------------
# The TD target with both ways a session ends.


def ref_td_target(
    rewards: np.ndarray,
    next_q_values: np.ndarray,
    terminated: np.ndarray,
    truncated: np.ndarray,
    gamma: float,
) -> np.ndarray:
    """``rewards + gamma * max_a next_q_values * (1 - terminated)``, shape (B,).

    ``truncated`` does not appear: a session cut by the step limit still
    bootstraps, because the shopper would have stayed.
    """
    best_next = np.asarray(next_q_values, dtype=np.float64).max(axis=1)  # (B,)
    keep = 1.0 - np.asarray(terminated, dtype=np.float64)
    return np.asarray(rewards, dtype=np.float64) + gamma * best_next * keep


def _td_cases() -> list[Case]:
    rng = np.random.default_rng(7)
    cases = []
    # Every combination of the two flags appears in each batch (both at once
    # cannot happen in the shop, but a target must still not bootstrap then).
    terminated = np.array([False, True, False, True, False, False])
    truncated = np.array([False, False, True, True, False, True])
    for n_actions, gamma in ((3, 0.9), (5, 0.99), (2, 0.5)):
        rewards = rng.choice([0.0, 1.0, 4.0, 14.0], size=6)
        next_q = rng.uniform(-2.0, 20.0, size=(6, n_actions)).round(2)
        cases.append(Case((rewards, next_q, terminated, truncated, gamma)))
    return cases


def _target(stop: Callable) -> Callable:
    """A TD target that stops bootstrapping where ``stop(terminated, truncated)``."""

    def td_target(rewards, next_q_values, terminated, truncated, gamma):
        keep = 1.0 - stop(terminated, truncated).astype(np.float64)
        return rewards + gamma * next_q_values.max(axis=1) * keep

    return td_target


_TD_TARGET = Exercise(
    name="td_target",
    reference=ref_td_target,
    cases=_td_cases(),
    hint="take the max over actions of next_q_values (axis 1), discount it, and add "
    "it only where terminated is False; truncated plays no part.",
    mistakes=[
        Mistake(
            _target(lambda te, tr: np.zeros_like(te)),
            "this is the article's target: it bootstraps even where the shopper "
            "left. Where terminated is True the target is the reward alone.",
        ),
        Mistake(
            _target(lambda te, tr: te | tr),
            "bootstrapping stopped at truncated steps too (done = terminated or "
            "truncated). A truncated session was cut by the step limit; the "
            "shopper would have stayed, so the target still bootstraps there.",
        ),
        Mistake(
            _target(lambda te, tr: tr),
            "the two flags are swapped: stop bootstrapping where terminated is "
            "True, and keep bootstrapping where truncated is True.",
        ),
        Mistake(
            _target(lambda te, tr: ~te),
            "the mask is inverted: bootstrap where terminated is False.",
        ),
    ],
)


def check_td_target_with_truncation(fn: Callable) -> bool:
    """Check ``td_target(rewards, next_q_values, terminated, truncated, gamma)``.

    ``rewards`` (B,), ``next_q_values`` (B, A), ``terminated`` and
    ``truncated`` bool (B,); the answer has shape (B,) (notebook 07).
    """
    return run_check(_TD_TARGET, fn)


# ----------------------------------------------------------------------------
# When to copy the online network into the target.

SYNC_HORIZON = 12
"""The check asks ``sync_due`` about update counts 1 to this number."""


def ref_sync_due(n_updates: int, sync_every: int) -> bool:
    """True when the update that brought the count to ``n_updates`` should be
    followed by a copy: every ``sync_every`` updates, not before the first."""
    return n_updates % sync_every == 0


def _over_counts(fn: Callable) -> Callable:
    """``fn`` asked about every update count from 1 to ``SYNC_HORIZON``."""

    def answers(sync_every: int) -> np.ndarray:
        counts = range(1, SYNC_HORIZON + 1)
        return np.array([bool(fn(n, sync_every)) for n in counts])

    answers.__name__ = getattr(fn, "__name__", "sync_due")
    return answers


_SYNC = Exercise(
    name="sync_due",
    reference=_over_counts(ref_sync_due),
    cases=[
        Case((4,), f"n_updates=1, ..., {SYNC_HORIZON}, sync_every=4"),
        Case((3,), f"n_updates=1, ..., {SYNC_HORIZON}, sync_every=3"),
        Case((1,), f"n_updates=1, ..., {SYNC_HORIZON}, sync_every=1"),
        Case((5,), f"n_updates=1, ..., {SYNC_HORIZON}, sync_every=5"),
    ],
    hint="copy after every sync_every-th update: updates sync_every, "
    "2 * sync_every, ...; the remainder n_updates % sync_every is 0 exactly then.",
    mistakes=[
        Mistake(
            _over_counts(lambda n, every: True),
            "this copies after every update, the article's defect: the target "
            "then equals the online network and stabilises nothing.",
        ),
        Mistake(
            _over_counts(lambda n, every: n == every),
            "the target was copied only once; copy every sync_every updates "
            "(use the remainder, n_updates % sync_every).",
        ),
        Mistake(
            _over_counts(lambda n, every: n % every == 1 % every),
            "off by one: the copy came right after updates 1, sync_every + 1, ... "
            "instead of after updates sync_every, 2 * sync_every, ...",
        ),
        Mistake(
            _over_counts(lambda n, every: n >= every),
            "once sync_every updates were done, the copy happened after every "
            "update; it should happen once per sync_every updates.",
        ),
    ],
)


def check_sync_due(fn: Callable) -> bool:
    """Check ``sync_due(n_updates, sync_every) -> bool`` (notebook 07).

    The function is asked about every update count from 1 to
    ``SYNC_HORIZON``; the answers are compared as a row of True/False.
    """
    if not callable(fn):
        raise invalid("fn", fn, "the function sync_due itself, not its result")
    return run_check(_SYNC, _over_counts(fn))


# ----------------------------------------------------------------------------
# The exploration the article's loop has left after some environment steps.


def ref_article_epsilon(
    env_steps: int, batch_size: int, decay: float, floor: float
) -> float:
    """Epsilon of the article's loop after ``env_steps`` steps, starting from 1.

    The loop updates once per step as soon as the replay holds more than
    ``batch_size`` transitions, that is from step ``batch_size + 1`` on, and
    multiplies epsilon by ``decay`` after each update, never below ``floor``.
    """
    updates = max(0, env_steps - batch_size)
    return max(decay**updates, floor)


_EPSILON = Exercise(
    name="article_epsilon",
    reference=ref_article_epsilon,
    cases=[
        Case((10, 32, 0.995, 0.01)),
        Case((32, 32, 0.995, 0.01)),
        Case((33, 32, 0.995, 0.01)),
        Case((200, 32, 0.995, 0.01)),
        Case((1000, 32, 0.995, 0.01)),
        Case((100_000, 32, 0.995, 0.01)),
        Case((500, 64, 0.99, 0.05)),
    ],
    hint="count the updates first: none while the replay holds batch_size "
    "transitions or fewer, then one per step, so max(0, env_steps - batch_size); "
    "epsilon is decay ** updates, but never below floor.",
    mistakes=[
        Mistake(
            lambda steps, batch, decay, floor: max(decay**steps, floor),
            "epsilon was decayed once per environment step; the article decays it "
            "once per update, and the first batch_size steps make no update.",
        ),
        Mistake(
            lambda steps, batch, decay, floor: max(
                decay ** max(0, steps - batch - 1), floor
            ),
            "off by one: the first update happens at step batch_size + 1 (the "
            "replay must hold more than batch_size transitions), so after "
            "env_steps steps there were env_steps - batch_size updates.",
        ),
        Mistake(
            lambda steps, batch, decay, floor: decay ** max(0, steps - batch),
            "epsilon fell below its floor: it never goes under floor.",
        ),
    ],
    atol=1e-9,
)


def check_article_epsilon(fn: Callable) -> bool:
    """Check ``article_epsilon(env_steps, batch_size, decay, floor) -> float``.

    Notebook 07. Epsilon starts at 1.
    """
    return run_check(_EPSILON, fn)


__all__ = [
    "SYNC_HORIZON",
    "check_article_epsilon",
    "check_sync_due",
    "check_td_target_with_truncation",
    "ref_article_epsilon",
    "ref_sync_due",
    "ref_td_target",
]
