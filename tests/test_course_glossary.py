"""The glossary keeps the article's terms; the course map adds up."""

import pytest

from beautyrl_lib.course import glossary, outline
from beautyrl_lib.errors import ConfigError


def test_the_seven_elements_are_the_articles_in_its_order():
    # Section 2.2 of the source article, term by term.
    expected = [
        ("agent", "智能体"),
        ("environment", "环境"),
        ("state", "状态"),
        ("action", "行动"),
        ("reward", "奖励"),
        ("value function", "价值函数"),
        ("policy", "策略"),
    ]
    elements = [t for t in glossary.GLOSSARY if t.topic == "element"]
    assert [(t.english, t.chinese) for t in elements] == expected
    assert glossary.SEVEN_ELEMENTS == tuple(e for e, _ in expected)
    assert all(t.in_article for t in elements)


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("deep reinforcement learning", "深度强化学习"),
        ("deep Q-network (DQN)", "深度Q网络"),
        ("experience replay", "经验池"),
        ("epsilon-greedy", "ε-greedy策略"),
        ("target network", "目标网络"),
        ("click", "点击"),
        ("add-to-cart", "加购"),
        ("purchase", "购买"),
        ("recommendation", "推荐"),
        ("episode", "回合"),
    ],
)
def test_lookup_finds_the_course_terms(english, chinese):
    assert glossary.lookup(english).chinese == chinese
    assert glossary.lookup(english.upper()).english == english


def test_english_terms_are_unique():
    names = [t.english.lower() for t in glossary.GLOSSARY]
    assert len(names) == len(set(names))


def test_markdown_table_has_a_row_per_term_in_the_order_asked():
    table = glossary.glossary_markdown(
        ["policy", "agent"], columns=("english", "chinese")
    )
    assert table.splitlines() == [
        "| English | 中文 |",
        "|---|---|",
        "| policy | 策略 |",
        "| agent | 智能体 |",
    ]
    full = glossary.glossary_markdown(columns=("english", "in_article"))
    assert len(full.splitlines()) == 2 + len(glossary.GLOSSARY)
    assert "| discount, discount factor (gamma) | no |" in full


def test_bad_glossary_requests_raise():
    with pytest.raises(ConfigError, match="english must be one of"):
        glossary.lookup("chocolate")
    with pytest.raises(ConfigError, match="topic must be None or one of"):
        glossary.glossary_markdown(topic="makeup")
    with pytest.raises(ConfigError, match="columns must be fields among"):
        glossary.glossary_markdown(columns=("english", "pinyin"))
    with pytest.raises(ConfigError, match="topic must be one of"):
        glossary.Term("x", "x", "x", "x", topic="other")


def test_course_map_lists_notebooks_00_to_07_and_their_total():
    numbers = [lesson.number for lesson in outline.COURSE]
    assert numbers == [f"{i:02d}" for i in range(8)]
    total = sum(lesson.minutes for lesson in outline.COURSE)
    assert outline.total_minutes() == total
    table = outline.course_map_markdown()
    assert len(table.splitlines()) == 2 + 8 + 1
    hours, minutes = divmod(total, 60)
    assert table.endswith(f"**{hours} h {minutes:02d} min** |")
