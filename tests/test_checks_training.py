"""The training exercise checks pass correct code, fail stubs and typical mistakes."""

import numpy as np
import pytest
import torch
from check_contract import assert_fails_with_hint, assert_passes, assert_stub_is_pending

from beautyrl_lib.agents.dqn import DQNConfig, updates_due
from beautyrl_lib.course import checks_training
from beautyrl_lib.errors import ConfigError
from beautyrl_lib.sim import OBS_LAYOUT, ShopConfig, VectorShop


def stub(*args):
    raise NotImplementedError("write your code here")


# ---------------------------------------------------------------------------
# Soft target update.


def polyak(target, online, tau):
    return target + tau * (online - target)


def polyak_in_place(target, online, tau):
    target *= 1.0 - tau
    target += tau * online
    return target


def polyak_swapped(target, online, tau):
    return tau * target + (1.0 - tau) * online


def polyak_no_shrink(target, online, tau):
    return target + tau * online


def polyak_step_only(target, online, tau):
    return tau * (online - target)


def polyak_hard_copy(target, online, tau):
    return np.array(online)


def test_the_reference_soft_update_matches_the_agents_lerp():
    rng = np.random.default_rng(0)
    target, online = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    expected = torch.from_numpy(target.copy()).lerp_(torch.from_numpy(online), 0.005)
    received = checks_training.ref_polyak(target, online, 0.005)
    np.testing.assert_allclose(received, expected.numpy(), atol=1e-12)


# ---------------------------------------------------------------------------
# The next_obs stored in replay.


def stored_next_obs(next_obs, terminated, truncated, final_obs):
    stored = next_obs.copy()
    for row, slot in enumerate(np.flatnonzero(terminated | truncated)):
        stored[slot] = final_obs[row]
    return stored


def stored_as_stepped(next_obs, terminated, truncated, final_obs):
    return next_obs.copy()


def stored_only_terminated(next_obs, terminated, truncated, final_obs):
    stored = next_obs.copy()
    ended = terminated | truncated
    stored[terminated] = final_obs[terminated[ended]]
    return stored


def stored_in_place(next_obs, terminated, truncated, final_obs):
    next_obs[terminated | truncated] = final_obs
    return next_obs


def test_the_reference_stores_the_last_observation_of_a_real_shop_step():
    shop = VectorShop(ShopConfig(), num_envs=32)
    obs, _ = shop.reset(seed=3)
    for _ in range(20):  # until some sessions end in the same step
        mask = shop.action_mask()
        actions = np.argmax(mask, axis=1)  # the first product not shown yet
        next_obs, _, terminated, truncated, info = shop.step_arrays(actions)
        if (terminated | truncated).any():
            break
        obs = next_obs
    ended = terminated | truncated
    assert ended.any()
    before = next_obs.copy()
    stored = checks_training.ref_stored_next_obs(
        next_obs, terminated, truncated, info["final_obs"]
    )
    np.testing.assert_array_equal(next_obs, before)  # untouched: acted on next
    np.testing.assert_array_equal(stored[~ended], next_obs[~ended])
    np.testing.assert_array_equal(stored[ended], info["final_obs"])
    # A finished session's last observation continues its own history: the
    # session step (progress) is one more than in obs, never back at 0.
    progress = OBS_LAYOUT["progress"]
    assert (stored[ended, progress] > obs[ended, progress]).all()


# ---------------------------------------------------------------------------
# Updates due after a step of the vector shop.


def updates_due_by_counting(before, after, starts, every, gradient_steps):
    steps = range(before + 1, after + 1)
    return gradient_steps * sum(1 for s in steps if s >= starts and s % every == 0)


def updates_due_no_warm_up(before, after, starts, every, gradient_steps):
    return (after // every - before // every) * gradient_steps


def updates_due_steps_between(before, after, starts, every, gradient_steps):
    return 0 if after < starts else (after - max(before, starts)) // every


def updates_due_once(before, after, starts, every, gradient_steps):
    due = updates_due_by_counting(before, after, starts, every, 1)
    return gradient_steps if due else 0


def updates_due_strict_start(before, after, starts, every, gradient_steps):
    steps = range(before + 1, after + 1)
    return gradient_steps * sum(1 for s in steps if s > starts and s % every == 0)


def updates_due_one_per_round(before, after, starts, every, gradient_steps):
    return updates_due_by_counting(before, after, starts, every, 1)


@pytest.mark.parametrize("every", [1, 3, 8])
@pytest.mark.parametrize("gradient_steps", [1, 2])
def test_the_reference_count_matches_the_library_and_brute_force(every, gradient_steps):
    config = DQNConfig(
        batch_size=16,
        learning_starts=40,
        train_every=every,
        gradient_steps=gradient_steps,
    )
    for before in range(0, 90, 7):
        for after in range(before, before + 70, 5):
            args = (before, after, 40, every, gradient_steps)
            expected = updates_due_by_counting(*args)
            assert checks_training.ref_updates_due(*args) == expected
            assert updates_due(before, after, config) == expected


# ---------------------------------------------------------------------------
# The table of checks: (check, correct, mistake, words in its hint).

CASES = [
    (checks_training.check_polyak, polyak, polyak_swapped, "swapped roles"),
    (checks_training.check_polyak, polyak_in_place, polyak_no_shrink, "(1 - tau)"),
    (checks_training.check_polyak, polyak, polyak_step_only, "add it to the target"),
    (checks_training.check_polyak, polyak, polyak_hard_copy, "hard copy"),
    (
        checks_training.check_stored_next_obs,
        stored_next_obs,
        stored_as_stepped,
        "next shopper's first observation",
    ),
    (
        checks_training.check_stored_next_obs,
        stored_next_obs,
        stored_only_terminated,
        "cut at the horizon (truncated)",
    ),
    (
        checks_training.check_updates_due,
        updates_due_by_counting,
        updates_due_no_warm_up,
        "before learning_starts",
    ),
    (
        checks_training.check_updates_due,
        updates_due_by_counting,
        updates_due_steps_between,
        "whole blocks of steps",
    ),
    (
        checks_training.check_updates_due,
        updates_due_by_counting,
        updates_due_once,
        "several multiples",
    ),
    (
        checks_training.check_updates_due,
        updates_due_by_counting,
        updates_due_strict_start,
        "learning_starts itself was left out",
    ),
    (
        checks_training.check_updates_due,
        updates_due_by_counting,
        updates_due_one_per_round,
        "multiply the rounds by gradient_steps",
    ),
]
IDS = [f"{case[0].__name__}-{case[2].__name__}" for case in CASES]
CHECKS = (
    checks_training.check_polyak,
    checks_training.check_stored_next_obs,
    checks_training.check_updates_due,
)
REFERENCES = (
    checks_training.ref_polyak,
    checks_training.ref_stored_next_obs,
    checks_training.ref_updates_due,
)


@pytest.mark.parametrize(("check", "correct", "mistake", "hint"), CASES, ids=IDS)
def test_check_passes_a_correct_function(capsys, check, correct, mistake, hint):
    assert_passes(capsys, check, correct)


@pytest.mark.parametrize(("check", "correct", "mistake", "hint"), CASES, ids=IDS)
def test_check_fails_a_typical_mistake_with_its_hint(
    capsys, check, correct, mistake, hint
):
    assert_fails_with_hint(capsys, check, mistake, hint)


@pytest.mark.parametrize(
    ("check", "reference"),
    list(zip(CHECKS, REFERENCES, strict=True)),
    ids=["polyak", "stored_next_obs", "updates_due"],
)
def test_references_pass_their_own_checks(capsys, check, reference):
    assert check(reference) is True
    assert "Correct!" in capsys.readouterr().out


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_check_says_not_implemented_for_a_stub(capsys, check):
    assert_stub_is_pending(capsys, check, stub)


def test_writing_into_next_obs_fails_with_its_hint(capsys):
    # The values are right, but the loop would then act on the old shoppers.
    assert checks_training.check_stored_next_obs(stored_in_place) is False
    out = capsys.readouterr().out
    assert "Not yet." in out
    assert "stored_next_obs wrote into next_obs." in out
    assert "next_obs.copy()" in out


def test_a_failure_names_the_input_and_both_values(capsys):
    checks_training.check_updates_due(updates_due_once)
    out = capsys.readouterr().out
    assert (
        "updates_due(steps_before=30, steps_after=50, learning_starts=10, "
        "train_every=8, gradient_steps=1) gives a wrong answer." in out
    )
    assert "expected: 3\n" in out
    assert "received: 1\n" in out


def test_a_crash_is_reported_with_the_general_hint(capsys):
    def crashes(next_obs, terminated, truncated, final_obs):
        stored = next_obs.copy()
        stored[terminated] = final_obs  # k rows for fewer slots: a shape error
        return stored

    assert checks_training.check_stored_next_obs(crashes) is False
    out = capsys.readouterr().out
    assert "raised ValueError" in out or "raised IndexError" in out
    assert "(terminated | truncated)" in out


def test_passing_the_result_instead_of_the_function_raises():
    with pytest.raises(ConfigError, match="fn must be the function polyak"):
        checks_training.check_polyak(0.5)
    with pytest.raises(ConfigError, match="fn must be the function stored_next_obs"):
        checks_training.check_stored_next_obs(np.zeros((4, 3)))
    with pytest.raises(ConfigError, match="fn must be the function updates_due"):
        checks_training.check_updates_due(8)
