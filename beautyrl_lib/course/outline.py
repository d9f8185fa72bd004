"""The map of the course: notebooks, core ideas and honest time estimates.

The times are for a learner who reads the text, runs every cell and does the
exercises; they include the few CPU minutes of training in notebook 06. A
learner who only reads needs about half.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    """One notebook of the course."""

    number: str
    """Two-digit number, as in the file name."""
    title: str
    """Title of the notebook."""
    idea: str
    """The core idea, in a few words."""
    minutes: int
    """Estimated time to work through it, exercises included."""
    library: str
    """Library pieces it uses."""


COURSE: tuple[Lesson, ...] = (
    Lesson(
        "00",
        "Start here",
        "setup check, course map, how exercises and checks work, glossary EN/中文",
        15,
        "course",
    ),
    Lesson(
        "01",
        "RL in a nutshell",
        "agent, environment, state, action, reward, return, value, policy; Bellman; "
        "value iteration and tabular Q-learning on a tiny beauty counter",
        60,
        "course.tabular",
    ),
    Lesson(
        "02",
        "The beauty shop",
        "catalog, shoppers, the click → cart → purchase funnel, one session step by "
        "step, baselines, why myopic recommenders leave value on the table",
        60,
        "sim, agents.baselines, evaluation",
    ),
    Lesson(
        "03",
        "State, action, reward design",
        "what the shop observes vs the hidden shopper, encoding, action masking, "
        "reward weights and reward hacking",
        45,
        "sim.observation, sim.rewards",
    ),
    Lesson(
        "04",
        "The Q-network",
        "function approximation, the network, TD targets, fitting Q",
        50,
        "agents.qnetwork",
    ),
    Lesson(
        "05",
        "Replay and ε-greedy",
        "correlated samples vs replay, the ring buffer, exploration schedules",
        40,
        "agents.replay, agents.exploration",
    ),
    Lesson(
        "06",
        "Training a DQN",
        "target network, loss, the loop, learning curves, comparison with "
        "baselines, inspecting the policy, saving and loading",
        60,
        "agents.dqn, training",
    ),
    Lesson(
        "07",
        "Debugging a DQN",
        "the article's snippet made runnable, its defects found and measured one "
        "at a time",
        45,
        "all",
    ),
)
"""The core notebooks, in order."""


def total_minutes() -> int:
    """Estimated time of the whole core course."""
    return sum(lesson.minutes for lesson in COURSE)


def course_map_markdown() -> str:
    """The course map as a Markdown table, for ``IPython.display.Markdown``."""
    lines = ["| # | notebook | core idea | time |", "|---|---|---|---|"]
    for lesson in COURSE:
        lines.append(
            f"| {lesson.number} | {lesson.title} | {lesson.idea} | "
            f"{lesson.minutes} min |"
        )
    hours, minutes = divmod(total_minutes(), 60)
    lines.append(f"| | **total** | | **{hours} h {minutes:02d} min** |")
    return "\n".join(lines)
