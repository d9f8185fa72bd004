"""Every exercise check passes the reference, and fails a stub and typical mistakes."""

import numpy as np
import pytest
import torch
from check_contract import assert_fails_with_hint, assert_passes, assert_stub_is_pending

from beautyrl_lib.course import checks, tabular
from beautyrl_lib.errors import ConfigError

# ---------------------------------------------------------------------------
# Learner functions: correct versions written independently of the references,
# and the mistakes learners typically make.


def stub(*args):
    raise NotImplementedError("write your code here")


def step_reward(click, cart, purchase):
    return 1.0 * click + 3.0 * cart + 10.0 * purchase


def step_reward_last_stage(click, cart, purchase):
    return 10.0 if purchase else 3.0 if cart else 1.0 if click else 0.0


def discounted_return(rewards, gamma):
    total = 0.0
    for reward in reversed(rewards):
        total = reward + gamma * total
    return total


def return_no_discount(rewards, gamma):
    return sum(rewards)


def return_power_off_by_one(rewards, gamma):
    return sum(gamma ** (t + 1) * r for t, r in enumerate(rewards))


def bellman_backup(rewards, transitions, values, gamma):
    return rewards + gamma * np.einsum("sat,t->sa", transitions, values)


def backup_no_gamma(rewards, transitions, values, gamma):
    return rewards + transitions @ values


def backup_best_next(rewards, transitions, values, gamma):
    return rewards + gamma * values.max()


def value_iteration(mdp, gamma, tol):
    values = np.zeros(mdp.n_states)
    while True:
        q = mdp.expected_rewards + gamma * mdp.transitions @ values
        new_values = q.max(axis=1)
        if np.abs(new_values - values).max() < tol:
            return new_values
        values = new_values


def value_iteration_one_sweep(mdp, gamma, tol):
    return (mdp.expected_rewards + gamma * mdp.transitions @ np.zeros(4)).max(axis=1)


def value_iteration_mean(mdp, gamma, tol):
    values = np.zeros(mdp.n_states)
    for _ in range(5000):
        values = (mdp.expected_rewards + gamma * mdp.transitions @ values).mean(axis=1)
    return values


def q_update(q_values, state, action, reward, next_state, terminated, step_size, gamma):
    q_values = q_values.copy()
    target = reward + (0.0 if terminated else gamma * np.max(q_values[next_state]))
    q_values[state, action] = (1 - step_size) * q_values[
        state, action
    ] + step_size * target
    return q_values


def q_update_in_place(
    q_values, state, action, reward, next_state, terminated, step_size, gamma
):
    target = reward + (0.0 if terminated else gamma * np.max(q_values[next_state]))
    q_values[state, action] += step_size * (target - q_values[state, action])


def q_update_bootstraps_at_end(
    q, state, action, reward, next_state, terminated, step_size, gamma
):
    target = reward + gamma * np.max(q[next_state])
    q = q.copy()
    q[state, action] += step_size * (target - q[state, action])
    return q


def q_update_no_step_size(
    q, state, action, reward, next_state, terminated, step_size, gamma
):
    target = reward + (0.0 if terminated else gamma * np.max(q[next_state]))
    q = q.copy()
    q[state, action] = target
    return q


def funnel(p_click, p_cart, p_purchase, w_click, w_cart, w_purchase):
    return p_click * (w_click + p_cart * (w_cart + p_purchase * w_purchase))


def funnel_unchained(p_click, p_cart, p_purchase, w_click, w_cart, w_purchase):
    return p_click * w_click + p_cart * w_cart + p_purchase * w_purchase


def session_return(rewards, terminated, gamma):
    total = 0.0
    for t, (reward, done) in enumerate(zip(rewards, terminated, strict=True)):
        total += gamma**t * reward
        if done:
            return total
    return total


def session_return_past_the_end(rewards, terminated, gamma):
    return sum(gamma**t * r for t, r in enumerate(rewards))


def session_return_drops_last(rewards, terminated, gamma):
    total = 0.0
    for t, (reward, done) in enumerate(zip(rewards, terminated, strict=True)):
        if done:
            return total
        total += gamma**t * reward
    return total


def td_target(rewards, next_q_values, terminated, gamma):
    return np.where(terminated, rewards, rewards + gamma * next_q_values.max(axis=1))


def td_target_torch(rewards, next_q_values, terminated, gamma):
    best_next = next_q_values.max(dim=1).values
    return rewards + gamma * best_next * (~terminated).float()


def td_target_torch_no_mask(rewards, next_q_values, terminated, gamma):
    assert isinstance(next_q_values, torch.Tensor)
    return rewards + gamma * next_q_values.max(dim=1).values


def td_target_no_mask(rewards, next_q_values, terminated, gamma):
    return rewards + gamma * next_q_values.max(axis=1)


CASES = [
    # (check, correct function, mistake, words expected in the mistake's hint)
    (
        checks.check_step_reward,
        step_reward,
        step_reward_last_stage,
        "only the last stage",
    ),
    (
        checks.check_discounted_return,
        discounted_return,
        return_no_discount,
        "without discount",
    ),
    (
        checks.check_discounted_return,
        discounted_return,
        return_power_off_by_one,
        "off by one",
    ),
    (checks.check_bellman_backup, bellman_backup, backup_no_gamma, "not discounted"),
    (checks.check_bellman_backup, bellman_backup, backup_best_next, "best next value"),
    (
        checks.check_value_iteration,
        value_iteration,
        value_iteration_one_sweep,
        "single sweep",
    ),
    (
        checks.check_value_iteration,
        value_iteration,
        value_iteration_mean,
        "max over actions",
    ),
    (
        checks.check_q_learning_update,
        q_update,
        q_update_bootstraps_at_end,
        "session ended",
    ),
    (
        checks.check_q_learning_update,
        q_update_in_place,
        q_update_no_step_size,
        "fraction",
    ),
    (checks.check_expected_funnel_reward, funnel, funnel_unchained, "conditional"),
    (
        checks.check_session_return,
        session_return,
        session_return_past_the_end,
        "next shopper",
    ),
    (
        checks.check_session_return,
        session_return,
        session_return_drops_last,
        "last step",
    ),
    (checks.check_td_target, td_target, td_target_no_mask, "past terminal steps"),
]
IDS = [f"{case[0].__name__}-{case[2].__name__}" for case in CASES]


@pytest.mark.parametrize(("check", "correct", "mistake", "hint"), CASES, ids=IDS)
def test_check_passes_a_correct_function(capsys, check, correct, mistake, hint):
    assert_passes(capsys, check, correct)


@pytest.mark.parametrize(("check", "correct", "mistake", "hint"), CASES, ids=IDS)
def test_check_fails_a_typical_mistake_with_its_hint(
    capsys, check, correct, mistake, hint
):
    assert_fails_with_hint(capsys, check, mistake, hint)


@pytest.mark.parametrize(
    "check", sorted({c[0] for c in CASES}, key=lambda f: f.__name__)
)
def test_check_says_not_implemented_for_a_stub(capsys, check):
    assert_stub_is_pending(capsys, check, stub)


def test_references_pass_their_own_checks(capsys):
    pairs = [
        (checks.check_step_reward, checks.ref_step_reward),
        (checks.check_discounted_return, checks.ref_discounted_return),
        (checks.check_bellman_backup, checks.ref_bellman_backup),
        (checks.check_value_iteration, checks.ref_value_iteration),
        (checks.check_value_iteration, tabular.value_iteration),
        (checks.check_q_learning_update, checks.ref_q_learning_update),
        (checks.check_expected_funnel_reward, checks.ref_expected_funnel_reward),
        (checks.check_session_return, checks.ref_session_return),
        (checks.check_td_target, checks.ref_td_target),
        (checks.check_epsilon_greedy, checks.ref_epsilon_greedy),
    ]
    for check, reference in pairs:
        assert check(reference) is True, check.__name__
    capsys.readouterr()


def test_the_failure_names_the_first_failing_input_and_both_values(capsys):
    checks.check_discounted_return(return_no_discount)
    out = capsys.readouterr().out
    assert (
        "discounted_return(rewards=[1, 2, 3], gamma=0.9) gives a wrong answer." in out
    )
    assert "expected: 5.23\n" in out
    assert "received: 6\n" in out


def test_a_crash_in_the_learners_code_becomes_a_hint(capsys):
    assert checks.check_discounted_return(lambda rewards, gamma: rewards[5]) is False
    out = capsys.readouterr().out
    assert "discounted_return(rewards=[1, 2, 3], gamma=0.9) raised IndexError" in out
    assert "Hint:" in out


def test_a_missing_return_is_pointed_out(capsys):
    assert checks.check_step_reward(lambda click, cart, purchase: None) is False
    assert "forget the `return` statement" in capsys.readouterr().out


def test_a_wrong_shape_is_pointed_out(capsys):
    assert checks.check_bellman_backup(lambda r, p, v, g: (r + g * p @ v).T) is False
    assert "expected shape (4, 3)" in capsys.readouterr().out


def test_passing_the_result_instead_of_the_function_raises():
    with pytest.raises(ConfigError, match="fn must be the function discounted_return"):
        checks.check_discounted_return(5.23)
    with pytest.raises(ConfigError, match="fn must be the function epsilon_greedy"):
        checks.check_epsilon_greedy(None)


def test_td_target_check_with_torch_tensors(capsys):
    assert checks.check_td_target(td_target_torch, as_torch=True) is True
    assert checks.check_td_target(td_target_torch_no_mask, as_torch=True) is False
    assert "past terminal steps" in capsys.readouterr().out


# ---------------------------------------------------------------------------
# epsilon-greedy: a random function, checked by its statistics.


def epsilon_greedy(q_values, epsilon, rng):
    if rng.uniform() < epsilon:
        return rng.choice(len(q_values))
    return int(np.argmax(q_values))


def epsilon_greedy_global_random(q_values, epsilon, rng):
    local = np.random.default_rng()  # unseeded: a different stream every call
    if local.random() < epsilon:
        return int(local.integers(len(q_values)))
    return int(np.argmax(q_values))


def epsilon_greedy_inverted(q_values, epsilon, rng):
    if rng.random() < 1 - epsilon:
        return int(rng.integers(len(q_values)))
    return int(np.argmax(q_values))


def epsilon_greedy_never_best(q_values, epsilon, rng):
    best = int(np.argmax(q_values))
    if rng.random() < epsilon:
        others = [a for a in range(len(q_values)) if a != best]
        return int(rng.choice(others))
    return best


def epsilon_greedy_float(q_values, epsilon, rng):
    return float(np.argmax(q_values))


@pytest.mark.parametrize(
    ("fn", "words"),
    [
        (epsilon_greedy_global_random, "same seed"),
        (epsilon_greedy_inverted, "with epsilon 0 never explore"),
        (epsilon_greedy_never_best, "the best one included"),
        (epsilon_greedy_float, "return one action index"),
        (stub, "Not implemented yet."),
    ],
)
def test_epsilon_greedy_check_fails_mistakes(capsys, fn, words):
    assert checks.check_epsilon_greedy(fn) is False
    assert words in capsys.readouterr().out


def test_epsilon_greedy_check_passes_a_correct_function(capsys):
    assert checks.check_epsilon_greedy(epsilon_greedy) is True
    assert "Correct!" in capsys.readouterr().out
    with pytest.raises(ConfigError, match="n_draws must be an integer >= 100"):
        checks.check_epsilon_greedy(epsilon_greedy, n_draws=10)


def test_checks_do_not_let_the_learner_change_their_inputs(capsys):
    def vandal(rewards, transitions, values, gamma):
        q = rewards + gamma * transitions @ values
        rewards[:] = 0.0
        values[:] = -1.0
        return q

    assert checks.check_bellman_backup(vandal) is True
    assert checks.check_bellman_backup(checks.ref_bellman_backup) is True
    capsys.readouterr()
