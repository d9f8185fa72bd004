"""Reading observations back into words, and the running normaliser."""

import io

import numpy as np
import pytest
import torch

from beautyrl_lib.errors import CheckpointError, ConfigError, ObservationError
from beautyrl_lib.sim import (
    CATEGORY_NAMES,
    OBS_DIM,
    OBS_LAYOUT,
    BeautyShopEnv,
    ShopConfig,
    VectorShop,
)
from beautyrl_lib.sim.encoding import (
    RunningNormalizer,
    describe_observation,
    describe_profile,
    read_observation,
)

# ---------------------------------------------------------------------------
# Reading an observation.


def hand_built_observation() -> np.ndarray:
    """An observation written entry by entry, with known readings."""
    obs = np.zeros(OBS_DIM, dtype=np.float32)
    obs[OBS_LAYOUT["declared_skin"].start + 1] = 1.0  # oily
    obs[OBS_LAYOUT["age_bracket"].start + 3] = 1.0  # 45+
    obs[OBS_LAYOUT["loyalty"].start + 2] = 1.0  # vip
    obs[OBS_LAYOUT["progress"]] = 0.25
    obs[OBS_LAYOUT["spend"]] = 0.3899  # $38.99
    obs[OBS_LAYOUT["last_response"]] = (1.0, 1.0, 0.0)
    obs[OBS_LAYOUT["ignored_streak"]] = 0.0
    shown = OBS_LAYOUT["shown_by_category"].start
    obs[shown + 2] = 2 / 5  # serum twice
    obs[shown + 9] = 1 / 5  # lipstick once
    obs[OBS_LAYOUT["clicks_by_category"].start + 2] = 1 / 5
    obs[OBS_LAYOUT["skin_evidence"]] = (-0.2, 0.35, 0.1, 0.0, -0.4)
    return obs


def test_read_observation_matches_hand_built_values():
    reading = read_observation(hand_built_observation())
    assert list(reading) == list(OBS_LAYOUT)
    assert reading["declared_skin"] == "oily"
    assert reading["age_bracket"] == "45+"
    assert reading["loyalty"] == "vip"
    assert reading["progress"] == "25% of the step limit"
    assert reading["spend"] == "$38.99"
    assert reading["last_response"] == "added to cart, not bought"
    assert reading["ignored_streak"] == "0 ignored in a row"
    assert reading["shown_by_category"] == "serum 2, lipstick 1"
    assert reading["clicks_by_category"] == "serum 1"
    assert reading["bought_by_category"] == "none"
    assert reading["skin_evidence"] == "points most to oily (+0.35)"


def test_first_observation_of_a_session_reads_as_a_fresh_start():
    env = BeautyShopEnv()
    obs, _ = env.reset(seed=3)
    reading = read_observation(obs)
    profile = env.hidden_profile()
    assert reading["last_response"] == "no recommendation yet"
    assert reading["shown_by_category"] == "none"
    assert reading["skin_evidence"] == "none yet"
    assert reading["spend"] == "$0.00"
    # The declared skin is the hidden one, or not declared at all.
    skin = ("dry", "oily", "combination", "normal", "sensitive")[profile["skin_type"]]
    assert reading["declared_skin"] in (skin, "not declared")


def test_readings_follow_a_session_step_by_step():
    env = BeautyShopEnv()
    obs, _ = env.reset(seed=1)
    clicks = 0
    for product in (0, 1, 2):
        obs, _, terminated, truncated, info = env.step(product)
        clicks += info["click"]
        assert not (terminated or truncated)
    reading = read_observation(obs)
    assert reading["progress"] == "15% of the step limit"
    counts = np.bincount(env.catalog.category[[0, 1, 2]], minlength=13)
    expected = ", ".join(
        f"{CATEGORY_NAMES[c]} {counts[c]}" for c in np.flatnonzero(counts)
    )
    assert reading["shown_by_category"] == expected
    assert (reading["clicks_by_category"] == "none") == (clicks == 0)


def test_describe_observation_has_one_line_per_part_with_its_entries():
    text = describe_observation(hand_built_observation())
    lines = text.splitlines()
    assert len(lines) == 2 + len(OBS_LAYOUT)
    assert lines[2].split()[:2] == ["declared_skin", "0-5"]
    assert lines[5].split()[:3] == ["progress", "13", "0.25"]
    assert "serum 2, lipstick 1" in text
    # Long value lists are cut, never the reading.
    narrow = describe_observation(hand_built_observation(), value_width=12)
    assert "0 0 0.4 0..." in narrow and "serum 2, lipstick 1" in narrow


def test_describe_profile_names_the_hidden_quantities():
    env = BeautyShopEnv()
    env.reset(seed=1)
    profile = env.hidden_profile()
    text = describe_profile(profile)
    skin = ("dry", "oily", "combination", "normal", "sensitive")[profile["skin_type"]]
    assert f"skin_type          {skin}" in text
    assert f"${profile['budget']:.2f} at the start" in text
    assert f"{profile['patience']:.2f} (the shopper leaves at 0)" in text


@pytest.mark.parametrize(
    "obs, message",
    [
        (np.zeros(OBS_DIM + 1), r"obs must be one observation of shape \(63,\)"),
        (np.zeros((2, OBS_DIM)), r"obs must be one observation .*shape \(2, 63\)"),
        (np.zeros(OBS_DIM, dtype=bool), r"obs must be a float array; .*dtype bool"),
        (np.array(["a"] * OBS_DIM), r"obs must be a float array; .*dtype <U1"),
    ],
)
def test_reading_a_malformed_observation_is_refused(obs, message):
    with pytest.raises(ObservationError, match=message):
        read_observation(obs)


def test_describe_profile_refuses_something_else():
    with pytest.raises(ConfigError, match=r"profile must be the dict of .*hidden_prof"):
        describe_profile({"skin_type": 0})


def test_describe_observation_refuses_a_tiny_width():
    with pytest.raises(
        ConfigError, match=r"value_width must be an integer >= 10; got 3"
    ):
        describe_observation(hand_built_observation(), value_width=3)


# ---------------------------------------------------------------------------
# The running normaliser.


def random_batches(seed: int, sizes, dim: int = 7) -> list[np.ndarray]:
    """Batches with very different scales and offsets per entry."""
    rng = np.random.default_rng(seed)
    scales = 10.0 ** rng.uniform(-3, 2, size=dim)
    offsets = rng.normal(size=dim) * 50.0
    return [offsets + scales * rng.normal(size=(n, dim)) for n in sizes]


@pytest.mark.parametrize("sizes", [(1,), (5, 1, 1, 7), (100, 3, 250), (2,) * 30])
def test_running_statistics_equal_numpy_on_the_stacked_batches(sizes):
    batches = random_batches(len(sizes), sizes)
    normalizer = RunningNormalizer(obs_dim=7)
    for batch in batches:
        normalizer.update(batch)
    stacked = np.concatenate(batches)
    assert normalizer.count == len(stacked)
    np.testing.assert_allclose(normalizer.mean, stacked.mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(
        normalizer.var, stacked.var(axis=0), rtol=1e-8, atol=1e-12
    )


def test_batch_order_does_not_change_the_statistics():
    batches = random_batches(4, (3, 40, 1, 9))
    forward, backward = RunningNormalizer(7), RunningNormalizer(7)
    for batch in batches:
        forward.update(batch)
    for batch in reversed(batches):
        backward.update(batch)
    np.testing.assert_allclose(forward.mean, backward.mean, rtol=1e-12)
    np.testing.assert_allclose(forward.var, backward.var, rtol=1e-9)


def test_normalised_batch_has_mean_zero_and_unit_variance():
    batches = random_batches(5, (64, 64, 64))
    normalizer = RunningNormalizer(7, eps=1e-12)
    for batch in batches:
        normalizer.update(batch)
    z = normalizer.normalize(np.concatenate(batches))
    assert z.dtype == np.float32
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-4)


def test_normalize_is_the_formula_and_nothing_is_clipped():
    normalizer = RunningNormalizer(3, eps=0.5)
    normalizer.update(np.array([[0.0, 1.0, 0.0], [2.0, 1.0, 0.0]]))
    # mean (1, 1, 0), var (1, 0, 0): the second and third entries never varied.
    obs = np.array([3.0, 1.0, 100.0])
    expected = (obs - np.array([1.0, 1.0, 0.0])) / np.sqrt(np.array([1.5, 0.5, 0.5]))
    np.testing.assert_allclose(normalizer.normalize(obs), expected, rtol=1e-6)
    assert normalizer.normalize(obs)[2] > 140.0  # far outside any clip range


def test_before_any_update_normalize_changes_nothing():
    normalizer = RunningNormalizer(4, eps=1e-8)
    obs = np.array([[0.5, -2.0, 3.0, 0.0]])
    np.testing.assert_allclose(normalizer.normalize(obs), obs, rtol=1e-7)
    assert normalizer.count == 0


def test_normalize_keeps_torch_tensors_as_tensors():
    batches = random_batches(6, (20, 30))
    normalizer = RunningNormalizer(7)
    for batch in batches:
        normalizer.update(torch.as_tensor(batch))
    obs = batches[0][:4].astype(np.float32)
    out = normalizer.normalize(torch.from_numpy(obs))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    np.testing.assert_allclose(out.numpy(), normalizer.normalize(obs), rtol=1e-6)


def test_statistics_of_the_vector_shop_match_numpy():
    shop = VectorShop(ShopConfig(), num_envs=32)
    obs, _ = shop.reset(seed=0)
    normalizer, seen = RunningNormalizer(), []
    rng = np.random.default_rng(0)
    for _ in range(10):
        normalizer.update(obs)
        seen.append(obs.astype(np.float64))
        scores = rng.random((32, shop.catalog.n_products))
        actions = np.where(shop.action_mask(), scores, -1.0).argmax(axis=1)
        obs, *_ = shop.step_arrays(actions)
    stacked = np.concatenate(seen)
    np.testing.assert_allclose(normalizer.mean, stacked.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(normalizer.var, stacked.var(axis=0), atol=1e-12)


def test_state_dict_round_trip_through_torch_save_weights_only():
    normalizer = RunningNormalizer(7, eps=1e-6)
    for batch in random_batches(7, (10, 5)):
        normalizer.update(batch)
    buffer = io.BytesIO()
    torch.save(normalizer.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    restored = RunningNormalizer(7)
    restored.load_state_dict(state)
    assert restored.count == 15 and restored.eps == 1e-6
    np.testing.assert_array_equal(restored.mean, normalizer.mean)
    np.testing.assert_array_equal(restored.var, normalizer.var)
    # The restored copy goes on updating exactly like the original.
    extra = random_batches(8, (6,))[0]
    normalizer.update(extra)
    restored.update(extra)
    np.testing.assert_array_equal(restored.var, normalizer.var)


def test_loading_a_state_of_another_size_is_refused():
    state = RunningNormalizer(5).state_dict()
    with pytest.raises(CheckpointError, match=r"state\['mean'\] must be shape \(7,\)"):
        RunningNormalizer(7).load_state_dict(state)
    with pytest.raises(CheckpointError, match=r"state must be a RunningNormalizer"):
        RunningNormalizer(7).load_state_dict({"mean": 1})


@pytest.mark.parametrize(
    "batch, message",
    [
        (np.zeros((4, 6)), r"batch must be shape \(N, 7\) with N >= 1; got .*\(4, 6\)"),
        (np.zeros(7), r"batch must be shape \(N, 7\) .*got 'array of shape \(7,\)'"),
        (np.zeros((0, 7)), r"batch must be shape \(N, 7\) .*shape \(0, 7\)"),
        (np.ones((2, 7), dtype=bool), r"batch must be a float array .*dtype bool"),
        (
            np.full((2, 7), np.nan),
            r"batch must be finite values; got 'an array with nan",
        ),
    ],
)
def test_bad_batches_are_refused(batch, message):
    with pytest.raises(ObservationError, match=message):
        RunningNormalizer(7).update(batch)


@pytest.mark.parametrize(
    "obs, message",
    [
        (np.zeros(6), r"obs must be shape \(7,\) or \(N, 7\); got .*shape \(6,\)"),
        (np.zeros((2, 3, 7)), r"obs must be shape .*got .*shape \(2, 3, 7\)"),
        (
            np.zeros(7, dtype=bool),
            r"obs must be a float array; got 'array of dtype bool'",
        ),
    ],
)
def test_bad_observations_to_normalize_are_refused(obs, message):
    with pytest.raises(ObservationError, match=message):
        RunningNormalizer(7).normalize(obs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"obs_dim": 0}, r"obs_dim must be an integer >= 1; got 0"),
        ({"obs_dim": 2.0}, r"obs_dim must be an integer >= 1; got 2.0"),
        ({"eps": 0.0}, r"eps must be a finite number > 0; got 0.0"),
        ({"eps": float("inf")}, r"eps must be a finite number > 0; got inf"),
    ],
)
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        RunningNormalizer(**kwargs)
