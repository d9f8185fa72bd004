"""Checks of the course's exercises.

Each ``check_*`` function runs the learner's function on several inputs,
compares every answer with a reference implementation and prints one
verdict: a green "Correct" line, a yellow "not implemented yet" line for a
stub, or a red line naming the first failing input with the expected and
received values and a hint. When the wrong answer is exactly what a known
mistake produces (forgetting to discount, bootstrapping past the end of a
session, ...), the hint names that mistake. A check never raises because of
the learner's code; it returns ``True`` or ``False``.

This module prints on purpose: its output is the course's feedback to the
learner, shown in the notebook under the cell that runs the check.

Exercises and their checks (notebook, function the learner writes):

* 00: ``step_reward(click, cart, purchase)`` -> ``check_step_reward``
* 01: ``discounted_return(rewards, gamma)`` -> ``check_discounted_return``
* 01: ``bellman_backup(rewards, transitions, values, gamma)`` ->
  ``check_bellman_backup``
* 01: ``value_iteration(mdp, gamma, tol)`` -> ``check_value_iteration``
* 01: ``q_learning_update(q_values, state, action, reward, next_state,
  terminated, step_size, gamma)`` -> ``check_q_learning_update``
* 02: ``expected_funnel_reward(p_click, p_cart, p_purchase, w_click, w_cart,
  w_purchase)`` -> ``check_expected_funnel_reward``
* 02: ``session_return(rewards, terminated, gamma)`` -> ``check_session_return``
* 04: ``td_target(rewards, next_q_values, terminated, gamma)`` ->
  ``check_td_target``
* 05: ``epsilon_greedy(q_values, epsilon, rng)`` -> ``check_epsilon_greedy``
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from beautyrl_lib.course import tabular
from beautyrl_lib.errors import invalid

GREEN, RED, YELLOW, BOLD, RESET = (
    "\x1b[32m",
    "\x1b[31m",
    "\x1b[33m",
    "\x1b[1m",
    "\x1b[0m",
)

# The shop's default funnel points (``beautyrl_lib.sim.config.RewardWeights``).
CLICK_POINTS, CART_POINTS, PURCHASE_POINTS = 1.0, 3.0, 10.0


def report(passed: bool, message: str, *, pending: bool = False) -> bool:
    """Print one coloured verdict line and return ``passed``.

    Args:
        passed: Whether the exercise is solved.
        message: The explanation printed after the verdict.
        pending: The exercise is not attempted yet (yellow, not red).

    Returns:
        ``passed``, so a check can ``return report(...)``.
    """
    if passed:
        verdict = f"{BOLD}{GREEN}Correct!{RESET}"
    elif pending:
        verdict = f"{BOLD}{YELLOW}Not implemented yet.{RESET}"
    else:
        verdict = f"{BOLD}{RED}Not yet.{RESET}"
    print(f"{verdict} {message}")
    return passed


@dataclass(frozen=True)
class Case:
    """One input on which the learner's function is compared with the reference."""

    args: tuple
    """Positional arguments passed to both functions (copied for each call)."""
    shown: str = ""
    """How the input reads in a hint; built from ``args`` when empty."""


@dataclass(frozen=True)
class Mistake:
    """A typical wrong version of the function, recognised by its answer."""

    fn: Callable
    """Function that makes the mistake."""
    hint: str
    """What to tell a learner whose answer equals this function's answer."""


@dataclass(frozen=True)
class Exercise:
    """Everything a check needs to judge one learner function."""

    name: str
    """Name of the function the learner writes, as in the notebook."""
    reference: Callable
    """Correct implementation."""
    cases: Sequence[Case]
    """Inputs tried in order; the first failure is reported."""
    hint: str
    """Hint shown when the answer matches no known mistake."""
    mistakes: Sequence[Mistake] = field(default_factory=tuple)
    """Typical mistakes to recognise."""
    atol: float = 1e-6
    """Absolute tolerance of the comparison."""


def show(value, prefix: str = "") -> str:
    """Short rendering of an input or output for a hint.

    Args:
        value: What to show.
        prefix: Text printed before it on the same line; arrays then break
            over aligned lines. Without it, arrays are written on one line.

    Returns:
        The text.
    """
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    if isinstance(value, np.ndarray):
        if value.size > 16:
            return f"array of shape {value.shape}"
        text = np.array2string(
            value, precision=4, suppress_small=True, separator=", ", prefix=prefix
        )
        return text if prefix else " ".join(text.split())
    if isinstance(value, list | tuple) and len(value) <= 16:
        inner = ", ".join(show(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, tabular.TabularMDP):
        return f"<MDP with states {list(value.states)}>"
    return repr(value)


def _wrong_answer(call: str, expected, received, hint: str) -> str:
    """The message of a wrong answer: the input, both values, the hint."""
    return (
        f"{call} gives a wrong answer.\n"
        f"  expected: {show(expected, '  expected: ')}\n"
        f"  received: {show(received, '  received: ')}\n"
        f"  Hint: {hint}"
    )


def _shown_args(reference: Callable, case: Case) -> str:
    if case.shown:
        return case.shown
    names = list(inspect.signature(reference).parameters)
    return ", ".join(f"{n}={show(v)}" for n, v in zip(names, case.args, strict=False))


def _matches(received, expected, atol: float) -> bool:
    try:
        received = np.asarray(received, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    expected = np.asarray(expected, dtype=np.float64)
    if received.shape != expected.shape:
        return False
    return bool(np.allclose(received, expected, rtol=1e-6, atol=atol))


def _diagnose(received, expected) -> str:
    """Explain a wrong answer's form (None, wrong shape) if that is the problem."""
    if received is None:
        return "it returned None: did you forget the `return` statement?"
    try:
        shape = np.shape(np.asarray(received, dtype=np.float64))
    except (TypeError, ValueError):
        return f"it returned a {type(received).__name__}, expected numbers."
    if shape != np.shape(expected):
        return f"it returned shape {shape}; expected shape {np.shape(expected)}."
    return ""


def _call(fn: Callable, case: Case):
    """Call ``fn`` on a private copy of the case's arguments."""
    return fn(*copy.deepcopy(case.args))


def run_check(exercise: Exercise, fn: Callable) -> bool:
    """Run ``fn`` on every case of ``exercise``, print a verdict and return it.

    Args:
        exercise: The exercise (reference, cases, hints).
        fn: The learner's function.

    Returns:
        True when ``fn`` agrees with the reference on every case.

    Raises:
        ConfigError: ``fn`` is not callable (a common slip is passing
            ``f()`` instead of ``f``).
    """
    if not callable(fn):
        raise invalid("fn", fn, f"the function {exercise.name} itself, not its result")
    name = exercise.name
    for case in exercise.cases:
        shown = f"{name}({_shown_args(exercise.reference, case)})"
        try:
            received = _call(fn, case)
        except NotImplementedError:
            return report(False, _PENDING.format(name=name), pending=True)
        except Exception as exc:  # the learner's code may fail in any way
            message = f"{shown} raised {type(exc).__name__}: {exc}"
            return report(False, f"{message}\n  Hint: {exercise.hint}")

        expected = _call(exercise.reference, case)
        if _matches(received, expected, exercise.atol):
            continue
        hint = _diagnose(received, expected) or _known_mistake(exercise, case, received)
        message = _wrong_answer(shown, expected, received, hint or exercise.hint)
        return report(False, message)

    count = len(exercise.cases)
    return report(True, f"{name} agrees with the reference on all {count} inputs.")


def _known_mistake(exercise: Exercise, case: Case, received) -> str:
    for mistake in exercise.mistakes:
        try:
            wrong = _call(mistake.fn, case)
        except Exception:  # a mistake that does not apply to this input
            continue
        if _matches(received, wrong, exercise.atol):
            return mistake.hint
    return ""


# ----------------------------------------------------------------------------
# Notebook 00: the shop's reward of one step.


def ref_step_reward(click: bool, cart: bool, purchase: bool) -> float:
    """Funnel points of one step: the stages reached add up (1 + 3 + 10)."""
    return CLICK_POINTS * click + CART_POINTS * cart + PURCHASE_POINTS * purchase


def _last_stage_only(click: bool, cart: bool, purchase: bool) -> float:
    if purchase:
        return PURCHASE_POINTS
    return CART_POINTS if cart else CLICK_POINTS * click


_STEP_REWARD = Exercise(
    name="step_reward",
    reference=ref_step_reward,
    cases=[
        Case((False, False, False)),
        Case((True, False, False)),
        Case((True, True, False)),
        Case((True, True, True)),
    ],
    hint="add the points of every stage reached: 1 per click, 3 per cart, "
    "10 per purchase.",
    mistakes=[
        Mistake(
            _last_stage_only,
            "only the last stage was counted; a purchase also earns the click and "
            "cart points before it (1 + 3 + 10 = 14).",
        )
    ],
)


def check_step_reward(fn: Callable) -> bool:
    """Check ``step_reward(click, cart, purchase) -> float`` (notebook 00)."""
    return run_check(_STEP_REWARD, fn)


# ----------------------------------------------------------------------------
# Notebook 01: return, Bellman backup, value iteration, Q-learning update.


def ref_discounted_return(rewards: Sequence[float], gamma: float) -> float:
    """``sum_t gamma**t * rewards[t]``; the first reward is not discounted."""
    return tabular.discounted_return(rewards, gamma)


_DISCOUNTED_RETURN = Exercise(
    name="discounted_return",
    reference=ref_discounted_return,
    cases=[
        Case(([1.0, 2.0, 3.0], 0.9)),
        Case(([0.0, 0.0, 14.0], 0.5)),
        Case(([5.0], 0.9)),
        Case(([], 0.9)),
        Case(([1.0, 1.0, 1.0, 1.0], 1.0)),
        Case(([1.0, -1.0, 2.0], 0.0)),
    ],
    hint="the reward of step t is worth gamma**t, counting t from 0.",
    mistakes=[
        Mistake(
            lambda rewards, gamma: float(sum(rewards)),
            "the rewards were added without discount: multiply reward t by gamma**t.",
        ),
        Mistake(
            lambda rewards, gamma: float(
                sum(gamma ** (t + 1) * r for t, r in enumerate(rewards))
            ),
            "the power is off by one: the first reward is not discounted "
            "(gamma**0 = 1), the second is multiplied by gamma once.",
        ),
    ],
)


def check_discounted_return(fn: Callable) -> bool:
    """Check ``discounted_return(rewards, gamma) -> float`` (notebook 01)."""
    return run_check(_DISCOUNTED_RETURN, fn)


def ref_bellman_backup(
    rewards: np.ndarray, transitions: np.ndarray, values: np.ndarray, gamma: float
) -> np.ndarray:
    """``Q[s, a] = rewards[s, a] + gamma * sum_t transitions[s, a, t] * values[t]``."""
    return rewards + gamma * transitions @ values


def _random_mdp_arrays(seed: int, n_states: int, n_actions: int) -> tuple:
    """Expected rewards (S, A), transitions (S, A, S) and values (S,) to test on."""
    rng = np.random.default_rng(seed)
    rewards = rng.uniform(-1.0, 5.0, size=(n_states, n_actions)).round(2)
    transitions = rng.dirichlet(np.ones(n_states), size=(n_states, n_actions))
    values = rng.uniform(0.0, 10.0, size=n_states).round(2)
    return rewards, transitions, values


def _counter_arrays() -> tuple[np.ndarray, np.ndarray]:
    mdp = tabular.beauty_counter_mdp()
    return np.array(mdp.expected_rewards), np.array(mdp.transitions)


def _bellman_cases() -> list[Case]:
    rewards, transitions = _counter_arrays()
    optimal, _, _ = tabular.value_iteration(tabular.beauty_counter_mdp(), 0.9)
    r3, p3, v3 = _random_mdp_arrays(seed=1, n_states=3, n_actions=2)
    r5, p5, v5 = _random_mdp_arrays(seed=2, n_states=5, n_actions=4)
    return [
        Case(
            (rewards, transitions, np.zeros(4), 0.9),
            "the counter, values = 0, gamma=0.9",
        ),
        Case(
            (rewards, transitions, optimal.round(2), 0.9),
            f"the counter, values = {show(optimal.round(2))}, gamma=0.9",
        ),
        Case((r3, p3, v3, 0.5), "a random 3-state MDP, gamma=0.5"),
        Case((r5, p5, v5, 0.0), "a random 5-state MDP, gamma=0"),
    ]


_BELLMAN_BACKUP = Exercise(
    name="bellman_backup",
    reference=ref_bellman_backup,
    cases=_bellman_cases(),
    hint="Q[s, a] is the expected reward plus gamma times the average value of the "
    "next state, weighted by transitions[s, a, :]. `transitions @ values` has "
    "shape (S, A).",
    mistakes=[
        Mistake(
            lambda r, p, v, gamma: r + p @ v,
            "the next state's value was not discounted: multiply it by gamma.",
        ),
        Mistake(
            lambda r, p, v, gamma: r + gamma * v.max() * np.ones_like(r),
            "the best next value was used instead of the average over where the "
            "shopper goes: weight each next value by its probability.",
        ),
        Mistake(
            lambda r, p, v, gamma: r + gamma * np.einsum("sat,s->ta", p, v),
            "the transition array was read along the wrong axis: transitions[s, a, "
            "s_next] is the chance of moving from s to s_next.",
        ),
    ],
)


def check_bellman_backup(fn: Callable) -> bool:
    """Check ``bellman_backup(rewards, transitions, values, gamma) -> q_values``.

    ``rewards`` is the expected immediate reward (S, A), ``transitions`` (S, A, S),
    ``values`` (S,); the answer has shape (S, A) (notebook 01).
    """
    return run_check(_BELLMAN_BACKUP, fn)


def ref_value_iteration(
    mdp: tabular.TabularMDP, gamma: float, tol: float
) -> np.ndarray:
    """Optimal state values of ``mdp``, shape (S,)."""
    values, _, _ = tabular.value_iteration(mdp, gamma, tol)
    return values


def _first_item(fn: Callable) -> Callable:
    """Accept a function that returns a tuple whose first item is the values."""

    def values_only(*args):
        result = fn(*args)
        return result[0] if isinstance(result, tuple) else result

    values_only.__name__ = getattr(fn, "__name__", "value_iteration")
    return values_only


def _random_mdp(seed: int) -> tabular.TabularMDP:
    """A random 4-state, 2-action MDP with one terminal state."""
    rng = np.random.default_rng(seed)
    states, actions = ("a", "b", "c", "end"), ("x", "y")
    outcomes = {}
    for state in states[:-1]:
        for action in actions:
            probs = rng.dirichlet(np.ones(4)).round(3)
            probs[-1] = 1.0 - probs[:-1].sum()
            rewards = rng.integers(0, 6, size=4)
            outcomes[(state, action)] = tuple(
                tabular.Outcome(float(p), s, float(r))
                for p, s, r in zip(probs, states, rewards, strict=True)
            )
    return tabular.TabularMDP(states, actions, outcomes, ("end",), "a")


def _one_sweep(mdp, gamma, tol):
    return np.asarray(mdp.expected_rewards).max(axis=1)


def _mean_over_actions(mdp, gamma, tol):
    values = np.zeros(mdp.n_states)
    for _ in range(10_000):
        new_values = tabular.q_from_v(mdp, values, gamma).mean(axis=1)
        if np.abs(new_values - values).max() < tol:
            return new_values
        values = new_values
    return values


_VALUE_ITERATION = Exercise(
    name="value_iteration",
    reference=ref_value_iteration,
    cases=[
        Case(
            (tabular.beauty_counter_mdp(), 0.9, 1e-8),
            "the counter, gamma=0.9, tol=1e-8",
        ),
        Case(
            (tabular.beauty_counter_mdp(), 0.5, 1e-8),
            "the counter, gamma=0.5, tol=1e-8",
        ),
        Case(
            (tabular.beauty_counter_mdp(), 0.0, 1e-8), "the counter, gamma=0, tol=1e-8"
        ),
        Case((_random_mdp(3), 0.8, 1e-8), "a random 4-state MDP, gamma=0.8, tol=1e-8"),
    ],
    hint="start from zeros and repeat values = bellman_backup(...).max(axis=1) "
    "until the largest change is below tol.",
    mistakes=[
        Mistake(
            _one_sweep,
            "these are the values after a single sweep: keep sweeping until the "
            "largest change is below tol.",
        ),
        Mistake(
            _mean_over_actions,
            "these are the values of picking actions at random: take the best "
            "action's value (max over actions), not the average.",
        ),
    ],
    atol=1e-4,
)


def check_value_iteration(fn: Callable) -> bool:
    """Check ``value_iteration(mdp, gamma, tol) -> values`` of shape (S,).

    A function returning a tuple whose first item is the values (like
    ``tabular.value_iteration``) is accepted too (notebook 01).
    """
    if not callable(fn):
        raise invalid("fn", fn, "the function value_iteration itself, not its result")
    return run_check(_VALUE_ITERATION, _first_item(fn))


def ref_q_learning_update(
    q_values: np.ndarray,
    state: int,
    action: int,
    reward: float,
    next_state: int,
    terminated: bool,
    step_size: float,
    gamma: float,
) -> np.ndarray:
    """The table after one Q-learning update (a new array; the input is unchanged)."""
    q_values = np.array(q_values, dtype=np.float64)
    td_target = reward if terminated else reward + gamma * q_values[next_state].max()
    q_values[state, action] += step_size * (td_target - q_values[state, action])
    return q_values


def _table(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.0, 20.0, size=(4, 3)).round(1)


def _q_cases() -> list[Case]:
    rows = [
        (_table(0), 0, 2, 1.0, 0, False, 0.5, 0.9),
        (_table(1), 1, 0, 14.0, 2, False, 0.1, 0.9),
        (_table(2), 0, 2, 14.0, 3, True, 0.5, 0.9),
        (_table(3), 2, 1, 0.0, 3, True, 1.0, 0.9),
        (_table(4), 1, 1, 1.0, 1, False, 0.25, 0.0),
    ]
    names = "state, action, reward, next_state, terminated, step_size, gamma"
    cases = []
    for args in rows:
        detail = ", ".join(
            f"{n}={show(v)}" for n, v in zip(names.split(", "), args[1:], strict=True)
        )
        cases.append(Case(args, f"q_values={show(args[0])}, {detail}"))
    return cases


def _update_with(td_target_fn: Callable, use_step_size: bool = True) -> Callable:
    def update(q, s, a, r, s_next, terminated, step_size, gamma):
        q = np.array(q, dtype=np.float64)
        target = td_target_fn(q, r, s_next, a, terminated, gamma)
        q[s, a] += (step_size if use_step_size else 1.0) * (target - q[s, a])
        return q

    return update


_Q_LEARNING_UPDATE = Exercise(
    name="q_learning_update",
    reference=ref_q_learning_update,
    cases=_q_cases(),
    hint="td_target = reward + gamma * max_a' Q[next_state, a'] (just reward when "
    "terminated); then Q[state, action] += step_size * (td_target - Q[state, action]).",
    mistakes=[
        Mistake(
            _update_with(lambda q, r, s2, a, t, g: r + g * q[s2].max()),
            "the target bootstrapped from the next state although the session "
            "ended: when terminated, the TD target is the reward alone.",
        ),
        Mistake(
            _update_with(
                lambda q, r, s2, a, t, g: r if t else r + g * q[s2].max(), False
            ),
            "Q[state, action] was replaced by the target: move it only a fraction "
            "step_size of the way.",
        ),
        Mistake(
            _update_with(lambda q, r, s2, a, t, g: r if t else r + g * q[s2, a]),
            "the target used Q[next_state, action]; Q-learning uses the best next "
            "action, max over Q[next_state, :].",
        ),
        Mistake(
            _update_with(lambda q, r, s2, a, t, g: r if t else r + q[s2].max()),
            "the next state's value was not discounted: multiply it by gamma.",
        ),
    ],
)


def _returning_table(fn: Callable) -> Callable:
    """Accept an update that changes ``q_values`` in place and returns None."""

    def update(q_values, *args):
        result = fn(q_values, *args)
        return q_values if result is None else result

    update.__name__ = getattr(fn, "__name__", "q_learning_update")
    return update


def check_q_learning_update(fn: Callable) -> bool:
    """Check ``q_learning_update(q_values, state, action, reward, next_state,
    terminated, step_size, gamma) -> q_values`` (notebook 01).

    The function may return a new table or update ``q_values`` in place.
    """
    if not callable(fn):
        raise invalid("fn", fn, "the function q_learning_update itself, not its result")
    return run_check(_Q_LEARNING_UPDATE, _returning_table(fn))


# ----------------------------------------------------------------------------
# Notebook 02: the funnel and the return of one session.


def ref_expected_funnel_reward(
    p_click: float,
    p_cart: float,
    p_purchase: float,
    w_click: float,
    w_cart: float,
    w_purchase: float,
) -> float:
    """Expected points of one recommendation.

    ``p_cart`` is the chance of a cart given a click, ``p_purchase`` of a purchase
    given a cart, so each stage's chance is a product along the funnel.
    """
    carted = p_click * p_cart
    bought = carted * p_purchase
    return w_click * p_click + w_cart * carted + w_purchase * bought


_FUNNEL = Exercise(
    name="expected_funnel_reward",
    reference=ref_expected_funnel_reward,
    cases=[
        Case((0.1, 0.3, 0.25, 1.0, 3.0, 10.0)),
        Case((0.5, 0.5, 0.5, 1.0, 3.0, 10.0)),
        Case((1.0, 1.0, 1.0, 1.0, 3.0, 10.0)),
        Case((0.0, 0.9, 0.9, 1.0, 3.0, 10.0)),
        Case((0.2, 0.4, 0.3, 0.0, 0.0, 1.0)),
    ],
    hint="the chance of a cart is p_click * p_cart, of a purchase p_click * p_cart "
    "* p_purchase; weight each stage's chance by its points and add them.",
    mistakes=[
        Mistake(
            lambda pc, pa, pp, wc, wa, wp: wc * pc + wa * pa + wp * pp,
            "p_cart and p_purchase are conditional (given a click, given a cart): "
            "multiply along the funnel, p_click * p_cart for a cart.",
        ),
        Mistake(
            lambda pc, pa, pp, wc, wa, wp: wp * pc * pa * pp,
            "only the purchase was counted; clicks and carts earn points too.",
        ),
    ],
)


def check_expected_funnel_reward(fn: Callable) -> bool:
    """Check ``expected_funnel_reward(p_click, p_cart, p_purchase, w_click, w_cart,
    w_purchase) -> float`` (notebook 02)."""
    return run_check(_FUNNEL, fn)


def ref_session_return(
    rewards: Sequence[float], terminated: Sequence[bool], gamma: float
) -> float:
    """Discounted return of the first session in a slot's stream of steps.

    The session is every step up to and including the first one with
    ``terminated`` True (all steps when none is); later steps belong to the
    next shopper, whom the shop started automatically.
    """
    total, discount = 0.0, 1.0
    for reward, done in zip(rewards, terminated, strict=True):
        total += discount * reward
        discount *= gamma
        if done:
            break
    return total


def _sum_all(rewards, terminated, gamma):
    return ref_discounted_return(rewards, gamma)


def _stop_before_last(rewards, terminated, gamma):
    total, discount = 0.0, 1.0
    for reward, done in zip(rewards, terminated, strict=True):
        if done:
            break
        total += discount * reward
        discount *= gamma
    return total


_SESSION_RETURN = Exercise(
    name="session_return",
    reference=ref_session_return,
    cases=[
        Case(([1.0, 0.0, 14.0], [False, False, True], 1.0)),
        Case(([1.0, 4.0, 0.0, 14.0, 1.0], [False, True, False, False, True], 1.0)),
        Case(([1.0, 4.0, 0.0, 14.0], [False, False, False, False], 0.9)),
        Case(([0.0, 14.0, 1.0, 1.0], [False, True, False, True], 0.9)),
        Case(([14.0, 1.0], [True, False], 0.5)),
    ],
    hint="add gamma**t * rewards[t] step by step and stop right after the first "
    "step whose terminated flag is True (its reward still counts).",
    mistakes=[
        Mistake(
            _sum_all,
            "the sum went past the end of the session: after terminated is True "
            "the rewards belong to the next shopper.",
        ),
        Mistake(
            _stop_before_last,
            "the reward of the last step was dropped: the step that ends the "
            "session still earns its reward.",
        ),
        Mistake(
            lambda rewards, terminated, gamma: ref_session_return(
                rewards, terminated, 1.0
            ),
            "the rewards were not discounted: multiply reward t by gamma**t.",
        ),
    ],
)


def check_session_return(fn: Callable) -> bool:
    """Check ``session_return(rewards, terminated, gamma) -> float`` (notebook 02)."""
    return run_check(_SESSION_RETURN, fn)


# ----------------------------------------------------------------------------
# Notebooks 04-06: TD targets for a batch, epsilon-greedy action choice.


def ref_td_target(
    rewards: np.ndarray, next_q_values: np.ndarray, terminated: np.ndarray, gamma: float
) -> np.ndarray:
    """``rewards + gamma * max_a next_q_values * (1 - terminated)``, shape (B,)."""
    rewards = np.asarray(rewards, dtype=np.float64)
    best_next = np.asarray(next_q_values, dtype=np.float64).max(
        axis=1
    )  # (B, A) -> (B,)
    return rewards + gamma * best_next * (
        1.0 - np.asarray(terminated, dtype=np.float64)
    )


def _td_cases() -> list[Case]:
    rng = np.random.default_rng(5)
    cases = []
    for batch, n_actions, gamma in ((4, 3, 0.9), (6, 5, 0.99), (3, 2, 0.0)):
        rewards = rng.choice([0.0, 1.0, 4.0, 14.0], size=batch)
        next_q = rng.uniform(-2.0, 20.0, size=(batch, n_actions)).round(2)
        terminated = np.arange(batch) % 2 == 1
        cases.append(Case((rewards, next_q, terminated, gamma)))
    return cases


_TD_TARGET = Exercise(
    name="td_target",
    reference=ref_td_target,
    cases=_td_cases(),
    hint="take the max over actions of next_q_values (axis 1), discount it, and add "
    "it to the reward only where terminated is False.",
    mistakes=[
        Mistake(
            lambda r, q, t, g: r + g * q.max(axis=1),
            "the target bootstrapped past terminal steps: where terminated is "
            "True the target is the reward alone (truncated steps do bootstrap).",
        ),
        Mistake(
            lambda r, q, t, g: r + g * q.mean(axis=1) * (1.0 - t),
            "the mean over actions was used; the target uses the best next "
            "action, max over axis 1.",
        ),
        Mistake(
            lambda r, q, t, g: r + g * q.max(axis=1) * t,
            "the mask is inverted: bootstrap where terminated is False.",
        ),
    ],
)


def _numpy_result(fn: Callable, as_torch: bool) -> Callable:
    """Call ``fn`` with torch tensors when asked, and return NumPy."""

    def wrapped(rewards, next_q_values, terminated, gamma):
        if as_torch:
            import torch

            rewards = torch.as_tensor(rewards, dtype=torch.float32)
            next_q_values = torch.as_tensor(next_q_values, dtype=torch.float32)
            terminated = torch.as_tensor(terminated)
        result = fn(rewards, next_q_values, terminated, gamma)
        if hasattr(result, "detach"):
            result = result.detach().cpu().numpy()
        return result

    wrapped.__name__ = getattr(fn, "__name__", "td_target")
    return wrapped


def check_td_target(fn: Callable, as_torch: bool = False) -> bool:
    """Check ``td_target(rewards, next_q_values, terminated, gamma) -> (B,)``.

    Args:
        fn: The learner's function. ``rewards`` (B,), ``next_q_values`` (B, A),
            ``terminated`` bool (B,).
        as_torch: Pass the inputs as torch tensors (float32, bool) instead of
            NumPy arrays; a tensor answer is accepted either way.

    Returns:
        True when the answers agree with the reference.
    """
    if not callable(fn):
        raise invalid("fn", fn, "the function td_target itself, not its result")
    exercise = _TD_TARGET
    if as_torch:  # float32 arithmetic: compare at float32 precision
        exercise = replace(exercise, atol=1e-4)
    return run_check(exercise, _numpy_result(fn, as_torch))


def ref_epsilon_greedy(
    q_values: np.ndarray, epsilon: float, rng: np.random.Generator
) -> int:
    """With chance epsilon a uniformly random action, else the best one."""
    if rng.random() < epsilon:
        return int(rng.integers(len(q_values)))
    return int(np.argmax(q_values))


class _BadAnswer(Exception):
    """Internal: the learner's function returned something unusable."""


_PENDING = (
    "{name} still raises NotImplementedError: replace that line with your code, "
    "then run this cell again."
)


def check_epsilon_greedy(fn: Callable, n_draws: int = 4000) -> bool:
    """Check ``epsilon_greedy(q_values, epsilon, rng) -> int`` (notebook 05).

    Three tests, in order: with epsilon 0 it always returns the best action;
    the same seed gives the same actions (so it draws only from ``rng``, never
    from the global random state); and over ``n_draws`` calls the share of
    each action is within four standard errors of ``1 - epsilon + epsilon /
    A`` for the best action and ``epsilon / A`` for the others. A correct
    function fails the last test with a chance of about 1 in 10,000 for a
    given seed; the check's seeds are fixed, so its verdict never flickers.

    Args:
        fn: The learner's function.
        n_draws: Number of calls for the frequency test (>= 100).

    Returns:
        True when all three tests pass.
    """
    if not callable(fn):
        raise invalid("fn", fn, "the function epsilon_greedy itself, not its result")
    if isinstance(n_draws, bool) or not isinstance(n_draws, int) or n_draws < 100:
        raise invalid("n_draws", n_draws, "an integer >= 100")
    name = "epsilon_greedy"
    try:
        return _epsilon_greedy_tests(fn, n_draws)
    except NotImplementedError:
        return report(False, _PENDING.format(name=name), pending=True)
    except _BadAnswer as bad:
        return report(False, str(bad))
    except Exception as exc:  # the learner's code may fail in any way
        return report(False, f"{name} raised {type(exc).__name__}: {exc}")


def _choose(fn: Callable, q_values: np.ndarray, epsilon: float, rng) -> int:
    """Call the learner's function once and insist on a valid action index."""
    action = fn(q_values.copy(), epsilon, rng)
    if not _is_index(action, len(q_values)):
        raise _BadAnswer(
            f"epsilon_greedy(q_values={show(q_values)}, epsilon={epsilon}, rng) "
            f"returned {show(action)}.\n  Hint: return one action index, an "
            f"integer from 0 to {len(q_values) - 1}."
        )
    return int(action)


def _epsilon_greedy_tests(fn: Callable, n_draws: int) -> bool:
    # Test 1: no exploration means always the best action.
    q_rows = [
        np.array([1.0, 5.0, 2.0, 0.5]),
        np.array([9.0, -1.0]),
        np.array([0.0, 0.1, 3.0]),
    ]
    for q_values in q_rows:
        action = _choose(fn, q_values, 0.0, np.random.default_rng(0))
        if action != q_values.argmax():
            call = f"epsilon_greedy(q_values={show(q_values)}, epsilon=0, rng)"
            hint = (
                "with epsilon 0 never explore: return the index of the largest value."
            )
            return report(False, _wrong_answer(call, q_values.argmax(), action, hint))

    # Test 2: the same seed must give the same actions.
    q_values = q_rows[0]
    first = [_choose(fn, q_values, 0.5, rng) for rng in _fresh_rngs(7, 30)]
    second = [_choose(fn, q_values, 0.5, rng) for rng in _fresh_rngs(7, 30)]
    if first != second:
        message = (
            "epsilon_greedy gave different actions for generators with the same seed."
        )
        hint = "draw every random number from the rng argument, not np.random."
        return report(False, f"{message}\n  Hint: {hint}")

    # Test 3: the share of each action over many calls.
    epsilon, n_actions = 0.3, len(q_values)
    rng = np.random.default_rng(2024)
    actions = [_choose(fn, q_values, epsilon, rng) for _ in range(n_draws)]
    expected = np.full(n_actions, epsilon / n_actions)
    expected[q_values.argmax()] += 1.0 - epsilon
    shares = np.bincount(actions, minlength=n_actions) / n_draws
    tolerance = 4.0 * np.sqrt(expected * (1.0 - expected) / n_draws)
    if (np.abs(shares - expected) > tolerance).any():
        call = (
            f"The share of each action over {n_draws} calls with "
            f"q_values={show(q_values)}, epsilon={epsilon}"
        )
        hint = (
            "explore with chance epsilon (not 1 - epsilon), and when exploring pick "
            "any action uniformly, the best one included."
        )
        message = _wrong_answer(call, expected.round(3), shares.round(3), hint)
        return report(False, message.replace("gives a wrong answer", "is off"))
    return report(
        True, "epsilon_greedy is greedy, reproducible and explores at the right rate."
    )


def _fresh_rngs(seed: int, count: int) -> list[np.random.Generator]:
    return [np.random.default_rng([seed, i]) for i in range(count)]


def _is_index(action, n_actions: int) -> bool:
    if isinstance(action, bool | np.bool_):
        return False
    if not isinstance(action, int | np.integer) and not (
        isinstance(action, np.ndarray)
        and action.shape == ()
        and action.dtype.kind in "iu"
    ):
        return False
    return 0 <= int(action) < n_actions


__all__ = [
    "Case",
    "Exercise",
    "Mistake",
    "check_bellman_backup",
    "check_discounted_return",
    "check_epsilon_greedy",
    "check_expected_funnel_reward",
    "check_q_learning_update",
    "check_session_return",
    "check_step_reward",
    "check_td_target",
    "check_value_iteration",
    "report",
    "run_check",
    "show",
]
