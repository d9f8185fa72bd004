"""Oracles: the myopic oracle against a brute-force expectation, and the
look-ahead oracle against the myopic one."""

import numpy as np
import pytest

from beautyrl_lib.agents.oracles import OracleLookahead, OracleMyopic
from beautyrl_lib.evaluation import evaluate, paired_difference
from beautyrl_lib.sim import ShopConfig, VectorShop
from beautyrl_lib.sim.core import ShopCore
from beautyrl_lib.sim.rng import cohort_keys


def test_expected_reward_matches_monte_carlo_over_many_clones():
    shop = VectorShop(num_envs=3, autoreset=False)
    shop.start_cohort(cohort_keys(4, 3))
    expected = shop.core.expected_rewards()
    products = np.array([0, 7, 31])
    n = 40_000
    for row in range(3):
        for product in products:
            rows = np.full(n, row)
            clone = shop.core.clone(rows, keys=np.arange(n, dtype=np.uint64))
            out = clone.step(np.full(n, product, dtype=np.int64))
            sampled = out.reward.mean()
            se = out.reward.std() / np.sqrt(n)
            assert abs(sampled - expected[row, product]) < 4 * se + 1e-9


def test_myopic_oracle_picks_the_best_unshown_product():
    shop = VectorShop(num_envs=20, autoreset=False)
    obs, _ = shop.start_cohort(cohort_keys(1, 20))
    mask = shop.action_mask()
    mask[:, :5] = False  # pretend the first five were shown
    actions = OracleMyopic().act(obs, mask, shop)
    expected = shop.core.expected_rewards()
    for i in range(20):
        allowed = np.flatnonzero(mask[i])
        assert actions[i] == allowed[np.argmax(expected[i, allowed])]


def test_clone_does_not_touch_the_original():
    core = ShopCore(ShopConfig(), 4)
    core.start(np.arange(4), cohort_keys(2, 4))
    before = core.obs.copy(), core.patience.copy()
    clone = core.clone(np.array([0, 0, 3]))
    clone.step(np.array([1, 2, 3]))
    np.testing.assert_array_equal(core.obs, before[0])
    np.testing.assert_array_equal(core.patience, before[1])


@pytest.mark.slow
def test_lookahead_beats_myopic_when_long_term_effects_are_on():
    config = ShopConfig()
    myopic = evaluate(OracleMyopic(), config, n_sessions=400, seed=3)
    ahead = evaluate(OracleLookahead(n_rollouts=4), config, n_sessions=400, seed=3)
    mean, low, high = paired_difference(ahead, myopic)
    assert low > 0 and mean > 0.15 * myopic.returns.mean()


def test_lookahead_is_deterministic():
    config = ShopConfig(horizon=6)
    a = evaluate(OracleLookahead(n_rollouts=2, depth=3), config, n_sessions=60, seed=0)
    b = evaluate(OracleLookahead(n_rollouts=2, depth=3), config, n_sessions=60, seed=0)
    np.testing.assert_array_equal(a.returns, b.returns)
