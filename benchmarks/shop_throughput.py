"""Shop throughput: shopper-steps per second with random actions.

Measures, on one core, the vectorised shop (``VectorShop.step_arrays``) at
several batch sizes and catalog sizes, the single Gymnasium environment, and
a plain per-shopper Python loop over the same dynamics (``BeautyShopEnv``
stepped shopper by shopper, which is how a non-vectorised simulator runs a
batch). Each figure is the median of ``--repeats`` timed runs; ratios compare
figures measured in the same run. The table ends with issue 4's goal: the
vector shop at 5,000 products runs at least ``GOAL_STEPS_PER_S``
shopper-steps per second at one of the batch sizes measured.

Usage::

    python benchmarks/shop_throughput.py            # default, two to three minutes
    python benchmarks/shop_throughput.py --long     # more repeats and sizes
    python benchmarks/shop_throughput.py --json results/shop_throughput.json
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from machine import machine_info, report  # noqa: E402

from beautyrl_lib.sim import BeautyShopEnv, ShopConfig, VectorShop  # noqa: E402

GOAL_PRODUCTS = 5000
GOAL_STEPS_PER_S = 100_000


def vector_rate(n_products: int, num_envs: int, steps: int, repeats: int) -> float:
    """Median shopper-steps per second of the vectorised shop."""
    shop = VectorShop(ShopConfig(n_products=n_products), num_envs=num_envs)
    shop.reset(seed=0)
    rng = np.random.default_rng(0)
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            shop.step_arrays(rng.integers(0, n_products, num_envs))
        rates.append(steps * num_envs / (time.perf_counter() - start))
    return statistics.median(rates)


def single_rate(n_products: int, steps: int, repeats: int) -> float:
    """Median steps per second of one ``BeautyShopEnv``."""
    env = BeautyShopEnv(ShopConfig(n_products=n_products))
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    rates = []
    for _ in range(repeats):
        actions = rng.integers(0, n_products, steps)
        start = time.perf_counter()
        for a in actions:
            _, _, terminated, truncated, _ = env.step(int(a))
            if terminated or truncated:
                env.reset()
        rates.append(steps / (time.perf_counter() - start))
    return statistics.median(rates)


def python_loop_rate(n_products: int, batch: int, steps: int, repeats: int) -> float:
    """Median shopper-steps per second stepping ``batch`` single envs in a loop."""
    envs = [BeautyShopEnv(ShopConfig(n_products=n_products)) for _ in range(batch)]
    for i, env in enumerate(envs):
        env.reset(seed=i)
    rng = np.random.default_rng(0)
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            actions = rng.integers(0, n_products, batch)
            for env, a in zip(envs, actions, strict=True):
                _, _, terminated, truncated, _ = env.step(int(a))
                if terminated or truncated:
                    env.reset()
        rates.append(steps * batch / (time.perf_counter() - start))
    return statistics.median(rates)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per figure")
    parser.add_argument("--long", action="store_true", help="more repeats and sizes")
    parser.add_argument("--json", default=None, help="write the results here")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1; got {args.repeats}")
    started = time.perf_counter()
    info = machine_info()
    repeats = args.repeats * (3 if args.long else 1)
    batches = (256, 4096, 16384) + ((65536,) if args.long else ())

    rows = []
    for n_products in (50, 500, 5000):
        single = single_rate(n_products, steps=3000, repeats=repeats)
        loop = python_loop_rate(n_products, batch=64, steps=40, repeats=repeats)
        for batch in batches:
            steps = max(20, 400_000 // batch)
            rate = vector_rate(n_products, batch, steps, repeats)
            rows.append(
                {
                    "n_products": n_products,
                    "batch": batch,
                    "vector_steps_per_s": rate,
                    "single_env_steps_per_s": single,
                    "python_loop_steps_per_s": loop,
                    "vector_over_single": rate / single,
                }
            )
            print(
                f"products {n_products:5d}  batch {batch:6d}  vector {rate:12,.0f}/s  "
                f"single env {single:9,.0f}/s  python loop {loop:9,.0f}/s  "
                f"vector/single {rate / single:7.1f}x",
                flush=True,
            )
    result = {
        "benchmark": "shop_throughput",
        "machine": info,
        "repeats": repeats,
        "rows": rows,
        "goal": goal(rows),
        "wall_seconds": time.perf_counter() - started,
    }
    return report(result, markdown(result), args.json)


def goal(rows: list[dict]) -> dict:
    """Issue 4's goal: the best vector-shop rate at ``GOAL_PRODUCTS`` products."""
    at_goal = [row for row in rows if row["n_products"] == GOAL_PRODUCTS]
    best = max(at_goal, key=lambda row: row["vector_steps_per_s"])
    return {
        "n_products": GOAL_PRODUCTS,
        "steps_per_s": GOAL_STEPS_PER_S,
        "best_batch": best["batch"],
        "best_vector_steps_per_s": best["vector_steps_per_s"],
        "batches_meeting_it": [
            row["batch"]
            for row in at_goal
            if row["vector_steps_per_s"] >= GOAL_STEPS_PER_S
        ],
    }


def markdown(result: dict) -> str:
    """The result as a Markdown table, then the goal's verdict."""
    lines = [
        f"Random actions, median of {result['repeats']} timed runs; "
        "shopper-steps per second.",
        "",
        "| products | batch | vector shop | single env | Python loop of envs "
        "| vector / single |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['n_products']:,} | {row['batch']:,} | "
            f"{row['vector_steps_per_s']:,.0f} | {row['single_env_steps_per_s']:,.0f} "
            f"| {row['python_loop_steps_per_s']:,.0f} | "
            f"{row['vector_over_single']:.0f}x |"
        )
    target = result.get("goal")
    if target is not None:
        meeting = target["batches_meeting_it"]
        verdict = (
            "met at batch " + ", ".join(f"{batch:,}" for batch in meeting)
            if meeting
            else "not met at any batch measured"
        )
        lines += [
            "",
            f"Issue 4's goal, at least {target['steps_per_s']:,} shopper-steps per "
            f"second at {target['n_products']:,} products: {verdict} (best "
            f"{target['best_vector_steps_per_s']:,.0f} at batch "
            f"{target['best_batch']:,}).",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
