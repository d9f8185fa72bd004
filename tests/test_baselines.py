"""Baselines and the policy registry, checked against hand-built references."""

from __future__ import annotations

import numpy as np
import pytest

from beautyrl_lib.agents.base import masked_argmax
from beautyrl_lib.agents.baselines import (
    N_FEATURES,
    GreedyConfig,
    GreedyPolicy,
    LinUCBConfig,
    LinUCBPolicy,
    PopularityPolicy,
    RandomPolicy,
    features,
    fit_product_models,
    log_random_recommendations,
    ridge_fit,
    sherman_morrison_update,
)
from beautyrl_lib.agents.oracles import OracleLookahead, OracleMyopic
from beautyrl_lib.agents.registry import POLICY_NAMES, make_policy
from beautyrl_lib.errors import (
    ActionError,
    CheckpointError,
    ConfigError,
    ObservationError,
    UnknownPolicyError,
)
from beautyrl_lib.sim import OBS_DIM, ShopConfig, VectorShop
from beautyrl_lib.sim.core import catalog_for

CONFIG = ShopConfig()
SMALL = ShopConfig(n_products=8, catalog_seed=3)


def _obs(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, OBS_DIM)).astype(np.float32)


# ------------------------------------------------------------ masked argmax
def test_masked_argmax_ties_go_to_lowest_allowed_index():
    scores = np.array([[1.0, 3.0, 3.0, 3.0], [2.0, 2.0, 2.0, 2.0]])
    mask = np.array([[True, False, True, True], [False, False, True, True]])
    np.testing.assert_array_equal(masked_argmax(scores, mask), [2, 2])


def test_masked_argmax_empty_row_falls_back_to_best_overall():
    scores = np.array([[0.1, 0.9, 0.5], [0.3, 0.2, 0.1]])
    mask = np.array([[False, False, False], [False, True, True]])
    np.testing.assert_array_equal(masked_argmax(scores, mask), [1, 1])


# ------------------------------------------------------------------ random
def test_random_is_uniform_over_allowed_products():
    n = 30_000
    mask = np.zeros((n, 5), dtype=bool)
    mask[:, [0, 2, 4]] = True
    actions = RandomPolicy(seed=1).act(_obs(n), mask)
    assert set(np.unique(actions)) == {0, 2, 4}
    share = np.bincount(actions, minlength=5)[[0, 2, 4]] / n
    # Standard error of each share is about 0.003.
    np.testing.assert_allclose(share, 1 / 3, atol=0.015)


def test_random_same_seed_same_actions_other_seed_differs():
    mask = np.ones((200, 50), dtype=bool)
    a = RandomPolicy(seed=4).act(_obs(200), mask)
    b = RandomPolicy(seed=4).act(_obs(200), mask)
    c = RandomPolicy(seed=5).act(_obs(200), mask)
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()


# -------------------------------------------------------------- popularity
def test_popularity_picks_most_popular_unshown_product():
    policy = PopularityPolicy().fit(CONFIG, seed=0)
    popularity = catalog_for(CONFIG).popularity
    mask = np.random.default_rng(2).random((40, CONFIG.n_products)) < 0.5
    actions = policy.act(_obs(40), mask)
    ranking = np.argsort(-popularity, kind="stable")
    for row, action in zip(mask, actions, strict=True):
        # Hand reference: walk down the best-seller list to the first unshown.
        expected = next(p for p in ranking if row[p])
        assert action == expected


def test_popularity_act_before_fit_is_an_error():
    with pytest.raises(ConfigError, match="PopularityPolicy is not fitted; call fit"):
        PopularityPolicy().act(_obs(2), np.ones((2, 50), dtype=bool))


# ------------------------------------------------------------------ ridge
def test_ridge_fit_equals_lstsq_on_augmented_system():
    gen = np.random.default_rng(0)
    x = gen.normal(size=(30, 4))
    y = gen.normal(size=30)
    penalty = np.array([2.0, 2.0, 2.0, 1e-6])
    # Ridge is least squares on [x; sqrt(penalty) I] against [y; 0].
    x_aug = np.vstack([x, np.diag(np.sqrt(penalty))])
    y_aug = np.concatenate([y, np.zeros(4)])
    expected = np.linalg.lstsq(x_aug, y_aug, rcond=None)[0]
    np.testing.assert_allclose(ridge_fit(x, y, penalty), expected, atol=1e-10)
    scalar = np.linalg.lstsq(
        np.vstack([x, np.sqrt(0.5) * np.eye(4)]), y_aug, rcond=None
    )[0]
    np.testing.assert_allclose(ridge_fit(x, y, 0.5), scalar, atol=1e-10)


def test_fit_product_models_is_one_ridge_per_product():
    gen = np.random.default_rng(1)
    x = gen.normal(size=(60, 3))
    actions = gen.choice([0, 1, 3], size=60)  # product 2 is never logged
    rewards = gen.normal(size=60)
    weights = fit_product_models(x, actions, rewards, 4, 1.5)
    for product in (0, 1, 3):
        rows = actions == product
        expected = ridge_fit(x[rows], rewards[rows], 1.5)
        np.testing.assert_allclose(weights[product], expected, atol=1e-10)
    np.testing.assert_array_equal(weights[2], 0.0)


# ----------------------------------------------------------------- greedy
def test_log_random_recommendations_starts_from_training_shoppers():
    obs, actions, rewards = log_random_recommendations(SMALL, 9, 50, num_envs=16)
    first, _ = VectorShop(SMALL, 16).reset(seed=9)
    np.testing.assert_array_equal(obs[:16], first)
    assert obs.shape == (50, OBS_DIM) and actions.shape == rewards.shape == (50,)
    # The first step of every slot recommends a product nobody has seen yet,
    # drawn by the same generator as RandomPolicy(9).
    expected = RandomPolicy(9).act(first, np.ones((16, SMALL.n_products), dtype=bool))
    np.testing.assert_array_equal(actions[:16], expected)


def test_greedy_weights_equal_reference_fit_and_are_deterministic():
    settings = GreedyConfig(n_samples=3000, ridge=5.0, num_envs=64)
    a = GreedyPolicy(settings).fit(SMALL, seed=11)
    b = GreedyPolicy(settings).fit(SMALL, seed=11)
    c = GreedyPolicy(settings).fit(SMALL, seed=12)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert not np.array_equal(a.weights, c.weights)

    obs, actions, rewards = log_random_recommendations(SMALL, 11, 3000, 64)
    penalty = np.full(N_FEATURES, 5.0)
    penalty[-1] = 1e-6
    reference = fit_product_models(features(obs), actions, rewards, 8, penalty)
    np.testing.assert_allclose(a.weights, reference, atol=1e-12)


def test_greedy_acts_on_masked_argmax_of_predictions():
    policy = GreedyPolicy(n_samples=2000, num_envs=50).fit(SMALL, seed=1)
    obs = _obs(25)
    mask = np.random.default_rng(3).random((25, 8)) < 0.6
    predicted = np.concatenate([obs, np.ones((25, 1))], axis=1) @ policy.weights.T
    np.testing.assert_array_equal(policy.act(obs, mask), masked_argmax(predicted, mask))


# ----------------------------------------------------------------- LinUCB
def test_sherman_morrison_update_equals_direct_inverse():
    gen = np.random.default_rng(5)
    d, n_products, ridge = 4, 3, 2.0
    a_inv = np.broadcast_to(np.eye(d) / ridge, (n_products, d, d)).copy()
    a = np.broadcast_to(np.eye(d) * ridge, (n_products, d, d)).copy()
    for _ in range(3):
        x = gen.normal(size=(7, d))
        actions = np.array([0, 0, 2, 0, 2, 0, 0])  # repeats within a batch
        sherman_morrison_update(a_inv, x, actions)
        for row, product in zip(x, actions, strict=True):
            a[product] += np.outer(row, row)
    np.testing.assert_allclose(a_inv, np.linalg.inv(a), atol=1e-10)


def test_linucb_update_and_scores_match_direct_computation():
    policy = LinUCBPolicy(alpha=0.7, ridge=3.0)
    policy.reset_models(4)
    gen = np.random.default_rng(6)
    a = np.broadcast_to(3.0 * np.eye(N_FEATURES), (4, N_FEATURES, N_FEATURES)).copy()
    b = np.zeros((4, N_FEATURES))
    for _ in range(4):
        x = features(_obs(10, seed=int(gen.integers(1000))))
        actions = gen.integers(0, 4, size=10)
        rewards = gen.normal(size=10)
        policy.update(x, actions, rewards)
        for row, product, reward in zip(x, actions, rewards, strict=True):
            a[product] += np.outer(row, row)
            b[product] += reward * row
    theta = np.linalg.solve(a, b[:, :, None])[:, :, 0]
    np.testing.assert_allclose(policy.b, b, atol=1e-12)
    np.testing.assert_allclose(policy.theta, theta, atol=1e-8)

    x = features(_obs(5, seed=99))
    expected = np.empty((5, 4))
    for i in range(5):
        for p in range(4):
            bonus = np.sqrt(x[i] @ np.linalg.solve(a[p], x[i]))
            expected[i, p] = x[i] @ theta[p] + 0.7 * bonus
    np.testing.assert_allclose(policy.ucb_scores(x), expected, atol=1e-8)


def test_linucb_fit_is_deterministic_and_acts_on_the_mean():
    settings = LinUCBConfig(n_samples=640, alpha=50.0, num_envs=32)
    a = LinUCBPolicy(settings).fit(SMALL, seed=3)
    b = LinUCBPolicy(settings).fit(SMALL, seed=3)
    c = LinUCBPolicy(settings).fit(SMALL, seed=4)
    np.testing.assert_array_equal(a.a_inv, b.a_inv)
    np.testing.assert_array_equal(a.theta, b.theta)
    assert not np.array_equal(a.theta, c.theta)

    # Frozen at evaluation: the mean estimate only, however large alpha is.
    obs = _obs(30)
    mask = np.ones((30, 8), dtype=bool)
    mean = features(obs) @ a.theta.T
    np.testing.assert_array_equal(a.act(obs, mask), masked_argmax(mean, mask))
    theta_before = a.theta.copy()
    a.act(obs, mask)
    np.testing.assert_array_equal(a.theta, theta_before)


# ------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: RandomPolicy(seed=-1), ConfigError, r"seed must be an integer >= 0"),
        (lambda: RandomPolicy(seed=1.5), ConfigError, r"seed must be .*got 1\.5"),
        (
            lambda: GreedyConfig(n_samples=5),
            ConfigError,
            r"n_samples must be an integer from 100 to 10000000; got 5",
        ),
        (
            lambda: LinUCBConfig(alpha=-1.0),
            ConfigError,
            r"alpha must be a finite number from 0\.0 to 1000\.0; got -1\.0",
        ),
        (
            lambda: GreedyPolicy(learning_rate=0.1),
            ConfigError,
            r"overrides must be fields of GreedyConfig.*'learning_rate'",
        ),
        (
            lambda: LinUCBPolicy(settings=GreedyConfig()),
            ConfigError,
            r"settings must be a LinUCBConfig or None",
        ),
        (
            lambda: PopularityPolicy().fit({"n_products": 50}, 0),
            ConfigError,
            r"config must be a ShopConfig",
        ),
    ],
)
def test_bad_settings_are_refused(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_bad_batches_are_refused():
    policy = PopularityPolicy().fit(SMALL, 0)
    with pytest.raises(ObservationError, match=r"obs must be shape \(N, 63\)"):
        policy.act(np.zeros((3, 10)), np.ones((3, 8), dtype=bool))
    with pytest.raises(
        ActionError, match="action_mask must be bool; got 'array of dtype"
    ):
        policy.act(_obs(3), np.ones((3, 8), dtype=np.int8))
    with pytest.raises(ActionError, match=r"shape \(3, 8\) \(the catalog the policy"):
        policy.act(_obs(3), np.ones((3, 50), dtype=bool))


# --------------------------------------------------------------- registry
def test_registry_builds_and_fits_each_name():
    policy = make_policy("popularity", SMALL, 3)
    np.testing.assert_array_equal(policy.popularity, catalog_for(SMALL).popularity)
    mask = np.ones((20, 8), dtype=bool)
    np.testing.assert_array_equal(
        make_policy("random", SMALL, 5).act(_obs(20), mask),
        RandomPolicy(5).act(_obs(20), mask),
    )
    assert isinstance(make_policy("oracle-myopic", SMALL, 0), OracleMyopic)
    lookahead = make_policy("oracle-lookahead", SMALL, 0)
    assert isinstance(lookahead, OracleLookahead) and lookahead.reads_hidden_state
    assert POLICY_NAMES == (
        "random", "popularity", "greedy", "bandit", "oracle-myopic", "oracle-lookahead"
    )  # fmt: skip


@pytest.mark.slow
def test_registry_learned_baselines_equal_direct_fits():
    greedy = make_policy("greedy", SMALL, 21)
    np.testing.assert_array_equal(greedy.weights, GreedyPolicy().fit(SMALL, 21).weights)
    bandit = make_policy("bandit", SMALL, 22)
    np.testing.assert_array_equal(bandit.theta, LinUCBPolicy().fit(SMALL, 22).theta)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("foo", r"policy must be one of random, popularity, .*dqn:PATH.*; got 'foo'"),
        ("Random", r"policy must be one of .*; got 'Random'"),
        ("", r"policy must be one of .*; got ''"),
        (3, r"policy must be one of .*; got 3"),
    ],
)
def test_registry_unknown_names(spec, message):
    with pytest.raises(UnknownPolicyError, match=message):
        make_policy(spec, SMALL, 0)


def test_registry_dqn_specs_are_checked(tmp_path):
    # A trained run loads through training.load_policy (see test_training.py);
    # here only the errors of the spec itself.
    with pytest.raises(UnknownPolicyError, match="'dqn:PATH' with a run folder"):
        make_policy("dqn:", SMALL, 0)
    with pytest.raises(CheckpointError, match="checkpoint must be an existing"):
        make_policy(f"dqn:{tmp_path / 'run.pt'}", SMALL, 0)
