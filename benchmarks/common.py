"""Timing pieces shared by the benchmarks that train a DQN and compare speeds.

``sb3_vs_ours.py`` and ``article_loop.py`` time several training runs the same
way:

* ``warm_up_torch`` pays PyTorch's one-time start-up before the first run is
  timed, so no run pays it for the others;
* a ``Stopwatch`` per run measures training wall and CPU time with held-out
  evaluations left out, and keeps the (steps, seconds) points from which
  per-window speeds and the time to reach a return are read;
* ``held_out`` is the mean return on the in-training evaluation cohort;
* ``train_ours`` trains our DQN with ``beautyrl_lib.training.train``, noting
  each metrics row through its ``on_row`` hook and booking the loop's own
  evaluations as evaluation time.

The benchmark scripts import this file as ``common`` (their folder is first
on ``sys.path`` when they run), like ``machine``.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field

import torch

import beautyrl_lib.evaluation as evaluation
from beautyrl_lib.agents.base import Policy
from beautyrl_lib.agents.dqn import DQNConfig
from beautyrl_lib.sim import ShopConfig
from beautyrl_lib.training import TrainConfig, TrainResult, train


def warm_up_torch() -> None:
    """Pay PyTorch's one-time start-up before any run is timed.

    The first optimizer built in a process imports ``torch._dynamo`` (a second
    or more); without this, whichever run comes first would pay for it. Both
    Adam implementations are built: ours uses the fused one, SB3 the default.
    """
    net = torch.nn.Linear(4, 2)
    for fused in (True, False):
        optimizer = torch.optim.Adam(net.parameters(), fused=fused)
        net(torch.zeros(1, 4)).sum().backward()
        optimizer.step()


@dataclass
class Stopwatch:
    """Wall and CPU time of one training run, with held-out evaluations left out."""

    start: float = field(default_factory=time.perf_counter)
    """``perf_counter`` when the run started (before shop and agent exist)."""
    start_cpu: float = field(default_factory=time.process_time)
    """``process_time`` (CPU seconds of this process) when the run started."""
    eval_seconds: float = 0.0
    """Wall seconds spent in held-out evaluations so far."""
    eval_cpu: float = 0.0
    """CPU seconds spent in held-out evaluations so far."""
    rows: list[tuple[int, float]] = field(default_factory=list)
    """(environment steps, training seconds) at each point a window ends."""
    evals: list[tuple[int, float, float]] = field(default_factory=list)
    """(environment steps, training seconds, held-out mean return) per evaluation."""

    def train_seconds(self) -> float:
        """Wall seconds since the start, evaluations excluded."""
        return time.perf_counter() - self.start - self.eval_seconds

    def train_cpu(self) -> float:
        """CPU seconds of this process since the start, evaluations excluded.

        Unlike wall time, this barely changes when other jobs share the CPU.
        """
        return time.process_time() - self.start_cpu - self.eval_cpu

    @contextlib.contextmanager
    def evaluating(self):
        """Book the time spent inside the ``with`` block as evaluation."""
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.eval_seconds += time.perf_counter() - wall
            self.eval_cpu += time.process_time() - cpu

    def window_rates(self, learning_starts: int) -> list[float]:
        """Environment steps per second in each window between consecutive
        ``rows`` that starts at or after ``learning_starts`` (before it no
        gradient step runs)."""
        rates = []
        points = [(0, 0.0), *self.rows]
        for (steps0, t0), (steps1, t1) in zip(points, points[1:], strict=False):
            if steps0 >= learning_starts and t1 > t0:
                rates.append((steps1 - steps0) / (t1 - t0))
        return rates

    def first_reaching(self, threshold: float) -> dict | None:
        """Steps and training seconds of the first evaluation at or above
        ``threshold``; None if none reached it."""
        for steps, seconds, mean_return in self.evals:
            if mean_return >= threshold:
                return {"env_steps": steps, "train_seconds": seconds}
        return None


def held_out(policy: Policy, shop: ShopConfig, sessions: int, seed: int) -> float:
    """Mean return of ``policy`` on ``sessions`` shoppers of cohort ``seed``."""
    result = evaluation.evaluate(policy, shop, sessions, seed)
    return float(result.returns.mean())


class RowClock:
    """``on_row`` hook of ``train``: notes when each metrics row was reached.

    Each row adds (environment steps, training seconds) to the stopwatch's
    ``rows``, and rows with a held-out evaluation add it to ``evals``. The
    loop calls the hook after the row's evaluation, so its time is excluded
    as long as the stopwatch booked it (``train_ours`` sees to that).
    """

    def __init__(self, watch: Stopwatch) -> None:
        self.watch = watch

    def __call__(self, row: dict) -> None:
        """Note the training seconds at which the loop wrote ``row``."""
        seconds = self.watch.train_seconds()
        self.watch.rows.append((row["env_steps"], seconds))
        if row["eval/mean_return"] is not None:
            self.watch.evals.append(
                (row["env_steps"], seconds, row["eval/mean_return"])
            )


def train_ours(
    watch: Stopwatch,
    shop: ShopConfig,
    dqn: DQNConfig,
    settings: TrainConfig,
    seed: int,
    progress: bool = False,
) -> TrainResult:
    """Train our DQN, timing it on ``watch`` with its evaluations left out.

    The loop evaluates through ``beautyrl_lib.evaluation.evaluate``, looked up
    when each evaluation starts; for the duration of the run that function is
    wrapped so its time is booked as evaluation.

    Raises:
        RuntimeError: If the loop ran evaluations the wrapper did not see (it
            would then have counted them as training time).
    """
    original_evaluate = evaluation.evaluate
    calls, evals_before = 0, len(watch.evals)

    def timed_evaluate(*args, **kwargs):
        nonlocal calls
        calls += 1
        with watch.evaluating():
            return original_evaluate(*args, **kwargs)

    evaluation.evaluate = timed_evaluate
    try:
        result = train(
            shop, dqn, settings, seed=seed, progress=progress, on_row=RowClock(watch)
        )
    finally:
        evaluation.evaluate = original_evaluate

    written = len(watch.evals) - evals_before
    if calls != written:
        raise RuntimeError(
            f"the loop wrote {written} evaluations but {calls} went "
            "through beautyrl_lib.evaluation.evaluate: its evaluation time was "
            "not excluded; update benchmarks/common.py's train_ours"
        )
    return result
