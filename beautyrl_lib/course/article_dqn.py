"""The source article's DQN snippet, made runnable, with each defect a switch.

The article (基于深度强化学习的美妆商品智能导购, section 4) shows a short
PyTorch DQN. This module re-expresses it for the beauty shop, keeping its
training loop step for step:

* one shopper at a time (``BeautyShopEnv``), one gradient update per
  environment step as soon as the replay holds more than ``batch_size``
  transitions;
* a ``deque`` of named tuples as replay, sampled with ``random.sample``, and
  torch tensors rebuilt from Python lists of arrays at every update;
* a Q-network with hidden layers of 256 and 128 units, Adam with learning
  rate 1e-3, discount 0.99, batches of 32, a mean squared error loss;
* the target network copied from the online network after every update;
* a TD target that ignores the end of the session;
* epsilon multiplied by 0.995 after every update, down to 0.01;
* no seed anywhere.

The snippet does not run as printed: ``env`` and ``device`` are never
defined, ``random`` is never imported, and ``env.step`` returns the old four
values ``(next_state, reward, done, info)``. Here ``env`` is a
``BeautyShopEnv`` with the Gymnasium five-value API, ``device`` is the CPU,
and the old ``done`` becomes ``terminated or truncated``: a session ends when
the shopper leaves (terminated) or the step limit is reached (truncated). The
snippet trains for 1000 sessions; ``train`` takes a budget of environment
steps instead, so that variants can be compared on the same amount of
experience.

Each defect is a flag of ``ArticleConfig`` whose default ``True`` reproduces
the snippet; setting it to ``False`` applies the fix, so the flags can be
turned off one at a time (``FIXES`` lists them in the course's order):

* ``sync_target_every_update``: the target is copied after every update, so
  it never lags; fixed, it is copied every ``target_sync_every`` updates.
* ``ignore_terminal``: the target is ``r + gamma * max Q'`` even when the
  shopper left; fixed, it is ``r`` alone there (a session cut by the step
  limit still bootstraps).
* ``epsilon_per_update``: ``epsilon *= 0.995`` after every update; fixed,
  epsilon follows a linear schedule over environment steps.
* ``unseeded``: every random stream starts from fresh operating-system
  entropy; fixed, every stream comes from ``seed``.
* ``list_tensors``: a deque of named tuples, tensors built from Python lists
  at every update; fixed, the preallocated ``ReplayBuffer``.
* ``ignore_action_mask``: any product may be recommended, shown or not;
  fixed, only products not yet shown, when acting and in the TD target.

The action mask is not one of the snippet's mistakes, since its environment
is unspecified; but in this shop a product already shown is never clicked
again, and the article's agent has no way to know it. The mask is therefore
off in the article's configuration (faithful to the snippet) and is the last
fix, the one that brings the loop closest to the course's DQN. When the mask
is on it is used both to act and in the max of the TD target.

Two details follow from the fixes rather than the snippet. The article's deque
is sampled without replacement (``random.sample``), the preallocated buffer
with replacement, as the course's DQN does. The networks are the library's
``QNetwork`` (hidden layers, ReLU, a linear output, like the snippet's
``QNetwork``), whose weights are drawn from the same distribution as
PyTorch's default initialisation but from a generator the agent owns.

Transitions always record ``terminated``, ``truncated`` and the next state's
action mask, even when the flags say to ignore them: the flags change what
the update does with them, so turning one off changes exactly one behaviour.

With ``unseeded=True`` the ``seed`` argument is ignored on purpose (that is
the defect), so two runs differ. Even then no global random state is used:
the unseeded streams are fresh generators seeded from the operating system.

Not part of the snippet: ``ArticleConfig.torch_threads`` (1 by default) is
passed to ``torch.set_num_threads`` when an agent is created, process-wide,
as the course's DQN agent does; more threads only slow these small networks
down.

Known limitations: the loop runs on the CPU in float32; its speed is
dominated by stepping one shopper at a time and by one small update per step,
so it is one to two orders of magnitude slower per environment step than the
course's vectorised loop (``beautyrl_lib.training``). Evaluation callbacks
receive a greedy policy that acts on a whole cohort at once.
"""

from __future__ import annotations

import logging
import random
import time
import warnings
from collections import deque, namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from beautyrl_lib.agents.base import Policy, masked_argmax
from beautyrl_lib.agents.exploration import LinearSchedule
from beautyrl_lib.agents.qnetwork import QNetwork
from beautyrl_lib.agents.replay import Batch, ReplayBuffer
from beautyrl_lib.errors import check_float as _check_float
from beautyrl_lib.errors import check_int as _check_int
from beautyrl_lib.errors import invalid
from beautyrl_lib.sim import OBS_DIM, BeautyShopEnv, ShopConfig

logger = logging.getLogger(__name__)

FIXES = (
    "sync_target_every_update",
    "ignore_terminal",
    "epsilon_per_update",
    "unseeded",
    "list_tensors",
    "ignore_action_mask",
)
"""The defect flags, in the order the course fixes them."""

FIX_LABELS = {
    "sync_target_every_update": "target copied every N updates",
    "ignore_terminal": "no bootstrap past a shopper leaving",
    "epsilon_per_update": "epsilon per environment step",
    "unseeded": "seeded",
    "list_tensors": "preallocated replay and tensors",
    "ignore_action_mask": "action mask",
}
"""Short description of each fix, for tables and plots."""

Transition = namedtuple(
    "Transition",
    ("obs", "action", "reward", "next_obs", "terminated", "truncated", "next_mask"),
)
"""One stored step; the article's tuple has only the first four fields."""

# Torch warns that a tensor built from a list of arrays is slow; that slowness
# is the defect being measured, so the warning is silenced where it happens.
_SLOW_LIST_WARNING = "Creating a tensor from a list of numpy.ndarrays"


@dataclass(frozen=True)
class ArticleConfig:
    """The snippet's settings and its defects; the defaults are the snippet."""

    hidden: tuple[int, ...] = (256, 128)
    """Widths of the Q-network's hidden layers (the snippet's fc1 and fc2)."""
    lr: float = 1e-3
    """Learning rate of Adam."""
    gamma: float = 0.99
    """Discount of future rewards per step."""
    batch_size: int = 32
    """Transitions per update; updates start once the replay holds more."""
    buffer_size: int = 10_000
    """Capacity of the replay, in transitions."""
    epsilon_start: float = 1.0
    """Exploration rate at the start."""
    epsilon_decay: float = 0.995
    """Factor epsilon is multiplied by after every update (the article's rule)."""
    epsilon_min: float = 0.01
    """Floor of epsilon, under either rule."""
    epsilon_decay_steps: int = 10_000
    """Fixed rule: environment steps of the linear decay from start to floor."""
    target_sync_every: int = 500
    """Fixed rule: updates between two copies of the online network."""
    torch_threads: int = 1
    """Threads PyTorch may use (process-wide); not part of the snippet, see below."""
    sync_target_every_update: bool = True
    """Defect: copy the online network into the target after every update."""
    ignore_terminal: bool = True
    """Defect: bootstrap from the next state even when the shopper left."""
    epsilon_per_update: bool = True
    """Defect: decay epsilon per update instead of per environment step."""
    unseeded: bool = True
    """Defect: ignore the seed and draw every stream from fresh OS entropy."""
    list_tensors: bool = True
    """Defect: deque of tuples as replay, tensors rebuilt from lists each update."""
    ignore_action_mask: bool = True
    """As the article: may recommend products already shown in the session."""

    def __post_init__(self) -> None:
        if not isinstance(self.hidden, tuple | list) or not all(
            isinstance(w, int) and not isinstance(w, bool) and 1 <= w <= 65_536
            for w in self.hidden
        ):
            raise invalid("hidden", self.hidden, "a tuple of integers from 1 to 65536")
        object.__setattr__(self, "hidden", tuple(self.hidden))
        _check_float("lr", self.lr, 1e-8, 1.0)
        _check_float("gamma", self.gamma, 0.0, 1.0)
        _check_int("batch_size", self.batch_size, 1, 1_000_000)
        _check_int("buffer_size", self.buffer_size, self.batch_size + 1, 10**8)
        _check_float("epsilon_start", self.epsilon_start, 0.0, 1.0)
        _check_float("epsilon_decay", self.epsilon_decay, 0.0, 1.0)
        _check_float("epsilon_min", self.epsilon_min, 0.0, self.epsilon_start)
        _check_int("epsilon_decay_steps", self.epsilon_decay_steps, 1, 10**12)
        _check_int("target_sync_every", self.target_sync_every, 1, 10**9)
        _check_int("torch_threads", self.torch_threads, 1, 1024)
        for name in FIXES:
            if not isinstance(getattr(self, name), bool):
                raise invalid(name, getattr(self, name), "True or False")

    def fixed(self, *names: str) -> ArticleConfig:
        """This configuration with the named defects fixed (their flags False).

        Raises:
            ConfigError: If a name is not one of ``FIXES``.
        """
        for name in names:
            if name not in FIXES:
                raise invalid("fix", name, f"one of {FIXES}")
        return replace(self, **dict.fromkeys(names, False))

    @property
    def defects(self) -> tuple[str, ...]:
        """Names of the defect flags still on, in ``FIXES`` order."""
        return tuple(name for name in FIXES if getattr(self, name))

    def to_dict(self) -> dict:
        """Plain-dict form for JSON (``hidden`` becomes a list)."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["hidden"] = list(self.hidden)
        return data


def cumulative_fixes(
    base: ArticleConfig | None = None,
) -> list[tuple[str, ArticleConfig]]:
    """The article, then each fix of ``FIXES`` added on top of the previous ones.

    Returns:
        ``(label, config)`` pairs: ``("article", base)`` then ``("+ <fix>",
        ...)``, seven in all.
    """
    config = ArticleConfig() if base is None else base
    steps = [("article", config)]
    for name in FIXES:
        config = config.fixed(name)
        steps.append((f"+ {FIX_LABELS[name]}", config))
    return steps


# -------------------------------------------------------------------- replay
class ListReplay:
    """The article's replay: a deque of named tuples, tensors built from lists.

    Args:
        capacity: Most transitions kept (``deque(maxlen=capacity)``).
        rng: A ``random.Random`` that ``sample`` draws from.
    """

    def __init__(self, capacity: int, rng: random.Random) -> None:
        self.memory: deque[Transition] = deque(maxlen=capacity)
        self.rng = rng

    def __len__(self) -> int:
        return len(self.memory)

    def add(self, transition: Transition) -> None:
        """Append one transition; the oldest falls out when full."""
        self.memory.append(transition)

    def sample(self, batch_size: int) -> Batch:
        """``batch_size`` distinct transitions, as tensors built from lists."""
        batch = self.rng.sample(self.memory, batch_size)
        obs, actions, rewards, next_obs, terminated, truncated, masks = zip(
            *batch, strict=True
        )
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_SLOW_LIST_WARNING)
            return Batch(
                obs=torch.tensor(obs, dtype=torch.float32),  # (B, obs_dim)
                actions=torch.tensor(actions, dtype=torch.int64),
                rewards=torch.tensor(rewards, dtype=torch.float32),
                next_obs=torch.tensor(next_obs, dtype=torch.float32),
                terminated=torch.tensor(terminated, dtype=torch.float32),
                truncated=torch.tensor(truncated, dtype=torch.float32),
                next_action_mask=torch.tensor(masks, dtype=torch.bool),
            )


class ArrayReplay:
    """The fix: the library's preallocated ``ReplayBuffer``, one row per step.

    Args:
        capacity: Most transitions kept.
        n_actions: Number of products (the next-state masks are stored).
        seed: Seed of the buffer's index generator.
    """

    def __init__(self, capacity: int, n_actions: int, seed: int) -> None:
        self.buffer = ReplayBuffer(capacity, OBS_DIM, seed=seed, n_actions=n_actions)

    def __len__(self) -> int:
        return len(self.buffer)

    def add(self, transition: Transition) -> None:
        """Write one transition into the preallocated arrays."""
        t = transition
        self.buffer.add_batch(
            t.obs[None],  # (1, obs_dim)
            np.array([t.action]),
            np.array([t.reward]),
            t.next_obs[None],
            np.array([t.terminated]),
            np.array([t.truncated]),
            t.next_mask[None],  # (1, n_actions)
        )

    def sample(self, batch_size: int) -> Batch:
        """``batch_size`` transitions drawn with replacement, as tensors."""
        return self.buffer.sample(batch_size)


# --------------------------------------------------------------------- agent
def _streams(config: ArticleConfig, seed: int):
    """NumPy, Python and torch generators, from ``seed`` or from OS entropy."""
    if config.unseeded:
        sequence = np.random.SeedSequence()  # fresh entropy: the defect
    else:
        sequence = np.random.SeedSequence(seed)
    explore, sample, weights, replay = sequence.spawn(4)
    np_rng = np.random.default_rng(explore)
    py_rng = random.Random(_seed_int(sample))
    torch_rng = torch.Generator().manual_seed(_seed_int(weights))
    return np_rng, py_rng, torch_rng, _seed_int(replay)


def _seed_int(sequence: np.random.SeedSequence) -> int:
    """A 63-bit integer seed drawn from ``sequence``."""
    return int(sequence.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


class ArticleAgent:
    """The snippet's ``DQNAgent``: select an action, learn from one batch.

    Args:
        n_actions: Number of products.
        config: Settings and defects (defaults to the article).
        seed: Seed of every random stream; ignored when ``config.unseeded``.

    Attributes:
        online, target: The Q-network and its target copy.
        replay: A ``ListReplay`` or an ``ArrayReplay``.
        epsilon: Exploration rate used by the next ``act``.
        env_steps, n_updates: Counters.

    Creating an agent calls ``torch.set_num_threads(config.torch_threads)``,
    which applies to the whole process.
    """

    def __init__(
        self, n_actions: int, config: ArticleConfig | None = None, seed: int = 0
    ) -> None:
        config = ArticleConfig() if config is None else config
        if not isinstance(config, ArticleConfig):
            raise invalid("config", config, "an ArticleConfig or None")
        _check_int("seed", seed, 0, 2**63 - 1)
        _check_int("n_actions", n_actions, 1, 1_000_000)
        self.config, self.n_actions = config, n_actions
        # Small networks run fastest on one thread; more threads fight over the
        # cores and can make each update several times slower.
        torch.set_num_threads(config.torch_threads)
        self.np_rng, py_rng, torch_rng, replay_seed = _streams(config, seed)

        self.online = QNetwork(OBS_DIM, n_actions, config.hidden, seed=torch_rng)
        self.target = QNetwork(OBS_DIM, n_actions, config.hidden, seed=torch_rng)
        self.target.load_state_dict(self.online.state_dict())
        self.target.requires_grad_(False)
        self.optimizer = torch.optim.Adam(self.online.parameters(), lr=config.lr)
        if config.list_tensors:
            self.replay = ListReplay(config.buffer_size, py_rng)
        else:
            self.replay = ArrayReplay(config.buffer_size, n_actions, replay_seed)
        self.schedule = LinearSchedule(
            config.epsilon_start, config.epsilon_min, config.epsilon_decay_steps
        )
        self.epsilon = config.epsilon_start
        self.env_steps = 0
        self.n_updates = 0

    # ------------------------------------------------------------- acting
    def act(self, obs: np.ndarray, action_mask: np.ndarray) -> int:
        """Epsilon-greedy product for one shopper.

        Args:
            obs: float32 array (obs_dim,).
            action_mask: bool array (n_actions,), True where not yet shown;
                ignored when ``config.ignore_action_mask``.

        Returns:
            A product index.
        """
        use_mask = not self.config.ignore_action_mask and action_mask.any()
        if self.np_rng.random() < self.epsilon:
            if use_mask:
                return int(self.np_rng.choice(np.flatnonzero(action_mask)))
            return int(self.np_rng.integers(self.n_actions))
        with torch.no_grad():
            q_values = self.online(torch.from_numpy(obs[None]))[0]  # (n_actions,)
        if use_mask:
            q_values = q_values.masked_fill(~torch.from_numpy(action_mask), -torch.inf)
        return int(q_values.argmax())

    def count_env_step(self) -> None:
        """Advance the step count; the fixed epsilon rule follows it."""
        self.env_steps += 1
        if not self.config.epsilon_per_update:
            self.epsilon = self.schedule(self.env_steps)

    # ----------------------------------------------------------- learning
    def td_targets(self, batch: Batch) -> torch.Tensor:
        """TD targets (B,) of a batch, under this configuration's rules.

        The article: ``r + gamma * max_a Q_target(s', a)`` for every
        transition. With ``ignore_terminal=False`` the bootstrap term is
        dropped where the shopper left (a truncated session still
        bootstraps); with ``ignore_action_mask=False`` the max runs over the
        products not yet shown in ``s'``.
        """
        with torch.no_grad():
            next_q = self.target(batch.next_obs)  # (B, n_actions)
            if not self.config.ignore_action_mask:
                mask = batch.next_action_mask
                allowed = mask | ~mask.any(dim=1, keepdim=True)
                next_q = next_q.masked_fill(~allowed, -torch.inf)
            best_next = next_q.max(dim=1).values  # (B,)
            if not self.config.ignore_terminal:
                best_next = best_next * (1.0 - batch.terminated)
            return batch.rewards + self.config.gamma * best_next

    def update(self) -> float:
        """One gradient step on a sampled batch, then target and epsilon rules.

        Returns:
            The batch's mean squared TD error before the step.
        """
        cfg = self.config
        batch = self.replay.sample(cfg.batch_size)
        targets = self.td_targets(batch)

        # Mean squared error on the Q-values of the actions taken.
        q_values = self.online(batch.obs)  # (B, n_actions)
        q_taken = q_values.gather(1, batch.actions.unsqueeze(1)).squeeze(1)  # (B,)
        loss = F.mse_loss(q_taken, targets)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.n_updates += 1

        # The article copies after every update, so the target never lags.
        if cfg.sync_target_every_update or self.n_updates % cfg.target_sync_every == 0:
            self.target.load_state_dict(self.online.state_dict())
        if cfg.epsilon_per_update:
            self.epsilon = max(self.epsilon * cfg.epsilon_decay, cfg.epsilon_min)
        return loss.item()


class ArticlePolicy(Policy):
    """An ``ArticleAgent``'s online network as a greedy shop policy.

    It uses the action mask only when the agent was trained with it: the
    article's recommender does not know that shown products are never
    clicked again.
    """

    name = "article-dqn"

    def __init__(self, agent: ArticleAgent) -> None:
        if not isinstance(agent, ArticleAgent):
            raise invalid("agent", agent, "an ArticleAgent")
        self.agent = agent

    def act(self, obs: np.ndarray, action_mask: np.ndarray, shop=None) -> np.ndarray:
        """Greedy products for a batch of shoppers, (n,) int64."""
        obs = np.ascontiguousarray(obs, dtype=np.float32)
        with torch.no_grad():
            q_values = self.agent.online(torch.from_numpy(obs)).numpy()
        if self.agent.config.ignore_action_mask or action_mask is None:
            return q_values.argmax(axis=1).astype(np.int64)
        return masked_argmax(q_values, np.asarray(action_mask, dtype=bool))


# ---------------------------------------------------------------------- loop
@dataclass
class ArticleRun:
    """What ``train`` produced."""

    agent: ArticleAgent
    """The agent at the end of training."""
    episode_returns: list[float] = field(default_factory=list)
    """Return of every training session that ended, exploration included."""
    evaluations: list[dict] = field(default_factory=list)
    """One dict per evaluation: env_steps, updates, epsilon, wall_seconds (since
    the start, evaluations included), train_seconds (evaluations excluded) and
    the evaluator's result under ``value``."""
    train_seconds: float = 0.0
    """Wall time spent training, evaluations excluded."""
    eval_seconds: float = 0.0
    """Wall time spent in evaluations."""

    def policy(self) -> ArticlePolicy:
        """The trained agent as a greedy shop policy."""
        return ArticlePolicy(self.agent)


def train(
    config: ArticleConfig | None = None,
    total_steps: int = 10_000,
    seed: int = 0,
    shop: ShopConfig | None = None,
    eval_every: int | None = None,
    evaluator: Callable[[ArticlePolicy], float] | None = None,
    progress: bool = True,
) -> ArticleRun:
    """Run the article's training loop for ``total_steps`` environment steps.

    One shopper at a time: act, step, store, and, once the replay holds more
    than ``batch_size`` transitions, one update per step. Every
    ``eval_every`` steps ``evaluator(policy)`` is called and its result kept
    with the step count and the wall time.

    Args:
        config: Settings and defects (defaults to the article, every defect on).
        total_steps: Environment steps to train for.
        seed: Seed of the agent and of the training shoppers (ignored when
            ``config.unseeded``, which is the defect).
        shop: The shop (defaults to ``ShopConfig()``).
        eval_every: Steps between evaluations; None for none.
        evaluator: Called with the greedy policy; returns a number.
        progress: Show a progress bar.

    Returns:
        The agent, the training returns and the evaluations.
    """
    config = ArticleConfig() if config is None else config
    shop = ShopConfig() if shop is None else shop
    if not isinstance(shop, ShopConfig):
        raise invalid("shop", shop, "a ShopConfig or None")
    _check_int("total_steps", total_steps, 1, 10**9)
    if eval_every is not None:
        _check_int("eval_every", eval_every, 1, 10**9)
        if evaluator is None or not callable(evaluator):
            raise invalid("evaluator", evaluator, "a function when eval_every is set")

    env = BeautyShopEnv(shop)
    agent = ArticleAgent(int(env.action_space.n), config, seed)
    run = ArticleRun(agent=agent)
    obs, info = env.reset(seed=None if config.unseeded else seed)
    session_return = 0.0
    clock = time.perf_counter
    start = clock()
    for _ in tqdm(range(total_steps), disable=not progress, desc="article loop"):
        # Act and step one shopper.
        mask = info["action_mask"].astype(bool)
        action = agent.act(obs, mask)
        next_obs, reward, terminated, truncated, info = env.step(action)
        next_mask = info["action_mask"].astype(bool)
        agent.replay.add(
            Transition(obs, action, reward, next_obs, terminated, truncated, next_mask)
        )
        agent.count_env_step()

        # One update per step once the replay holds more than a batch.
        if len(agent.replay) > config.batch_size:
            agent.update()

        session_return += reward
        if terminated or truncated:
            run.episode_returns.append(session_return)
            session_return = 0.0
            obs, info = env.reset()
        else:
            obs = next_obs

        if eval_every is not None and agent.env_steps % eval_every == 0:
            t0 = clock()
            value = evaluator(run.policy())
            run.eval_seconds += clock() - t0
            wall = clock() - start
            run.evaluations.append(
                {
                    "env_steps": agent.env_steps,
                    "updates": agent.n_updates,
                    "epsilon": agent.epsilon,
                    "wall_seconds": wall,
                    "train_seconds": wall - run.eval_seconds,
                    "value": value,
                }
            )
    run.train_seconds = clock() - start - run.eval_seconds
    logger.info(
        "article loop %s: %d steps, %d updates, %.1f s",
        config.defects,
        agent.env_steps,
        agent.n_updates,
        run.train_seconds,
    )
    return run


__all__ = [
    "FIXES",
    "FIX_LABELS",
    "ArticleAgent",
    "ArticleConfig",
    "ArticlePolicy",
    "ArticleRun",
    "ArrayReplay",
    "ListReplay",
    "Transition",
    "cumulative_fixes",
    "train",
]
