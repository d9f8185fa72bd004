"""Build policies by name, as the command line and the notebooks name them.

``make_policy("greedy", config, seed)`` builds the greedy recommender and
fits it on training shoppers from ``seed``. Names are listed in
``POLICY_NAMES``; a spec ``"dqn:PATH"`` loads a trained DQN from a checkpoint
file or run folder through ``beautyrl_lib.training.load_policy(path, config)``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from beautyrl_lib.agents.base import Policy
from beautyrl_lib.agents.baselines import (
    GreedyPolicy,
    LinUCBPolicy,
    PopularityPolicy,
    RandomPolicy,
    check_config,
    check_seed,
)
from beautyrl_lib.agents.oracles import OracleLookahead, OracleMyopic
from beautyrl_lib.errors import UnknownPolicyError, invalid
from beautyrl_lib.sim.config import ShopConfig

POLICY_NAMES = (
    "random",
    "popularity",
    "greedy",
    "bandit",
    "oracle-myopic",
    "oracle-lookahead",
)
"""Names ``make_policy`` knows, besides ``"dqn:PATH"`` specs."""

DQN_PREFIX = "dqn:"

_BUILDERS: dict[str, Callable[[int, bool], Policy]] = {
    "random": lambda seed, progress: RandomPolicy(seed),
    "popularity": lambda seed, progress: PopularityPolicy(),
    "greedy": lambda seed, progress: GreedyPolicy(progress=progress),
    "bandit": lambda seed, progress: LinUCBPolicy(progress=progress),
    "oracle-myopic": lambda seed, progress: OracleMyopic(),
    "oracle-lookahead": lambda seed, progress: OracleLookahead(),
}

_ALLOWED = f"one of {', '.join(POLICY_NAMES)}, or '{DQN_PREFIX}PATH' (a DQN checkpoint)"


def make_policy(
    spec: str, config: ShopConfig, seed: int, *, progress: bool = False
) -> Policy:
    """Build the policy named by ``spec`` and fit it on training shoppers.

    Args:
        spec: A name from ``POLICY_NAMES`` or ``"dqn:PATH"``.
        config: The shop the policy will act in.
        seed: Training seed (the random policy's generator, the shoppers the
            learned baselines train on). Never an evaluation cohort.
        progress: Show progress bars while fitting.

    Returns:
        The fitted policy.
    """
    if not isinstance(spec, str):
        raise invalid("policy", spec, _ALLOWED, UnknownPolicyError)
    config, seed = check_config(config), check_seed(seed)
    if spec.startswith(DQN_PREFIX):
        return load_dqn_policy(spec[len(DQN_PREFIX) :], config)
    if spec not in _BUILDERS:
        raise invalid("policy", spec, _ALLOWED, UnknownPolicyError)
    return _BUILDERS[spec](seed, progress).fit(config, seed)


def load_dqn_policy(path: str | Path, config: ShopConfig) -> Policy:
    """Hook for ``"dqn:PATH"`` specs: a trained DQN loaded from ``path``.

    ``path`` is a run folder written by ``python -m beautyrl_lib train`` (its
    best checkpoint is used) or a checkpoint file. The training module is
    imported only when a DQN is asked for, so the baselines load without torch.
    """
    if not str(path):
        raise invalid(
            "policy",
            DQN_PREFIX,
            f"'{DQN_PREFIX}PATH' with a run folder or checkpoint path",
            UnknownPolicyError,
        )
    from beautyrl_lib.training import load_policy

    return load_policy(Path(path), config)
