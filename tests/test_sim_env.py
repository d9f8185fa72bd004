"""The Gymnasium environment and the vectorised shop: API, equivalence, seeding."""

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from beautyrl_lib.sim import ENV_ID, BeautyShopEnv, ShopConfig, VectorShop
from beautyrl_lib.sim.observation import OBS_DIM, OBS_LAYOUT


def test_registered_env_passes_checker_without_warnings():
    env = gym.make(ENV_ID)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env.unwrapped, skip_render_check=False)
    assert [str(w.message) for w in caught] == []
    assert env.observation_space.shape == (OBS_DIM,)
    assert env.action_space.n == 50


def _run_single(env, seed, actions):
    obs, _ = env.reset(seed=seed)
    trace = [obs]
    for a in actions:
        obs, reward, terminated, truncated, _ = env.step(int(a))
        trace.append((obs, reward, terminated, truncated))
        if terminated or truncated:
            break
    return trace


@pytest.mark.parametrize("strength", [0.0, 1.0, 2.5])
def test_vector_shop_matches_single_env_step_by_step(strength):
    config = ShopConfig(long_term_strength=strength, n_products=30)
    n, steps, seed = 6, 120, 40
    vec = VectorShop(config, num_envs=n)
    singles = [BeautyShopEnv(config) for _ in range(n)]
    vec_obs, _ = vec.reset(seed=seed)
    for i, env in enumerate(singles):
        obs, _ = env.reset(seed=seed + i)
        np.testing.assert_array_equal(obs, vec_obs[i])
    rng = np.random.default_rng(3)
    endings = 0
    for _ in range(steps):
        actions = rng.integers(0, config.n_products, n)
        vec_obs, vec_r, vec_term, vec_trunc, info = vec.step(actions)
        for i, env in enumerate(singles):
            obs, r, term, trunc, _ = env.step(int(actions[i]))
            assert r == vec_r[i] and term == vec_term[i] and trunc == vec_trunc[i]
            if term or trunc:
                endings += 1
                np.testing.assert_array_equal(obs, info["final_obs"][i])
                obs, _ = env.reset()
            np.testing.assert_array_equal(obs, vec_obs[i])
    # Several sessions per slot ended, so auto-reset was compared too.
    assert endings >= 2 * n


def test_fast_step_arrays_equals_gymnasium_step():
    a, b = VectorShop(num_envs=8), VectorShop(num_envs=8)
    obs_a, _ = a.reset(seed=5)
    obs_b, _ = b.reset(seed=5)
    rng = np.random.default_rng(0)
    for _ in range(60):
        actions = rng.integers(0, 50, 8)
        obs_a, r_a, te_a, tr_a, info_a = a.step(actions)
        obs_b, r_b, te_b, tr_b, info_b = b.step_arrays(actions)
        np.testing.assert_array_equal(obs_a, obs_b)
        np.testing.assert_array_equal(r_a, r_b)
        np.testing.assert_array_equal(te_a | tr_a, te_b | tr_b)
        ended = np.flatnonzero(te_a | tr_a)
        if len(ended):
            expected = np.stack([info_a["final_obs"][i] for i in ended])
            np.testing.assert_array_equal(expected, info_b["final_obs"])


def test_same_seed_same_session_and_different_seed_differs():
    actions = np.arange(20) % 50
    first = _run_single(BeautyShopEnv(), 11, actions)
    again = _run_single(BeautyShopEnv(), 11, actions)
    other = _run_single(BeautyShopEnv(), 12, actions)
    assert len(first) == len(again)
    for x, y in zip(first[1:], again[1:], strict=False):
        np.testing.assert_array_equal(x[0], y[0])
        assert x[1:] == y[1:]
    assert not np.array_equal(first[0], other[0]) or len(first) != len(other)


def test_truncation_at_horizon_and_termination_when_leaving():
    config = ShopConfig(horizon=5, leave_prob=0.0, long_term_strength=0.0)
    env = BeautyShopEnv(config)
    env.reset(seed=1)
    flags = [env.step(a)[2:4] for a in range(5)]
    assert flags[:4] == [(False, False)] * 4
    assert flags[4] == (False, True)  # truncated, not terminated

    leaving = BeautyShopEnv(ShopConfig(leave_prob=0.5, long_term_strength=0.0))
    leaving.reset(seed=2)
    terminated = truncated = False
    steps = 0
    while not (terminated or truncated):
        *_, terminated, truncated, _ = leaving.step(steps)
        steps += 1
    assert terminated and steps < 20


def test_observation_parts_track_the_session():
    env = BeautyShopEnv(ShopConfig(long_term_strength=0.0, leave_prob=0.0))
    obs, info = env.reset(seed=3)
    assert obs[OBS_LAYOUT["declared_skin"]].sum() == 1.0
    assert obs[OBS_LAYOUT["age_bracket"]].sum() == 1.0
    assert info["action_mask"].sum() == 50
    category = env.catalog.category[7]
    obs, _, _, _, info = env.step(7)
    shown = obs[OBS_LAYOUT["shown_by_category"]]
    assert shown[category] == pytest.approx(0.2) and shown.sum() == pytest.approx(0.2)
    assert obs[OBS_LAYOUT["progress"]][0] == pytest.approx(1 / 20)
    assert info["action_mask"][7] == 0 and info["action_mask"].sum() == 49
    clicked = obs[OBS_LAYOUT["clicks_by_category"]][category] > 0
    assert clicked == info["click"]
    assert obs[OBS_LAYOUT["last_response"]][0] == info["click"]


def test_reshown_product_is_never_clicked():
    env = BeautyShopEnv(ShopConfig(long_term_strength=0.0, leave_prob=0.0))
    for seed in range(30):
        env.reset(seed=seed)
        env.step(0)
        _, reward, *_, info = env.step(0)
        assert not info["click"] and reward == 0.0


def test_zero_strength_turns_off_long_term_effects():
    vec = VectorShop(ShopConfig(long_term_strength=0.0, leave_prob=0.0), num_envs=200)
    vec.reset(seed=0)
    rng = np.random.default_rng(1)
    for _ in range(19):
        _, _, terminated, truncated, _ = vec.step(rng.integers(0, 50, 200))
        assert not terminated.any() and not truncated.any()
    assert np.all(vec.core.trust == 1.0)
    assert np.all(vec.core.fatigue == 0.0) and np.all(vec.core.routine == 0.0)
    np.testing.assert_array_equal(vec.core.remaining_budget, vec.core.profile.budget)


def test_observations_stay_inside_the_space_for_long_random_runs():
    vec = VectorShop(ShopConfig(long_term_strength=3.0), num_envs=256)
    obs, _ = vec.reset(seed=9)
    space = vec.single_observation_space
    rng = np.random.default_rng(2)
    for _ in range(60):
        obs, *_ = vec.step(rng.integers(0, 50, 256))
        assert np.all(obs >= space.low) and np.all(obs <= space.high)


def test_eval_cohort_mode_freezes_finished_sessions():
    from beautyrl_lib.sim.rng import cohort_keys

    vec = VectorShop(ShopConfig(horizon=3), num_envs=50, autoreset=False)
    vec.start_cohort(cohort_keys(0, 50))
    for _ in range(3):
        out = vec.step_outcome(np.zeros(50, dtype=np.int64) + _)
    assert vec.done.all()
    assert out.truncated.sum() + out.terminated.sum() <= 50
