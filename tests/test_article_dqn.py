"""The article's DQN, made runnable: each defect flag changes what it claims."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from beautyrl_lib.agents.replay import Batch
from beautyrl_lib.course import article_dqn
from beautyrl_lib.course.article_dqn import (
    FIXES,
    ArticleAgent,
    ArticleConfig,
    ArticlePolicy,
    Transition,
)
from beautyrl_lib.errors import ConfigError
from beautyrl_lib.sim import OBS_DIM

N_ACTIONS = 5
# A tiny network keeps the tests fast; the rules under test do not depend on it.
TINY = ArticleConfig(hidden=(8,), batch_size=4, buffer_size=64)


def tiny(**changes) -> ArticleConfig:
    return replace(TINY, **changes)


def hand_batch() -> Batch:
    """Three transitions: an ordinary one, a shopper leaving, the step limit."""
    rng = np.random.default_rng(0)
    next_mask = torch.tensor(
        [
            [True, True, True, True, True],
            [True, False, True, False, True],
            [False, False, True, True, False],
        ]
    )
    return Batch(
        obs=torch.from_numpy(rng.random((3, OBS_DIM), dtype=np.float32)),
        actions=torch.tensor([0, 1, 2]),
        rewards=torch.tensor([1.0, 14.0, 4.0]),
        next_obs=torch.from_numpy(rng.random((3, OBS_DIM), dtype=np.float32)),
        terminated=torch.tensor([0.0, 1.0, 0.0]),
        truncated=torch.tensor([0.0, 0.0, 1.0]),
        next_action_mask=next_mask,
    )


def target_q(agent: ArticleAgent, batch: Batch) -> np.ndarray:
    with torch.no_grad():
        return agent.target(batch.next_obs).numpy().astype(np.float64)


# ---------------------------------------------------------------- TD target
def test_the_article_target_bootstraps_past_a_shopper_leaving():
    agent = ArticleAgent(N_ACTIONS, tiny(unseeded=False), seed=0)
    batch = hand_batch()
    q_next = target_q(agent, batch)
    expected = batch.rewards.numpy() + 0.99 * q_next.max(axis=1)
    np.testing.assert_allclose(agent.td_targets(batch).numpy(), expected, rtol=1e-5)


def test_the_fixed_target_is_the_reward_alone_where_the_shopper_left():
    agent = ArticleAgent(N_ACTIONS, tiny(unseeded=False, ignore_terminal=False), 0)
    batch = hand_batch()
    q_next = target_q(agent, batch)
    targets = agent.td_targets(batch).numpy()
    assert targets[1] == pytest.approx(14.0)  # terminated: no bootstrap
    # Ordinary and truncated transitions still bootstrap.
    assert targets[0] == pytest.approx(1.0 + 0.99 * q_next[0].max(), rel=1e-5)
    assert targets[2] == pytest.approx(4.0 + 0.99 * q_next[2].max(), rel=1e-5)


def test_with_the_mask_the_target_maxes_over_products_not_yet_shown():
    config = tiny(unseeded=False, ignore_terminal=False, ignore_action_mask=False)
    agent = ArticleAgent(N_ACTIONS, config, seed=0)
    batch = hand_batch()
    q_next = target_q(agent, batch)
    mask = batch.next_action_mask.numpy()
    best = [q_next[i][mask[i]].max() for i in range(3)]  # brute force per row
    targets = agent.td_targets(batch).numpy()
    np.testing.assert_allclose(
        targets[[0, 2]], [1.0 + 0.99 * best[0], 4.0 + 0.99 * best[2]], rtol=1e-5
    )


# ------------------------------------------------------------ target network
def fill(agent: ArticleAgent, n: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for i in range(n):
        agent.replay.add(
            Transition(
                rng.random(OBS_DIM, dtype=np.float32),
                int(rng.integers(N_ACTIONS)),
                float(rng.choice([0.0, 1.0, 14.0])),
                rng.random(OBS_DIM, dtype=np.float32),
                bool(i % 5 == 4),
                False,
                np.ones(N_ACTIONS, dtype=bool),
            )
        )


def same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    return all(
        torch.equal(x, y) for x, y in zip(a.parameters(), b.parameters(), strict=True)
    )


def test_the_article_target_equals_the_online_network_after_every_update():
    agent = ArticleAgent(N_ACTIONS, tiny(unseeded=False), seed=0)
    fill(agent, 20)
    for _ in range(5):
        before = [p.clone() for p in agent.online.parameters()]
        agent.update()
        changed = any(
            not torch.equal(b, p)
            for b, p in zip(before, agent.online.parameters(), strict=True)
        )
        assert changed and same_weights(agent.target, agent.online)


def test_the_fixed_target_is_copied_every_n_updates_only():
    config = tiny(unseeded=False, sync_target_every_update=False, target_sync_every=3)
    agent = ArticleAgent(N_ACTIONS, config, seed=0)
    fill(agent, 20)
    initial = [p.clone() for p in agent.target.parameters()]
    copies = []
    for update in range(1, 8):
        agent.update()
        if same_weights(agent.target, agent.online):
            copies.append(update)
        elif update < 3:
            assert all(
                torch.equal(a, b)
                for a, b in zip(initial, agent.target.parameters(), strict=True)
            )
    assert copies == [3, 6]


# ------------------------------------------------------------------ epsilon
def test_the_article_decays_epsilon_per_update_and_the_fix_per_env_step():
    steps = 100
    article = article_dqn.train(tiny(unseeded=False), steps, seed=0, progress=False)
    # One update per step once the replay holds more than 4 transitions.
    assert article.agent.n_updates == steps - 4
    assert article.agent.epsilon == pytest.approx(0.995 ** (steps - 4))

    fixed = tiny(unseeded=False, epsilon_per_update=False, epsilon_decay_steps=400)
    run = article_dqn.train(fixed, steps, seed=0, progress=False)
    assert run.agent.epsilon == pytest.approx(1.0 - (1.0 - 0.01) * steps / 400)

    # The article's epsilon follows the update count: fewer updates (a bigger
    # batch delays them), more exploration left after the same env steps.
    later = article_dqn.train(
        tiny(unseeded=False, batch_size=40), steps, seed=0, progress=False
    )
    assert later.agent.epsilon == pytest.approx(0.995 ** (steps - 40))
    run_later = article_dqn.train(
        tiny(
            unseeded=False,
            epsilon_per_update=False,
            epsilon_decay_steps=400,
            batch_size=40,
        ),
        steps,
        seed=0,
        progress=False,
    )
    assert run_later.agent.epsilon == run.agent.epsilon


def test_the_article_epsilon_stops_at_its_floor():
    config = tiny(unseeded=False, epsilon_decay=0.5)
    run = article_dqn.train(config, 40, seed=0, progress=False)
    assert run.agent.epsilon == 0.01


# ------------------------------------------------------------------ seeding
def test_same_seed_same_returns_and_weights_when_seeded():
    config = tiny(unseeded=False)
    a = article_dqn.train(config, 150, seed=3, progress=False)
    b = article_dqn.train(config, 150, seed=3, progress=False)
    c = article_dqn.train(config, 150, seed=4, progress=False)
    assert a.episode_returns == b.episode_returns
    assert same_weights(a.agent.online, b.agent.online)
    assert not same_weights(a.agent.online, c.agent.online)


def test_unseeded_runs_ignore_the_seed_and_differ():
    a = ArticleAgent(N_ACTIONS, tiny(), seed=3)
    b = ArticleAgent(N_ACTIONS, tiny(), seed=3)
    assert not same_weights(a.online, b.online)
    draws_a = a.np_rng.random(4)
    assert not np.array_equal(draws_a, b.np_rng.random(4))


def test_the_preallocated_replay_is_seeded_too():
    config = tiny(unseeded=False, list_tensors=False)
    a = article_dqn.train(config, 120, seed=5, progress=False)
    b = article_dqn.train(config, 120, seed=5, progress=False)
    assert a.episode_returns == b.episode_returns
    assert same_weights(a.agent.online, b.agent.online)


# ------------------------------------------------------------------- replay
def test_both_replays_hold_the_same_transitions_and_build_the_same_batches():
    list_agent = ArticleAgent(N_ACTIONS, tiny(unseeded=False), seed=0)
    array_agent = ArticleAgent(N_ACTIONS, tiny(unseeded=False, list_tensors=False), 0)
    fill(list_agent, 10, seed=1)
    fill(array_agent, 10, seed=1)
    assert isinstance(list_agent.replay, article_dqn.ListReplay)
    assert isinstance(array_agent.replay, article_dqn.ArrayReplay)
    for agent in (list_agent, array_agent):
        batch = agent.replay.sample(6)
        assert batch.obs.shape == (6, OBS_DIM) and batch.obs.dtype == torch.float32
        assert batch.actions.dtype == torch.int64
        assert batch.next_action_mask.shape == (6, N_ACTIONS)
        # Each row is one stored transition, its fields kept together.
        stored = {t.obs.tobytes(): t for t in list_agent.replay.memory}
        for i in range(6):
            t = stored[batch.obs[i].numpy().tobytes()]
            assert batch.actions[i] == t.action
            assert batch.rewards[i] == pytest.approx(t.reward)
            assert np.array_equal(batch.next_obs[i].numpy(), t.next_obs)
            assert batch.terminated[i] == float(t.terminated)


def test_the_list_replay_samples_distinct_transitions_and_drops_the_oldest():
    agent = ArticleAgent(N_ACTIONS, tiny(unseeded=False, buffer_size=8), seed=0)
    fill(agent, 12)
    assert len(agent.replay) == 8
    batch = agent.replay.sample(8)  # without replacement: all eight, once each
    kept = {t.obs.tobytes() for t in agent.replay.memory}
    drawn = {row.numpy().tobytes() for row in batch.obs}
    assert drawn == kept


# ---------------------------------------------------------------- the mask
def test_acting_ignores_the_mask_as_the_article_and_respects_it_when_fixed():
    mask = np.array([False, True, False, False, True])
    obs = np.zeros(OBS_DIM, dtype=np.float32)
    article = ArticleAgent(N_ACTIONS, tiny(unseeded=False), seed=0)
    picks = {article.act(obs, mask) for _ in range(200)}  # epsilon is 1: random
    assert picks == set(range(N_ACTIONS))

    fixed = ArticleAgent(N_ACTIONS, tiny(unseeded=False, ignore_action_mask=False), 0)
    assert {fixed.act(obs, mask) for _ in range(200)} == {1, 4}
    fixed.epsilon = 0.0
    with torch.no_grad():
        q_values = fixed.online(torch.from_numpy(obs[None]))[0].numpy()
    assert fixed.act(obs, mask) == int(np.where(mask, q_values, -np.inf).argmax())


def test_the_policy_uses_the_mask_only_when_trained_with_it():
    obs = np.random.default_rng(0).random((6, OBS_DIM), dtype=np.float32)
    for ignore in (True, False):
        agent = ArticleAgent(N_ACTIONS, tiny(unseeded=False, ignore_action_mask=ignore))
        with torch.no_grad():
            q_values = agent.online(torch.from_numpy(obs)).numpy()
        best = q_values.argmax(axis=1)
        mask = np.ones((6, N_ACTIONS), dtype=bool)
        mask[np.arange(6), best] = False  # forbid each row's favourite
        actions = ArticlePolicy(agent).act(obs, mask)
        if ignore:
            np.testing.assert_array_equal(actions, best)
        else:
            assert mask[np.arange(6), actions].all()


# ---------------------------------------------------------------- the loop
def test_evaluations_happen_every_eval_every_steps_with_the_evaluator_value():
    seen = []

    def evaluator(policy):
        seen.append(policy.agent.env_steps)
        return float(len(seen))

    run = article_dqn.train(
        tiny(unseeded=False),
        90,
        seed=0,
        eval_every=30,
        evaluator=evaluator,
        progress=False,
    )
    assert seen == [30, 60, 90]
    assert [e["env_steps"] for e in run.evaluations] == [30, 60, 90]
    assert [e["value"] for e in run.evaluations] == [1.0, 2.0, 3.0]
    assert [e["updates"] for e in run.evaluations] == [26, 56, 86]
    walls = [e["wall_seconds"] for e in run.evaluations]
    assert walls == sorted(walls)
    assert all(e["train_seconds"] <= e["wall_seconds"] for e in run.evaluations)


def test_cumulative_fixes_turn_the_flags_off_one_at_a_time():
    steps = article_dqn.cumulative_fixes()
    assert [label for label, _ in steps][0] == "article"
    assert steps[0][1].defects == FIXES
    for i, (_, config) in enumerate(steps):
        assert config.defects == FIXES[i:]
    assert steps[-1][1].defects == ()


# --------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"batch_size": 0}, "batch_size must be an integer from 1"),
        ({"batch_size": 4, "buffer_size": 4}, "buffer_size must be an integer from 5"),
        ({"gamma": 1.5}, "gamma must be a finite number from 0.0 to 1.0"),
        ({"epsilon_min": 2.0}, "epsilon_min must be a finite number"),
        ({"hidden": (0,)}, "hidden must be a tuple of integers"),
        ({"unseeded": "no"}, "unseeded must be True or False"),
        ({"target_sync_every": 0}, "target_sync_every must be an integer"),
    ],
)
def test_bad_settings_are_refused_with_the_parameter_named(changes, message):
    with pytest.raises(ConfigError, match=message):
        ArticleConfig(**changes)


def test_bad_calls_are_refused():
    with pytest.raises(ConfigError, match="fix must be one of"):
        ArticleConfig().fixed("no_seed")
    with pytest.raises(ConfigError, match="evaluator must be a function"):
        article_dqn.train(tiny(), 10, eval_every=5, progress=False)
    with pytest.raises(ConfigError, match="total_steps must be an integer"):
        article_dqn.train(tiny(), 0, progress=False)
    with pytest.raises(ConfigError, match="config must be an ArticleConfig"):
        ArticleAgent(N_ACTIONS, {"lr": 1e-3})
