"""The notebook-07 checks pass correct code and fail stubs and typical mistakes."""

import numpy as np
import pytest
import torch
from check_contract import assert_fails_with_hint, assert_passes, assert_stub_is_pending

from beautyrl_lib.agents import dqn
from beautyrl_lib.course import article_dqn, checks_debug
from beautyrl_lib.errors import ConfigError


def stub(*args):
    raise NotImplementedError("write your code here")


# ---------------------------------------------------------------------------
# Correct versions, written independently of the references.


def td_target(rewards, next_q_values, terminated, truncated, gamma):
    best = next_q_values.max(axis=1)
    return np.where(terminated, rewards, rewards + gamma * best)


def td_target_torch_library(rewards, next_q_values, terminated, truncated, gamma):
    # The library's pure function, fed the best next value (truncated unused).
    best = torch.as_tensor(next_q_values).max(dim=1).values
    return dqn.td_target(
        torch.as_tensor(rewards), best, torch.as_tensor(terminated), gamma
    ).numpy()


def sync_due(n_updates, sync_every):
    return n_updates // sync_every * sync_every == n_updates


def article_epsilon(env_steps, batch_size, decay, floor):
    epsilon = 1.0
    for step in range(1, env_steps + 1):
        if step > batch_size:  # the replay holds `step` transitions now
            epsilon = max(epsilon * decay, floor)
    return epsilon


# ---------------------------------------------------------------------------
# Typical mistakes.


def td_article(rewards, next_q_values, terminated, truncated, gamma):
    return rewards + gamma * next_q_values.max(axis=1)


def td_done(rewards, next_q_values, terminated, truncated, gamma):
    done = terminated | truncated
    return rewards + gamma * next_q_values.max(axis=1) * ~done


def td_swapped(rewards, next_q_values, terminated, truncated, gamma):
    return rewards + gamma * next_q_values.max(axis=1) * (1 - truncated)


def td_mean(rewards, next_q_values, terminated, truncated, gamma):
    return rewards + gamma * next_q_values.mean(axis=1) * (1 - terminated)


def sync_always(n_updates, sync_every):
    return True


def sync_once(n_updates, sync_every):
    return n_updates == sync_every


def sync_early(n_updates, sync_every):
    return (n_updates - 1) % sync_every == 0


def epsilon_per_step(env_steps, batch_size, decay, floor):
    return max(decay**env_steps, floor)


def epsilon_late(env_steps, batch_size, decay, floor):
    return max(decay ** max(0, env_steps - batch_size - 1), floor)


def epsilon_no_floor(env_steps, batch_size, decay, floor):
    return decay ** max(0, env_steps - batch_size)


CASES = [
    (checks_debug.check_td_target_with_truncation, td_target, td_article, "article"),
    (checks_debug.check_td_target_with_truncation, td_target, td_done, "step limit"),
    (checks_debug.check_td_target_with_truncation, td_target, td_swapped, "swapped"),
    (checks_debug.check_td_target_with_truncation, td_target, td_mean, "axis 1"),
    (checks_debug.check_sync_due, sync_due, sync_always, "after every update"),
    (checks_debug.check_sync_due, sync_due, sync_once, "only once"),
    (checks_debug.check_sync_due, sync_due, sync_early, "off by one"),
    (checks_debug.check_article_epsilon, article_epsilon, epsilon_per_step, "per env"),
    (checks_debug.check_article_epsilon, article_epsilon, epsilon_late, "off by one"),
    (checks_debug.check_article_epsilon, article_epsilon, epsilon_no_floor, "floor"),
]
IDS = [f"{case[0].__name__}-{case[2].__name__}" for case in CASES]
CHECKS = (
    checks_debug.check_td_target_with_truncation,
    checks_debug.check_sync_due,
    checks_debug.check_article_epsilon,
)


@pytest.mark.parametrize(("check", "correct", "mistake", "hint"), CASES, ids=IDS)
def test_check_passes_a_correct_function(capsys, check, correct, mistake, hint):
    assert_passes(capsys, check, correct)


@pytest.mark.parametrize(("check", "correct", "mistake", "hint"), CASES, ids=IDS)
def test_check_fails_a_typical_mistake_with_its_hint(
    capsys, check, correct, mistake, hint
):
    assert_fails_with_hint(capsys, check, mistake, hint)


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_check_says_not_implemented_for_a_stub(capsys, check):
    assert_stub_is_pending(capsys, check, stub)


def test_references_pass_their_own_checks(capsys):
    assert checks_debug.check_td_target_with_truncation(checks_debug.ref_td_target)
    assert checks_debug.check_sync_due(checks_debug.ref_sync_due)
    assert checks_debug.check_article_epsilon(checks_debug.ref_article_epsilon)
    capsys.readouterr()


def test_the_library_td_target_passes(capsys):
    assert checks_debug.check_td_target_with_truncation(td_target_torch_library)
    capsys.readouterr()


def test_the_td_reference_stops_only_at_termination():
    rewards = np.array([1.0, 4.0, 14.0])
    next_q = np.array([[2.0, 5.0], [3.0, 1.0], [0.0, 10.0]])
    terminated = np.array([False, True, False])
    truncated = np.array([False, False, True])
    # 1 + 0.5 * 5, 4 alone, 14 + 0.5 * 10 (truncation still bootstraps).
    np.testing.assert_allclose(
        checks_debug.ref_td_target(rewards, next_q, terminated, truncated, 0.5),
        [3.5, 4.0, 19.0],
    )


def test_the_epsilon_reference_matches_the_article_loop():
    # Measured, not computed: run the article's loop on a tiny network and
    # compare its epsilon with the reference formula.
    config = article_dqn.ArticleConfig(hidden=(4,), batch_size=8, unseeded=False)
    run = article_dqn.train(config, total_steps=60, seed=1, progress=False)
    expected = checks_debug.ref_article_epsilon(60, 8, 0.995, 0.01)
    assert run.agent.n_updates == 52
    assert run.agent.epsilon == pytest.approx(expected, rel=1e-12)


def test_the_sync_check_shows_the_rows_of_answers(capsys):
    checks_debug.check_sync_due(sync_once)
    out = capsys.readouterr().out
    assert "sync_due(n_updates=1, ..., 12, sync_every=4)" in out
    assert "False, False, False,  True, False, False, False, False" in out


def test_passing_the_result_instead_of_the_function_raises():
    with pytest.raises(ConfigError, match="fn must be the function sync_due"):
        checks_debug.check_sync_due(True)
    with pytest.raises(ConfigError, match="fn must be the function td_target"):
        checks_debug.check_td_target_with_truncation(np.zeros(3))
