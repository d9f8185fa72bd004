"""The course glossary, English and Chinese.

The course grew from a Chinese article on deep reinforcement learning for
beauty-product recommendation. Its section 2.2 names seven core elements of
reinforcement learning; this glossary keeps the article's Chinese term for
each, says what it means and what it is in the BeautyRL shop, so a learner
can read the article and the course side by side.

``in_article`` tells whether the Chinese term appears in the article. The
other Chinese terms are the usual textbook ones, added for words the course
needs but the article does not use (discount, episode, Bellman equation...).

Notebooks show parts of it with ``glossary_markdown(...)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from beautyrl_lib.errors import invalid


@dataclass(frozen=True)
class Term:
    """One glossary entry."""

    english: str
    """The term as the course writes it."""
    chinese: str
    """The Chinese term."""
    meaning: str
    """What it means, in one sentence."""
    in_the_shop: str
    """What it is in the BeautyRL shop."""
    topic: str
    """Group of the entry: one of ``TOPICS``."""
    in_article: bool = True
    """Whether the Chinese term appears in the source article."""

    def __post_init__(self) -> None:
        if self.topic not in TOPICS:
            raise invalid("topic", self.topic, f"one of {TOPICS}")


TOPICS = ("element", "rl", "deep", "shop")
"""Groups: the article's seven elements, other RL words, deep RL, the shop."""

GLOSSARY: tuple[Term, ...] = (
    # The seven core elements of the article's section 2.2, in its order.
    Term(
        "agent",
        "智能体",
        "The learner and decision maker: it observes, acts and receives rewards.",
        "The shop's recommender, choosing which product to show next.",
        "element",
    ),
    Term(
        "environment",
        "环境",
        "Everything outside the agent that responds to its actions.",
        "The shopper and the catalog: the shopper clicks, carts, buys or leaves.",
        "element",
    ),
    Term(
        "state",
        "状态",
        "A description of the situation the agent acts in.",
        "What the shop observes: declared skin type, loyalty, the session so far.",
        "element",
    ),
    Term(
        "action",
        "行动",
        "A choice the agent makes at one step.",
        "The product recommended at this step.",
        "element",
    ),
    Term(
        "reward",
        "奖励",
        "A number the environment returns after each action; higher is better.",
        "Funnel points: 1 per click, 3 more per add-to-cart, 10 more per purchase.",
        "element",
    ),
    Term(
        "value function",
        "价值函数",
        "Expected return from a state (or a state and action) when following a policy.",
        "How many points a shopper in this situation will still bring, on average.",
        "element",
    ),
    Term(
        "policy",
        "策略",
        "The agent's rule for choosing an action in each state.",
        "The recommendation strategy: which product for which shopper and moment.",
        "element",
    ),
    # Other reinforcement learning words.
    Term(
        "reinforcement learning",
        "强化学习",
        "Learning to act by trial and error so as to maximise long-term reward.",
        "Learning which recommendations pay off over a whole session.",
        "rl",
    ),
    Term(
        "return",
        "累积奖励",
        "The (discounted) sum of rewards from now until the episode ends.",
        "The points of the rest of the session; also called cumulative reward.",
        "rl",
    ),
    Term(
        "discount, discount factor (gamma)",
        "折扣, 折扣因子",
        "Weight gamma in [0, 1) of the next step's reward relative to this one.",
        "How much the shop cares about a purchase later in the session.",
        "rl",
        in_article=False,
    ),
    Term(
        "episode",
        "回合",
        "One run of interaction from a start state to its end.",
        "One shopper's session, from arrival until they leave or the step limit.",
        "rl",
        in_article=False,
    ),
    Term(
        "terminated / truncated",
        "终止 / 截断",
        "The episode ended for good / was cut off by a time limit.",
        "The shopper left (no future) / the 20-step limit (the future goes on).",
        "rl",
        in_article=False,
    ),
    Term(
        "state space / action space",
        "状态空间 / 行动空间",
        "The set of all possible states / actions.",
        "All 63-number observations / all products of the catalog.",
        "rl",
    ),
    Term(
        "reward function",
        "奖励函数",
        "The rule that turns what happened into a reward.",
        "The reward mode: funnel points, revenue, or suitability-aware points.",
        "rl",
    ),
    Term(
        "Bellman equation",
        "贝尔曼方程",
        "A value equals the expected reward now plus gamma times the next value.",
        "A session's worth = this step's expected points + gamma * what follows.",
        "rl",
        in_article=False,
    ),
    Term(
        "value iteration",
        "价值迭代",
        "Computing optimal values by applying the Bellman backup until they settle.",
        "Solving the tiny beauty counter of notebook 01 exactly.",
        "rl",
        in_article=False,
    ),
    Term(
        "Q-learning",
        "Q学习",
        "Learning action values from sampled transitions with TD updates.",
        "Learning the counter's action values from observed shoppers only.",
        "rl",
    ),
    Term(
        "Q-value",
        "Q值",
        "The value of taking an action in a state, then following the policy.",
        "Expected points of recommending this product now, then acting well.",
        "rl",
    ),
    Term(
        "temporal-difference (TD) target",
        "时序差分目标",
        "reward + gamma * best next Q-value (just reward at termination).",
        "What one observed step says a recommendation was worth.",
        "rl",
        in_article=False,
    ),
    Term(
        "exploration / exploitation",
        "探索 / 利用",
        "Trying actions to learn about them / choosing the best one known.",
        "Showing an untested product / showing the product believed best.",
        "rl",
    ),
    Term(
        "epsilon-greedy",
        "ε-greedy策略",
        "Act at random with chance epsilon, otherwise take the best-valued action.",
        "Mostly recommend the best product, sometimes a random one to learn.",
        "rl",
    ),
    # Deep reinforcement learning.
    Term(
        "deep reinforcement learning",
        "深度强化学习",
        "Reinforcement learning with neural networks to represent values or policies.",
        "A network reads the shopper's observation and scores every product.",
        "deep",
    ),
    Term(
        "deep Q-network (DQN)",
        "深度Q网络",
        "A neural network that outputs a Q-value for every action of a state.",
        "63 observation numbers in, one score per product out.",
        "deep",
    ),
    Term(
        "function approximator",
        "近似器",
        "A parametrised function fitted to values too many to tabulate.",
        "The Q-network, instead of a table with one row per possible shopper.",
        "deep",
    ),
    Term(
        "experience replay",
        "经验池",
        "A buffer of past transitions sampled at random to train on.",
        "Stored (observation, product, reward, next observation) steps.",
        "deep",
    ),
    Term(
        "target network",
        "目标网络",
        "A slowly updated copy of the Q-network used to compute TD targets.",
        "Keeps the targets still while the Q-network learns.",
        "deep",
    ),
    Term(
        "batch",
        "批次",
        "A group of samples processed together in one gradient step.",
        "Transitions drawn from replay for one update.",
        "deep",
    ),
    Term(
        "gradient descent",
        "梯度下降",
        "Changing parameters a small step against the gradient of the loss.",
        "How the Q-network's weights move towards the TD targets.",
        "deep",
    ),
    # The shop.
    Term(
        "recommendation",
        "推荐",
        "Suggesting an item to a user.",
        "One step of a session: the product shown to the shopper.",
        "shop",
    ),
    Term(
        "click",
        "点击",
        "The user opens a recommended item.",
        "First stage of the funnel; earns 1 point by default.",
        "shop",
    ),
    Term(
        "add-to-cart",
        "加购",
        "The user puts the item into the shopping cart.",
        "Second stage; needs a click first; earns 3 more points.",
        "shop",
    ),
    Term(
        "purchase",
        "购买",
        "The user buys the item.",
        "Last stage; needs a cart first; earns 10 more points.",
        "shop",
    ),
    Term(
        "user / shopper",
        "用户",
        "The person the recommendations are for.",
        "A simulated shopper with a hidden profile (skin type, budget, patience).",
        "shop",
    ),
    Term(
        "product",
        "商品",
        "An item for sale.",
        "One of about 50 catalog items: cleanser, serum, lipstick, and so on.",
        "shop",
    ),
    Term(
        "personalised recommendation",
        "个性化推荐",
        "Recommendations adapted to each user.",
        "What a policy does when it reads the shopper's observation.",
        "shop",
    ),
)
"""Every entry, grouped by topic."""

SEVEN_ELEMENTS = tuple(t.english for t in GLOSSARY if t.topic == "element")
"""The article's seven core elements of reinforcement learning, in its order."""


def lookup(english: str) -> Term:
    """The entry of an English term (case-insensitive)."""
    for term in GLOSSARY:
        if term.english.lower() == english.lower():
            return term
    raise invalid("english", english, f"one of {[t.english for t in GLOSSARY]}")


def _cell(text: str) -> str:
    """Escape a Markdown table cell."""
    return text.replace("|", "\\|")


def glossary_markdown(
    terms: Sequence[str] | None = None,
    topic: str | None = None,
    columns: Sequence[str] = ("english", "chinese", "meaning", "in_the_shop"),
) -> str:
    """A Markdown table of glossary entries, for ``IPython.display.Markdown``.

    Args:
        terms: English terms to show, in this order; None for all.
        topic: Show only this topic (one of ``TOPICS``); None for all.
        columns: Fields of ``Term`` to show, in order.

    Returns:
        The table as Markdown text.
    """
    headers = {
        "english": "English",
        "chinese": "中文",
        "meaning": "Meaning",
        "in_the_shop": "In the BeautyRL shop",
        "topic": "Topic",
        "in_article": "In the article",
    }
    for column in columns:
        if column not in headers:
            raise invalid("columns", column, f"fields among {list(headers)}")
    if topic is not None and topic not in TOPICS:
        raise invalid("topic", topic, f"None or one of {TOPICS}")
    entries = list(GLOSSARY) if terms is None else [lookup(t) for t in terms]
    if topic is not None:
        entries = [t for t in entries if t.topic == topic]

    lines = [
        "| " + " | ".join(headers[c] for c in columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for term in entries:
        cells = []
        for column in columns:
            value = getattr(term, column)
            cells.append(
                ("yes" if value else "no") if column == "in_article" else value
            )
        lines.append("| " + " | ".join(_cell(str(c)) for c in cells) + " |")
    return "\n".join(lines)
