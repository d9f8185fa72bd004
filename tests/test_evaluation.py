"""Evaluation protocol: cohorts, metrics, bootstrap intervals and comparisons."""

from __future__ import annotations

import json
import math
import types

import matplotlib
import numpy as np
import pytest
from matplotlib.container import BarContainer

from beautyrl_lib.agents.baselines import GreedyPolicy, PopularityPolicy, RandomPolicy
from beautyrl_lib.agents.oracles import OracleMyopic
from beautyrl_lib.errors import ConfigError, UnknownPolicyError
from beautyrl_lib.evaluation import (
    METRIC_KEYS,
    Comparison,
    EvalResult,
    bootstrap_ci,
    compare,
    evaluate,
    make_cohort,
    paired_difference,
)
from beautyrl_lib.sim import ShopConfig, rng
from beautyrl_lib.sim.core import ShopCore

matplotlib.use("Agg")

SMALL = ShopConfig(n_products=12, catalog_seed=2, horizon=10)


def _reference_evaluate(policy, config, keys):
    """Slow reference: each shopper alone in a one-slot ShopCore, step by step."""
    totals = {k: [] for k in ("ret", "rec", "click", "cart", "buy", "fit", "rev")}
    recommended = set()
    for key in keys:
        core = ShopCore(config, 1)
        core.start(np.array([0]), np.array([key], dtype=np.uint64))
        shop = types.SimpleNamespace(core=core)  # what oracles read
        session = dict.fromkeys(totals, 0.0)
        while not core.done[0]:
            action = policy.act(core.obs.copy(), ~core.shown, shop)
            out = core.step(np.asarray(action, dtype=np.int64), np.array([0]))
            recommended.add(int(action[0]))
            session["ret"] += out.reward[0]
            session["rec"] += 1
            session["click"] += out.click[0]
            session["cart"] += out.cart[0]
            session["buy"] += out.purchase[0]
            session["fit"] += out.purchase[0] and out.suits[0]
            session["rev"] += out.price[0] * out.purchase[0]
        for k in totals:
            totals[k].append(session[k])
    coverage = len(recommended) / config.n_products
    return {k: np.array(v) for k, v in totals.items()}, coverage


@pytest.mark.parametrize(
    "policy",
    [
        PopularityPolicy().fit(SMALL, 0),
        GreedyPolicy(n_samples=2000, num_envs=100).fit(SMALL, 1),
        OracleMyopic(),
    ],
    ids=["popularity", "greedy", "oracle-myopic"],
)
def test_evaluate_equals_one_shopper_at_a_time_reference(policy):
    result = evaluate(policy, SMALL, n_sessions=25, seed=4)
    reference, coverage = _reference_evaluate(policy, SMALL, make_cohort(4, 25))
    np.testing.assert_allclose(result.returns, reference["ret"], atol=1e-12)
    np.testing.assert_allclose(result.revenue, reference["rev"], atol=1e-9)
    for name, key in (
        ("recommendations", "rec"),
        ("clicks", "click"),
        ("carts", "cart"),
        ("purchases", "buy"),
        ("suited_purchases", "fit"),
    ):
        np.testing.assert_array_equal(getattr(result, name), reference[key])
    assert result.coverage == coverage
    assert result.policy == policy.name and result.seed == 4


def test_evaluate_same_seed_same_result_other_seed_differs():
    policy = PopularityPolicy().fit(SMALL, 0)
    a = evaluate(policy, SMALL, n_sessions=100, seed=1)
    b = evaluate(policy, SMALL, n_sessions=100, seed=1)
    c = evaluate(policy, SMALL, n_sessions=100, seed=2)
    np.testing.assert_array_equal(a.returns, b.returns)
    assert not np.array_equal(a.returns, c.returns)


def test_make_cohort_wraps_cohort_keys():
    np.testing.assert_array_equal(make_cohort(3, 40), rng.cohort_keys(3, 40))
    assert make_cohort(3, 40).dtype == np.uint64


@pytest.mark.parametrize(
    ("seed", "n_sessions", "message"),
    [
        (0, 5, r"n_sessions must be an integer from 10 to 1000000; got 5"),
        (0, 2_000_000, r"n_sessions must be .*; got 2000000"),
        (0, 100.0, r"n_sessions must be .*; got 100\.0"),
        (0, True, r"n_sessions must be .*; got True"),
        (-1, 100, r"seed must be an integer >= 0; got -1"),
        (1.5, 100, r"seed must be an integer >= 0; got 1\.5"),
        ("7", 100, r"seed must be an integer >= 0; got '7'"),
    ],
)
def test_make_cohort_bad_input(seed, n_sessions, message):
    with pytest.raises(ConfigError, match=message):
        make_cohort(seed, n_sessions)


def test_evaluate_bad_input():
    with pytest.raises(UnknownPolicyError, match="policy must be a Policy"):
        evaluate("popularity", SMALL, n_sessions=10)
    with pytest.raises(ConfigError, match="config must be a ShopConfig"):
        evaluate(RandomPolicy(0), {"n_products": 12}, n_sessions=10)
    with pytest.raises(ConfigError, match="seed must be an integer >= 0; got 0.5"):
        evaluate(RandomPolicy(0), SMALL, n_sessions=10, seed=0.5)


# ---------------------------------------------------------------- metrics
def _hand_result(**changes) -> EvalResult:
    fields = {
        "policy": "hand",
        "returns": np.array([0.0, 14.0, 1.0, 4.0]),
        "recommendations": np.array([2, 5, 3, 10]),
        "clicks": np.array([0, 2, 1, 1]),
        "carts": np.array([0, 1, 0, 1]),
        "purchases": np.array([0, 1, 0, 0]),
        "suited_purchases": np.array([0, 0, 0, 0]),
        "revenue": np.array([0.0, 40.0, 0.0, 0.0]),
        "coverage": 0.25,
    }
    fields.update(changes)
    return EvalResult(**fields)


def test_metrics_equal_hand_computed_values():
    metrics = _hand_result().metrics()
    assert tuple(metrics) == METRIC_KEYS
    assert metrics["mean_return"] == pytest.approx(19.0 / 4)
    assert metrics["click_rate"] == pytest.approx(4 / 20)
    assert metrics["add_to_cart_rate"] == pytest.approx(2 / 4)
    assert metrics["purchase_given_cart"] == pytest.approx(1 / 2)
    assert metrics["conversion"] == pytest.approx(1 / 4)
    assert metrics["revenue_per_session"] == pytest.approx(10.0)
    assert metrics["mean_session_length"] == pytest.approx(5.0)
    assert metrics["suited_purchase_share"] == 0.0
    assert metrics["coverage"] == 0.25
    assert (
        metrics["return_ci_low"] <= metrics["mean_return"] <= metrics["return_ci_high"]
    )


def test_undefined_rates_are_nan_and_null_in_json():
    zeros = np.zeros(4, dtype=np.int64)
    result = _hand_result(clicks=zeros, carts=zeros, purchases=zeros)
    metrics = result.metrics()
    for key in ("add_to_cart_rate", "purchase_given_cart", "suited_purchase_share"):
        assert math.isnan(metrics[key])
    comparison = Comparison({"random": result}, SMALL, seed=0, n_sessions=4)
    data = json.loads(comparison.to_json())
    assert data["policies"]["random"]["add_to_cart_rate"] is None
    assert "n/a" in comparison.table()


def test_eval_result_arrays_must_have_one_entry_per_session():
    with pytest.raises(ConfigError, match="clicks must be length 4"):
        _hand_result(clicks=np.array([1, 2]))


# -------------------------------------------------------------- bootstrap
def test_bootstrap_matches_hand_resampling():
    values = np.array([1.0, 5.0, 2.0, 8.0, 3.0])
    idx = np.random.default_rng(3).integers(0, 5, size=(200, 5))
    means = values[idx].mean(axis=1)
    expected = np.quantile(means, [0.05, 0.95])
    assert bootstrap_ci(values, n_boot=200, level=0.9, seed=3) == pytest.approx(
        tuple(expected)
    )


def test_bootstrap_contains_the_mean_and_shrinks_with_n():
    gen = np.random.default_rng(0)
    widths = []
    for n in (100, 2500):
        values = gen.exponential(3.0, size=n)
        low, high = bootstrap_ci(values, seed=1)
        assert low < values.mean() < high
        widths.append(high - low)
    # The width scales as 1 / sqrt(n): 25 times more data, about 5 times narrower.
    assert widths[1] < widths[0] / 3
    assert bootstrap_ci(values, seed=1) == bootstrap_ci(values, seed=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"values": [1.0]}, r"values must be a 1-D array of at least 2 finite numbers"),
        ({"values": [1.0, np.nan]}, r"values must be a 1-D array"),
        ({"values": [1.0, 2.0], "level": 1.5}, r"level must be .*; got 1\.5"),
        ({"values": [1.0, 2.0], "n_boot": 10}, r"n_boot must be an integer from 100"),
        ({"values": [1.0, 2.0], "seed": -3}, r"seed must be an integer >= 0; got -3"),
    ],
)
def test_bootstrap_bad_input(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        bootstrap_ci(**kwargs)


def test_paired_difference():
    a = _hand_result()
    assert paired_difference(a, a) == (0.0, 0.0, 0.0)
    b = _hand_result(returns=np.array([1.0, 10.0, 1.0, 2.0]))
    mean, low, high = paired_difference(a, b)
    assert mean == pytest.approx(a.returns.mean() - b.returns.mean())
    assert low <= mean <= high
    with pytest.raises(ConfigError, match="b must be a result on the same cohort"):
        paired_difference(a, _hand_result(**{k: np.zeros(3) for k in _ARRAYS}))
    with pytest.raises(ConfigError, match=r"same cohort as a \(seed 1\)"):
        paired_difference(_hand_result(seed=1), _hand_result(seed=2))


_ARRAYS = ("returns", "recommendations", "clicks", "carts", "purchases")


# -------------------------------------------------------------- comparison
def test_compare_is_paired_and_reports_every_policy():
    policies = {
        "popularity": PopularityPolicy().fit(SMALL, 0),
        "oracle": OracleMyopic(),
    }
    comparison = compare(policies, SMALL, n_sessions=60, seed=5)
    for name, policy in policies.items():
        alone = evaluate(policy, SMALL, n_sessions=60, seed=5)
        np.testing.assert_array_equal(comparison.results[name].returns, alone.returns)
    assert comparison.oracles == ("oracle",)

    data = json.loads(comparison.to_json())
    assert data["cohort_seed"] == 5 and data["n_sessions"] == 60
    assert data["config"] == SMALL.to_dict()
    expected = comparison.results["popularity"].metrics(ci_seed=5)
    assert data["policies"]["popularity"] == pytest.approx(expected)

    lines = comparison.table().splitlines()
    assert lines[0].split()[:2] == ["policy", "return"]
    assert lines[2].split()[0] == "popularity"
    assert lines[2].split()[1] == f"{expected['mean_return']:.2f}"
    assert lines[3].startswith("oracle*")

    mean, _, _ = comparison.paired("oracle", "popularity")
    oracle_mean = data["policies"]["oracle"]["mean_return"]
    assert mean == pytest.approx(oracle_mean - expected["mean_return"])


def test_compare_plot_has_bars_intervals_and_labels():
    comparison = compare({"popularity": PopularityPolicy().fit(SMALL, 0)}, SMALL, 30)
    ax = comparison.plot()
    assert ax.get_ylabel() == "mean session return (points)"
    assert ax.get_title()
    metrics = comparison.metrics()["popularity"]
    assert ax.patches[0].get_height() == pytest.approx(metrics["mean_return"])
    bars = next(c for c in ax.containers if isinstance(c, BarContainer))
    bar_line = bars.errorbar.lines[2][0].get_segments()[0]
    assert bar_line[:, 1] == pytest.approx(
        [metrics["return_ci_low"], metrics["return_ci_high"]]
    )


def test_compare_bad_input():
    with pytest.raises(ConfigError, match="policies must be a non-empty dict"):
        compare({}, SMALL)
    with pytest.raises(UnknownPolicyError, match="policy must be a Policy"):
        compare({"x": object()}, SMALL, n_sessions=10)
    with pytest.raises(ConfigError, match="n_sessions must be an integer from 10"):
        compare({"r": RandomPolicy(0)}, SMALL, n_sessions=9)
    comparison = compare({"r": RandomPolicy(0)}, SMALL, n_sessions=10)
    with pytest.raises(UnknownPolicyError, match=r"b must be one of \['r'\]; got 'z'"):
        comparison.paired("r", "z")
