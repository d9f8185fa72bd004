"""Epsilon schedules against hand values; epsilon-greedy against its definition."""

import numpy as np
import pytest

from beautyrl_lib.agents.base import masked_argmax
from beautyrl_lib.agents.exploration import (
    ExponentialSchedule,
    LinearSchedule,
    epsilon_greedy,
)
from beautyrl_lib.errors import ActionError, ConfigError


@pytest.mark.parametrize(
    "step, expected",
    [
        (0, 1.0),
        (250, 0.7625),
        (500, 0.525),
        (999, 0.05095),
        (1000, 0.05),
        (10**9, 0.05),
    ],
)
def test_linear_schedule_hand_values(step, expected):
    schedule = LinearSchedule(start=1.0, end=0.05, duration_steps=1000)
    assert schedule(step) == pytest.approx(expected)
    assert isinstance(schedule(step), float)


def test_linear_schedule_can_rise_and_accepts_arrays():
    schedule = LinearSchedule(start=0.0, end=2.0, duration_steps=4)
    np.testing.assert_allclose(schedule(np.arange(7)), [0, 0.5, 1, 1.5, 2, 2, 2])


@pytest.mark.parametrize("step, expected", [(0, 1.0), (100, 0.55), (200, 0.325)])
def test_exponential_schedule_half_life_hand_values(step, expected):
    # The gap to `end` (0.9) halves every 100 steps: 0.45, then 0.225.
    schedule = ExponentialSchedule(start=1.0, end=0.1, half_life=100)
    assert schedule(step) == pytest.approx(expected)


def test_exponential_schedule_decay_steps_hand_values():
    schedule = ExponentialSchedule(start=0.5, end=0.0, decay_steps=10)
    assert schedule(0) == pytest.approx(0.5)
    assert schedule(10) == pytest.approx(0.5 / np.e)
    assert schedule(30) == pytest.approx(0.5 * np.exp(-3))
    np.testing.assert_allclose(
        schedule(np.array([0, 10, 20])), 0.5 * np.exp(-np.array([0.0, 1.0, 2.0]))
    )


def test_schedule_depends_only_on_environment_steps():
    # A vector shop of 64 slots takes 64 env steps per call; the value after
    # k calls is the value at 64 k env steps, whatever the number of updates.
    schedule = LinearSchedule(1.0, 0.0, duration_steps=6400)
    env_steps = 0
    for _ in range(50):
        env_steps += 64
    assert schedule(env_steps) == pytest.approx(0.5)


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: LinearSchedule(1.0, 0.0, 0), "duration_steps must be an integer >= 1"),
        (lambda: LinearSchedule(1.0, 0.0, 2.5), "duration_steps must be an integer"),
        (lambda: LinearSchedule(float("nan"), 0.0, 5), "start must be a finite number"),
        (lambda: LinearSchedule(1.0, "0", 5), "end must be a finite number"),
        (lambda: ExponentialSchedule(1.0, 0.0), "exactly one of the two given"),
        (
            lambda: ExponentialSchedule(1.0, 0.0, decay_steps=5, half_life=5),
            "exactly one of the two given",
        ),
        (
            lambda: ExponentialSchedule(1.0, 0.0, half_life=0),
            "half_life must be a number > 0",
        ),
        (lambda: ExponentialSchedule(1.0, 0.0, decay_steps=-1), "decay_steps must be"),
    ],
)
def test_bad_schedules_raise(build, match):
    with pytest.raises(ConfigError, match=match):
        build()


@pytest.mark.parametrize("step", [-1, 1.5, True, np.array([3, -2])])
def test_bad_steps_raise(step):
    with pytest.raises(ConfigError, match="step must be"):
        LinearSchedule(1.0, 0.0, 10)(step)


def _q_and_mask(n=6, n_actions=5, seed=0):
    rng = np.random.default_rng(seed)
    q = rng.normal(size=(n, n_actions))
    mask = rng.random((n, n_actions)) < 0.6
    mask[0] = False  # a row with nothing allowed
    mask[1] = [False, False, True, False, False]
    return q, mask


def test_epsilon_zero_is_masked_argmax():
    q, mask = _q_and_mask()
    rng = np.random.default_rng(0)
    actions = epsilon_greedy(q, mask, 0.0, rng)
    np.testing.assert_array_equal(actions, masked_argmax(q, mask))
    assert actions.dtype == np.int64
    np.testing.assert_array_equal(epsilon_greedy(q, None, 0.0, rng), q.argmax(axis=1))


def test_epsilon_one_picks_uniformly_among_allowed():
    q = np.zeros((20_000, 5))
    mask = np.tile([True, False, True, True, False], (20_000, 1))
    actions = epsilon_greedy(q, mask, 1.0, np.random.default_rng(1))
    counts = np.bincount(actions, minlength=5)
    assert counts[1] == counts[4] == 0
    # Binomial(20000, 1/3): standard deviation about 67.
    np.testing.assert_allclose(counts[[0, 2, 3]], 20_000 / 3, atol=350)


def test_exploring_row_with_nothing_allowed_uses_every_product():
    q = np.zeros((9_000, 3))
    mask = np.zeros((9_000, 3), dtype=bool)
    actions = epsilon_greedy(q, mask, 1.0, np.random.default_rng(2))
    np.testing.assert_allclose(np.bincount(actions, minlength=3), 3_000, atol=250)


def test_exploration_rate_matches_epsilon():
    # Greedy action is 0; an exploring row picks one of 4 products, so a
    # non-greedy action appears with probability epsilon * 3 / 4.
    n = 40_000
    q = np.tile([5.0, 1.0, 2.0, 3.0], (n, 1))
    actions = epsilon_greedy(q, np.ones((n, 4), bool), 0.2, np.random.default_rng(3))
    assert np.mean(actions != 0) == pytest.approx(0.15, abs=0.01)


def test_explored_actions_respect_the_mask():
    q, mask = _q_and_mask(n=200, seed=4)
    mask[~mask.any(axis=1), 0] = True
    actions = epsilon_greedy(q, mask, 0.5, np.random.default_rng(5))
    assert mask[np.arange(200), actions].all()


def test_same_seed_same_actions():
    q, mask = _q_and_mask(n=50, seed=6)
    a = epsilon_greedy(q, mask, 0.5, np.random.default_rng(7))
    b = epsilon_greedy(q, mask, 0.5, np.random.default_rng(7))
    c = epsilon_greedy(q, mask, 0.5, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"epsilon": 1.5}, ConfigError, "epsilon must be a number from 0 to 1"),
        ({"epsilon": -0.1}, ConfigError, "epsilon must be a number from 0 to 1"),
        ({"epsilon": None}, ConfigError, "epsilon must be a number"),
        ({"rng": 3}, ConfigError, "rng must be a numpy.random.Generator"),
        (
            {"q_values": np.zeros(5)},
            ActionError,
            r"q_values must be shape \(n, n_actions",
        ),
        (
            {"action_mask": np.ones((6, 4), bool)},
            ActionError,
            "action_mask must be a bool",
        ),
        ({"action_mask": np.ones((6, 5))}, ActionError, "action_mask must be a bool"),
    ],
)
def test_bad_arguments_raise(kwargs, error, match):
    q, mask = _q_and_mask()
    args = {"q_values": q, "action_mask": mask, "epsilon": 0.1}
    args["rng"] = np.random.default_rng(0)
    with pytest.raises(error, match=match):
        epsilon_greedy(**(args | kwargs))
