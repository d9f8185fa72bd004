"""Where our DQN training spends its wall time, against a floor for the updates.

Trains with the default settings (``ShopConfig()``, ``DQNConfig()``,
``TrainConfig()``; a shorter step budget unless ``--long``) and reports the
share of the wall time in each phase of the loop, from ``TrainResult.timing``:

* ``update``: sampling from replay and the gradient steps;
* ``act``: epsilon-greedy actions from the online network;
* ``shop``: stepping the 64 shoppers of the vector shop;
* ``bookkeeping``: storing transitions, counting sessions, metrics rows;
* ``evaluation``: the held-out evaluations during training;
* ``setup``: the rest of the call (building the shop, agent and replay).

PyTorch's one-time start-up in a fresh process (lazy imports when the first
optimizer is built, a second or more) is timed separately before training and
is not part of the shares.

Then, in the same process, the cost of one update is taken apart:

* the floor: a bare forward, backward and Adam step of the same network
  (``QNetwork`` with ``DQNConfig().hidden``, 63 inputs, 50 outputs, the same
  fused Adam) at the same batch size, on fixed tensors;
* the steps ``DQNAgent.update`` adds to it, each timed on its own on batches
  from a replay buffer filled by the shop: sampling and converting a batch,
  the TD target (the target network's forward pass, the mask, the max),
  the input checks and gather of ``dqn_loss``, gradient clipping, and the
  statistics read back to Python once per update;
* the whole ``DQNAgent.update`` on the same batches, to check the parts add up.

"Floor times updates" is what the update phase would cost if an update were
only the bare step; the difference to the measured update phase is the update
overhead. GitHub issue 4 asks for at least 60% of training wall time in
gradient updates at the default settings; the script says whether the run
met it.

Each micro-benchmark figure is the median over ``--repeats`` timed runs.
PyTorch runs on one thread (``DQNConfig.torch_threads``).

Usage::

    python benchmarks/time_breakdown.py            # 100,000 steps, about 1 CPU-minute
    python benchmarks/time_breakdown.py --long     # 200,000 steps, about 2.5 CPU-min
    python benchmarks/time_breakdown.py --steps 20000 --json /tmp/breakdown.json
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import replace

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from machine import machine_info, report  # noqa: E402

from beautyrl_lib.agents.dqn import (  # noqa: E402
    DQNAgent,
    DQNConfig,
    bootstrap_values,
    dqn_loss,
    td_target,
)
from beautyrl_lib.agents.qnetwork import QNetwork  # noqa: E402
from beautyrl_lib.agents.replay import (  # noqa: E402
    ReplayBuffer,
    mask_after_recommending,
)
from beautyrl_lib.sim import OBS_DIM, ShopConfig, VectorShop  # noqa: E402
from beautyrl_lib.training import TrainConfig, train  # noqa: E402

DEFAULT_STEPS = 100_000
TARGET_UPDATE_SHARE = 0.60
"""Issue 4's goal: at least this share of training wall time in gradient updates."""
PHASES = ("update", "act", "shop", "bookkeeping", "evaluation", "setup")


def median_seconds(run, iterations: int, repeats: int) -> float:
    """Median over ``repeats`` of the mean seconds per call of ``run(i)``."""
    for i in range(min(20, iterations)):  # warm-up: allocator, caches
        run(i)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(iterations):
            run(i)
        times.append((time.perf_counter() - start) / iterations)
    return statistics.median(times)


def filled_replay(shop: ShopConfig, dqn: DQNConfig, seed: int) -> ReplayBuffer:
    """A replay buffer filled to capacity with random-policy shop transitions,
    stored the way the training loop stores them (masks included)."""
    vec = VectorShop(shop, num_envs=256, autoreset=True)
    n_products = vec.catalog.n_products
    replay = ReplayBuffer(dqn.buffer_size, OBS_DIM, seed=seed, n_actions=n_products)
    rng = np.random.default_rng(seed)
    obs, _ = vec.reset(seed=seed)
    while len(replay) < replay.capacity:
        mask = vec.action_mask()
        # Random products among those not yet shown, as epsilon = 1 would pick.
        actions = (rng.random(mask.shape) * mask).argmax(axis=1)
        next_obs, rewards, terminated, truncated, info = vec.step_arrays(actions)
        ended = terminated | truncated
        stored_next = next_obs.copy()
        if ended.any():
            stored_next[ended] = info["final_obs"]
        replay.add_batch(
            obs,
            actions,
            rewards,
            stored_next,
            terminated,
            truncated,
            mask_after_recommending(mask, actions),
        )
        obs = next_obs
    return replay


def update_parts(shop: ShopConfig, seed: int, iterations: int, repeats: int) -> dict:
    """Seconds per update: the floor, each step the update adds, the whole update."""
    dqn = DQNConfig()
    torch.set_num_threads(dqn.torch_threads)
    replay = filled_replay(shop, dqn, seed)
    n_products = replay.n_actions
    batches = [replay.sample(dqn.batch_size) for _ in range(16)]

    def batch(i):
        return batches[i % len(batches)]

    # The floor: forward, loss, backward and Adam step of the same network on
    # fixed tensors; nothing else.
    net = QNetwork(OBS_DIM, n_products, dqn.hidden, seed=seed)
    optimizer = torch.optim.Adam(net.parameters(), lr=dqn.lr, fused=True)
    fixed = batches[0]
    goal = torch.zeros(dqn.batch_size)

    def bare_step(i):
        q_taken = net(fixed.obs).gather(1, fixed.actions.unsqueeze(1)).squeeze(1)
        loss = F.huber_loss(q_taken, goal)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    # The steps of DQNAgent.update, each on its own.
    agent = DQNAgent(OBS_DIM, n_products, dqn, seed=seed)
    params = list(agent.online.parameters())

    def target_step(i):
        b = batch(i)
        with torch.no_grad():
            values = bootstrap_values(
                agent.target, b.next_obs, None, b.next_action_mask
            )
            td_target(b.rewards, values, b.terminated, dqn.gamma)

    def target_forward_only(i):
        with torch.no_grad():
            agent.target(batch(i).next_obs).max(dim=1)

    targets = torch.zeros(dqn.batch_size)

    def loss_checked(i):
        b = batch(i)
        with torch.no_grad():
            dqn_loss(agent.online(b.obs), b.actions, targets, dqn.huber_delta)

    def loss_bare(i):
        b = batch(i)
        with torch.no_grad():
            q_taken = agent.online(b.obs).gather(1, b.actions.unsqueeze(1)).squeeze(1)
            F.huber_loss(q_taken, targets)

    def backward_and_clip(i):
        b = batch(i)
        loss = F.huber_loss(
            agent.online(b.obs).gather(1, b.actions.unsqueeze(1)).squeeze(1), targets
        )
        agent.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, dqn.max_grad_norm)

    def backward_only(i):
        b = batch(i)
        loss = F.huber_loss(
            agent.online(b.obs).gather(1, b.actions.unsqueeze(1)).squeeze(1), targets
        )
        agent.optimizer.zero_grad(set_to_none=True)
        loss.backward()

    stats = [torch.tensor(float(k)) for k in range(4)]

    def stats_readback(i):
        torch.stack(stats).tolist()

    def full_update(i):
        agent.update(batch(i))

    def timed(run):
        return median_seconds(run, iterations, repeats)

    parts = {
        "floor": timed(bare_step),
        "sample": timed(lambda i: replay.sample(dqn.batch_size)),
        "target_total": timed(target_step),
        "target_forward_max": timed(target_forward_only),
        "loss_checked": timed(loss_checked),
        "loss_bare": timed(loss_bare),
        "backward_clip": timed(backward_and_clip),
        "backward": timed(backward_only),
        "stats_readback": timed(stats_readback),
        "agent_update": timed(full_update),
    }
    return {
        "floor": parts["floor"],
        "sample": parts["sample"],
        "target_forward_max": parts["target_forward_max"],
        "target_mask_and_td": parts["target_total"] - parts["target_forward_max"],
        "loss_checks": parts["loss_checked"] - parts["loss_bare"],
        "grad_clipping": parts["backward_clip"] - parts["backward"],
        "stats_readback": parts["stats_readback"],
        "agent_update": parts["agent_update"],
        "raw": parts,
    }


def torch_first_use() -> float:
    """Seconds of PyTorch's one-time start-up cost in this process.

    The first network and the first optimizer built in a process pay for lazy
    imports (building an optimizer imports ``torch._dynamo``). Every training
    run started in a fresh process pays this once; it is timed here, before
    training, so the phase shares describe the loop itself.
    """
    start = time.perf_counter()
    net = QNetwork(OBS_DIM, 2, (2,), seed=0)
    optimizer = torch.optim.Adam(net.parameters(), fused=True)
    net(torch.zeros(1, OBS_DIM)).sum().backward()
    optimizer.step()
    return time.perf_counter() - start


def breakdown(steps: int, seed: int, iterations: int, repeats: int) -> dict:
    """Train, then time the update's parts; all figures of the benchmark."""
    first_use = torch_first_use()
    shop = ShopConfig()
    settings = replace(TrainConfig(), total_steps=steps)
    start = time.perf_counter()
    result = train(shop, DQNConfig(), settings, seed=seed, progress=False)
    wall = time.perf_counter() - start
    timing = dict(result.timing)
    timing["setup"] = wall - sum(timing.values())
    updates = result.agent.n_updates

    parts = update_parts(shop, seed, iterations, repeats)
    per_update = timing["update"] / updates
    floor_total = parts["floor"] * updates
    named = (
        "sample",
        "target_forward_max",
        "target_mask_and_td",
        "loss_checks",
        "grad_clipping",
        "stats_readback",
    )
    explained = parts["floor"] + sum(parts[k] for k in named)
    return {
        "env_steps": result.agent.env_steps,
        "updates": updates,
        "wall_seconds": wall,
        "torch_first_use_seconds": first_use,
        "phase_seconds": timing,
        "phase_share": {k: timing[k] / wall for k in PHASES},
        "update_share": timing["update"] / wall,
        "meets_issue_goal": timing["update"] / wall >= TARGET_UPDATE_SHARE,
        "per_update_in_loop": per_update,
        "update_parts": parts,
        "floor_times_updates": floor_total,
        "floor_share_of_wall": floor_total / wall,
        "update_overhead_over_floor": per_update / parts["floor"] - 1.0,
        "parts_sum_per_update": explained,
        "unexplained_per_update": per_update - explained,
        "micro_update_plus_sample": parts["agent_update"] + parts["sample"],
    }


def markdown(result: dict) -> str:
    """The result as two Markdown tables with a sentence of context each."""
    r = result["figures"]
    s = result["settings"]
    share = r["update_share"]
    verdict = "meets" if r["meets_issue_goal"] else "misses"
    lines = [
        f"Our DQN at the default settings, {r['env_steps']:,} environment steps "
        f"({r['updates']:,} updates of batch {s['batch_size']}), seed {s['seed']}, "
        f"{r['wall_seconds']:.1f} s wall: "
        f"{r['env_steps'] / r['wall_seconds']:,.0f} environment steps and "
        f"{r['updates'] / r['wall_seconds']:,.0f} gradient updates per second. "
        f"Gradient updates take {share:.0%} of "
        f"the wall time, which {verdict} issue 4's goal of "
        f"{TARGET_UPDATE_SHARE:.0%}. Not included: PyTorch's one-time start-up "
        f"in a fresh process ({r['torch_first_use_seconds']:.1f} s, mostly "
        "lazy imports when the first optimizer is built).",
        "",
        "| phase | seconds | share |",
        "|---|---:|---:|",
    ]
    for phase in PHASES:
        lines.append(
            f"| {phase} | {r['phase_seconds'][phase]:.2f} | "
            f"{r['phase_share'][phase]:.1%} |"
        )
    p = r["update_parts"]
    ms = 1000.0
    rows = (
        ("floor: bare forward + backward + Adam step", p["floor"]),
        ("sample a batch from replay (indices, copies, mask unpacking)", p["sample"]),
        ("target network forward pass and max", p["target_forward_max"]),
        ("masking the max, TD target", p["target_mask_and_td"]),
        ("input checks and gather of dqn_loss", p["loss_checks"]),
        ("gradient clipping", p["grad_clipping"]),
        ("statistics read back to Python", p["stats_readback"]),
        ("sum of the parts", r["parts_sum_per_update"]),
        ("one update in the training loop (measured)", r["per_update_in_loop"]),
        ("DQNAgent.update + sample, measured alone", r["micro_update_plus_sample"]),
    )
    lines += [
        "",
        f"One update, in milliseconds (median of {s['repeats']} runs of "
        f"{s['iterations']} calls; the floor times the number of updates would be "
        f"{r['floor_times_updates']:.1f} s, {r['floor_share_of_wall']:.0%} of the "
        f"wall time; the update in the loop costs "
        f"{r['update_overhead_over_floor']:.0%} more than the floor):",
        "",
        "| part | ms per update |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {seconds * ms:.3f} |" for name, seconds in rows]

    # Where the rest goes, in words: the biggest phase besides the updates and
    # the biggest part of the update's overhead.
    others = {k: v for k, v in r["phase_share"].items() if k != "update"}
    biggest = max(others, key=others.get)
    overhead = {name: seconds for name, seconds in rows[1:7]}
    costliest = max(overhead, key=overhead.get)
    gap = r["per_update_in_loop"] - p["floor"]
    lines += [
        "",
        f"Outside the updates, the largest phase is {biggest} "
        f"({others[biggest]:.1%} of the wall time). Of the {gap * ms:.2f} ms an "
        f"update costs above the floor, the largest part is "
        f"{costliest} ({overhead[costliest] * ms:.2f} ms); the parts leave "
        f"{r['unexplained_per_update'] * ms:.2f} ms per update unexplained.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--steps", type=int, default=None, help=f"budget (default {DEFAULT_STEPS:,})"
    )
    parser.add_argument(
        "--long", action="store_true", help="the full TrainConfig().total_steps"
    )
    parser.add_argument("--seed", type=int, default=0, help="training seed")
    parser.add_argument(
        "--iterations", type=int, default=100, help="calls per timed run"
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per part")
    parser.add_argument("--json", default=None, help="write the results here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    steps = args.steps or (TrainConfig().total_steps if args.long else DEFAULT_STEPS)
    info = machine_info()
    figures = breakdown(steps, args.seed, args.iterations, args.repeats)
    result = {
        "benchmark": "time_breakdown",
        "machine": info,
        "settings": {
            "steps": steps,
            "seed": args.seed,
            "iterations": args.iterations,
            "repeats": args.repeats,
            "batch_size": DQNConfig().batch_size,
            "hidden": list(DQNConfig().hidden),
            "dqn": DQNConfig().to_dict(),
        },
        "figures": figures,
        "wall_seconds": time.perf_counter() - started,
    }
    return report(result, markdown(result), args.json)


if __name__ == "__main__":
    main()
