"""Build policies by name, as the command line and the notebooks name them.

``make_policy("greedy", config, seed)`` builds the greedy recommender and
fits it on training shoppers from ``seed``. Names are listed in
``POLICY_NAMES``; a spec ``"dqn:PATH"`` loads a trained DQN from a checkpoint
file through ``beautyrl_lib.agents.dqn.load_policy(path, config)``.
"""

from __future__ import annotations

import importlib
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
_DQN_MODULE = "beautyrl_lib.agents.dqn"

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

    Delegates to ``beautyrl_lib.agents.dqn.load_policy(path, config)``,
    imported only when a DQN is asked for so the baselines work without it.
    """
    if not str(path):
        raise invalid(
            "policy",
            DQN_PREFIX,
            f"'{DQN_PREFIX}PATH' with a file path",
            UnknownPolicyError,
        )
    try:
        dqn = importlib.import_module(_DQN_MODULE)
    except ModuleNotFoundError as exc:
        # Only a missing dqn module means "not available"; a missing
        # dependency inside it is a real error and should surface.
        if exc.name != _DQN_MODULE:
            raise
        dqn = None
    loader = getattr(dqn, "load_policy", None)
    if loader is None:
        raise UnknownPolicyError(
            f"policy '{DQN_PREFIX}{path}' cannot be loaded: DQN policies need "
            f"{_DQN_MODULE} with load_policy(path, config), which is not available"
        )
    return loader(Path(path), config)
