"""The pure parts of the benchmark scripts: conversions, verdicts, timing.

The scripts themselves are timed runs and stay out of the test suite; what
decides their tables (SB3's arguments, which run reached greedy first, which
goal a figure meets) is checked here on worked numbers.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest

from beautyrl_lib.agents.dqn import DQNConfig
from beautyrl_lib.errors import ConfigError

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _import(name: str):
    """A script of ``benchmarks/`` as a module (they import each other by name).

    The scripts pin OMP and OpenBLAS to one thread when imported; the
    environment is restored so that later subprocesses (the notebooks' kernels
    under nbval) run as they would without this file.
    """
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    saved = dict(os.environ)
    try:
        return importlib.import_module(name)
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def common():
    return _import("common")


@pytest.fixture(scope="module")
def article_loop():
    return _import("article_loop")


@pytest.fixture(scope="module")
def sb3_vs_ours():
    return _import("sb3_vs_ours")


@pytest.fixture(scope="module")
def shop_throughput():
    return _import("shop_throughput")


# ------------------------------------------------------------ the stopwatch
def test_stopwatch_leaves_evaluation_time_out(common):
    watch = common.Stopwatch()
    with watch.evaluating():
        time.sleep(0.05)
    assert watch.eval_seconds >= 0.05
    assert watch.train_seconds() < watch.eval_seconds


def test_first_reaching_is_the_first_evaluation_at_or_above(common):
    watch = common.Stopwatch()
    watch.evals = [(1000, 1.0, 2.0), (2000, 2.0, 2.5), (3000, 3.0, 2.4)]
    assert watch.first_reaching(2.5) == {"env_steps": 2000, "train_seconds": 2.0}
    assert watch.first_reaching(2.0) == {"env_steps": 1000, "train_seconds": 1.0}
    assert watch.first_reaching(2.51) is None


def test_window_rates_skip_windows_before_learning_starts(common):
    watch = common.Stopwatch()
    watch.rows = [(1000, 1.0), (2000, 1.5), (4000, 2.5)]
    # Windows 0-1000 (starts before 1000: skipped), 1000-2000, 2000-4000.
    assert watch.window_rates(learning_starts=1000) == [2000.0, 2000.0]
    assert watch.window_rates(learning_starts=0) == [1000.0, 2000.0, 2000.0]


# ----------------------------------------------------------- SB3 conversion
def test_matched_sb3_arguments_keep_our_update_rate(sb3_vs_ours):
    dqn = sb3_vs_ours.sb3_expressible(DQNConfig())
    kwargs = sb3_vs_ours.matched_sb3_kwargs(dqn, num_envs=64, steps=40_000)
    every, unit = kwargs["train_freq"]
    assert unit == "step"
    # SB3: gradient_steps updates every `every` vector steps of 64 env steps.
    updates_per_env_step = Fraction(kwargs["gradient_steps"], every * 64)
    assert updates_per_env_step == Fraction(dqn.gradient_steps, dqn.train_every)
    # Ours copies the target every N updates; SB3 counts environment steps.
    env_steps_per_update = Fraction(dqn.train_every, dqn.gradient_steps)
    assert kwargs["target_update_interval"] == (
        dqn.target_update_interval * env_steps_per_update
    )
    assert kwargs["exploration_fraction"] == dqn.epsilon_decay_steps / 40_000
    assert kwargs["learning_starts"] == dqn.learning_starts
    assert kwargs["batch_size"] == dqn.batch_size
    assert kwargs["policy_kwargs"]["net_arch"] == list(dqn.hidden)


def test_a_fractional_update_rate_becomes_sb3s_train_freq(sb3_vs_ours):
    dqn = sb3_vs_ours.sb3_expressible(DQNConfig(train_every=8, gradient_steps=1))
    kwargs = sb3_vs_ours.matched_sb3_kwargs(dqn, num_envs=4, steps=10_000)
    # 4 env steps per vector step, one update per 8 env steps: 1 every 2.
    assert kwargs["train_freq"] == (2, "step")
    assert kwargs["gradient_steps"] == 1


def test_matching_refuses_what_sb3_cannot_express(sb3_vs_ours):
    dqn = sb3_vs_ours.sb3_expressible(DQNConfig())
    dueling = replace(dqn, dueling=True)
    with pytest.raises(ValueError, match="dueling"):
        sb3_vs_ours.matched_sb3_kwargs(dueling, num_envs=64, steps=40_000)


def test_changed_for_sb3_lists_only_real_changes(sb3_vs_ours):
    ours = DQNConfig(huber_delta=10.0, dueling=False)
    changes = sb3_vs_ours.changed_for_sb3(ours)
    assert changes["huber_delta"] == [10.0, 1.0]
    assert "dueling" not in changes
    assert sb3_vs_ours.changed_for_sb3(sb3_vs_ours.sb3_expressible(ours)) == {}


def _run(seconds: float, reached: float | None) -> dict:
    return {
        "train_seconds": seconds,
        "reached_greedy": (
            None
            if reached is None
            else {"train_seconds": reached, "env_steps": int(reached * 1000)}
        ),
    }


def test_time_to_greedy_bounds_an_sb3_run_that_never_got_there(sb3_vs_ours):
    runs = {
        "ours": _run(40.0, 7.0),
        "sb3-default": _run(90.0, None),
        "sb3-matched": _run(52.0, None),
    }
    claim = sb3_vs_ours.time_to_greedy(runs)
    # Neither reached: the shorter training time is the better SB3 bound.
    assert claim["best_sb3_run"] == "sb3-matched"
    assert claim["best_sb3_reached"] is False
    assert claim["ours_over_best_sb3"] == pytest.approx(7.0 / 52.0)


def test_time_to_greedy_prefers_an_sb3_run_that_got_there(sb3_vs_ours):
    runs = {
        "ours": _run(40.0, 10.0),
        "sb3-default": _run(90.0, 25.0),
        "sb3-matched": _run(52.0, None),
    }
    claim = sb3_vs_ours.time_to_greedy(runs)
    assert claim["best_sb3_run"] == "sb3-default"
    assert claim["best_sb3_reached"] is True
    assert claim["ours_over_best_sb3"] == pytest.approx(0.4)
    assert "not met" in sb3_vs_ours._time_line(claim)


def test_speed_ratios_and_their_verdict(sb3_vs_ours):
    ours = {
        "steps_per_s_median_window": 2000.0,
        "steps_per_s_overall": 2200.0,
        "steps_per_cpu_s": None,
    }
    theirs = {
        "steps_per_s_median_window": 1000.0,
        "steps_per_s_overall": 1200.0,
        "steps_per_cpu_s": 1000.0,
    }
    ratios = sb3_vs_ours.speed_ratios(ours, theirs)
    assert ratios == {
        "median_window": 2.0,
        "overall": pytest.approx(2200 / 1200),
        "cpu": None,
    }
    assert sb3_vs_ours._speed_verdict(ratios) == "met on median windows only"


# ------------------------------------------------------- the article's loop
LABELS = ["article", "+ a", "+ b", "+ c", "ours"]


def test_variant_names_map_fixes_and_all_fixes(article_loop):
    names = article_loop.variant_names(LABELS)
    assert names["fixes-1"] == "+ a"
    assert names["fixes-2"] == "+ b"
    assert names["all-fixes"] == "+ c"
    assert "fixes-3" not in names  # the last fix is "all-fixes"


def test_select_variants_keeps_training_order(article_loop):
    chosen = article_loop.select_variants("ours, article,all-fixes", LABELS)
    assert chosen == ["article", "+ c", "ours"]


def test_select_variants_names_the_option_and_the_bad_value(article_loop):
    with pytest.raises(ConfigError, match="--variants") as error:
        article_loop.select_variants("article,fixes-9", LABELS)
    assert "fixes-9" in str(error.value)
    assert "'all-fixes'" in str(error.value)


def _article_run(mean: float, low: float, high: float, reached: float | None):
    return {
        "name": "article",
        "seed": 0,
        "final": {"mean_return": mean, "return_ci_low": low, "return_ci_high": high},
        "reached_greedy": (
            None if reached is None else {"train_seconds": reached, "env_steps": 1}
        ),
        "ours_minus_this": [1.0, 0.8, 1.2],
    }


@pytest.mark.parametrize(
    ("article", "ours", "final", "apart"),
    [
        ((0.3, 0.2, 0.4), (2.3, 2.1, 2.5), "intervals apart", True),
        ((2.0, 1.8, 2.2), (2.1, 1.9, 2.3), "intervals overlap", False),
        ((2.2, 2.0, 2.4), (2.1, 1.9, 2.3), "ours not higher", False),
    ],
)
def test_issue_4_final_return_verdict(article_loop, article, ours, final, apart):
    verdict = article_loop.issue_4(
        _article_run(*article, None), _article_run(*ours, 8.0)
    )
    assert final in verdict["final_return"]
    assert verdict["final_intervals_apart"] is apart


@pytest.mark.parametrize(
    ("article_seconds", "ours_seconds", "faster"),
    [(None, 8.0, True), (20.0, 8.0, True), (5.0, 8.0, False), (5.0, None, False)],
)
def test_issue_4_time_to_greedy_verdict(
    article_loop, article_seconds, ours_seconds, faster
):
    verdict = article_loop.issue_4(
        _article_run(0.3, 0.2, 0.4, article_seconds),
        _article_run(2.3, 2.1, 2.5, ours_seconds),
    )
    assert verdict["ours_faster_to_greedy"] is faster


def test_article_loop_refuses_ladder_with_variants(article_loop, capsys):
    with pytest.raises(SystemExit):
        article_loop.main(["--ladder", "--variants", "ours"])
    assert "--ladder" in capsys.readouterr().err


# ---------------------------------------------------------- shop throughput
def test_throughput_goal_lists_the_batches_that_meet_it(shop_throughput):
    rows = [
        {"n_products": 5000, "batch": 256, "vector_steps_per_s": 80_000.0},
        {"n_products": 5000, "batch": 4096, "vector_steps_per_s": 500_000.0},
        {"n_products": 50, "batch": 4096, "vector_steps_per_s": 900_000.0},
    ]
    goal = shop_throughput.goal(rows)
    assert goal["batches_meeting_it"] == [4096]
    assert goal["best_batch"] == 4096
    assert goal["best_vector_steps_per_s"] == 500_000.0


def test_throughput_table_says_when_the_goal_is_missed(shop_throughput):
    row = {
        "n_products": 5000,
        "batch": 256,
        "vector_steps_per_s": 80_000.0,
        "single_env_steps_per_s": 1000.0,
        "python_loop_steps_per_s": 1000.0,
        "vector_over_single": 80.0,
    }
    result = {"repeats": 1, "rows": [row], "goal": shop_throughput.goal([row])}
    assert "not met at any batch measured" in shop_throughput.markdown(result)
