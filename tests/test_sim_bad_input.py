"""Bad input to the shop raises a specific exception naming the parameter,
the value received and what is allowed."""

import math

import numpy as np
import pytest

from beautyrl_lib.agents.oracles import OracleLookahead, OracleMyopic
from beautyrl_lib.errors import (
    ActionError,
    ConfigError,
    SessionEndedError,
)
from beautyrl_lib.sim import BeautyShopEnv, ShopConfig, VectorShop

CONFIG_CASES = [
    ({"n_products": 0}, r"n_products must be an integer from 1 to 100000; got 0"),
    ({"n_products": 2.5}, r"n_products must be an integer from 1 to 100000; got 2.5"),
    ({"n_products": True}, r"n_products must be an integer .*; got True"),
    (
        {"long_term_strength": -0.5},
        r"long_term_strength must be a finite number from 0.0 to 5.0; got -0.5",
    ),
    ({"long_term_strength": math.nan}, r"long_term_strength must be .*; got nan"),
    ({"horizon": 0}, r"horizon must be an integer from 1 to 1000; got 0"),
    (
        {"reward_mode": "clicks"},
        r"reward_mode must be one of \('funnel', 'revenue', 'suitability'\); "
        r"got 'clicks'",
    ),
    ({"reward_weights": (1, 2)}, r"reward_weights must be a RewardWeights, .*"),
    (
        {"reward_weights": {"click": 1, "views": 2}},
        r"reward_weights must be a mapping with keys among .*'views'",
    ),
    (
        {"reward_weights": (-1, 0, 1)},
        r"reward_weights.click must be a finite number >= 0; got -1",
    ),
    ({"reward_weights": (0, 0, 0)}, r"reward_weights must be weights with at least"),
    (
        {"mean_budget": -5.0},
        r"mean_budget must be a finite number from 1.0 .*; got -5.0",
    ),
    (
        {"leave_prob": 0.9},
        r"leave_prob must be a finite number from 0.0 to 0.5; got 0.9",
    ),
    ({"catalog_seed": "a"}, r"catalog_seed must be an integer; got 'a'"),
]


@pytest.mark.parametrize("kwargs, message", CONFIG_CASES)
def test_bad_config_is_refused_with_a_precise_message(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        ShopConfig(**kwargs)


def test_unknown_config_key_is_refused():
    with pytest.raises(ConfigError, match=r"unknown keys \['products'\]"):
        ShopConfig.from_dict({"products": 10})


@pytest.mark.parametrize(
    "action, message",
    [
        (50, r"action must be an integer from 0 to 49; got 50"),
        (-1, r"action must be an integer from 0 to 49; got -1"),
        (1.5, r"action must be an integer product index; got 1.5"),
        (True, r"action must be an integer product index; got True"),
        (np.array([1, 2]), r"action must be a scalar integer .*shape \(2,\)"),
        ("3", r"action must be an integer product index; got '3'"),
    ],
)
def test_invalid_actions_in_single_env(action, message):
    env = BeautyShopEnv()
    env.reset(seed=0)
    with pytest.raises(ActionError, match=message):
        env.step(action)


def test_step_before_reset_and_after_the_end():
    env = BeautyShopEnv(ShopConfig(horizon=1))
    with pytest.raises(SessionEndedError, match=r"before reset\(\)"):
        env.step(0)
    env.reset(seed=0)
    env.step(0)
    with pytest.raises(SessionEndedError, match=r"after the session ended"):
        env.step(1)


@pytest.mark.parametrize(
    "actions, message",
    [
        (np.zeros(3, dtype=np.int64), r"actions must be shape \(4,\); got .*\(3,\)"),
        (np.zeros(4), r"actions must be integers; got 'array of dtype float64'"),
        (
            np.array([0, 1, 2, 99]),
            r"actions must be product indices from 0 to 49; got 99",
        ),
        (np.zeros((4, 1), dtype=np.int64), r"actions must be shape \(4,\)"),
    ],
)
def test_invalid_actions_in_vector_shop(actions, message):
    vec = VectorShop(num_envs=4)
    vec.reset(seed=0)
    with pytest.raises(ActionError, match=message):
        vec.step(actions)


def test_vector_shop_bad_arguments():
    with pytest.raises(
        ConfigError, match=r"num_envs must be an integer from 1 .*got 0"
    ):
        VectorShop(num_envs=0)
    vec = VectorShop(num_envs=2, autoreset=False)
    with pytest.raises(SessionEndedError, match=r"before reset"):
        vec.step(np.zeros(2, dtype=np.int64))
    with pytest.raises(ConfigError, match=r"keys must be shape \(2,\)"):
        vec.start_cohort(np.zeros(3, dtype=np.uint64))
    with pytest.raises(
        ConfigError, match=r"seed must be None or an integer >= 0; got -1"
    ):
        vec.reset(seed=-1)


def test_cohort_mode_refuses_steps_after_everyone_left():
    vec = VectorShop(ShopConfig(horizon=1), num_envs=3, autoreset=False)
    vec.start_cohort(np.arange(3, dtype=np.uint64))
    vec.step(np.zeros(3, dtype=np.int64))
    with pytest.raises(SessionEndedError, match=r"every session of the cohort ended"):
        vec.step(np.zeros(3, dtype=np.int64))


def test_oracles_refuse_to_act_without_the_shop_and_bad_settings():
    obs = np.zeros((2, 63), dtype=np.float32)
    mask = np.ones((2, 50), dtype=bool)
    with pytest.raises(ConfigError, match=r"shop must be the VectorShop being stepped"):
        OracleMyopic().act(obs, mask, None)
    with pytest.raises(ConfigError, match=r"n_rollouts must be an integer from 1"):
        OracleLookahead(n_rollouts=0)
    with pytest.raises(ConfigError, match=r"n_myopic \+ n_suited must be at least 1"):
        OracleLookahead(n_myopic=0, n_suited=0)
