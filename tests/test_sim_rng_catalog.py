"""Counter-based random numbers, catalog and shopper generation."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from beautyrl_lib.sim import rng
from beautyrl_lib.sim.catalog import CATEGORY_NAMES, TIER_EDGES, make_catalog
from beautyrl_lib.sim.config import ShopConfig
from beautyrl_lib.sim.shoppers import sample_profiles


def test_mix64_matches_a_pure_python_splitmix64_finaliser():
    def reference(x):
        mask = (1 << 64) - 1
        z = (x + 0x9E3779B97F4A7C15) & mask
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    values = [0, 1, 2**63, 2**64 - 1, 123456789]
    got = rng.mix64(np.array(values, dtype=np.uint64))
    assert [int(v) for v in got] == [reference(v) for v in values]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 2**63), min_size=1, max_size=50), st.integers(0, 500))
def test_uniform_is_in_unit_interval_and_per_key(seeds, step):
    keys = rng.seed_keys(seeds)
    u = rng.uniform(keys, step, rng.STREAM_CLICK)
    assert np.all((u >= 0) & (u < 1))
    # A key's draw does not depend on the other keys in the batch.
    alone = np.array(
        [rng.uniform(keys[i : i + 1], step, 1)[0] for i in range(len(keys))]
    )
    np.testing.assert_array_equal(u, alone)
    # Scalar and per-row step give the same draws.
    per_row = rng.uniform(keys, np.full(len(keys), step), rng.STREAM_CLICK)
    np.testing.assert_array_equal(u, per_row)


def test_uniform_draws_look_uniform_and_streams_are_independent():
    keys = rng.cohort_keys(1, 200_000)
    a = rng.uniform(keys, 0, 1)
    b = rng.uniform(keys, 0, 2)
    assert abs(a.mean() - 0.5) < 0.005 and abs(a.var() - 1 / 12) < 0.002
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.01
    counts = np.histogram(a, bins=10, range=(0, 1))[0]
    assert counts.min() > 19_000 and counts.max() < 21_000


def test_training_and_evaluation_keys_do_not_meet():
    train = rng.seed_keys(np.arange(100_000))
    evaluation = rng.cohort_keys(0, 100_000)
    assert len(np.intersect1d(train, evaluation)) == 0


def test_catalog_is_seeded_and_realistic():
    a, b = make_catalog(500, 3), make_catalog(500, 3)
    np.testing.assert_array_equal(a.price, b.price)
    assert a.names == b.names
    assert not np.array_equal(a.price, make_catalog(500, 4).price)
    assert 25 <= np.median(a.price) <= 45  # DESIGN: median about $35
    skincare = a.category < CATEGORY_NAMES.index("foundation")
    assert np.median(a.price[skincare]) > np.median(a.price[~skincare])
    assert np.all(a.tier == np.searchsorted(TIER_EDGES, a.price, side="right"))
    assert set(np.unique(a.tier)) == {0, 1, 2, 3}
    assert np.all((a.suitability >= 0) & (a.suitability <= 1))
    assert np.all((a.rating >= 1) & (a.rating <= 5))
    assert set(np.unique(make_catalog(13, 0).category)) == set(range(13))
    default = make_catalog(50, 0)  # the default shop: small, so check it too
    assert 25 <= np.median(default.price) <= 45
    skincare = default.category < CATEGORY_NAMES.index("foundation")
    assert np.median(default.price[skincare]) > np.median(default.price[~skincare])
    # Hyped products are a poor fit for more skin types.
    poor = (a.suitability < 0.35).sum(axis=1)
    hyped = a.hype > np.quantile(a.hype, 0.8)
    assert poor[hyped].mean() > poor[~hyped].mean()


def test_profiles_depend_only_on_their_own_key():
    config = ShopConfig()
    keys = rng.cohort_keys(5, 300)
    batch = sample_profiles(keys, config)
    single = sample_profiles(keys[17:18], config)
    assert batch.skin_type[17] == single.skin_type[0]
    np.testing.assert_array_equal(
        batch.category_interest[17], single.category_interest[0]
    )
    assert batch.budget[17] == single.budget[0]
    declared = batch.declared_skin < 5
    assert np.all(batch.declared_skin[declared] == batch.skin_type[declared])
    assert 0.5 < declared.mean() < 0.7  # declared_skin_prob = 0.6
