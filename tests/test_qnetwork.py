"""QNetwork: shapes, the dueling identity, NumPy reference, seeding, bad sizes."""

import numpy as np
import pytest
import torch

from beautyrl_lib.agents.qnetwork import QNetwork
from beautyrl_lib.errors import ConfigError, ObservationError


def _numpy_forward(net: QNetwork, obs: np.ndarray) -> np.ndarray:
    """The same network written out in NumPy (float64) from its weights."""
    params = {k: v.detach().double().numpy() for k, v in net.state_dict().items()}
    x = (obs.astype(np.float64) - params["obs_offset"]) / params["obs_scale"]
    for i in range(len(net.hidden)):
        w, b = params[f"body.{2 * i}.weight"], params[f"body.{2 * i}.bias"]
        x = np.maximum(x @ w.T + b, 0.0)
    if not net.dueling:
        return x @ params["q_head.weight"].T + params["q_head.bias"]
    value = x @ params["value_head.weight"].T + params["value_head.bias"]
    advantage = x @ params["advantage_head.weight"].T + params["advantage_head.bias"]
    return value + advantage - advantage.mean(axis=1, keepdims=True)


@pytest.mark.parametrize("hidden", [(256, 256), (7,), ()])
@pytest.mark.parametrize("dueling", [False, True])
def test_forward_matches_numpy_reference(hidden, dueling):
    rng = np.random.default_rng(0)
    offset = rng.normal(size=11)
    scale = rng.uniform(0.5, 2.0, size=11)
    net = QNetwork(11, 5, hidden, dueling, obs_offset=offset, obs_scale=scale, seed=3)
    obs = rng.random((9, 11), dtype=np.float32)
    q = net(torch.from_numpy(obs))
    assert q.shape == (9, 5)
    assert q.dtype == torch.float32
    np.testing.assert_allclose(
        q.detach().numpy(), _numpy_forward(net, obs), rtol=1e-5, atol=1e-5
    )


def test_shop_sized_shapes():
    net = QNetwork(63, 50)
    assert net(torch.zeros(128, 63)).shape == (128, 50)
    assert net(torch.zeros(1, 63)).shape == (1, 50)
    assert net(torch.zeros(0, 63)).shape == (0, 50)


def test_dueling_advantage_is_mean_centred():
    net = QNetwork(6, 4, (16,), dueling=True, seed=1)
    obs = torch.rand(10, 6, generator=torch.Generator().manual_seed(0))
    q = net(obs).detach()
    value, advantage = net.value_and_advantage(obs)
    # Mean over actions of Q is exactly the value stream.
    torch.testing.assert_close(q.mean(dim=1), value.detach(), rtol=1e-5, atol=1e-6)
    centred = advantage - advantage.mean(dim=1, keepdim=True)
    torch.testing.assert_close(q - value[:, None], centred.detach())


def test_value_and_advantage_requires_dueling():
    with pytest.raises(ConfigError, match="dueling must be True"):
        QNetwork(3, 2, (4,)).value_and_advantage(torch.zeros(1, 3))


def test_same_seed_same_weights_and_no_global_rng_use():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a = QNetwork(8, 3, (5,), seed=7)
    after = torch.get_rng_state()
    b = QNetwork(8, 3, (5,), seed=7)
    c = QNetwork(8, 3, (5,), seed=8)
    assert torch.equal(before, after)
    for (name, pa), pb in zip(
        a.state_dict().items(), b.state_dict().values(), strict=True
    ):
        assert torch.equal(pa, pb), name
    assert not torch.equal(a.q_head.weight, c.q_head.weight)


def test_initial_weights_within_fan_in_bound():
    net = QNetwork(64, 3, (100,), seed=0)
    assert net.body[0].weight.abs().max() <= 1 / 8
    assert net.q_head.weight.abs().max() <= 1 / 10
    # Uniform in +-1/8 has standard deviation 1/(8 sqrt 3).
    assert net.body[0].weight.std().item() == pytest.approx(1 / (8 * 3**0.5), rel=0.05)


def test_normalisation_buffers_saved_and_restored():
    net = QNetwork(3, 2, (4,), obs_offset=[1, 2, 3], obs_scale=[2, 2, 2])
    clone = QNetwork(3, 2, (4,), seed=9)
    clone.load_state_dict(net.state_dict())
    obs = torch.tensor([[1.0, 2.0, 5.0]])
    torch.testing.assert_close(clone(obs), net(obs))
    torch.testing.assert_close(clone.obs_offset, torch.tensor([1.0, 2.0, 3.0]))


def test_float64_input_is_accepted():
    net = QNetwork(4, 2, (3,))
    obs = torch.rand(2, 4, dtype=torch.float64)
    torch.testing.assert_close(net(obs), net(obs.float()))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"obs_dim": 0}, "obs_dim must be an integer from 1"),
        ({"obs_dim": 2.0}, "obs_dim must be an integer"),
        ({"n_actions": 0}, "n_actions must be an integer from 1"),
        ({"n_actions": True}, "n_actions must be an integer"),
        ({"hidden": (8, 0)}, "hidden must be a tuple of layer widths"),
        ({"hidden": 8}, "hidden must be a tuple of layer widths"),
        ({"hidden": (8.5,)}, "hidden must be a tuple of layer widths"),
        ({"dueling": "yes"}, "dueling must be True or False"),
        ({"obs_scale": [1.0, 0.0, 1.0]}, "obs_scale must be positive numbers"),
        ({"obs_offset": [0.0, 1.0]}, r"obs_offset must be shape \(3,\)"),
        ({"obs_offset": [0.0, np.nan, 1.0]}, "obs_offset must be finite"),
        ({"seed": -1}, "seed must be an integer >= 0"),
    ],
)
def test_bad_arguments_raise_config_error(kwargs, match):
    args = {"obs_dim": 3, "n_actions": 2, "hidden": (4,)} | kwargs
    with pytest.raises(ConfigError, match=match):
        QNetwork(**args)


@pytest.mark.parametrize("shape", [(3,), (2, 4), (2, 3, 1)])
def test_bad_observation_shape_raises(shape):
    net = QNetwork(3, 2, (4,))
    with pytest.raises(ObservationError, match=r"obs must be shape \(batch, 3\)"):
        net(torch.zeros(shape))
