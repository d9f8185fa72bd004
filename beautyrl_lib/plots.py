"""Every figure the course notebooks show, with one consistent look.

Each ``plot_*`` function builds a new matplotlib ``Figure`` (or draws on the
``ax`` it is given) and returns the figure. None of them calls
``plt.show()`` or touches pyplot's list of open figures: a notebook displays
the returned figure, a script saves it with ``fig.savefig(path)``, and tests
can build hundreds without closing any. The course's look (fonts, grid,
colour-blind-safe colours) comes from ``style()``, which every function
applies while it draws and which notebooks can use for their own figures::

    with plots.style():
        fig, ax = plt.subplots()

Figures and what they take:

===========================  ===============================================
function                     input
===========================  ===============================================
``plot_catalog``             a ``Catalog`` (``beautyrl_lib.sim.catalog``)
``plot_funnel``              policy name -> metrics dict (``EvalResult``
                             ``.metrics()``), or a ``Comparison``
``plot_session``             one session's steps, a list of dicts (see
                             ``plot_session``)
``plot_comparison``          a ``Comparison`` (``evaluation.compare``)
``plot_return_vs_strength``  long-term strengths and, per policy, one
                             metrics dict per strength
===========================  ===============================================

Every figure has a title and labelled axes with units. Bad input raises
``ConfigError`` naming the argument.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence

import matplotlib as mpl
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, NullFormatter

from beautyrl_lib.errors import invalid
from beautyrl_lib.sim.catalog import (
    CATEGORIES,
    CATEGORY_NAMES,
    TIER_EDGES,
    TIERS,
    Catalog,
)

# Okabe-Ito colours: distinguishable with the common forms of colour blindness.
BLUE, ORANGE, GREEN, PINK = "#0072B2", "#E69F00", "#009E73", "#CC79A7"
SKY, VERMILLION, GREY = "#56B4E9", "#D55E00", "#999999"
PALETTE = (BLUE, ORANGE, GREEN, PINK, SKY, VERMILLION, "#000000")
"""Colour cycle of every course figure."""
GROUP_COLORS = {"skincare": GREEN, "makeup": PINK}
"""Colour of each catalog group (skincare, makeup)."""

RC_PARAMS = {
    "figure.figsize": (7.0, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.alpha": 0.3,
    "axes.prop_cycle": cycler(color=PALETTE),
    "legend.frameon": False,
    "legend.fontsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
}
"""Matplotlib settings of the course's look (applied by ``style()``)."""

FUNNEL_STAGES = (
    ("click_rate", "click (per recommendation)", BLUE),
    ("add_to_cart_rate", "add to cart (per click)", ORANGE),
    ("purchase_given_cart", "purchase (per cart)", GREEN),
)
"""Metric key, legend label and colour of each funnel stage in ``plot_funnel``."""

# How a step of a session is drawn: response name, marker, colour, size.
_RESPONSES = (
    ("ignored", "o", GREY, 40),
    ("clicked", "o", BLUE, 60),
    ("added to cart", "s", ORANGE, 70),
    ("bought", "*", GREEN, 200),
)


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Apply the course's matplotlib settings inside a ``with`` block.

    The previous settings come back when the block ends, so the style never
    leaks into a learner's own figures.
    """
    with mpl.rc_context(RC_PARAMS):
        yield


def _new_figure(figsize: tuple[float, float] | None = None, **subplots) -> Figure:
    """A figure outside pyplot (never shown by itself), with constrained layout."""
    fig = Figure(figsize=figsize or RC_PARAMS["figure.figsize"], layout="constrained")
    fig.subplots(**subplots)
    return fig


def _axes(ax, figsize: tuple[float, float] | None = None):
    """``(fig, ax)``: the given axes and its figure, or a new figure's axes."""
    if ax is None:
        fig = _new_figure(figsize)
        return fig, fig.axes[0]
    if not isinstance(ax, Axes):
        raise invalid("ax", ax, "a matplotlib Axes or None")
    return ax.get_figure(root=True), ax


def _dollars(value: float, _pos=None) -> str:
    return f"${value:,.0f}"


def _return_unit(config) -> str:
    """Unit of a session's return: points, or dollars in revenue mode."""
    return (
        "dollars" if getattr(config, "reward_mode", "funnel") == "revenue" else "points"
    )


# ----------------------------------------------------------------- catalog
def plot_catalog(catalog: Catalog, ax=None) -> Figure:
    """Price of every product by category, with the price-tier edges.

    Each dot is a product; dots of a category are spread sideways by price
    rank so they do not hide each other. A short black bar marks each
    category's median price, dashed lines the tier edges ($20, $50, $100),
    and the price axis is logarithmic, as prices spread multiplicatively.

    Args:
        catalog: The shop's catalog.
        ax: Axes to draw on; a new figure when None.

    Returns:
        The figure.
    """
    if not isinstance(catalog, Catalog):
        raise invalid("catalog", catalog, "a Catalog (beautyrl_lib.sim.make_catalog)")
    with style():
        fig, ax = _axes(ax, figsize=(8.0, 4.0))
        for c, (name, group, _, _) in enumerate(CATEGORIES):
            prices = np.sort(catalog.price[catalog.category == c])
            if len(prices) == 0:
                continue
            offsets = np.linspace(-0.25, 0.25, len(prices)) if len(prices) > 1 else [0]
            ax.scatter(
                c + np.asarray(offsets),
                prices,
                s=28,
                color=GROUP_COLORS[group],
                edgecolor="white",
                linewidth=0.5,
                zorder=3,
                label=name,
            )
            ax.hlines(np.median(prices), c - 0.32, c + 0.32, color="black", zorder=4)

        # Tier edges, with each tier's name just above its lower edge.
        ax.set_yscale("log")
        # Room above the dearest product for the legend (log scale).
        low, high = 0.8 * catalog.price.min(), 2.6 * catalog.price.max()
        ax.set_ylim(min(low, 0.8 * TIER_EDGES[0]), max(high, 2.6 * TIER_EDGES[-1]))
        for edge in TIER_EDGES:
            ax.axhline(edge, color="black", linestyle="--", linewidth=0.8, zorder=1)
        bottoms = (ax.get_ylim()[0], *TIER_EDGES)
        for tier, bottom in zip(TIERS, bottoms, strict=True):
            ax.text(
                len(CATEGORIES) - 0.45,
                bottom * 1.06,
                tier,
                ha="right",
                va="bottom",
                fontsize=8,
                color="dimgray",
            )

        ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ticks = [2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]
        ax.set_yticks([t for t in ticks if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]])
        ax.set_xticks(range(len(CATEGORIES)), CATEGORY_NAMES, rotation=40, ha="right")
        ax.set_xlim(-0.6, len(CATEGORIES) - 0.4)
        ax.grid(axis="x", visible=False)
        ax.set_xlabel("category")
        ax.set_ylabel("price (US dollars, log scale)")
        median = float(np.median(catalog.price))
        ax.set_title(
            f"Prices of the {catalog.n_products} products by category "
            f"(catalog median ${median:.0f})"
        )
        handles = [
            Line2D([], [], marker="o", linestyle="", color=color, label=group)
            for group, color in GROUP_COLORS.items()
        ]
        handles.append(Line2D([], [], color="black", label="category median"))
        handles.append(
            Line2D([], [], color="black", linestyle="--", lw=0.8, label="tier edge")
        )
        ax.legend(handles=handles, loc="upper left", ncols=4)
    return fig


# ------------------------------------------------------------------ funnel
def _metrics_mapping(metrics_by_policy) -> dict[str, Mapping[str, float]]:
    """Accept a ``Comparison`` or a mapping of policy name to metrics dict."""
    if callable(getattr(metrics_by_policy, "metrics", None)):
        metrics_by_policy = metrics_by_policy.metrics()
    if not isinstance(metrics_by_policy, Mapping) or not metrics_by_policy:
        raise invalid(
            "metrics_by_policy",
            metrics_by_policy,
            "a non-empty dict of policy name to metrics dict, or a Comparison",
        )
    for name, metrics in metrics_by_policy.items():
        if not isinstance(metrics, Mapping):
            raise invalid(
                f"metrics_by_policy[{name!r}]",
                metrics,
                "a metrics dict (EvalResult.metrics())",
            )
    return dict(metrics_by_policy)


def _metric(metrics: Mapping[str, float], key: str, where: str) -> float:
    if key not in metrics:
        raise invalid(where, f"a dict without {key!r}", f"a metrics dict with {key!r}")
    return float(metrics[key])


def plot_funnel(metrics_by_policy, ax=None) -> Figure:
    """The click, add-to-cart and purchase rates of each policy, in percent.

    Each rate is conditional on the stage before: clicks per recommendation,
    carts per click, purchases per cart. A rate that is undefined (no clicks,
    so no add-to-cart rate) has no bar and is marked ``n/a``.

    Args:
        metrics_by_policy: Policy name to its metrics dict (the keys
            ``click_rate``, ``add_to_cart_rate`` and ``purchase_given_cart``
            of ``EvalResult.metrics()``), or a ``Comparison``.
        ax: Axes to draw on; a new figure when None.

    Returns:
        The figure.
    """
    metrics_by_policy = _metrics_mapping(metrics_by_policy)
    names = list(metrics_by_policy)
    width = 0.8 / len(FUNNEL_STAGES)
    with style():
        fig, ax = _axes(ax, figsize=(max(7.5, 0.9 * len(names) + 3.5), 3.6))
        positions = np.arange(len(names))
        rates = np.array(
            [
                [
                    _metric(metrics_by_policy[n], key, f"metrics_by_policy[{n!r}]")
                    for n in names
                ]
                for key, _, _ in FUNNEL_STAGES
            ]
        )  # (3 stages, n policies)
        for i, (_, label, color) in enumerate(FUNNEL_STAGES):
            x = positions + (i - 1) * width
            ax.bar(x, 100.0 * rates[i], width, color=color, label=label)
            for xi in x[np.isnan(rates[i])]:
                ax.text(xi, 0.5, "n/a", ha="center", va="bottom", fontsize=7)
        ax.set_xticks(positions, names, rotation=20 if len(names) > 3 else 0)
        ax.set_xlabel("policy")
        ax.set_ylabel("rate (% of the previous stage)")
        ax.set_title("The funnel, stage by stage: click → cart → purchase")
        ax.grid(axis="x", visible=False)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), title="stage")
    return fig


# ----------------------------------------------------------------- session
def _response(step: Mapping, index: int) -> int:
    """Index into ``_RESPONSES``: the furthest funnel stage the step reached."""
    for key in ("click", "cart", "purchase"):
        if key not in step:
            raise invalid(
                f"trace[{index}]", step, "a dict with 'click', 'cart' and 'purchase'"
            )
    return 3 if step["purchase"] else 2 if step["cart"] else 1 if step["click"] else 0


def _category_index(step: Mapping, index: int) -> int:
    category = step.get("category") if isinstance(step, Mapping) else None
    if isinstance(category, str) and category in CATEGORY_NAMES:
        return CATEGORY_NAMES.index(category)
    if (
        isinstance(category, int | np.integer)
        and not isinstance(category, bool)
        and 0 <= category < len(CATEGORY_NAMES)
    ):
        return int(category)
    raise invalid(
        f"trace[{index}]['category']",
        category,
        f"a category name ({', '.join(CATEGORY_NAMES)}) or its index",
    )


def plot_session(trace: Sequence[Mapping], title: str | None = None) -> Figure:
    """One session step by step: what was recommended and how the shopper responded.

    The top panel puts each step's recommended category on a row and marks
    the furthest funnel stage reached (ignored, clicked, added to cart,
    bought), with the step's reward written next to it when given. When the
    trace carries the hidden ``patience`` or ``trust``, a lower panel shows
    them after each step; the shop never sees these, they are drawn for
    teaching.

    Args:
        trace: One dict per step, in order, with ``category`` (name or index),
            ``click``, ``cart`` and ``purchase`` (bools, as in the
            environment's ``info``), and optionally ``reward`` (points),
            ``patience`` and ``trust`` (hidden state after the step).
        title: Figure title; a default one names the number of steps.

    Returns:
        The figure.
    """
    if isinstance(trace, str | bytes) or not isinstance(trace, Sequence) or not trace:
        raise invalid("trace", trace, "a non-empty list of one dict per step")
    for i, step in enumerate(trace):
        if not isinstance(step, Mapping):
            raise invalid(f"trace[{i}]", step, "a dict (one per step)")
    steps = np.arange(1, len(trace) + 1)
    categories = np.array([_category_index(s, i) for i, s in enumerate(trace)])
    responses = np.array([_response(s, i) for i, s in enumerate(trace)])
    hidden = [k for k in ("patience", "trust") if all(k in s for s in trace)]

    with style():
        rows = 2 if hidden else 1
        heights = {"height_ratios": [2.2, 1.0]} if hidden else None
        fig = _new_figure(
            figsize=(7.5, 5.2 if hidden else 3.8),
            nrows=rows,
            sharex=True,
            gridspec_kw=heights,
        )
        ax = fig.axes[0]
        for r, (label, marker, color, size) in enumerate(_RESPONSES):
            chosen = responses == r
            ax.scatter(
                steps[chosen],
                categories[chosen],
                marker=marker,
                s=size,
                color=color,
                edgecolor="black" if r else GREY,
                linewidth=0.5,
                zorder=3,
                label=label,
            )
        for x, y, step in zip(steps, categories, trace, strict=True):
            reward = step.get("reward")
            if reward:
                ax.annotate(
                    f"+{reward:g}",
                    (x, y),
                    xytext=(0, 7),
                    textcoords="offset points",
                    ha="center",
                    fontsize=8,
                )
        ax.set_yticks(range(len(CATEGORY_NAMES)), CATEGORY_NAMES)
        ax.set_ylim(len(CATEGORY_NAMES) - 0.5, -0.8)
        ax.set_ylabel("recommended category")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), title="shopper")
        total = sum(float(s.get("reward", 0.0)) for s in trace)
        has_reward = all("reward" in s for s in trace)
        default = f"One session, step by step ({len(trace)} recommendations"
        default += f", return {total:g} points)" if has_reward else ")"
        ax.set_title(title or default)

        if hidden:
            low = fig.axes[1]
            styles = {"patience": (VERMILLION, "o"), "trust": (BLUE, "s")}
            for key in hidden:
                color, marker = styles[key]
                values = [float(s[key]) for s in trace]
                low.plot(steps, values, marker=marker, color=color, label=key)
            if "patience" in hidden:
                low.axhline(
                    0.0,
                    color="black",
                    linewidth=0.8,
                    linestyle=":",
                    label="patience 0: leaves",
                )
            low.set_ylabel("hidden level\n(model units)")
            low.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), title="hidden")
        bottom = fig.axes[-1]
        bottom.set_xlabel("step of the session (recommendation number)")
        bottom.set_xticks(steps)
        bottom.set_xlim(0.4, len(trace) + 0.6)
    return fig


# -------------------------------------------------------------- comparison
def plot_comparison(comparison, ax=None) -> Figure:
    """Mean session return of each policy with its 95% bootstrap interval.

    Oracles (policies that read the hidden profile) are hatched grey and
    marked as references: no shop could run them.

    Args:
        comparison: A ``Comparison`` from ``beautyrl_lib.evaluation.compare``.
        ax: Axes to draw on; a new figure when None.

    Returns:
        The figure.
    """
    from beautyrl_lib.evaluation import Comparison

    if not isinstance(comparison, Comparison):
        raise invalid("comparison", comparison, "a Comparison from evaluation.compare")
    metrics = comparison.metrics()
    names = list(metrics)
    means = np.array([metrics[n]["mean_return"] for n in names])
    low = np.array([metrics[n]["return_ci_low"] for n in names])
    high = np.array([metrics[n]["return_ci_high"] for n in names])
    positions = np.arange(len(names))
    with style():
        fig, ax = _axes(ax, figsize=(max(5.0, 1.0 * len(names) + 2.0), 3.6))
        bars = ax.bar(
            positions,
            means,
            yerr=np.vstack([means - low, high - means]),
            capsize=4,
            color=BLUE,
            edgecolor="black",
            linewidth=0.6,
        )
        for bar, name in zip(bars, names, strict=True):
            if name in comparison.oracles:
                bar.set_facecolor("lightgray")
                bar.set_hatch("//")
        ax.set_xticks(positions, names, rotation=20 if len(names) > 3 else 0)
        ax.set_xlabel("policy")
        ax.set_ylabel(f"mean session return ({_return_unit(comparison.config)})")
        ax.set_title(
            f"Mean session return on {comparison.n_sessions} shoppers (95% interval)"
        )
        ax.grid(axis="x", visible=False)
        handles = [Patch(facecolor=BLUE, edgecolor="black", label="deployable")]
        if comparison.oracles:
            handles.append(
                Patch(
                    facecolor="lightgray",
                    edgecolor="black",
                    hatch="//",
                    label="oracle (reads hidden profile)",
                )
            )
        ax.legend(handles=handles, loc="upper left")
        if low.min() >= 0.0 and high.max() > 0.0:
            # Head room above the highest interval for the legend.
            ax.set_ylim(0.0, 1.2 * high.max())
    return fig


# ------------------------------------------------------ long-term strength
def plot_return_vs_strength(
    strengths: Sequence[float],
    metrics_by_policy: Mapping[str, Sequence[Mapping[str, float]]],
    ratio: tuple[str, str] | None = None,
    unit: str = "points",
    ax=None,
) -> Figure:
    """Mean return of each policy as the shop's long-term effects grow.

    Args:
        strengths: Values of ``ShopConfig.long_term_strength``, increasing.
        metrics_by_policy: Policy name to one metrics dict per strength (with
            ``mean_return``, ``return_ci_low`` and ``return_ci_high``).
        ratio: ``(a, b)`` writes ``a``'s mean return divided by ``b``'s above
            each strength (for example look-ahead over myopic).
        unit: Unit of the return, for the axis label.
        ax: Axes to draw on; a new figure when None.

    Returns:
        The figure.
    """
    strengths = np.asarray(strengths, dtype=np.float64)
    if strengths.ndim != 1 or len(strengths) == 0:
        raise invalid("strengths", strengths, "a non-empty list of numbers")
    if not isinstance(metrics_by_policy, Mapping) or not metrics_by_policy:
        raise invalid(
            "metrics_by_policy",
            metrics_by_policy,
            "a non-empty dict of policy name to one metrics dict per strength",
        )
    curves = {}
    for name, per_strength in metrics_by_policy.items():
        where = f"metrics_by_policy[{name!r}]"
        if isinstance(per_strength, Mapping) or len(per_strength) != len(strengths):
            raise invalid(
                where,
                per_strength,
                f"a list of {len(strengths)} metrics dicts, one per strength",
            )
        curves[name] = np.array(
            [
                [
                    _metric(m, k, where)
                    for k in ("mean_return", "return_ci_low", "return_ci_high")
                ]
                for m in per_strength
            ]
        )  # (n_strengths, 3): mean, low, high
    if ratio is not None and (
        len(ratio) != 2 or any(name not in curves for name in ratio)
    ):
        raise invalid("ratio", ratio, f"a pair of names from {list(curves)}")

    with style():
        fig, ax = _axes(ax)
        for name, curve in curves.items():
            mean, low, high = curve.T
            ax.errorbar(
                strengths,
                mean,
                yerr=np.vstack([mean - low, high - mean]),
                marker="o",
                capsize=4,
                label=name,
            )
        if ratio is not None:
            top = np.maximum(curves[ratio[0]][:, 2], curves[ratio[1]][:, 2])
            for s, a, b, y in zip(
                strengths,
                curves[ratio[0]][:, 0],
                curves[ratio[1]][:, 0],
                top,
                strict=True,
            ):
                ax.annotate(
                    f"×{a / b:.2f}" if b > 0 else "n/a",
                    (s, y),
                    xytext=(0, 6),
                    textcoords="offset points",
                    ha="center",
                    fontsize=9,
                )
        ax.set_xticks(strengths)
        ax.set_xlabel("long-term strength s (0 = no long-term effects, 1 = default)")
        ax.set_ylabel(f"mean session return ({unit})")
        title = "Mean return as long-term effects grow (95% intervals)"
        if ratio is not None:
            title += f"\n×: {ratio[0]} / {ratio[1]}"
        ax.set_title(title)
        ax.legend(loc="upper left")
        ax.margins(y=0.15)
    return fig


__all__ = [
    "FUNNEL_STAGES",
    "GROUP_COLORS",
    "PALETTE",
    "RC_PARAMS",
    "plot_catalog",
    "plot_comparison",
    "plot_funnel",
    "plot_return_vs_strength",
    "plot_session",
    "style",
]
