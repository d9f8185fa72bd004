"""The tiny beauty counter: exact solutions against hand-solved references."""

import itertools

import numpy as np
import pytest

from beautyrl_lib.course import tabular
from beautyrl_lib.course.tabular import Outcome, TabularMDP
from beautyrl_lib.errors import ConfigError

GAMMA = 0.9
B, SK, HC, LEFT = range(4)
CLEANSER, SERUM, LIPSTICK = range(3)


@pytest.fixture(scope="module")
def mdp():
    return tabular.beauty_counter_mdp()


@pytest.fixture(scope="module")
def optimal(mdp):
    values, policy, history = tabular.value_iteration(mdp, GAMMA, tol=1e-12)
    return values, policy, history


def test_expected_rewards_match_the_outcome_table(mdp):
    # Read off the outcome table by hand: chance * points, summed.
    assert mdp.expected_rewards[B, CLEANSER] == pytest.approx(0.55 * 1 + 0.15 * 14)
    assert mdp.expected_rewards[B, LIPSTICK] == pytest.approx(0.25 * 14 + 0.35 + 0.30)
    assert mdp.expected_rewards[SK, CLEANSER] == pytest.approx(0.45 * 14 + 0.35)
    assert mdp.expected_rewards[HC, SERUM] == pytest.approx(0.7 * 14 + 0.2)
    np.testing.assert_allclose(mdp.transitions.sum(axis=2), 1.0)
    np.testing.assert_array_equal(mdp.terminal, [False, False, False, True])


def test_value_iteration_equals_hand_solved_bellman_equations(optimal):
    values, policy, _ = optimal
    # Optimal policy: cleanser, cleanser, serum. Its Bellman equations, written
    # from the outcome table, as A @ [V_b, V_sk, V_hc] = b:
    #   V_b  = 2.65  + 0.9 * (0.20 V_b + 0.55 V_sk + 0.15 V_hc)
    #   V_sk = 6.65  + 0.9 * (0.45 V_sk + 0.45 V_hc)
    #   V_hc = 10.00 + 0.9 * (0.70 V_hc)
    a = np.array(
        [
            [1 - 0.9 * 0.20, -0.9 * 0.55, -0.9 * 0.15],
            [0.0, 1 - 0.9 * 0.45, -0.9 * 0.45],
            [0.0, 0.0, 1 - 0.9 * 0.70],
        ]
    )
    b = np.array([2.65, 6.65, 10.0])
    expected = np.linalg.solve(a, b)

    np.testing.assert_allclose(values[:3], expected, atol=1e-9)
    assert values[LEFT] == 0.0
    assert values[HC] == pytest.approx(10.0 / 0.37)
    np.testing.assert_array_equal(policy[:3], [CLEANSER, CLEANSER, SERUM])


def test_myopic_policy_is_worse_in_browsing(mdp, optimal):
    myopic = tabular.myopic_policy(mdp)
    assert myopic[B] == LIPSTICK
    values = tabular.policy_evaluation(mdp, myopic, GAMMA)
    # Lipstick keeps the shopper browsing with chance 0.4: V = 4.15 / (1 - 0.36).
    assert values[B] == pytest.approx(4.15 / (1 - 0.9 * 0.4))
    assert values[B] < optimal[0][B] / 3


def test_value_iteration_is_the_best_of_all_deterministic_policies(mdp, optimal):
    values = optimal[0]
    best = np.full(mdp.n_states, -np.inf)
    for actions in itertools.product(range(mdp.n_actions), repeat=mdp.n_states):
        v = tabular.policy_evaluation(mdp, np.array(actions), GAMMA)
        best = np.maximum(best, v)
    np.testing.assert_allclose(values, best, atol=1e-9)


def _random_mdp(seed: int) -> TabularMDP:
    rng = np.random.default_rng(seed)
    states, actions = ("a", "b", "c", "end"), ("x", "y")
    outcomes = {}
    for state in states[:-1]:
        for action in actions:
            probs = rng.dirichlet(np.ones(4))
            rewards = rng.normal(size=4)
            outcomes[(state, action)] = tuple(
                Outcome(float(p), s, float(r))
                for p, s, r in zip(probs, states, rewards, strict=True)
            )
    return TabularMDP(states, actions, outcomes, ("end",), "a")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_value_iteration_on_random_mdps_matches_brute_force(seed):
    mdp = _random_mdp(seed)
    values, policy, _ = tabular.value_iteration(mdp, 0.8, tol=1e-12)
    all_values = [
        tabular.policy_evaluation(mdp, np.array(actions), 0.8)
        for actions in itertools.product(range(2), repeat=4)
    ]
    np.testing.assert_allclose(values, np.max(all_values, axis=0), atol=1e-9)
    np.testing.assert_allclose(
        tabular.policy_evaluation(mdp, policy, 0.8), values, atol=1e-9
    )


def test_history_starts_at_zero_and_rises_to_the_fixed_point(mdp, optimal):
    values, _, history = optimal
    assert history.shape[1] == mdp.n_states
    np.testing.assert_array_equal(history[0], 0.0)
    np.testing.assert_array_equal(history[-1], values)
    # Rewards are non-negative, so values only grow from zero.
    assert (np.diff(history, axis=0) >= -1e-12).all()
    changes = np.abs(np.diff(history, axis=0)).max(axis=1)
    assert changes[-1] < 1e-12 <= changes[-2]


def test_q_from_v_matches_an_explicit_sum(mdp, optimal):
    values = optimal[0]
    q_values = tabular.q_from_v(mdp, values, GAMMA)
    for s, a in itertools.product(range(3), range(3)):
        responses = mdp.outcomes[(mdp.states[s], mdp.actions[a])]
        expected = sum(
            o.probability * (o.reward + GAMMA * values[mdp.states.index(o.next_state)])
            for o in responses
        )
        assert q_values[s, a] == pytest.approx(expected)
    np.testing.assert_allclose(q_values.max(axis=1), values, atol=1e-9)


def test_policy_evaluation_of_a_random_policy_solves_its_bellman_equation(mdp):
    uniform = np.full((mdp.n_states, mdp.n_actions), 1.0 / mdp.n_actions)
    values = tabular.policy_evaluation(mdp, uniform, GAMMA)
    q_values = tabular.q_from_v(mdp, values, GAMMA)
    np.testing.assert_allclose(values, q_values.mean(axis=1), atol=1e-9)


def test_step_samples_the_outcome_table(mdp):
    rng = np.random.default_rng(3)
    n = 20_000
    next_states = np.array([mdp.step(B, CLEANSER, rng)[0] for _ in range(n)])
    shares = np.bincount(next_states, minlength=4) / n
    expected = mdp.transitions[B, CLEANSER]
    assert np.all(
        np.abs(shares - expected) < 4 * np.sqrt(expected * (1 - expected) / n)
    )


def test_simulated_returns_average_to_the_values(mdp, optimal):
    for policy, value in (
        (optimal[1], optimal[0][B]),
        (tabular.myopic_policy(mdp), 4.15 / 0.64),
    ):
        returns = tabular.simulate_returns(mdp, policy, GAMMA, 4000, seed=1)
        standard_error = returns.std() / np.sqrt(len(returns))
        assert abs(returns.mean() - value) < 4 * standard_error
    np.testing.assert_array_equal(
        tabular.simulate_returns(mdp, optimal[1], GAMMA, 50, seed=2),
        tabular.simulate_returns(mdp, optimal[1], GAMMA, 50, seed=2),
    )


def test_q_learning_converges_near_the_optimal_q_values(mdp, optimal):
    q_star = tabular.q_from_v(mdp, optimal[0], GAMMA)
    result = tabular.q_learning(mdp, GAMMA, 100_000, seed=0, progress=False)
    error = np.abs(result.q_values - q_star)
    # Values are 13 to 30 points; sampling noise leaves a small error.
    assert error.max() < 1.0
    assert error.mean() < 0.5
    np.testing.assert_array_equal(result.q_values[:3].argmax(axis=1), optimal[1][:3])
    np.testing.assert_array_equal(result.q_values[LEFT], 0.0)
    # The error shrinks as learning goes on.
    errors = np.abs(result.q_history - q_star).max(axis=(1, 2))
    assert errors[-1] < errors[len(errors) // 10] < errors[0]


def test_q_learning_same_seed_same_numbers(mdp):
    first = tabular.q_learning(mdp, GAMMA, 3000, seed=7, progress=False)
    second = tabular.q_learning(mdp, GAMMA, 3000, seed=7, progress=False)
    other = tabular.q_learning(mdp, GAMMA, 3000, seed=8, progress=False)
    np.testing.assert_array_equal(first.q_history, second.q_history)
    assert first.n_episodes == second.n_episodes
    assert not np.array_equal(first.q_values, other.q_values)
    np.testing.assert_array_equal(first.updates, np.arange(0, 3001, 100))


def test_bad_inputs_raise_config_errors_naming_the_parameter(mdp):
    with pytest.raises(
        ConfigError, match=r"gamma must be a number in \[0, 1\); got 1.0"
    ):
        tabular.value_iteration(mdp, gamma=1.0)
    with pytest.raises(ConfigError, match="tol must be a number > 0"):
        tabular.value_iteration(mdp, tol=0.0)
    with pytest.raises(ConfigError, match="values must be"):
        tabular.q_from_v(mdp, np.zeros(3), GAMMA)
    with pytest.raises(ConfigError, match="policy must be integer actions of shape"):
        tabular.policy_evaluation(mdp, np.zeros(3, dtype=int), GAMMA)
    with pytest.raises(ConfigError, match="policy must be action indices 0 to 2"):
        tabular.policy_evaluation(mdp, np.array([0, 1, 5, 0]), GAMMA)
    with pytest.raises(ConfigError, match="epsilon must be a number in"):
        tabular.q_learning(mdp, epsilon=1.5, progress=False)
    with pytest.raises(ConfigError, match="step_size_power must be"):
        tabular.q_learning(mdp, step_size_power=0.5, progress=False)
    with pytest.raises(ConfigError, match="n_updates must be an integer >= 1"):
        tabular.q_learning(mdp, n_updates=0, progress=False)
    with pytest.raises(ConfigError, match=r"\(state, action\) must be"):
        mdp.step(LEFT, 0, np.random.default_rng(0))


def test_bad_outcome_tables_are_refused():
    good = (Outcome(1.0, "end", 1.0),)
    with pytest.raises(ConfigError, match=r"probabilities must be numbers that sum"):
        TabularMDP(
            ("a", "end"),
            ("x",),
            {("a", "x"): (Outcome(0.5, "end", 1.0),)},
            ("end",),
            "a",
        )
    with pytest.raises(ConfigError, match="next_state must be one of"):
        TabularMDP(
            ("a", "end"), ("x",), {("a", "x"): (Outcome(1.0, "b", 1.0),)}, ("end",), "a"
        )
    with pytest.raises(ConfigError, match=r"outcomes\[\('a', 'y'\)\] must be"):
        TabularMDP(("a", "end"), ("x", "y"), {("a", "x"): good}, ("end",), "a")
    with pytest.raises(ConfigError, match="start_state must be a non-terminal state"):
        TabularMDP(("a", "end"), ("x",), {("a", "x"): good}, ("end",), "end")
    with pytest.raises(
        ConfigError, match="states must be a non-empty tuple of distinct"
    ):
        TabularMDP(("a", "a"), ("x",), {("a", "x"): good}, (), "a")
