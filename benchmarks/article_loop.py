"""The source article's training loop against ours, and what each fix changes.

Runs, on the default shop (``ShopConfig()``) and the same budget of
environment steps (shopper-steps), one after the other in this process, by
default two runs, and with ``--ladder`` eight:

* ``article``: ``beautyrl_lib.course.article_dqn.train`` with every defect of
  the article's snippet (``ArticleConfig()``): one shopper at a time, one
  update of 32 transitions per step, the target copied after every update,
  no stop at a shopper leaving, epsilon x 0.995 per update, no seed, a deque
  of tuples turned into tensors at every update, no action mask;
* with ``--ladder`` only, six more runs of the same loop, each with one more
  fix than the previous (``article_dqn.cumulative_fixes()``): target copied
  every 500 updates, no bootstrap past a shopper leaving, epsilon on a linear
  schedule over environment steps, every random stream seeded, the
  preallocated ``ReplayBuffer``, the action mask. The fixed epsilon schedule
  falls from 1 to 0.01 over the first half of the budget (``--epsilon-steps``);
* ``ours``: ``beautyrl_lib.training.train`` with ``DQNConfig()`` and
  ``TrainConfig()`` as they are except the step budget and the evaluation
  interval (64 shoppers at once, an update of 256 every 8 steps, and so on).

Figures per run:

* environment steps per second: the median over windows (between two
  evaluations for the article's loop, between two log rows for ours) that
  start once updates run, overall (all steps over the training wall time),
  and per CPU second of this process, which other jobs on a shared machine
  disturb far less than wall time. Held-out evaluations are timed and left
  out of all three;
* the training wall time (evaluations left out) and the environment steps at
  which the greedy policy's mean return on a held-out cohort
  (``TrainConfig().eval_sessions`` shoppers of ``TrainConfig().eval_seed``),
  evaluated every ``--eval-every`` steps, first reached the greedy
  recommender's on the same shoppers; "not reached" when it never did;
* the final network's mean return with its bootstrap 95% interval on 2,000
  shoppers of cohort 7 (``beautyrl_lib.evaluation.evaluate``), its paired
  difference to greedy, and ours minus each of the article's runs, on the
  same shoppers.

The article's runs without the seeding fix ignore ``--seeds`` on purpose (that
is the defect), so they differ from one invocation to the next. Every run is
trained once per seed; with the default single seed, the figures carry the
noise of a single run (the 95% intervals cover the evaluation shoppers, not
the training randomness).

The stopwatch, the warm-up and the timing of our loop are shared with
``sb3_vs_ours.py`` in ``common.py``: our loop's held-out evaluations are
booked as evaluation time while it runs, and its ``on_row`` hook notes when
each metrics row is written (the article's loop calls an evaluator we pass
it, which does both). PyTorch uses one thread in every run and its one-time
start-up is paid before the first run is timed.

Usage::

    python benchmarks/article_loop.py            # article and ours, 24,000 steps
    python benchmarks/article_loop.py --ladder   # all eight runs, 6,000 steps
    python benchmarks/article_loop.py --long     # article and ours, 150,000 steps
    python benchmarks/article_loop.py --steps 3000 --seeds 0,1 --json /tmp/a.json
    python benchmarks/article_loop.py --steps 60000 --variants all-fixes,ours \
        --json benchmarks/results/article_loop_to_greedy.json

The default run answers issue 4's question, the article's loop against ours on
final return and on wall time to greedy's return, within five minutes: the
article's loop runs at one to two hundred environment steps per second here,
so 24,000 steps take it two to three minutes, while ours, whose defaults
collect 5,000 steps before the first update, first reaches greedy's return at
about 21,000 steps. It writes ``benchmarks/results/article_loop.json``.

``--ladder`` is the table of notebook 07: every fix's worth, at 6,000 steps
per run so that the eight runs fit in about six minutes (no run reaches
greedy's return in so few steps). It writes
``benchmarks/results/article_loop_ladder.json``.

``--variants`` trains only some of the runs, always in the order above whatever
order they are named in: ``article`` (the unfixed loop), ``fixes-1`` to
``fixes-5`` (the loop with the first one to five fixes), ``all-fixes`` (all
six), ``ours``, or a run's full label as printed in the table
(``"+ action mask"`` is ``all-fixes``). It writes to ``--json`` like the
default run, so give it another path to keep that file. The issue-4 verdict
compares the first of the article's runs that ran with ours, and is left out
when either is missing. The last command above trains the fully fixed loop
and ours for 60,000 steps each: whether the fixed loop catches up with a
longer budget.

``--long`` gives each run 150,000 steps, three quarters of
``TrainConfig().total_steps``: about a quarter of an hour for each run of the
article's loop, two hours or more with ``--ladder``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass, replace

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402
from common import Stopwatch, held_out, train_ours, warm_up_torch  # noqa: E402
from machine import machine_info, report  # noqa: E402

import beautyrl_lib.evaluation as evaluation  # noqa: E402
from beautyrl_lib.agents.base import Policy  # noqa: E402
from beautyrl_lib.agents.dqn import DQNConfig  # noqa: E402
from beautyrl_lib.agents.registry import make_policy  # noqa: E402
from beautyrl_lib.course import article_dqn  # noqa: E402
from beautyrl_lib.errors import ConfigError, invalid  # noqa: E402
from beautyrl_lib.sim import ShopConfig  # noqa: E402
from beautyrl_lib.training import TrainConfig  # noqa: E402

DEFAULT_STEPS = 24_000
DEFAULT_VARIANTS = "article,ours"
LADDER_STEPS = 6_000
LONG_STEPS = 150_000
LONG_SEEDS = (0,)
EVALS_PER_RUN = 8
FINAL_SESSIONS = 2000
FINAL_SEED = 7
DEFAULT_JSON = "benchmarks/results/article_loop.json"
LADDER_JSON = "benchmarks/results/article_loop_ladder.json"
OURS = "ours"
ALL_FIXES = "all-fixes"
# Our side of DIFFERENCES is read from the defaults, so it follows them.
_OURS, _LOOP = DQNConfig(), TrainConfig()
_CLIPPING = (
    "without gradient clipping"
    if _OURS.max_grad_norm is None
    else f"with gradients clipped to norm {_OURS.max_grad_norm:g}"
)
DIFFERENCES = (
    "Shoppers: the article's loop steps one BeautyShopEnv; ours steps "
    f"{_LOOP.num_envs} shoppers at once with VectorShop.",
    "Updates: the article's loop makes one update of 32 transitions per "
    f"environment step from the 33rd step on; ours one of {_OURS.batch_size} "
    f"every {_OURS.train_every} steps after {_OURS.learning_starts:,} steps.",
    "Loss and optimiser: mean squared error and Adam at 1e-3 without gradient "
    f"clipping (article), Huber loss with delta {_OURS.huber_delta:g} and fused "
    f"Adam at {_OURS.lr:g} {_CLIPPING} (ours).",
    "Network and replay: hidden layers 256 and 128, replay of 10,000 "
    f"(article); {' and '.join(map(str, _OURS.hidden))}, replay of "
    f"{_OURS.buffer_size:,} (ours).",
    "Target and epsilon after the fixes: a copy every 500 updates and epsilon "
    "from 1 to 0.01 over 10,000 steps (article's loop); a copy every "
    f"{_OURS.target_update_interval:,} updates and epsilon from "
    f"{_OURS.epsilon_start:g} to {_OURS.epsilon_end:g} over "
    f"{_OURS.epsilon_decay_steps:,} steps (ours).",
    "Replay sampling: the article's deque is sampled without replacement "
    "(random.sample), the preallocated buffer with replacement.",
)
"""How the fully fixed article loop still differs from ours (in the JSON)."""


# ---------------------------------------------------------------- settings
@dataclass(frozen=True)
class Bench:
    """Settings shared by every run."""

    shop: ShopConfig
    """The shop every run trains and is evaluated on."""
    steps: int
    """Environment steps per run."""
    eval_every: int
    """Environment steps between held-out evaluations."""
    eval_sessions: int
    """Shoppers of the held-out cohort used during training."""
    eval_seed: int
    """Seed of that cohort (never the reporting cohort)."""
    greedy_return: float
    """Greedy's mean return on that cohort: the threshold of "time to greedy"."""
    progress: bool
    """Show progress bars."""


# ----------------------------------------------------------------- variants
def variant_names(labels: list[str]) -> dict[str, str]:
    """Every name ``--variants`` accepts, mapped to the label of its run.

    Args:
        labels: The runs' labels in training order: the article's loop, the
            same loop with one more fix each, then ``ours``.

    Returns:
        Each label mapped to itself, then ``fixes-K`` mapped to the article's
        loop with its first K fixes (all but the last) and ``all-fixes`` to
        the loop with every fix.
    """
    names = {label: label for label in labels}
    article = [label for label in labels if label != OURS]
    for count, label in enumerate(article[1:-1], start=1):
        names[f"fixes-{count}"] = label
    names[ALL_FIXES] = article[-1]
    return names


def select_variants(value: str, labels: list[str]) -> list[str]:
    """The labels that ``value`` names, in training order.

    Args:
        value: Comma-separated names among ``variant_names(labels)``.
        labels: The runs' labels in training order.

    Returns:
        The labels named, each once, in the order of ``labels``.

    Raises:
        ConfigError: If a name is unknown or none is given.
    """
    names = variant_names(labels)
    wanted = [name.strip() for name in value.split(",")]
    if not all(name in names for name in wanted):
        allowed = ", ".join(repr(name) for name in names)
        raise invalid("--variants", value, f"comma-separated names among {allowed}")
    chosen = {names[name] for name in wanted}
    return [label for label in labels if label in chosen]


# ----------------------------------------------------------------- the runs
def run_article(config: article_dqn.ArticleConfig, seed: int, bench: Bench):
    """Train the article's loop; return its figures and final policy."""
    watch = Stopwatch()

    # Each evaluation also ends a speed window: the loop writes no other rows.
    def evaluator(policy: article_dqn.ArticlePolicy) -> float:
        seconds = watch.train_seconds()
        with watch.evaluating():
            value = held_out(policy, bench.shop, bench.eval_sessions, bench.eval_seed)
        watch.rows.append((policy.agent.env_steps, seconds))
        watch.evals.append((policy.agent.env_steps, seconds, value))
        return value

    run = article_dqn.train(
        config,
        bench.steps,
        seed=seed,
        shop=bench.shop,
        eval_every=bench.eval_every,
        evaluator=evaluator,
        progress=bench.progress,
    )
    figures = _figures(
        watch,
        bench,
        env_steps=run.agent.env_steps,
        updates=run.agent.n_updates,
        learning_starts=config.batch_size + 1,
    )
    figures["config"] = config.to_dict()
    figures["defects"] = list(config.defects)
    return figures, run.policy()


def run_ours(seed: int, bench: Bench):
    """Train our DQN with its defaults; return its figures and final policy."""
    settings = replace(
        TrainConfig(),
        total_steps=bench.steps,
        eval_every=bench.eval_every,
        log_every=bench.eval_every // 2,
        eval_sessions=bench.eval_sessions,
        eval_seed=bench.eval_seed,
    )
    watch = Stopwatch()
    result = train_ours(
        watch, bench.shop, DQNConfig(), settings, seed, progress=bench.progress
    )
    figures = _figures(
        watch,
        bench,
        env_steps=result.agent.env_steps,
        updates=result.agent.n_updates,
        learning_starts=DQNConfig().learning_starts,
    )
    figures["config"] = DQNConfig().to_dict()
    figures["train_config"] = {
        k: getattr(settings, k) for k in settings.__dataclass_fields__
    }
    return figures, result.policy()


def _figures(watch, bench, env_steps, updates, learning_starts):
    seconds, cpu = watch.train_seconds(), watch.train_cpu()
    # Windows between consecutive rows, kept once updates have started.
    rates = watch.window_rates(learning_starts)
    return {
        "env_steps": env_steps,
        "updates": updates,
        "train_seconds": seconds,
        "train_cpu_seconds": cpu,
        "eval_seconds": watch.eval_seconds,
        "steps_per_s_median_window": statistics.median(rates) if rates else None,
        "windows": len(rates),
        "steps_per_s_overall": env_steps / seconds,
        "steps_per_cpu_s": env_steps / cpu,
        "reached_greedy": watch.first_reaching(bench.greedy_return),
        "evals": watch.evals,
        "load_average_1min_after": round(os.getloadavg()[0], 2),
    }


def final_figures(policy: Policy, bench: Bench, greedy) -> tuple:
    """Figures on the reporting cohort (with the paired difference to
    ``greedy``'s result when given), and the per-session result."""
    result = evaluation.evaluate(policy, bench.shop, FINAL_SESSIONS, FINAL_SEED)
    m = result.metrics(ci_seed=FINAL_SEED)
    figures = {
        "mean_return": m["mean_return"],
        "return_ci_low": m["return_ci_low"],
        "return_ci_high": m["return_ci_high"],
        "mean_session_length": m["mean_session_length"],
        "click_rate": m["click_rate"],
    }
    if greedy is not None:
        diff = evaluation.paired_difference(result, greedy, seed=FINAL_SEED)
        figures["minus_greedy"] = list(diff)
    return figures, result


# ------------------------------------------------------------------- output
def _reached(reached: dict | None) -> str:
    if reached is None:
        return "not reached"
    return f"{reached['train_seconds']:.0f} s ({reached['env_steps']:,} steps)"


def _interval(values: list[float], signed: bool = False) -> str:
    mean, low, high = values
    fmt = "{:+.2f}" if signed else "{:.2f}"
    return f"{fmt.format(mean)} [{fmt.format(low)}, {fmt.format(high)}]"


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def markdown(result: dict) -> str:
    """The result as a Markdown table with a few lines of context."""
    s = result["settings"]
    seeds = ", ".join(str(seed) for seed in s["seeds"])
    # Results written before --variants existed have every run.
    variants = s.get("variants")
    if variants is None or len(variants) == len(s["fixes"]) + 2:
        what = (
            "The article's DQN loop, made runnable, with its fixes added one at "
            "a time, against our DQN"
        )
    elif variants == ["article", OURS]:
        what = "The article's DQN loop, made runnable, against our DQN"
    else:
        named = ", ".join(f"`{label}`" for label in variants)
        what = f"Only these runs of the article-loop benchmark (`--variants`): {named}"
    lines = [
        f"{what}; default shop, {s['steps']:,} environment steps "
        f"per run, seed {seeds}, PyTorch on 1 thread. Time to greedy: training "
        f"wall time (evaluations excluded) until the held-out mean return "
        f"({s['eval_sessions']} shoppers, cohort {s['eval_seed']}, checked every "
        f"{s['eval_every']:,} steps) first reached greedy's "
        f"{result['greedy']['eval_return']:.3f}. Final: mean return [95% "
        f"interval] on {FINAL_SESSIONS} shoppers of cohort {FINAL_SEED}; vs "
        "greedy and ours vs this: paired differences on the same shoppers.",
        "",
        "| run | steps/s (median window) | steps/s (overall) | steps per CPU-s "
        "| updates | time to greedy | final return | vs greedy | ours vs this |",
        "|---|---:|---:|---:|---:|---|---|---|---|",
    ]
    for run in result["runs"]:
        name = (
            run["name"]
            if len(s["seeds"]) == 1
            else f"{run['name']}, seed {run['seed']}"
        )
        versus = run.get("ours_minus_this")
        lines.append(
            f"| {name} | {_rate(run['steps_per_s_median_window'])} | "
            f"{_rate(run['steps_per_s_overall'])} | {_rate(run['steps_per_cpu_s'])} "
            f"| {run['updates']:,} | {_reached(run['reached_greedy'])} | "
            f"{_interval(_final_triple(run['final']))} | "
            f"{_interval(run['final']['minus_greedy'], signed=True)} | "
            f"{'' if versus is None else _interval(versus, signed=True)} |"
        )
    greedy = result["greedy"]["final"]
    lines.append(
        f"| greedy (reference) | | | | | | {_interval(_final_triple(greedy))} | | |"
    )
    lines += ["", _issue_4_line(result["issue_4"]) + " " + _load_line(result)]
    return "\n".join(lines)


def _issue_4_line(verdict: dict | None) -> str:
    if verdict is None:
        return (
            "Issue 4 (ours against the article's loop) is not compared: it needs "
            "ours and at least one of the article's runs."
        )
    article = verdict.get("article_run", "article")
    against = (
        "the article's loop"
        if article == "article"
        else f"the article's loop with its fixes up to `{article}`"
    )
    return (
        f"Issue 4 (ours against {against}, seed {verdict['seed']}): final return "
        f"{verdict['final_return']}; time to greedy {verdict['time_to_greedy']}."
    )


def _load_line(result: dict) -> str:
    return (
        "Wall-time figures slow down when other jobs share the machine (1-minute "
        f"load average {result['machine']['load_average_1min']} at the start); "
        "CPU seconds much less so."
    )


def _final_triple(final: dict) -> list[float]:
    return [final["mean_return"], final["return_ci_low"], final["return_ci_high"]]


def issue_4(article: dict, ours: dict) -> dict:
    """Whether ours beat the article's loop on final return and time to greedy."""
    a, o = article["final"], ours["final"]
    apart = o["return_ci_low"] > a["return_ci_high"]
    diff = article["ours_minus_this"]
    if apart:
        final = "ours higher, intervals apart"
    elif o["mean_return"] > a["mean_return"]:
        final = "ours higher, intervals overlap"
    else:
        final = "ours not higher"
    final += f" (paired difference {_interval(diff, signed=True)})"
    ra, ro = article["reached_greedy"], ours["reached_greedy"]
    if ro is None:
        time_verdict = "ours did not reach greedy"
    elif ra is None:
        time_verdict = "ours reached greedy, the article's loop did not"
    elif ro["train_seconds"] < ra["train_seconds"]:
        time_verdict = "ours reached greedy sooner"
    else:
        time_verdict = "the article's loop reached greedy sooner"
    return {
        "seed": article["seed"],
        "article_run": article["name"],
        "final_return": final,
        "final_intervals_apart": apart,
        "ours_minus_article": diff,
        "time_to_greedy": time_verdict,
        "ours_faster_to_greedy": ro is not None
        and (ra is None or ro["train_seconds"] < ra["train_seconds"]),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--steps",
        type=int,
        default=None,
        help=f"budget per run (default {DEFAULT_STEPS:,}; {LADDER_STEPS:,} with "
        f"--ladder; {LONG_STEPS:,} with --long)",
    )
    parser.add_argument(
        "--seeds", default=None, help="comma-separated training seeds (default 0)"
    )
    parser.add_argument(
        "--long",
        action="store_true",
        help=f"{LONG_STEPS:,} steps and seeds {LONG_SEEDS}",
    )
    parser.add_argument(
        "--eval-every",
        type=int,
        default=None,
        help=f"steps between evaluations (default: budget / {EVALS_PER_RUN})",
    )
    parser.add_argument(
        "--epsilon-steps",
        type=int,
        default=None,
        help="steps of the article loop's fixed epsilon schedule (default: budget / 2)",
    )
    parser.add_argument(
        "--ladder",
        action="store_true",
        help="train all eight runs: the article's loop, each fix added in turn, ours",
    )
    parser.add_argument(
        "--variants",
        default=None,
        help="comma-separated runs to train, in training order whatever the order "
        "given: article, fixes-1 to fixes-5, all-fixes, ours, or a full label "
        f"(default: {DEFAULT_VARIANTS}; every run with --ladder)",
    )
    parser.add_argument(
        "--json",
        default=None,
        help=f"write the results here (default: {DEFAULT_JSON}, or {LADDER_JSON} "
        "with --ladder)",
    )
    parser.add_argument("--progress", action="store_true", help="progress bars")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.ladder and args.variants is not None:
        parser.error("--ladder trains every run; give either it or --variants")
    if args.steps is not None and args.steps < 2:
        parser.error(f"--steps must be at least 2; got {args.steps}")
    default_steps = LADDER_STEPS if args.ladder else DEFAULT_STEPS
    steps = args.steps or (LONG_STEPS if args.long else default_steps)
    variants = None if args.ladder else (args.variants or DEFAULT_VARIANTS)
    json_path = args.json or (LADDER_JSON if args.ladder else DEFAULT_JSON)
    if args.seeds:
        seeds = tuple(int(seed) for seed in args.seeds.split(","))
    else:
        seeds = LONG_SEEDS if args.long else (0,)
    eval_every = args.eval_every or steps // EVALS_PER_RUN
    if eval_every % 2 or steps < eval_every:
        parser.error(f"--eval-every must be even and at most --steps; got {eval_every}")
    epsilon_steps = args.epsilon_steps or max(1, steps // 2)
    base = article_dqn.ArticleConfig(epsilon_decay_steps=epsilon_steps)
    plans = list(article_dqn.cumulative_fixes(base))
    plans.append((OURS, None))
    if variants is not None:
        try:
            chosen = select_variants(variants, [label for label, _ in plans])
        except ConfigError as error:
            parser.error(str(error))
        plans = [(label, config) for label, config in plans if label in chosen]
    info = machine_info()
    torch.set_num_threads(1)
    warm_up_torch()

    # Greedy: the threshold on the training-time cohort, the reference on the
    # reporting cohort.
    shop, defaults = ShopConfig(), TrainConfig()
    greedy = make_policy("greedy", shop, seeds[0])
    greedy_eval = evaluation.evaluate(
        greedy, shop, defaults.eval_sessions, defaults.eval_seed
    )
    bench = Bench(
        shop=shop,
        steps=steps,
        eval_every=eval_every,
        eval_sessions=defaults.eval_sessions,
        eval_seed=defaults.eval_seed,
        greedy_return=float(greedy_eval.returns.mean()),
        progress=args.progress,
    )
    greedy_final, greedy_result = final_figures(greedy, bench, None)
    print(f"greedy on the training-time cohort: {bench.greedy_return:.3f}", flush=True)

    runs, per_session = [], {}
    for seed in seeds:
        for label, config in plans:
            print(f"training {label} (seed {seed}) for {steps:,} steps ...", flush=True)
            if config is None:
                figures, policy = run_ours(seed, bench)
            else:
                figures, policy = run_article(config, seed, bench)
            figures["final"], per_session[(label, seed)] = final_figures(
                policy, bench, greedy_result
            )
            figures.update(name=label, seed=seed)
            runs.append(figures)
            print(
                f"  {figures['steps_per_s_overall']:,.0f} steps/s overall, "
                f"time to greedy: {_reached(figures['reached_greedy'])}, "
                f"final {_interval(_final_triple(figures['final']))}",
                flush=True,
            )
        # Ours minus each of the article's runs, shopper by shopper.
        if (OURS, seed) not in per_session:
            continue
        ours = per_session[(OURS, seed)]
        for run in runs:
            if run["seed"] == seed and run["name"] != OURS:
                run["ours_minus_this"] = list(
                    evaluation.paired_difference(
                        ours, per_session[(run["name"], seed)], seed=FINAL_SEED
                    )
                )

    # Issue 4: the first of the article's runs that ran against ours.
    first = [run for run in runs if run["seed"] == seeds[0]]
    articles = [run for run in first if run["name"] != OURS]
    ours = [run for run in first if run["name"] == OURS]
    verdict = issue_4(articles[0], ours[0]) if articles and ours else None
    result = {
        "benchmark": "article_loop",
        "machine": info,
        "settings": {
            "steps": steps,
            "seeds": list(seeds),
            "eval_every": eval_every,
            "eval_sessions": bench.eval_sessions,
            "eval_seed": bench.eval_seed,
            "final_sessions": FINAL_SESSIONS,
            "final_seed": FINAL_SEED,
            "torch_threads": 1,
            "article_epsilon_decay_steps": epsilon_steps,
            "fixes": list(article_dqn.FIXES),
            "fix_labels": dict(article_dqn.FIX_LABELS),
            "variants": [label for label, _ in plans],
        },
        "greedy": {"eval_return": bench.greedy_return, "final": greedy_final},
        "runs": runs,
        "issue_4": verdict,
        "differences_after_all_fixes": list(DIFFERENCES),
        "wall_seconds": time.perf_counter() - started,
    }
    return report(result, markdown(result), json_path)


if __name__ == "__main__":
    main()
