"""A tiny beauty counter as a tabular MDP, solved exactly and learned by Q-learning.

Notebook 01 teaches the core of reinforcement learning on a problem small
enough to write on one page: a shopper at a beauty counter who is in one of
four states, and a sales assistant who can recommend one of three products.
Every transition probability and reward is known, so the optimal values can
be computed exactly (value iteration, or a linear solve) and compared with
what Q-learning learns from sampled transitions alone.

The counter is built so that the myopic choice is wrong. A hyped lipstick
earns the most points right now in the ``browsing`` state, but it rarely
suits and most shoppers leave after it; a cleanser earns less now and
starts a skincare routine that pays over the following steps.

Rewards use the shop's funnel points (``beautyrl_lib.sim.rewards``): 1 for a
click, and 1 + 3 + 10 = 14 for a click that ends in a purchase.

Arrays follow one layout everywhere: ``values`` has shape ``(S,)``,
``q_values`` and ``expected_rewards`` ``(S, A)``, ``transitions`` ``(S, A, S)``
with ``transitions[s, a, s_next]`` the probability of moving from ``s`` to
``s_next`` after action ``a``. Terminal states are absorbing and earn nothing,
so their value is always 0 and no special case is needed in a backup.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from beautyrl_lib.errors import invalid

logger = logging.getLogger(__name__)

_PROB_TOL = 1e-9


@dataclass(frozen=True)
class Outcome:
    """One way the shopper can respond to a recommendation."""

    probability: float
    """Chance of this response, given the state and the recommendation."""
    next_state: str
    """State of the shopper after the response."""
    reward: float
    """Points the shop earns for this response."""
    description: str = ""
    """What happens, in words (shown in the notebook's tables)."""


@dataclass(frozen=True, eq=False)
class TabularMDP:
    """A finite MDP given by its list of outcomes for every (state, action).

    The arrays ``transitions`` (S, A, S), ``expected_rewards`` (S, A) and
    ``terminal`` (S,) are derived from the outcomes on creation.
    """

    states: tuple[str, ...]
    """Names of the states, in index order."""
    actions: tuple[str, ...]
    """Names of the actions, in index order."""
    outcomes: Mapping[tuple[str, str], tuple[Outcome, ...]]
    """Responses for every (state, action) of a non-terminal state."""
    terminal_states: tuple[str, ...]
    """States where the episode ends; absorbing, with reward 0."""
    start_state: str
    """State every episode starts in."""

    transitions: np.ndarray = field(init=False, repr=False)
    """Probabilities ``P[s, a, s_next]``, shape (S, A, S)."""
    expected_rewards: np.ndarray = field(init=False, repr=False)
    """Mean immediate reward ``r(s, a)``, shape (S, A)."""
    terminal: np.ndarray = field(init=False, repr=False)
    """True for terminal states, shape (S,)."""
    _sampler: dict = field(init=False, repr=False)
    """Per (s, a) index pair: cumulative probabilities, next states, rewards."""

    def __post_init__(self) -> None:
        self._check_names()
        n_s, n_a = len(self.states), len(self.actions)
        transitions = np.zeros((n_s, n_a, n_s))
        expected_rewards = np.zeros((n_s, n_a))
        terminal = np.array([s in self.terminal_states for s in self.states])
        sampler = {}

        # Terminal states loop on themselves with no reward.
        for s in np.flatnonzero(terminal):
            transitions[s, :, s] = 1.0
        for s, state in enumerate(self.states):
            if terminal[s]:
                continue
            for a, action in enumerate(self.actions):
                responses = self._responses(state, action)
                next_states = [self.states.index(o.next_state) for o in responses]
                for outcome, s_next in zip(responses, next_states, strict=True):
                    transitions[s, a, s_next] += outcome.probability
                    expected_rewards[s, a] += outcome.probability * outcome.reward
                cumulative = np.cumsum([o.probability for o in responses]).tolist()
                rewards = [float(o.reward) for o in responses]
                sampler[(s, a)] = (cumulative, next_states, rewards)

        for name, value in (
            ("transitions", transitions),
            ("expected_rewards", expected_rewards),
            ("terminal", terminal),
        ):
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_sampler", sampler)

    def _check_names(self) -> None:
        for param in ("states", "actions"):
            names = getattr(self, param)
            if not names or len(set(names)) != len(names):
                raise invalid(param, names, "a non-empty tuple of distinct names")
        if self.start_state not in self.states:
            raise invalid("start_state", self.start_state, f"one of {self.states}")
        unknown = [s for s in self.terminal_states if s not in self.states]
        if unknown:
            raise invalid("terminal_states", unknown, f"names among {self.states}")
        if self.start_state in self.terminal_states:
            raise invalid("start_state", self.start_state, "a non-terminal state")

    def _responses(self, state: str, action: str) -> tuple[Outcome, ...]:
        """Validated outcomes of one (state, action)."""
        responses = self.outcomes.get((state, action))
        param = f"outcomes[({state!r}, {action!r})]"
        if not responses:
            raise invalid(param, responses, "a non-empty tuple of Outcome")
        for outcome in responses:
            if outcome.next_state not in self.states:
                raise invalid(
                    f"{param} next_state", outcome.next_state, f"one of {self.states}"
                )
            if not 0.0 <= outcome.probability <= 1.0:
                raise invalid(
                    f"{param} probability", outcome.probability, "a number in [0, 1]"
                )
            if not np.isfinite(outcome.reward):
                raise invalid(f"{param} reward", outcome.reward, "a finite number")
        total = sum(o.probability for o in responses)
        if abs(total - 1.0) > _PROB_TOL:
            raise invalid(f"{param} probabilities", total, "numbers that sum to 1")
        return responses

    @property
    def n_states(self) -> int:
        """Number of states S."""
        return len(self.states)

    @property
    def n_actions(self) -> int:
        """Number of actions A."""
        return len(self.actions)

    def step(
        self, state: int, action: int, rng: np.random.Generator
    ) -> tuple[int, float, bool]:
        """Sample the shopper's response, as an environment would.

        Args:
            state: Index of a non-terminal state.
            action: Index of the action.
            rng: Generator the response is drawn from.

        Returns:
            ``(next_state, reward, terminated)``.
        """
        if (state, action) not in self._sampler:
            raise invalid(
                "(state, action)", (state, action), "indices of a non-terminal state"
            )
        cumulative, next_states, rewards = self._sampler[(state, action)]
        # Inverse-CDF sampling; min() guards against rounding in the last sum.
        pick = min(bisect.bisect_right(cumulative, rng.random()), len(rewards) - 1)
        next_state = next_states[pick]
        return next_state, rewards[pick], bool(self.terminal[next_state])

    def describe(self) -> str:
        """A plain-text table of every outcome, for printing in a notebook."""
        lines = [f"{'state':<14}{'action':<16}{'prob':>6}  {'reward':>6}  outcome"]
        for state in self.states:
            if state in self.terminal_states:
                continue
            for action in self.actions:
                for o in self.outcomes[(state, action)]:
                    lines.append(
                        f"{state:<14}{action:<16}{o.probability:>6.2f}  "
                        f"{o.reward:>6.0f}  {o.description} -> {o.next_state}"
                    )
        return "\n".join(lines)


# Funnel points of the shop: a click, and a click that ends in a purchase.
CLICK = 1.0
PURCHASE = 1.0 + 3.0 + 10.0


def beauty_counter_mdp() -> TabularMDP:
    """The course's tiny beauty counter.

    States: ``browsing`` (just arrived), ``into skincare`` (clicked skincare,
    no purchase yet), ``has cleanser`` (bought a cleanser: a routine has
    started, a serum is the natural next step) and ``left`` (terminal).
    Actions: recommend a ``cleanser``, a ``serum`` or a ``hyped lipstick``.

    With a discount of 0.9 the optimal policy recommends the cleanser to a
    browsing shopper, although the hyped lipstick earns more points on
    average right now (4.15 against 2.65): the lipstick makes 60% of shoppers
    leave, the cleanser leads to the skincare states that pay later. Below a
    discount of about 0.25 the lipstick becomes optimal.

    Returns:
        The MDP; every number in it is made up for teaching, not calibrated.
    """
    b, sk, hc, left = "browsing", "into skincare", "has cleanser", "left"
    o = Outcome
    outcomes = {
        (b, "cleanser"): (
            o(0.55, sk, CLICK, "clicks, gets curious about skincare"),
            o(0.15, hc, PURCHASE, "buys the cleanser"),
            o(0.20, b, 0.0, "ignores it"),
            o(0.10, left, 0.0, "leaves"),
        ),
        (b, "serum"): (
            o(0.30, sk, CLICK, "clicks, gets curious about skincare"),
            o(0.10, left, PURCHASE, "buys the serum, leaves"),
            o(0.40, b, 0.0, "ignores it (too early for a serum)"),
            o(0.20, left, 0.0, "leaves"),
        ),
        (b, "hyped lipstick"): (
            o(0.25, left, PURCHASE, "impulse buy, it does not suit, leaves"),
            o(0.35, left, CLICK, "clicks, disappointed, leaves"),
            o(0.30, b, CLICK, "clicks, keeps browsing"),
            o(0.10, b, 0.0, "ignores it"),
        ),
        (sk, "cleanser"): (
            o(0.45, hc, PURCHASE, "buys the cleanser"),
            o(0.35, sk, CLICK, "clicks, not yet"),
            o(0.10, sk, 0.0, "ignores it"),
            o(0.10, left, 0.0, "leaves"),
        ),
        (sk, "serum"): (
            o(0.30, sk, CLICK, "clicks, not yet"),
            o(0.25, left, PURCHASE, "buys the serum, leaves"),
            o(0.30, sk, 0.0, "ignores it"),
            o(0.15, left, 0.0, "leaves"),
        ),
        (sk, "hyped lipstick"): (
            o(0.35, left, PURCHASE, "impulse buy, it does not suit, leaves"),
            o(0.30, left, CLICK, "clicks, disappointed, leaves"),
            o(0.35, sk, CLICK, "clicks, keeps looking at skincare"),
        ),
        (hc, "cleanser"): (
            o(0.10, hc, CLICK, "clicks (already has one)"),
            o(0.60, hc, 0.0, "ignores it"),
            o(0.30, left, 0.0, "leaves"),
        ),
        (hc, "serum"): (
            o(0.50, hc, PURCHASE, "buys the serum, routine goes on"),
            o(0.20, left, PURCHASE, "buys the serum, leaves happy"),
            o(0.20, hc, CLICK, "clicks, not yet"),
            o(0.10, left, 0.0, "leaves"),
        ),
        (hc, "hyped lipstick"): (
            o(0.30, left, PURCHASE, "impulse buy, it does not suit, leaves"),
            o(0.30, left, CLICK, "clicks, disappointed, leaves"),
            o(0.40, hc, CLICK, "clicks, stays"),
        ),
    }
    return TabularMDP(
        states=(b, sk, hc, left),
        actions=("cleanser", "serum", "hyped lipstick"),
        outcomes=outcomes,
        terminal_states=(left,),
        start_state=b,
    )


def discounted_return(rewards, gamma: float) -> float:
    """``rewards[0] + gamma * rewards[1] + gamma**2 * rewards[2] + ...``.

    Args:
        rewards: Rewards of one episode, in order.
        gamma: Discount in [0, 1] (1 is allowed here: a finite list has a sum).

    Returns:
        The return, as a float.
    """
    ok = not isinstance(gamma, bool) and isinstance(gamma, int | float)
    if not ok or not 0.0 <= gamma <= 1.0:
        raise invalid("gamma", gamma, "a number in [0, 1]")
    return float(sum(gamma**t * reward for t, reward in enumerate(rewards)))


def format_table(mdp: TabularMDP, table, digits: int = 2) -> str:
    """Plain-text table of per-state values (S,) or per-action values (S, A).

    Args:
        mdp: The MDP whose state and action names label the rows and columns.
        table: Array of shape (S,) or (S, A), or a dict of named (S,) arrays
            shown side by side as columns.
        digits: Decimals shown.

    Returns:
        The table, one row per state.
    """
    if isinstance(table, dict):
        headers = list(table)
        columns = np.column_stack([np.asarray(v, dtype=float) for v in table.values()])
    else:
        columns = np.asarray(table, dtype=float)
        if columns.ndim == 1:
            headers, columns = ["value"], columns[:, None]
        else:
            headers = list(mdp.actions)
    if columns.shape[0] != mdp.n_states:
        raise invalid("table", f"{columns.shape[0]} rows", f"{mdp.n_states} rows")
    width = max(10, *(len(h) + 2 for h in headers))
    lines = [f"{'':<14}" + "".join(f"{h:>{width}}" for h in headers)]
    for state, row in zip(mdp.states, columns, strict=True):
        lines.append(f"{state:<14}" + "".join(f"{x:>{width}.{digits}f}" for x in row))
    return "\n".join(lines)


def format_policy(mdp: TabularMDP, policy) -> str:
    """One line per non-terminal state: the action the policy recommends."""
    policy = np.asarray(policy)
    return "\n".join(
        f"{state:<14} -> {mdp.actions[policy[s]]}"
        for s, state in enumerate(mdp.states)
        if not mdp.terminal[s]
    )


def _check_gamma(gamma: float) -> float:
    ok = not isinstance(gamma, bool) and isinstance(gamma, int | float)
    if not ok or not 0.0 <= gamma < 1.0:
        raise invalid("gamma", gamma, "a number in [0, 1)")
    return float(gamma)


def _check_values(mdp: TabularMDP, values) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (mdp.n_states,):
        raise invalid("values", f"array of shape {values.shape}", f"({mdp.n_states},)")
    return values


def q_from_v(mdp: TabularMDP, values: np.ndarray, gamma: float) -> np.ndarray:
    """One Bellman backup: the value of each action when ``values`` holds afterwards.

    ``Q(s, a) = r(s, a) + gamma * sum_s' P(s' | s, a) * V(s')``

    Args:
        mdp: The MDP.
        values: State values, shape (S,).
        gamma: Discount in [0, 1).

    Returns:
        ``q_values`` of shape (S, A).
    """
    gamma = _check_gamma(gamma)
    values = _check_values(mdp, values)
    # (S, A, S) @ (S,) -> (S, A): expected value of the next state.
    return mdp.expected_rewards + gamma * (mdp.transitions @ values)


def greedy_policy(q_values: np.ndarray) -> np.ndarray:
    """The action with the highest value in each state (ties: lowest index)."""
    return np.asarray(q_values).argmax(axis=1)


def myopic_policy(mdp: TabularMDP) -> np.ndarray:
    """The action with the highest immediate expected reward in each state."""
    return greedy_policy(mdp.expected_rewards)


def value_iteration(
    mdp: TabularMDP, gamma: float = 0.9, tol: float = 1e-8, max_iterations: int = 10_000
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Optimal values by repeated Bellman optimality backups.

    Starts from ``V = 0`` and applies ``V <- max_a Q(s, a)`` until no value
    changes by more than ``tol``. The error shrinks by a factor ``gamma`` per
    sweep at worst, so a discount close to 1 needs many sweeps.

    Args:
        mdp: The MDP.
        gamma: Discount in [0, 1).
        tol: Stop when the largest change of a value is below this (> 0).
        max_iterations: Give up after this many sweeps (the result is then
            logged as not converged).

    Returns:
        ``(values, policy, history)``: optimal values (S,), a greedy optimal
        policy (S,) of action indices, and the values after every sweep,
        shape (n_sweeps + 1, S), starting with the zeros.
    """
    gamma = _check_gamma(gamma)
    if not tol > 0:
        raise invalid("tol", tol, "a number > 0")
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, int):
        raise invalid("max_iterations", max_iterations, "an integer >= 1")
    if max_iterations < 1:
        raise invalid("max_iterations", max_iterations, "an integer >= 1")

    values = np.zeros(mdp.n_states)
    history = [values]
    for _ in range(max_iterations):
        new_values = q_from_v(mdp, values, gamma).max(axis=1)
        history.append(new_values)
        change = np.abs(new_values - values).max()
        values = new_values
        if change < tol:
            break
    else:
        logger.warning("value iteration stopped after %d sweeps", max_iterations)

    policy = greedy_policy(q_from_v(mdp, values, gamma))
    return values, policy, np.array(history)


def _check_policy(mdp: TabularMDP, policy) -> np.ndarray:
    """Return the policy as probabilities of shape (S, A)."""
    policy = np.asarray(policy)
    n_s, n_a = mdp.n_states, mdp.n_actions
    if policy.shape == (n_s,) and np.issubdtype(policy.dtype, np.integer):
        if policy.min() < 0 or policy.max() >= n_a:
            raise invalid("policy", policy.tolist(), f"action indices 0 to {n_a - 1}")
        return np.eye(n_a)[policy]
    if policy.shape == (n_s, n_a):
        policy = policy.astype(np.float64)
        if (policy < 0).any() or not np.allclose(policy.sum(axis=1), 1.0):
            raise invalid("policy", "rows not summing to 1", "probabilities per state")
        return policy
    raise invalid(
        "policy",
        f"array of shape {policy.shape}",
        f"integer actions of shape ({n_s},) or probabilities of shape ({n_s}, {n_a})",
    )


def policy_evaluation(mdp: TabularMDP, policy, gamma: float = 0.9) -> np.ndarray:
    """Exact values of a policy, by solving its Bellman equations.

    The values satisfy ``V = r_pi + gamma * P_pi V``, a linear system of S
    equations, solved directly with ``np.linalg.solve``.

    Args:
        mdp: The MDP.
        policy: Action index per state, shape (S,), or action probabilities
            per state, shape (S, A).
        gamma: Discount in [0, 1).

    Returns:
        ``values`` of shape (S,).
    """
    gamma = _check_gamma(gamma)
    probs = _check_policy(mdp, policy)

    # Average rewards and transitions over the policy's choice of action.
    reward_pi = (probs * mdp.expected_rewards).sum(axis=1)  # (S,)
    transitions_pi = np.einsum("sa,sat->st", probs, mdp.transitions)  # (S, S)
    system = np.eye(mdp.n_states) - gamma * transitions_pi
    return np.linalg.solve(system, reward_pi)


def simulate_returns(
    mdp: TabularMDP, policy, gamma: float, n_episodes: int, seed: int
) -> np.ndarray:
    """Discounted returns of sampled episodes from the start state.

    Their mean estimates ``V(start_state)`` of the policy; it is how one
    checks a value by experiment rather than by algebra.

    Args:
        mdp: The MDP.
        policy: Action index per state, shape (S,).
        gamma: Discount in [0, 1).
        n_episodes: Number of episodes (>= 1).
        seed: Seed of the generator of the shopper's responses.

    Returns:
        Array of shape (n_episodes,).
    """
    gamma = _check_gamma(gamma)
    probs = _check_policy(mdp, policy)
    if isinstance(n_episodes, bool) or not isinstance(n_episodes, int):
        raise invalid("n_episodes", n_episodes, "an integer >= 1")
    if n_episodes < 1:
        raise invalid("n_episodes", n_episodes, "an integer >= 1")
    rng = np.random.default_rng(seed)

    returns = np.zeros(n_episodes)
    for episode in range(n_episodes):
        state = mdp.states.index(mdp.start_state)
        discount, terminated = 1.0, False
        while not terminated:
            action = rng.choice(mdp.n_actions, p=probs[state])
            state, reward, terminated = mdp.step(state, action, rng)
            returns[episode] += discount * reward
            discount *= gamma
    return returns


@dataclass(frozen=True)
class QLearningResult:
    """What ``q_learning`` returns."""

    q_values: np.ndarray
    """Learned action values after the last update, shape (S, A)."""
    updates: np.ndarray
    """Update counts at which ``q_history`` was recorded, shape (K,)."""
    q_history: np.ndarray
    """Snapshots of the Q-table, shape (K, S, A); the first is all zeros."""
    n_episodes: int
    """Episodes started during learning."""


def q_learning(
    mdp: TabularMDP,
    gamma: float = 0.9,
    n_updates: int = 50_000,
    seed: int = 0,
    epsilon: float = 0.5,
    step_size_power: float = 0.8,
    record_every: int = 100,
    progress: bool = True,
) -> QLearningResult:
    """Tabular Q-learning from sampled transitions, never reading the model.

    The agent plays episodes from the start state, choosing actions
    epsilon-greedily with respect to its current table, and after every
    transition ``(s, a, r, s_next)`` moves ``Q(s, a)`` towards the TD target
    ``r + gamma * max_a' Q(s_next, a')`` (just ``r`` when ``s_next`` is
    terminal). The step size of the n-th update of a pair is ``n **
    -step_size_power``; powers between 0.5 and 1 satisfy the conditions under
    which Q-learning converges to the optimal values, and pairs visited
    rarely (the ones the greedy policy avoids) converge more slowly.

    Args:
        mdp: The MDP; only ``mdp.step`` is used to learn.
        gamma: Discount in [0, 1).
        n_updates: Number of transitions learned from (>= 1).
        seed: Seed of the generator for exploration and the shopper's responses.
        epsilon: Chance of a uniformly random action, in [0, 1].
        step_size_power: Exponent of the decaying step size, in (0.5, 1].
        record_every: Record a snapshot of the table every this many updates.
        progress: Show a progress bar.

    Returns:
        A ``QLearningResult``.
    """
    gamma = _check_gamma(gamma)
    for name, value, low in (
        ("n_updates", n_updates, 1),
        ("record_every", record_every, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise invalid(name, value, f"an integer >= {low}")
    if not 0.0 <= epsilon <= 1.0:
        raise invalid("epsilon", epsilon, "a number in [0, 1]")
    if not 0.5 < step_size_power <= 1.0:
        raise invalid("step_size_power", step_size_power, "a number in (0.5, 1]")
    rng = np.random.default_rng(seed)
    start = mdp.states.index(mdp.start_state)

    q_values = np.zeros((mdp.n_states, mdp.n_actions))
    visits = np.zeros((mdp.n_states, mdp.n_actions), dtype=np.int64)
    updates, snapshots = [0], [q_values.copy()]
    state, n_episodes = start, 1
    for update in tqdm(
        range(1, n_updates + 1), disable=not progress, desc="Q-learning"
    ):
        # Act epsilon-greedily: explore with chance epsilon.
        if rng.random() < epsilon:
            action = int(rng.integers(mdp.n_actions))
        else:
            action = int(q_values[state].argmax())
        next_state, reward, terminated = mdp.step(state, action, rng)

        # Move Q(s, a) towards the TD target; no bootstrap once the shopper left.
        td_target = (
            reward if terminated else reward + gamma * q_values[next_state].max()
        )
        visits[state, action] += 1
        step_size = visits[state, action] ** -step_size_power
        q_values[state, action] += step_size * (td_target - q_values[state, action])

        if terminated:
            state, n_episodes = start, n_episodes + 1
        else:
            state = next_state
        if update % record_every == 0:
            updates.append(update)
            snapshots.append(q_values.copy())

    return QLearningResult(
        q_values=q_values,
        updates=np.array(updates),
        q_history=np.array(snapshots),
        n_episodes=n_episodes,
    )


__all__ = [
    "Outcome",
    "QLearningResult",
    "TabularMDP",
    "beauty_counter_mdp",
    "discounted_return",
    "format_policy",
    "format_table",
    "greedy_policy",
    "myopic_policy",
    "policy_evaluation",
    "q_from_v",
    "q_learning",
    "simulate_returns",
    "value_iteration",
]
