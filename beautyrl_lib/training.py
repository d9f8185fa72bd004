"""The DQN training loop: vector shop, replay, updates, evaluation, checkpoints.

One iteration of the loop is one step of every shopper in the vector shop:

1. act: epsilon-greedy products from the online network, among unshown ones;
2. step the shop; finished sessions restart in the same step;
3. store the transitions in replay, with the session's *last* observation as
   ``next_obs`` of a finished session (never the next shopper's first);
4. count the environment steps and run the gradient updates now due;
5. every ``log_every`` steps write a row of ``train/`` metrics, every
   ``eval_every`` steps evaluate greedily on a held-out cohort (``eval/``
   metrics) and write the ``last`` checkpoint, and ``best`` when the held-out
   return improved.

Everything that determines the future of a run is in the ``last`` checkpoint:
networks, optimiser, replay, every random generator, the shop's sessions in
progress, counters and the running episode statistics. Resuming from it
therefore continues exactly as the uninterrupted run would have (tested).
Checkpoints are plain dicts of tensors and numbers, loaded with
``torch.load(..., weights_only=True)``, so loading one never runs code.

The metrics CSV holds no wall-clock times, so the same seed writes the same
file byte for byte; timings go to ``timing.json``.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from beautyrl_lib.agents.dqn import (
    DQNAgent,
    DQNConfig,
    DQNPolicy,
    TrainingDivergedError,
)
from beautyrl_lib.agents.replay import ReplayBuffer, mask_after_recommending
from beautyrl_lib.errors import CheckpointError, ConfigError, invalid
from beautyrl_lib.sim import OBS_DIM, ShopConfig, VectorShop

logger = logging.getLogger(__name__)

CHECKPOINT_FORMAT = "beautyrl-dqn-checkpoint"
CHECKPOINT_VERSION = 1
TRAIN_COLUMNS = (
    "env_steps",
    "updates",
    "train/epsilon",
    "train/episodes",
    "train/episode_return",
    "train/episode_length",
    "train/loss",
    "train/q_mean",
    "train/grad_norm",
)
EVAL_COLUMNS = (
    "eval/mean_return",
    "eval/return_ci_low",
    "eval/return_ci_high",
    "eval/click_rate",
    "eval/conversion",
    "eval/suited_purchase_share",
    "eval/mean_session_length",
)
COLUMNS = TRAIN_COLUMNS + EVAL_COLUMNS
"""Columns of ``metrics.csv``; the glossary of each is in the README."""


@dataclass(frozen=True)
class TrainConfig:
    """How long and how a DQN is trained (the agent's own settings are DQNConfig)."""

    total_steps: int = 200_000
    """Environment steps (shopper-steps) to train for. 200,000 keeps the default
    run within three minutes on two shared CPU cores (300,000 took 212 s on
    an idle machine of that kind); it learns most of what 300,000 does."""
    num_envs: int = 64
    """Shoppers stepped at once by the vector shop."""
    log_every: int = 10_000
    """Environment steps between rows of train/ metrics."""
    eval_every: int = 50_000
    """Environment steps between held-out evaluations and checkpoints."""
    eval_sessions: int = 2000
    """Sessions of the held-out cohort used during training. The best checkpoint
    is picked by these evaluations; with 500 sessions their noise (about
    +-0.5 points) was as large as the differences between checkpoints."""
    eval_seed: int = 10_007
    """Cohort seed of the evaluations during training (keep it apart from the
    cohort you report final results on)."""
    tensorboard: bool = False
    """Also write TensorBoard scalars, when the tensorboard package is installed."""

    def __post_init__(self) -> None:
        for name, low, high in (
            ("total_steps", 1, 10**9),
            ("num_envs", 1, 65_536),
            ("log_every", 1, 10**9),
            ("eval_every", 1, 10**9),
            ("eval_sessions", 10, 1_000_000),
            ("eval_seed", 0, 2**62),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise invalid(name, value, f"an integer from {low} to {high}")
            if not low <= value <= high:
                raise invalid(name, value, f"an integer from {low} to {high}")
        if self.eval_every % self.log_every:
            raise invalid(
                "eval_every",
                self.eval_every,
                f"a multiple of log_every={self.log_every}",
            )
        if not isinstance(self.tensorboard, bool):
            raise invalid("tensorboard", self.tensorboard, "True or False")


@dataclass
class TrainResult:
    """What a training run produced."""

    agent: DQNAgent
    """The agent at the end of training (its online network is the last one)."""
    metrics: list[dict]
    """Rows of metrics.csv as dicts (numbers, or None for empty cells)."""
    out_dir: Path | None
    """Folder with config.json, metrics.csv, checkpoints and the curve."""
    best_return: float
    """Best held-out mean return seen during training."""
    timing: dict = field(default_factory=dict)
    """Wall-clock seconds by phase: update, act, shop, bookkeeping, evaluation."""

    def policy(self) -> DQNPolicy:
        """The trained agent as a greedy shop policy."""
        return DQNPolicy(self.agent)


# ------------------------------------------------------------------ the loop
class _Stats:
    """Running sums between two log rows (part of the checkpoint)."""

    def __init__(self, num_envs: int) -> None:
        self.session_return = np.zeros(num_envs)
        self.session_length = np.zeros(num_envs, dtype=np.int64)
        self.reset_window()

    def reset_window(self) -> None:
        self.episodes = 0
        self.return_sum = 0.0
        self.length_sum = 0
        self.updates = 0
        self.loss_sum = 0.0
        self.q_sum = 0.0
        self.grad_sum = 0.0

    def state_dict(self) -> dict:
        state = {k: v for k, v in vars(self).items() if not isinstance(v, np.ndarray)}
        state["session_return"] = torch.from_numpy(self.session_return.copy())
        state["session_length"] = torch.from_numpy(self.session_length.copy())
        return state

    def load_state_dict(self, state: dict) -> None:
        for key, value in state.items():
            setattr(
                self, key, value.numpy().copy() if torch.is_tensor(value) else value
            )


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, int):
        return str(value)
    return f"{value:.6g}"


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31:
        raise invalid("seed", seed, "an integer from 0 to 2**31 - 1")
    return seed


def train(
    shop: ShopConfig | None = None,
    dqn: DQNConfig | None = None,
    settings: TrainConfig | None = None,
    seed: int = 0,
    out_dir: str | Path | None = None,
    resume: bool = False,
    progress: bool = True,
    on_row: Callable[[dict], None] | None = None,
) -> TrainResult:
    """Train a DQN recommender on the beauty shop.

    Args:
        shop: The shop (defaults to ``ShopConfig()``).
        dqn: Agent hyperparameters (defaults to ``DQNConfig()``).
        settings: Loop settings (defaults to ``TrainConfig()``).
        seed: Seeds the agent, the replay sampling and the training shoppers.
        out_dir: Folder for config.json, metrics.csv, checkpoints/ and the
            learning curve; ``None`` keeps everything in memory.
        resume: Continue from ``out_dir/checkpoints/last.pt`` (written by an
            earlier run with the same configuration and seed).
        progress: Show a progress bar.
        on_row: Called with a copy of each metrics row just after the loop
            writes it (after that row's evaluation, if any), for example to
            note when each row was reached. Rows read back on resume are not
            passed again. ``None`` calls nothing.

    Returns:
        The trained agent, the metrics and the output folder.

    Raises:
        TrainingDivergedError: If an update produced a non-finite loss; the
            message names the last good checkpoint.
        CheckpointError: If ``resume`` finds no checkpoint of this run.
    """
    shop = ShopConfig() if shop is None else shop
    dqn = DQNConfig() if dqn is None else dqn
    settings = TrainConfig() if settings is None else settings
    seed = _check_seed(seed)
    for name, value, kind in (
        ("shop", shop, ShopConfig),
        ("dqn", dqn, DQNConfig),
        ("settings", settings, TrainConfig),
    ):
        if not isinstance(value, kind):
            raise invalid(name, value, f"a {kind.__name__}")
    if on_row is not None and not callable(on_row):
        raise invalid("on_row", on_row, "a function taking a metrics row, or None")
    out = None if out_dir is None else Path(out_dir)
    if resume and out is None:
        raise invalid(
            "out_dir", None, "the folder of the run to resume when resume=True"
        )

    run = _Run(shop, dqn, settings, seed, out, on_row)
    if resume:
        run.restore(out / "checkpoints" / "last.pt")
    elif out is not None:
        run.start_files()
    return run.loop(progress)


class _Run:
    """State of one training run; ``loop`` advances it to ``total_steps``."""

    def __init__(self, shop, dqn, settings, seed, out, on_row=None) -> None:
        self.shop_config, self.dqn_config, self.settings = shop, dqn, settings
        self.seed, self.out, self.on_row = seed, out, on_row
        self.vec = VectorShop(shop, num_envs=settings.num_envs, autoreset=True)
        n_products = self.vec.catalog.n_products
        self.agent = DQNAgent(OBS_DIM, n_products, dqn, seed=seed)
        self.replay = ReplayBuffer(
            dqn.buffer_size, OBS_DIM, seed=seed + 1, n_actions=n_products
        )
        # Training shoppers come from reset seeds; evaluation cohorts live in a
        # separate key space, so the two never meet.
        self.obs, _ = self.vec.reset(seed=seed * settings.num_envs)
        self.stats = _Stats(settings.num_envs)
        self.metrics: list[dict] = []
        self.best_return = -math.inf
        self.timing = dict.fromkeys(
            ("update", "act", "shop", "bookkeeping", "evaluation"), 0.0
        )
        self.writer = _tensorboard(out) if settings.tensorboard else None

    # ------------------------------------------------------------- files
    def config_dict(self) -> dict:
        return {
            "shop": self.shop_config.to_dict(),
            "dqn": self.dqn_config.to_dict(),
            "train": asdict(self.settings),
            "seed": self.seed,
        }

    def start_files(self) -> None:
        (self.out / "checkpoints").mkdir(parents=True, exist_ok=True)
        with open(self.out / "config.json", "w") as f:
            json.dump(self.config_dict(), f, indent=2, sort_keys=True)
            f.write("\n")
        with open(self.out / "metrics.csv", "w", newline="") as f:
            csv.writer(f, lineterminator="\n").writerow(COLUMNS)

    def append_row(self, row: dict) -> None:
        self.metrics.append(row)
        if self.out is not None:
            with open(self.out / "metrics.csv", "a", newline="") as f:
                csv.writer(f, lineterminator="\n").writerow(
                    [_fmt(row.get(c)) for c in COLUMNS]
                )
        if self.writer is not None:
            for key, value in row.items():
                if "/" in key and value is not None:
                    self.writer.add_scalar(key, value, row["env_steps"])

    # -------------------------------------------------------- checkpoints
    def checkpoint(self, full: bool) -> dict:
        state = {
            "format": CHECKPOINT_FORMAT,
            "version": CHECKPOINT_VERSION,
            "config": self.config_dict(),
            "agent": self.agent.state_dict(),
            "best_return": self.best_return,
        }
        if full:
            state.update(
                replay=self.replay.state_dict(),
                shop_state=self.vec.core.state_dict(),
                stats=self.stats.state_dict(),
                metrics_rows=len(self.metrics),
            )
        return state

    def save(self, name: str, full: bool) -> None:
        if self.out is None:
            return
        path = self.out / "checkpoints" / f"{name}.pt"
        tmp = path.with_suffix(".tmp")
        torch.save(self.checkpoint(full), tmp)
        tmp.replace(path)  # never leave a half-written checkpoint behind

    def restore(self, path: Path) -> None:
        state = load_checkpoint(path)
        # Only the step budget may change on resume (to train longer).
        theirs, mine = state["config"], self.config_dict()
        differ = sorted(
            f"{part}.{key}" if isinstance(mine[part], dict) else part
            for part in mine
            for key in (mine[part] if isinstance(mine[part], dict) else [None])
            if (part, key) != ("train", "total_steps")
            and _get(theirs, part, key) != _get(mine, part, key)
        )
        if differ:
            raise CheckpointError(
                f"{path} belongs to another run: its configuration differs in "
                f"{differ}; resume with the same shop, dqn, settings and seed "
                "(only --steps may change)"
            )
        if "replay" not in state:
            raise CheckpointError(f"{path} holds weights only; resume needs last.pt")
        self.agent.load_state_dict(state["agent"])
        self.replay.load_state_dict(state["replay"])
        self.vec.core.load_state_dict(state["shop_state"])
        self.stats.load_state_dict(state["stats"])
        self.obs = self.vec.core.obs.copy()
        self.best_return = state["best_return"]
        self.metrics = _read_metrics(self.out / "metrics.csv")[: state["metrics_rows"]]
        with open(self.out / "metrics.csv", "w", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(COLUMNS)
            for row in self.metrics:
                writer.writerow([_fmt(row.get(c)) for c in COLUMNS])
        logger.info("resumed %s at %d environment steps", path, self.agent.env_steps)

    # --------------------------------------------------------------- loop
    def loop(self, progress: bool) -> TrainResult:
        settings, agent, vec = self.settings, self.agent, self.vec
        n = settings.num_envs
        bar = tqdm(
            total=settings.total_steps,
            initial=min(agent.env_steps, settings.total_steps),
            disable=not progress,
            unit="step",
            desc="training",
        )
        clock = time.perf_counter
        while agent.env_steps < settings.total_steps:
            # 1. Act: epsilon-greedy among products not yet shown.
            t0 = clock()
            mask = vec.action_mask()
            actions = agent.act(self.obs, mask, agent.epsilon)

            # 2. Step every shopper; finished sessions restart at once.
            t1 = clock()
            next_obs, rewards, terminated, truncated, info = vec.step_arrays(actions)

            # 3. Store transitions; a finished session's next_obs is its last obs,
            # and the next mask (products still unshown) bounds the target's max.
            t2 = clock()
            ended = terminated | truncated
            stored_next = next_obs
            if ended.any():
                stored_next = next_obs.copy()
                stored_next[ended] = info["final_obs"]
            self.replay.add_batch(
                self.obs,
                actions,
                rewards,
                stored_next,
                terminated,
                truncated,
                mask_after_recommending(mask, actions),
            )
            self._count_sessions(rewards, ended)
            self.obs = next_obs
            steps_before = agent.env_steps
            due = agent.count_env_steps(n)

            # 4. Gradient updates due at this step count.
            t3 = clock()
            for _ in range(due):
                try:
                    out = agent.update(self.sample())
                except TrainingDivergedError as error:
                    raise TrainingDivergedError(
                        f"{error}. Training stopped; the last good checkpoint is "
                        f"{self._last_path()}"
                    ) from error
                self.stats.updates += 1
                self.stats.loss_sum += out["loss"]
                self.stats.q_sum += out["q_mean"]
                self.stats.grad_sum += out["grad_norm"]
            t4 = clock()

            # 5. Logs, evaluations and checkpoints at their step counts.
            self._after_step(steps_before, agent.env_steps)
            bar.update(min(agent.env_steps, settings.total_steps) - bar.n)
            t5 = clock()
            self.timing["act"] += t1 - t0
            self.timing["shop"] += t2 - t1
            self.timing["bookkeeping"] += (t3 - t2) + (t5 - t4)
            self.timing["update"] += t4 - t3
        bar.close()
        self.timing["bookkeeping"] -= self.timing["evaluation"]
        if self.out is not None:
            self.save("last", full=True)
            _plot_curve(self.metrics, self.out / "learning_curve.png")
            with open(self.out / "timing.json", "w") as f:
                json.dump(self.timing, f, indent=2, sort_keys=True)
        if self.writer is not None:
            self.writer.close()
        return TrainResult(
            agent=agent,
            metrics=self.metrics,
            out_dir=self.out,
            best_return=self.best_return,
            timing=dict(self.timing),
        )

    def sample(self):
        """A training batch; n-step rows follow each shopper's slot, num_envs apart."""
        cfg = self.dqn_config
        return self.replay.sample(
            cfg.batch_size, cfg.n_step, cfg.gamma, stride=self.settings.num_envs
        )

    def _count_sessions(self, rewards: np.ndarray, ended: np.ndarray) -> None:
        stats = self.stats
        stats.session_return += rewards
        stats.session_length += 1
        if ended.any():
            stats.episodes += int(ended.sum())
            stats.return_sum += float(stats.session_return[ended].sum())
            stats.length_sum += int(stats.session_length[ended].sum())
            stats.session_return[ended] = 0.0
            stats.session_length[ended] = 0

    def _after_step(self, before: int, after: int) -> None:
        settings = self.settings
        last_step = after >= settings.total_steps
        if (
            after // settings.log_every == before // settings.log_every
            and not last_step
        ):
            return
        stats = self.stats
        row = dict.fromkeys(COLUMNS)
        row["env_steps"] = after
        row["updates"] = self.agent.n_updates
        row["train/epsilon"] = self.agent.epsilon
        row["train/episodes"] = stats.episodes
        if stats.episodes:
            row["train/episode_return"] = stats.return_sum / stats.episodes
            row["train/episode_length"] = stats.length_sum / stats.episodes
        if stats.updates:
            row["train/loss"] = stats.loss_sum / stats.updates
            row["train/q_mean"] = stats.q_sum / stats.updates
            row["train/grad_norm"] = stats.grad_sum / stats.updates
        stats.reset_window()

        is_eval = after // settings.eval_every != before // settings.eval_every
        if is_eval or last_step:
            start = time.perf_counter()
            row.update(self._evaluate())
            self.timing["evaluation"] += time.perf_counter() - start
        self.append_row(row)
        if self.on_row is not None:
            self.on_row(dict(row))  # a copy: the callback cannot alter metrics
        if is_eval or last_step:
            if row["eval/mean_return"] > self.best_return:
                self.best_return = row["eval/mean_return"]
                self.save("best", full=False)
            self.save("last", full=True)
        logger.info(
            "step %d: train return %s, eval return %s",
            after,
            _fmt(row["train/episode_return"]),
            _fmt(row["eval/mean_return"]),
        )

    def _evaluate(self) -> dict:
        from beautyrl_lib.evaluation import evaluate

        result = evaluate(
            DQNPolicy(self.agent),
            self.shop_config,
            n_sessions=self.settings.eval_sessions,
            seed=self.settings.eval_seed,
        )
        m = result.metrics()
        return {
            "eval/mean_return": m["mean_return"],
            "eval/return_ci_low": m["return_ci_low"],
            "eval/return_ci_high": m["return_ci_high"],
            "eval/click_rate": m["click_rate"],
            "eval/conversion": m["conversion"],
            "eval/suited_purchase_share": m["suited_purchase_share"],
            "eval/mean_session_length": m["mean_session_length"],
        }

    def _last_path(self) -> str:
        if self.out is None:
            return "not kept (out_dir=None)"
        path = self.out / "checkpoints" / "last.pt"
        return str(path) if path.exists() else "none yet (no evaluation had run)"


def _get(config: dict, part: str, key: str | None):
    value = config.get(part)
    return value if key is None or not isinstance(value, dict) else value.get(key)


# ------------------------------------------------------------- loading
def load_checkpoint(path: str | Path) -> dict:
    """Read a BeautyRL DQN checkpoint safely (``weights_only=True``).

    Raises:
        CheckpointError: If the file is missing, unreadable, or not ours.
    """
    path = Path(path)
    if not path.is_file():
        raise invalid(
            "checkpoint", str(path), "an existing checkpoint file", CheckpointError
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several types for bad files
        raise CheckpointError(
            f"checkpoint {str(path)!r} could not be read safely "
            f"({type(error).__name__}); it must be a file written by "
            "beautyrl_lib.training, and is not loaded as arbitrary pickle"
        ) from error
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(
            f"checkpoint {str(path)!r} is not a BeautyRL DQN checkpoint "
            f"(format {state.get('format') if isinstance(state, dict) else None!r}, "
            f"expected {CHECKPOINT_FORMAT!r})"
        )
    if state.get("version") != CHECKPOINT_VERSION:
        raise invalid(
            "checkpoint version",
            state.get("version"),
            str(CHECKPOINT_VERSION),
            CheckpointError,
        )
    return state


def load_policy(path: str | Path, shop: ShopConfig) -> DQNPolicy:
    """A trained policy from a run folder (its best checkpoint) or a ``.pt`` file.

    Raises:
        CheckpointError: If the checkpoint is not ours or was trained on a shop
            configured differently from ``shop``.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "checkpoints" / "best.pt"
    state = load_checkpoint(path)
    trained_on = state["config"]["shop"]
    if trained_on != shop.to_dict():
        differ = sorted(k for k in trained_on if trained_on[k] != shop.to_dict().get(k))
        raise CheckpointError(
            f"checkpoint {str(path)!r} was trained on another shop configuration "
            f"(differs in {differ}); evaluate it on the shop it was trained on"
        )
    config = DQNConfig.from_dict(state["config"]["dqn"])
    agent = DQNAgent(
        state["agent"]["obs_dim"],
        state["agent"]["n_actions"],
        config,
        state["agent"]["seed"],
    )
    agent.load_state_dict(state["agent"])
    return DQNPolicy(agent)


def _read_metrics(path: Path) -> list[dict]:
    rows = []
    with open(path, newline="") as f:
        for raw in csv.DictReader(f):
            row = {}
            for key, text in raw.items():
                if text == "":
                    row[key] = None
                elif key in ("env_steps", "updates", "train/episodes"):
                    row[key] = int(text)
                else:
                    row[key] = float(text)
            rows.append(row)
    return rows


def read_metrics(out_dir: str | Path) -> list[dict]:
    """Rows of a run's metrics.csv as dicts (None for empty cells)."""
    path = Path(out_dir) / "metrics.csv"
    if not path.is_file():
        raise invalid(
            "out_dir", str(out_dir), "a run folder with metrics.csv", ConfigError
        )
    return _read_metrics(path)


def _tensorboard(out: Path | None):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        logger.warning("tensorboard=True but the tensorboard package is not installed")
        return None
    return SummaryWriter(log_dir=str(out / "tensorboard")) if out else None


def plot_learning_curve(metrics: list[dict], reference: dict[str, float] | None = None):
    """Held-out mean return (with its 95% interval) and training return against
    environment steps; ``reference`` draws horizontal lines (e.g. baselines)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    train_rows = [r for r in metrics if r.get("train/episode_return") is not None]
    ax.plot(
        [r["env_steps"] for r in train_rows],
        [r["train/episode_return"] for r in train_rows],
        color="0.6",
        label="training sessions (with exploration)",
    )
    rows = [r for r in metrics if r.get("eval/mean_return") is not None]
    steps = [r["env_steps"] for r in rows]
    ax.plot(
        steps, [r["eval/mean_return"] for r in rows], "o-", label="held-out, greedy"
    )
    ax.fill_between(
        steps,
        [r["eval/return_ci_low"] for r in rows],
        [r["eval/return_ci_high"] for r in rows],
        alpha=0.25,
        label="95% interval",
    )
    for i, (name, value) in enumerate((reference or {}).items()):
        ax.axhline(value, linestyle="--", color=f"C{i + 2}", label=name)
    ax.set_title("DQN learning curve")
    ax.set_xlabel("environment steps (shopper-steps)")
    ax.set_ylabel("mean session return (points)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def _plot_curve(metrics: list[dict], path: Path) -> None:
    import matplotlib.pyplot as plt

    fig = plot_learning_curve(metrics)
    fig.savefig(path, dpi=110)
    plt.close(fig)
