"""The course's figures draw exactly the numbers they are given, titled and labelled."""

from __future__ import annotations

import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure

from beautyrl_lib import plots
from beautyrl_lib.errors import ConfigError
from beautyrl_lib.evaluation import Comparison, EvalResult
from beautyrl_lib.sim import ShopConfig, make_catalog
from beautyrl_lib.sim.catalog import CATEGORY_NAMES, TIER_EDGES

matplotlib.use("Agg")

CATALOG = make_catalog(40, seed=3)
METRICS = {
    "random": {
        "click_rate": 0.05,
        "add_to_cart_rate": 0.2,
        "purchase_given_cart": 0.25,
        "mean_return": 1.0,
        "return_ci_low": 0.8,
        "return_ci_high": 1.3,
    },
    "greedy": {
        "click_rate": 0.12,
        "add_to_cart_rate": math.nan,  # undefined: drawn as n/a
        "purchase_given_cart": 0.3,
        "mean_return": 2.5,
        "return_ci_low": 2.0,
        "return_ci_high": 3.1,
    },
}
TRACE = [
    {"category": "serum", "click": False, "cart": False, "purchase": False},
    {"category": "toner", "click": True, "cart": False, "purchase": False},
    {"category": 0, "click": True, "cart": True, "purchase": False},
    {"category": "blush", "click": True, "cart": True, "purchase": True},
]
REWARDS = (0.0, 1.0, 4.0, 14.0)
PATIENCE = (2.6, 3.6, 4.6, 5.6)
TRUST = (1.0, 1.25, 1.5, 1.8)


def _trace(hidden: bool = True, rewards: bool = True) -> list[dict]:
    trace = []
    for step, reward, patience, trust in zip(
        TRACE, REWARDS, PATIENCE, TRUST, strict=True
    ):
        step = dict(step)
        if rewards:
            step["reward"] = reward
        if hidden:
            step.update(patience=patience, trust=trust)
        trace.append(step)
    return trace


def _result(name: str, returns, clicks) -> EvalResult:
    n = len(returns)
    return EvalResult(
        policy=name,
        returns=np.asarray(returns, dtype=float),
        recommendations=np.full(n, 5),
        clicks=np.asarray(clicks),
        carts=np.zeros(n, dtype=np.int64),
        purchases=np.zeros(n, dtype=np.int64),
        suited_purchases=np.zeros(n, dtype=np.int64),
        revenue=np.zeros(n),
        coverage=0.5,
        seed=3,
    )


def _comparison(reward_mode: str = "funnel") -> Comparison:
    results = {
        "popularity": _result("popularity", [0.0, 1.0, 4.0, 1.0, 0.0, 2.0], [0] * 6),
        "oracle": _result("oracle", [1.0, 14.0, 4.0, 1.0, 5.0, 2.0], [1] * 6),
    }
    config = ShopConfig(reward_mode=reward_mode)
    return Comparison(results, config, seed=3, n_sessions=6, oracles=("oracle",))


def _strength_metrics() -> tuple[list[float], dict[str, list[dict]]]:
    strengths = [0.0, 1.0, 2.0]
    means = {"myopic": [5.0, 4.0, 4.0], "lookahead": [5.0, 6.0, 8.0]}
    per_policy = {
        name: [
            {"mean_return": m, "return_ci_low": m - 0.5, "return_ci_high": m + 0.7}
            for m in values
        ]
        for name, values in means.items()
    }
    return strengths, per_policy


# Every public figure, built from the small inputs above.
FIGURES = {
    "catalog": lambda: plots.plot_catalog(CATALOG),
    "funnel": lambda: plots.plot_funnel(METRICS),
    "session": lambda: plots.plot_session(_trace()),
    "session_plain": lambda: plots.plot_session(_trace(hidden=False)),
    "comparison": lambda: plots.plot_comparison(_comparison()),
    "strength": lambda: plots.plot_return_vs_strength(
        *_strength_metrics(), ratio=("lookahead", "myopic")
    ),
}


# ------------------------------------------------------------------ common
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_figure_has_a_title_and_labelled_axes(name):
    fig = FIGURES[name]()
    assert isinstance(fig, Figure)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert axes[0].get_title()
    for ax in axes:
        assert ax.get_ylabel(), f"{name}: a y axis has no label"
    assert axes[-1].get_xlabel(), f"{name}: the x axis has no label"


def test_figures_never_touch_pyplot_or_the_global_style(monkeypatch):
    def no_show(*args, **kwargs):
        raise AssertionError("plt.show() must not be called by the library")

    monkeypatch.setattr(plt, "show", no_show)
    before_rc = dict(matplotlib.rcParams)
    before_figures = plt.get_fignums()
    for build in FIGURES.values():
        build()
    assert plt.get_fignums() == before_figures
    assert dict(matplotlib.rcParams) == before_rc


def test_style_applies_the_course_look_and_restores_the_old_one():
    before = matplotlib.rcParams["axes.spines.top"]
    with plots.style():
        for key in ("axes.spines.top", "axes.grid", "legend.frameon", "font.size"):
            assert matplotlib.rcParams[key] == plots.RC_PARAMS[key]
        colors = [c["color"] for c in matplotlib.rcParams["axes.prop_cycle"]]
        assert tuple(colors) == plots.PALETTE
    assert matplotlib.rcParams["axes.spines.top"] == before


def test_a_given_axes_is_drawn_on_and_its_figure_returned():
    fig, ax = plt.subplots()
    try:
        assert plots.plot_funnel(METRICS, ax=ax) is fig
        assert plots.plot_comparison(_comparison(), ax=ax) is fig
        assert len(fig.axes) == 1
    finally:
        plt.close(fig)
    with pytest.raises(ConfigError, match="ax must be a matplotlib Axes or None"):
        plots.plot_funnel(METRICS, ax="left")


# ----------------------------------------------------------------- catalog
def test_catalog_plots_every_price_at_its_category_with_tier_lines():
    ax = plots.plot_catalog(CATALOG).axes[0]
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in points) == CATALOG.n_products
    # One dot per product, in its category's column, at its price.
    for collection in points:
        category = CATEGORY_NAMES.index(collection.get_label())
        x, y = np.asarray(collection.get_offsets()).T
        expected = np.sort(CATALOG.price[CATALOG.category == category])
        np.testing.assert_allclose(np.sort(y), expected)
        assert np.all(np.abs(x - category) <= 0.25 + 1e-9)
    # One median bar per category present, at the median price.
    medians = [c for c in ax.collections if isinstance(c, LineCollection)]
    drawn = sorted(seg[0, 1] for c in medians for seg in c.get_segments())
    expected = [
        np.median(CATALOG.price[CATALOG.category == c])
        for c in np.unique(CATALOG.category)
    ]
    assert drawn == pytest.approx(sorted(expected))
    tier_lines = sorted(line.get_ydata()[0] for line in ax.get_lines())
    assert tier_lines == pytest.approx(TIER_EDGES)
    assert ax.get_yscale() == "log"
    assert "dollars" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == list(CATEGORY_NAMES)
    assert f"{CATALOG.n_products} products" in ax.get_title()


def test_catalog_rejects_what_is_not_a_catalog():
    with pytest.raises(ConfigError, match="catalog must be a Catalog"):
        plots.plot_catalog({"price": [1.0]})


# ------------------------------------------------------------------ funnel
def test_funnel_bars_are_the_rates_in_percent():
    ax = plots.plot_funnel(METRICS).axes[0]
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(bars) == len(plots.FUNNEL_STAGES)
    for container, (key, label, _) in zip(bars, plots.FUNNEL_STAGES, strict=True):
        heights = [patch.get_height() for patch in container]
        expected = [100.0 * METRICS[name][key] for name in METRICS]
        np.testing.assert_allclose(heights, expected)
        assert container.get_label() == label
    assert [t.get_text() for t in ax.texts] == ["n/a"]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(METRICS)
    assert "%" in ax.get_ylabel()


def test_funnel_accepts_a_comparison():
    comparison = _comparison()
    ax = plots.plot_funnel(comparison).axes[0]
    clicks = next(c for c in ax.containers if isinstance(c, BarContainer))
    assert [p.get_height() for p in clicks] == pytest.approx([0.0, 20.0])


def test_funnel_bad_input():
    with pytest.raises(ConfigError, match="metrics_by_policy must be a non-empty"):
        plots.plot_funnel({})
    with pytest.raises(ConfigError, match=r"metrics_by_policy\['x'\] must be a"):
        plots.plot_funnel({"x": 0.3})
    with pytest.raises(ConfigError, match="with 'click_rate'"):
        plots.plot_funnel({"x": {"mean_return": 1.0}})


# ----------------------------------------------------------------- session
def test_session_marks_each_step_at_its_category_by_response():
    fig = plots.plot_session(_trace())
    top, bottom = fig.axes
    points = {c.get_label(): c.get_offsets() for c in top.collections if c.get_label()}
    expected = {
        "ignored": [[1, CATEGORY_NAMES.index("serum")]],
        "clicked": [[2, CATEGORY_NAMES.index("toner")]],
        "added to cart": [[3, 0]],
        "bought": [[4, CATEGORY_NAMES.index("blush")]],
    }
    for label, xy in expected.items():
        np.testing.assert_array_equal(np.asarray(points[label]), xy)
    assert [t.get_text() for t in top.texts] == ["+1", "+4", "+14"]
    assert "return 19 points" in top.get_title()
    lines = {line.get_label(): line.get_ydata() for line in bottom.get_lines()}
    np.testing.assert_allclose(lines["patience"], PATIENCE)
    np.testing.assert_allclose(lines["trust"], TRUST)
    assert "step" in bottom.get_xlabel()


def test_session_without_hidden_state_has_one_panel_and_a_custom_title():
    fig = plots.plot_session(_trace(hidden=False, rewards=False), title="Shopper 3")
    assert len(fig.axes) == 1
    assert fig.axes[0].get_title() == "Shopper 3"
    assert len(fig.axes[0].texts) == 0


def test_session_bad_input():
    with pytest.raises(ConfigError, match="trace must be a non-empty list"):
        plots.plot_session([])
    with pytest.raises(ConfigError, match=r"trace\[0\] must be a dict"):
        plots.plot_session(["serum"])
    bad = [{"category": "perfume", "click": 0, "cart": 0, "purchase": 0}]
    with pytest.raises(ConfigError, match=r"trace\[0\]\['category'\] must be a"):
        plots.plot_session(bad)
    with pytest.raises(ConfigError, match="'click', 'cart' and 'purchase'"):
        plots.plot_session([{"category": "serum", "click": True}])


# -------------------------------------------------------------- comparison
def test_comparison_bars_are_mean_returns_with_their_intervals():
    comparison = _comparison()
    ax = plots.plot_comparison(comparison).axes[0]
    metrics = comparison.metrics()
    bars = next(c for c in ax.containers if isinstance(c, BarContainer))
    for patch, name in zip(bars, metrics, strict=True):
        assert patch.get_height() == pytest.approx(metrics[name]["mean_return"])
        assert (patch.get_hatch() == "//") == (name in comparison.oracles)
    # The error bar of each policy spans exactly its bootstrap interval.
    segments = bars.errorbar.lines[2][0].get_segments()
    for segment, name in zip(segments, metrics, strict=True):
        low, high = metrics[name]["return_ci_low"], metrics[name]["return_ci_high"]
        assert segment[:, 1] == pytest.approx([low, high])
    assert ax.get_ylabel() == "mean session return (points)"
    assert "6 shoppers" in ax.get_title()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["deployable", "oracle (reads hidden profile)"]


def test_comparison_in_revenue_mode_is_in_dollars():
    ax = plots.plot_comparison(_comparison("revenue")).axes[0]
    assert ax.get_ylabel() == "mean session return (dollars)"


def test_comparison_rejects_plain_metrics():
    with pytest.raises(ConfigError, match="comparison must be a Comparison"):
        plots.plot_comparison(METRICS)


# ----------------------------------------------------- return vs strength
def test_return_vs_strength_lines_intervals_and_ratios():
    strengths, per_policy = _strength_metrics()
    fig = plots.plot_return_vs_strength(
        strengths, per_policy, ratio=("lookahead", "myopic")
    )
    ax = fig.axes[0]
    curves = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert [c.get_label() for c in curves] == ["myopic", "lookahead"]
    for curve, metrics in zip(curves, per_policy.values(), strict=True):
        line, _, (bars,) = curve.lines
        np.testing.assert_allclose(line.get_xdata(), strengths)
        np.testing.assert_allclose(
            line.get_ydata(), [m["mean_return"] for m in metrics]
        )
        spans = [seg[:, 1] for seg in bars.get_segments()]
        expected = [[m["return_ci_low"], m["return_ci_high"]] for m in metrics]
        np.testing.assert_allclose(spans, expected)
    # lookahead / myopic: 5/5, 6/4, 8/4.
    assert [t.get_text() for t in ax.texts] == ["×1.00", "×1.50", "×2.00"]
    assert "strength" in ax.get_xlabel()
    assert ax.get_ylabel() == "mean session return (points)"


def test_return_vs_strength_bad_input():
    strengths, per_policy = _strength_metrics()
    with pytest.raises(ConfigError, match="strengths must be a non-empty list"):
        plots.plot_return_vs_strength([], per_policy)
    with pytest.raises(ConfigError, match=r"\['myopic'\] must be a list of 2"):
        plots.plot_return_vs_strength([0.0, 1.0], per_policy)
    with pytest.raises(ConfigError, match="ratio must be a pair of names"):
        plots.plot_return_vs_strength(strengths, per_policy, ratio=("dqn", "myopic"))
    with pytest.raises(ConfigError, match="metrics_by_policy must be a non-empty"):
        plots.plot_return_vs_strength(strengths, {})
