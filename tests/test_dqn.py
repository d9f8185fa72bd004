"""DQN: TD targets, Double DQN, loss, target updates, clipping, seeding,
convergence on a tiny MDP, save/load, configuration checks and the policy."""

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from beautyrl_lib.agents.base import Policy, masked_argmax
from beautyrl_lib.agents.dqn import (
    DQNAgent,
    DQNConfig,
    DQNPolicy,
    TrainingDivergedError,
    bootstrap_values,
    dqn_loss,
    td_target,
    updates_due,
)
from beautyrl_lib.agents.exploration import ExponentialSchedule, LinearSchedule
from beautyrl_lib.agents.qnetwork import QNetwork
from beautyrl_lib.agents.replay import Batch, ReplayBuffer
from beautyrl_lib.errors import (
    ActionError,
    BeautyRLError,
    CheckpointError,
    ConfigError,
    ObservationError,
)

SMALL = DQNConfig(
    hidden=(16,),
    batch_size=8,
    buffer_size=64,
    learning_starts=8,
    lr=1e-2,
    train_every=4,
    target_update_interval=500,
)


def _random_batch(seed: int, n=8, obs_dim=4, n_actions=3) -> Batch:
    g = torch.Generator().manual_seed(seed)
    return Batch(
        obs=torch.rand(n, obs_dim, generator=g),
        actions=torch.randint(0, n_actions, (n,), generator=g),
        rewards=torch.randn(n, generator=g) * 5,
        next_obs=torch.rand(n, obs_dim, generator=g),
        terminated=(torch.rand(n, generator=g) < 0.3).float(),
        truncated=(torch.rand(n, generator=g) < 0.3).float(),
    )


def _params(net) -> list[torch.Tensor]:
    return [p.detach().clone() for p in net.parameters()]


def _assert_same(a, b):
    for x, y in zip(a, b, strict=True):
        assert torch.equal(x, y)


# ---------------------------------------------------------------- td_target
def test_td_target_hand_values_terminated_versus_truncated():
    rewards = torch.tensor([1.0, 2.0, 3.0, 0.5])
    next_q = torch.tensor([10.0, 10.0, 4.0, -2.0])
    # Row 1 terminated (shopper left): no bootstrap. Row 2 was truncated in
    # the data: truncation is not an input, so it bootstraps like row 0.
    terminated = torch.tensor([False, True, False, False])
    expected = torch.tensor([1 + 9.0, 2.0, 3 + 3.6, 0.5 - 1.8])
    torch.testing.assert_close(td_target(rewards, next_q, terminated, 0.9), expected)
    torch.testing.assert_close(
        td_target(rewards, next_q, terminated.float(), 0.9), expected
    )
    torch.testing.assert_close(td_target(rewards, next_q, terminated, 0.0), rewards)


def test_td_target_per_row_discounts_of_n_step_rows():
    # Row 0 summed 3 steps (discount 0.9**3), row 1 one step, row 2 ended.
    rewards = torch.tensor([2.71, 1.0, 5.0])
    next_q = torch.tensor([10.0, 10.0, 10.0])
    terminated = torch.tensor([0.0, 0.0, 1.0])
    discounts = torch.tensor([0.729, 0.9, 0.81])
    expected = torch.tensor([2.71 + 7.29, 1.0 + 9.0, 5.0])
    torch.testing.assert_close(
        td_target(rewards, next_q, terminated, discounts), expected
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"gamma": torch.tensor([0.9, 1.2, 0.5])}, r"gamma must be \[0, 1\]; got"),
        ({"gamma": torch.full((2,), 0.9)}, r"gamma must be a tensor of shape \(3,\)"),
        ({"next_q_target": torch.zeros(3, 1)}, r"next_q_target must be a tensor of "),
        (
            {"terminated": torch.zeros(2)},
            r"terminated must be a tensor of shape \(3,\)",
        ),
        ({"rewards": torch.zeros(3, 1)}, r"rewards must be a tensor of shape \(B,\)"),
        ({"rewards": [0.0, 0.0, 0.0]}, "rewards must be a tensor"),
        ({"gamma": 1.5}, "gamma must be a finite number from 0.0 to 1.0"),
    ],
)
def test_td_target_bad_arguments(kwargs, match):
    args = {
        "rewards": torch.zeros(3),
        "next_q_target": torch.zeros(3),
        "terminated": torch.zeros(3),
        "gamma": 0.9,
    }
    with pytest.raises(ConfigError, match=match):
        td_target(**(args | kwargs))


# ---------------------------------------------------------- bootstrap values
def _linear_net(weights) -> QNetwork:
    """Q(x) = weights * x for a one-number observation x."""
    net = QNetwork(1, len(weights), hidden=())
    with torch.no_grad():
        net.q_head.weight.copy_(torch.tensor(weights).reshape(-1, 1))
        net.q_head.bias.zero_()
    return net


def test_double_dqn_uses_online_argmax_valued_by_target():
    online = _linear_net([1.0, 3.0, 2.0])
    target = _linear_net([5.0, 0.0, 1.0])
    next_obs = torch.tensor([[1.0], [-1.0]])
    with torch.no_grad():
        plain = bootstrap_values(target, next_obs)
        double = bootstrap_values(target, next_obs, online)
    # x = 1: target max is 5; online prefers action 1, which target values 0.
    # x = -1: target max is 0 (action 1); online prefers action 0: target -5.
    torch.testing.assert_close(plain, torch.tensor([5.0, 0.0]))
    torch.testing.assert_close(double, torch.tensor([0.0, -5.0]))


def test_bootstrap_values_respect_the_next_action_mask():
    online = _linear_net([1.0, 3.0, 2.0])
    target = _linear_net([5.0, 0.0, 1.0])
    next_obs = torch.tensor([[1.0], [1.0], [1.0]])
    mask = torch.tensor([[False, True, True], [True, False, True], [False] * 3])
    with torch.no_grad():
        plain = bootstrap_values(target, next_obs, next_action_mask=mask)
        double = bootstrap_values(target, next_obs, online, mask)
    # Row 0: best allowed target value is 1 (action 2); row 1: 5 (action 0).
    # Row 2 allows nothing and falls back to every action.
    torch.testing.assert_close(plain, torch.tensor([1.0, 5.0, 5.0]))
    # Online picks among allowed: row 0 action 1 (3 > 2): target values it 0;
    # row 1 action 2 (2 > 1): target 1; row 2 all allowed, action 1: 0.
    torch.testing.assert_close(double, torch.tensor([0.0, 1.0, 0.0]))


@pytest.mark.parametrize(
    "mask", [torch.ones(2, 3), torch.ones(2, 4, dtype=torch.bool), [[True] * 3] * 2]
)
def test_bootstrap_values_bad_mask(mask):
    with pytest.raises(ActionError, match="next_action_mask must be a bool tensor"):
        bootstrap_values(_linear_net([1.0, 2.0, 3.0]), torch.zeros(2, 1), None, mask)


def test_agent_uses_masks_from_the_batch():
    agent = DQNAgent(4, 3, SMALL, seed=0)
    batch = _random_batch(0)
    mask = torch.rand(8, 3, generator=torch.Generator().manual_seed(2)) < 0.5
    batch = batch._replace(next_action_mask=mask)
    with torch.no_grad():
        values = bootstrap_values(agent.target, batch.next_obs, None, mask)
        unmasked = bootstrap_values(agent.target, batch.next_obs)
        expected = td_target(batch.rewards, values, batch.terminated, SMALL.gamma)
    assert not torch.allclose(values, unmasked)
    stats = agent.update(batch)
    assert stats["td_target_mean"] == pytest.approx(expected.mean().item(), rel=1e-5)


def test_agent_td_targets_follow_double_dqn_option():
    batch = _random_batch(0)
    targets = {}
    for double in (False, True):
        agent = DQNAgent(4, 3, replace(SMALL, double_dqn=double))
        with torch.no_grad():
            # Make online and target differ so the two rules disagree.
            for p in agent.target.parameters():
                p.add_(torch.randn(p.shape, generator=torch.Generator().manual_seed(1)))
            online = agent.online if double else None
            values = bootstrap_values(agent.target, batch.next_obs, online)
            expected = td_target(batch.rewards, values, batch.terminated, SMALL.gamma)
            q = agent.online(batch.obs)
            expected_loss = dqn_loss(q, batch.actions, expected, SMALL.huber_delta)
        targets[double] = expected
        stats = agent.update(batch)
        assert stats["td_target_mean"] == pytest.approx(
            expected.mean().item(), rel=1e-5
        )
        assert stats["loss"] == pytest.approx(expected_loss.item(), rel=1e-5)
        q_taken = q.gather(1, batch.actions[:, None]).mean().item()
        assert stats["q_mean"] == pytest.approx(q_taken, rel=1e-5)
    # The two rules really disagree on this batch, so the check above bites.
    assert not torch.allclose(targets[False], targets[True])


# -------------------------------------------------------------------- loss
def test_dqn_loss_hand_values():
    q_values = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    actions = torch.tensor([1, 0])
    targets = torch.tensor([2.5, 0.0])
    # TD errors 0.5 (quadratic: 0.125) and 3 (linear: 3 - 0.5 = 2.5).
    loss = dqn_loss(q_values, actions, targets, delta=1.0)
    assert loss.item() == pytest.approx((0.125 + 2.5) / 2)
    loss.backward()
    # Gradient: error / B inside delta, sign(error) * delta / B beyond.
    torch.testing.assert_close(q_values.grad, torch.tensor([[0.0, -0.25], [0.5, 0.0]]))
    assert dqn_loss(q_values, actions, targets, delta=5.0).item() == pytest.approx(
        (0.125 + 4.5) / 2
    )


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"td_targets": torch.zeros(2, 1)}, ConfigError, "td_targets must be a tensor"),
        ({"actions": torch.zeros(2)}, ActionError, "actions must be torch.int64"),
        ({"actions": torch.zeros(3, dtype=torch.int64)}, ActionError, r"shape \(2,\)"),
        ({"q_values": torch.zeros(2)}, ConfigError, r"q_values must be a tensor of"),
        ({"delta": 0.0}, ConfigError, "delta must be a number above 0.0"),
    ],
)
def test_dqn_loss_bad_arguments(kwargs, error, match):
    args = {
        "q_values": torch.zeros(2, 3),
        "actions": torch.zeros(2, dtype=torch.int64),
        "td_targets": torch.zeros(2),
    }
    with pytest.raises(error, match=match):
        dqn_loss(**(args | kwargs))


# ---------------------------------------------------------- target updates
def test_polyak_update_equals_formula():
    config = replace(SMALL, target_update="soft", tau=0.1)
    agent = DQNAgent(4, 3, config, seed=0)
    for k in range(3):
        before = _params(agent.target)
        agent.update(_random_batch(k))
        for target, old, online in zip(
            agent.target.parameters(), before, agent.online.parameters(), strict=True
        ):
            torch.testing.assert_close(target, 0.9 * old + 0.1 * online.detach())


def test_hard_update_exactly_every_n_updates():
    config = replace(SMALL, target_update_interval=3)
    agent = DQNAgent(4, 3, config, seed=0)
    copied = _params(agent.online)
    _assert_same(_params(agent.target), copied)
    for k in range(1, 10):
        agent.update(_random_batch(k))
        if k % 3 == 0:
            copied = _params(agent.online)
        _assert_same(_params(agent.target), copied)
        # Between copies the target really lags behind.
        if k % 3:
            assert not torch.equal(
                agent.target.q_head.weight, agent.online.q_head.weight
            )


def test_interval_one_warns_like_the_article_defect():
    with pytest.warns(UserWarning, match="stabilises nothing"):
        DQNConfig(target_update_interval=1)
    with pytest.warns(UserWarning, match="full copy"):
        DQNConfig(target_update="soft", tau=1.0)


# ---------------------------------------------------------------- clipping
def test_gradient_clipping_bounds_the_norm():
    config = replace(SMALL, max_grad_norm=0.01)
    agent = DQNAgent(4, 3, config, seed=0)
    batch = _random_batch(0)._replace(rewards=torch.full((8,), 100.0))
    stats = agent.update(batch)
    clipped = torch.linalg.vector_norm(
        torch.stack(
            [torch.linalg.vector_norm(p.grad) for p in agent.online.parameters()]
        )
    )
    assert stats["grad_norm"] > 0.01  # reported before clipping
    assert clipped.item() == pytest.approx(0.01, rel=1e-4)


def test_no_clipping_when_max_grad_norm_is_none():
    config = replace(SMALL, max_grad_norm=None)
    agent = DQNAgent(4, 3, config, seed=0)
    stats = agent.update(_random_batch(0)._replace(rewards=torch.full((8,), 100.0)))
    total = math.sqrt(
        sum(p.grad.pow(2).sum().item() for p in agent.online.parameters())
    )
    assert total == pytest.approx(stats["grad_norm"], rel=1e-5)


def test_non_finite_loss_raises_and_keeps_weights():
    agent = DQNAgent(4, 3, SMALL, seed=0)
    before = _params(agent.online)
    batch = _random_batch(0)
    batch.rewards[3] = float("nan")
    with pytest.raises(TrainingDivergedError, match="update 1: loss nan") as info:
        agent.update(batch)
    assert isinstance(info.value, BeautyRLError)
    assert isinstance(info.value, RuntimeError)
    _assert_same(_params(agent.online), before)
    assert agent.n_updates == 0


# ----------------------------------------------------------------- seeding
def test_same_seed_same_weights_after_updates():
    def train(seed):
        agent = DQNAgent(4, 3, SMALL, seed=seed)
        for k in range(5):
            agent.update(_random_batch(k))
        return agent

    a, b, c = train(3), train(3), train(4)
    _assert_same(_params(a.online), _params(b.online))
    _assert_same(_params(a.target), _params(b.target))
    assert not torch.equal(a.online.q_head.weight, c.online.q_head.weight)
    obs = np.random.default_rng(0).random((20, 4), dtype=np.float32)
    np.testing.assert_array_equal(a.act(obs, None, 0.5), b.act(obs, None, 0.5))


def test_agent_does_not_touch_global_random_state():
    # The legacy global NumPy state is read here only to prove it is unused.
    torch.manual_seed(0)
    np_state = np.random.get_state()[1].copy()  # noqa: NPY002
    torch_state = torch.get_rng_state()
    agent = DQNAgent(4, 3, SMALL, seed=1)
    agent.update(_random_batch(0))
    agent.act(np.zeros((5, 4), np.float32), None, 1.0)
    assert torch.equal(torch.get_rng_state(), torch_state)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)  # noqa: NPY002


# ------------------------------------------------------------- convergence
def _chain_q_star(gamma: float) -> np.ndarray:
    """Q* of the two-state chain below, by value iteration."""
    q = np.zeros((2, 2))
    for _ in range(2000):
        v = q.max(axis=1)
        q = np.array([[1 + gamma * v[0], 0 + gamma * v[1]], [2 + gamma * v[0], 5.0]])
    return q


def test_q_converges_on_a_two_state_chain():
    """States s0, s1 (one-hot); action 0 or 1.

    s0, a0 -> s0, reward 1 (a quarter of these are truncated: must bootstrap)
    s0, a1 -> s1, reward 0
    s1, a0 -> s0, reward 2
    s1, a1 -> shopper leaves (terminated), reward 5
    With gamma 0.9: Q* = [[10, 9.9], [11, 5]].
    """
    gamma = 0.9
    q_star = _chain_q_star(gamma)
    np.testing.assert_allclose(q_star, [[10.0, 9.9], [11.0, 5.0]], atol=1e-6)

    eye = np.eye(2, dtype=np.float32)
    rows = []  # (state, action, reward, next_state, terminated, truncated)
    for copy in range(40):
        rows += [
            (0, 0, 1.0, 0, False, copy % 4 == 0),
            (0, 1, 0.0, 1, False, False),
            (1, 0, 2.0, 0, False, False),
            (1, 1, 5.0, 0, True, False),
        ]
    s, a, r, s2, term, trunc = (np.array(column) for column in zip(*rows, strict=True))
    buffer = ReplayBuffer(len(rows), 2, seed=0)
    buffer.add_batch(eye[s], a, r, eye[s2], term, trunc)

    config = DQNConfig(
        gamma=gamma,
        lr=3e-3,
        batch_size=64,
        buffer_size=len(rows),
        learning_starts=64,
        hidden=(32,),
        target_update_interval=20,
        huber_delta=10.0,
    )
    agent = DQNAgent(2, 2, config, seed=0)
    for _ in range(1500):
        agent.update(buffer.sample(64))
    np.testing.assert_allclose(agent.q_values(eye), q_star, atol=0.05)


# ---------------------------------------------------------------- save/load
def test_state_dict_round_trip_gives_identical_future(tmp_path):
    config = replace(SMALL, target_update_interval=2)
    agent = DQNAgent(4, 3, config, seed=0)
    for k in range(3):
        agent.update(_random_batch(k))
    agent.count_env_steps(100)
    obs = np.random.default_rng(1).random((6, 4), dtype=np.float32)
    agent.act(obs, None, 0.5)

    path = tmp_path / "agent.pt"
    torch.save(agent.state_dict(), path)
    restored = DQNAgent(4, 3, config, seed=123)
    restored.load_state_dict(torch.load(path, weights_only=True))
    assert (restored.n_updates, restored.env_steps) == (3, 100)
    assert restored.epsilon == agent.epsilon

    for k in range(3, 8):
        stats_a, stats_b = (
            agent.update(_random_batch(k)),
            restored.update(_random_batch(k)),
        )
        assert stats_a == stats_b
        np.testing.assert_array_equal(
            agent.act(obs, None, 0.5), restored.act(obs, None, 0.5)
        )
    _assert_same(_params(agent.online), _params(restored.online))
    _assert_same(_params(agent.target), _params(restored.target))


def test_state_dict_is_a_snapshot():
    agent = DQNAgent(4, 3, SMALL, seed=0)
    state = agent.state_dict()
    saved = state["online"]["q_head.weight"].clone()
    agent.update(_random_batch(0))
    assert torch.equal(state["online"]["q_head.weight"], saved)


def test_load_state_dict_refuses_other_agents():
    state = DQNAgent(4, 3, SMALL, seed=0).state_dict()
    with pytest.raises(CheckpointError, match=r"state\['n_actions'\] must be 5"):
        DQNAgent(4, 5, SMALL).load_state_dict(state)
    other = replace(SMALL, lr=0.1, hidden=(8,))
    with pytest.raises(CheckpointError, match=r"differs .* in \['hidden', 'lr'\]"):
        DQNAgent(4, 3, other).load_state_dict(state)
    with pytest.raises(CheckpointError, match="DQNAgent.state_dict"):
        DQNAgent(4, 3, SMALL).load_state_dict({"online": {}})


# ----------------------------------------------------------- env step count
def test_updates_due_matches_brute_force():
    config = DQNConfig(
        batch_size=4, learning_starts=10, train_every=3, gradient_steps=2
    )

    def brute(before, after):
        due = [t for t in range(before + 1, after + 1) if t % 3 == 0 and t >= 10]
        return 2 * len(due)

    for before in range(0, 30):
        for n in (0, 1, 2, 5, 64):
            assert updates_due(before, before + n, config) == brute(before, before + n)


def test_epsilon_follows_env_steps_not_updates():
    config = replace(SMALL, epsilon_decay_steps=1000, epsilon_end=0.1)
    agent = DQNAgent(4, 3, config, seed=0)
    assert agent.epsilon == 1.0
    for k in range(5):
        agent.update(_random_batch(k))
    assert agent.epsilon == 1.0
    # Rounds fall due at env steps 8, 12, ..., 500 (train_every 4, starts 8).
    assert agent.count_env_steps(500) == 124
    assert agent.epsilon == pytest.approx(0.55)
    agent.count_env_steps(10_000)
    assert agent.epsilon == pytest.approx(0.1)


def test_config_builds_the_named_schedule():
    assert isinstance(DQNConfig().make_epsilon_schedule(), LinearSchedule)
    schedule = DQNConfig(
        epsilon_schedule="exponential", epsilon_decay_steps=100
    ).make_epsilon_schedule()
    assert isinstance(schedule, ExponentialSchedule)
    assert schedule(100) == pytest.approx(0.05 + 0.95 / math.e)


# ------------------------------------------------------------------- acting
def test_act_greedy_is_masked_argmax_of_q_values():
    agent = DQNAgent(4, 3, SMALL, seed=0)
    rng = np.random.default_rng(0)
    obs = rng.random((30, 4), dtype=np.float32)
    mask = rng.random((30, 3)) < 0.7
    with torch.no_grad():
        q = agent.online(torch.from_numpy(obs)).numpy()
    np.testing.assert_array_equal(agent.act(obs, mask, 0.0), masked_argmax(q, mask))
    np.testing.assert_array_equal(agent.q_values(obs.astype(np.float64)), q)


def test_policy_is_greedy_and_named_dqn():
    agent = DQNAgent(4, 3, SMALL, seed=0)
    policy = DQNPolicy(agent)
    assert isinstance(policy, Policy) and policy.name == "dqn"
    rng = np.random.default_rng(1)
    obs = rng.random((12, 4), dtype=np.float32)
    mask = rng.random((12, 3)) < 0.5
    expected = masked_argmax(agent.q_values(obs), mask)
    np.testing.assert_array_equal(policy.act(obs, mask), expected)
    with pytest.raises(ConfigError, match="agent must be a DQNAgent"):
        DQNPolicy(agent.online)


def test_act_refuses_bad_observations():
    agent = DQNAgent(4, 3, SMALL, seed=0)
    with pytest.raises(ObservationError, match="obs must be floats"):
        agent.act(np.zeros((2, 4), dtype=np.int64))
    with pytest.raises(ObservationError, match=r"obs must be shape \(batch, 4\)"):
        agent.act(np.zeros((2, 5), dtype=np.float32))


# ------------------------------------------------------------------ config
@pytest.mark.parametrize(
    "field, value, match",
    [
        ("gamma", 1.01, "gamma must be a finite number from 0.0 to 1.0"),
        ("lr", 0.0, "lr must be a number above 0.0"),
        ("batch_size", 0, "batch_size must be an integer from 1"),
        ("buffer_size", 64, "buffer_size must be an integer from 256"),
        ("learning_starts", 10, "learning_starts must be an integer from 256"),
        ("train_every", 0, "train_every must be an integer from 1"),
        ("gradient_steps", 1.0, "gradient_steps must be an integer"),
        ("n_step", 0, "n_step must be an integer from 1 to 100; got 0"),
        ("target_update", "polyak", "target_update must be one of"),
        ("target_update_interval", 0, "target_update_interval must be an integer"),
        ("tau", 0.0, "tau must be a number above 0.0"),
        ("huber_delta", -1.0, "huber_delta must be a finite number"),
        ("max_grad_norm", 0.0, "max_grad_norm must be a number above 0.0"),
        ("double_dqn", 1, "double_dqn must be True or False"),
        ("dueling", None, "dueling must be True or False"),
        ("hidden", (64, 0), "hidden must be a tuple of integers"),
        ("epsilon_schedule", "cosine", "epsilon_schedule must be one of"),
        ("epsilon_start", 1.5, "epsilon_start must be a finite number from 0.0 to 1.0"),
        ("epsilon_end", float("nan"), "epsilon_end must be a finite number"),
        ("epsilon_decay_steps", 0, "epsilon_decay_steps must be an integer from 1"),
        ("torch_threads", 0, "torch_threads must be an integer from 1"),
    ],
)
def test_config_validation_names_the_field(field, value, match):
    with pytest.raises(ConfigError, match=match):
        DQNConfig(**{field: value})


def test_config_dict_round_trip():
    config = DQNConfig(hidden=[64, 32], double_dqn=True)
    assert config.hidden == (64, 32)
    assert DQNConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ConfigError, match="config must be keys among"):
        DQNConfig.from_dict({"learning_rate": 0.1})


def test_config_saved_before_n_step_existed_loads_as_one_step():
    data = DQNConfig(n_step=1).to_dict()
    del data["n_step"]
    assert DQNConfig.from_dict(data).n_step == 1
    agent = DQNAgent(4, 3, replace(SMALL, n_step=1), seed=0)
    state = agent.state_dict()
    del state["config"]["n_step"]
    DQNAgent(4, 3, replace(SMALL, n_step=1), seed=1).load_state_dict(state)
    with pytest.raises(CheckpointError, match=r"differs .* in \['n_step'\]"):
        DQNAgent(4, 3, replace(SMALL, n_step=3), seed=1).load_state_dict(state)


def test_agent_uses_the_batch_discounts_of_n_step_rows():
    agent = DQNAgent(4, 3, replace(SMALL, n_step=3), seed=0)
    batch = _random_batch(0)._replace(discounts=torch.full((8,), 0.5))
    with torch.no_grad():
        next_v = agent.target(batch.next_obs).max(dim=1).values
        expected = batch.rewards + 0.5 * (1 - batch.terminated) * next_v
    stats = agent.update(batch)
    assert stats["td_target_mean"] == pytest.approx(expected.mean().item(), rel=1e-5)
    assert stats["td_target_mean"] != pytest.approx(
        (batch.rewards + SMALL.gamma * (1 - batch.terminated) * next_v).mean().item(),
        rel=1e-3,
    )


def test_dueling_agent_trains_and_round_trips():
    config = replace(SMALL, dueling=True, double_dqn=True)
    agent = DQNAgent(4, 3, config, seed=0)
    assert agent.online.dueling and agent.target.dueling
    stats = agent.update(_random_batch(0))
    assert all(math.isfinite(v) for v in stats.values())
    clone = DQNAgent(4, 3, config, seed=5)
    clone.load_state_dict(agent.state_dict())
    _assert_same(_params(agent.online), _params(clone.online))
