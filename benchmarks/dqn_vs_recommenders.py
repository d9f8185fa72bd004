"""Trained DQN runs against the shop's deployable recommenders, shopper by shopper.

``python -m beautyrl_lib compare`` prints each policy's mean return and its
95% interval. This script adds what the DQN target of issue 3 is judged on,
for each trained run against each of ``random``, ``popularity``, ``greedy``
and ``bandit``:

* the ratio of mean returns;
* whether the two 95% intervals are apart (the DQN's low end above the
  baseline's high end);
* the paired difference of returns on the same shoppers, with its bootstrap
  95% interval.

Every policy is built with the training seed ``compare --seed`` would give it
(``cli.training_seed``), so the figures match the ``compare`` table on the
same cohort. The runs are trained beforehand, for example::

    python -m beautyrl_lib train --out runs/s0 --seed 0
    python -m beautyrl_lib train --out runs/s1 --seed 1
    python -m beautyrl_lib train --out runs/s2 --seed 2
    python benchmarks/dqn_vs_recommenders.py runs/s0 runs/s1 runs/s2 \\
        --sessions 10000 --json /tmp/dqn_vs_recommenders.json

Shop options (``--products``, ``--strength``) must match the ones the runs
were trained with.
"""

from __future__ import annotations

import argparse
import json

from beautyrl_lib import evaluation
from beautyrl_lib.agents.registry import make_policy
from beautyrl_lib.cli import training_seed
from beautyrl_lib.sim import ShopConfig

BASELINES = ("random", "popularity", "greedy", "bandit")
PAIRED_SEED = 11


def compare_runs(runs: list[str], shop: ShopConfig, sessions: int, seed: int) -> dict:
    """Evaluate the baselines and each run on one cohort; pair them up."""
    results = {}
    for spec in (*BASELINES, *(f"dqn:{run}" for run in runs)):
        policy = make_policy(spec, shop, training_seed(seed, spec))
        results[spec] = evaluation.evaluate(policy, shop, sessions, seed=seed)

    table = {"baselines": {}, "runs": {}}
    for name in BASELINES:
        m = results[name].metrics()
        table["baselines"][name] = [
            m["mean_return"],
            m["return_ci_low"],
            m["return_ci_high"],
        ]
    for run in runs:
        dqn = results[f"dqn:{run}"]
        m = dqn.metrics()
        row = {"return": [m["mean_return"], m["return_ci_low"], m["return_ci_high"]]}
        for name in BASELINES:
            base = results[name].metrics()
            mean, low, high = evaluation.paired_difference(
                dqn, results[name], seed=PAIRED_SEED
            )
            row[name] = {
                "ratio": m["mean_return"] / base["mean_return"],
                "intervals_apart": m["return_ci_low"] > base["return_ci_high"],
                "paired_difference": [mean, low, high],
            }
        table["runs"][run] = row
    return table


def markdown(table: dict) -> str:
    """One line per run and baseline: ratio, apart or not, paired difference."""
    lines = ["| run | return | vs | ratio | intervals apart | paired difference |"]
    lines.append("|---|---|---|---:|---|---|")
    for run, row in table["runs"].items():
        mean, low, high = row["return"]
        for name in BASELINES:
            cell = row[name]
            d_mean, d_low, d_high = cell["paired_difference"]
            apart = "yes" if cell["intervals_apart"] else "no"
            lines.append(
                f"| {run} | {mean:.2f} [{low:.2f}, {high:.2f}] | {name} "
                f"| {cell['ratio']:.2f}x | {apart} "
                f"| {d_mean:+.2f} [{d_low:+.2f}, {d_high:+.2f}] |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="folders written by the train command")
    parser.add_argument("--sessions", type=int, default=10_000, help="cohort size")
    parser.add_argument("--seed", type=int, default=7, help="cohort seed")
    parser.add_argument("--products", type=int, default=50, help="catalog size")
    parser.add_argument("--strength", type=float, default=1.0, help="long-term effects")
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args(argv)

    shop = ShopConfig(n_products=args.products, long_term_strength=args.strength)
    table = compare_runs(args.runs, shop, args.sessions, args.seed)
    table["settings"] = {
        "sessions": args.sessions,
        "cohort_seed": args.seed,
        "shop": {"n_products": args.products, "long_term_strength": args.strength},
    }
    print(markdown(table))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(table, f, indent=2, sort_keys=True)
    return table


if __name__ == "__main__":
    main()
