"""The Q-network: a multilayer perceptron from observations to Q-values.

``QNetwork`` maps a batch of observations, float32 of shape (B, obs_dim), to
one Q-value per product, float32 of shape (B, n_actions): the return the shop
expects if it recommends that product now and acts well afterwards.

Two heads are available:

* plain: the last layer outputs the Q-values directly;
* dueling (Wang et al., "Dueling network architectures for deep
  reinforcement learning", ICML 2016): one layer estimates the value V(s) of
  the shopper's situation, another the advantage A(s, a) of each product, and
  Q(s, a) = V(s) + A(s, a) - mean over a' of A(s, a'). Subtracting the mean
  advantage pins down how the two parts share Q; otherwise any constant could
  move freely between them.

Observations can be normalised inside the network, ``(obs - obs_offset) /
obs_scale``. The offset and scale are saved with the weights, so a saved
network always sees its inputs the way it was trained on them. The shop's
observations are mostly in [0, 1] already, so the default is no change.

Weights are drawn from a seeded ``torch.Generator``, never from PyTorch's
global random state: the same seed always gives the same network.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from beautyrl_lib.errors import ConfigError, ObservationError, invalid

MAX_WIDTH = 65_536
MAX_DIM = 1_000_000


def _check_size(name: str, value, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise invalid(name, value, f"an integer from 1 to {high}", ConfigError)
    if not 1 <= value <= high:
        raise invalid(name, value, f"an integer from 1 to {high}", ConfigError)
    return int(value)


def _check_hidden(hidden) -> tuple[int, ...]:
    allowed = f"a tuple of layer widths, each an integer from 1 to {MAX_WIDTH}"
    if not isinstance(hidden, tuple | list):
        raise invalid("hidden", hidden, allowed, ConfigError)
    for width in hidden:
        if isinstance(width, bool) or not isinstance(width, int | np.integer):
            raise invalid("hidden", hidden, allowed, ConfigError)
        if not 1 <= width <= MAX_WIDTH:
            raise invalid("hidden", hidden, allowed, ConfigError)
    return tuple(int(width) for width in hidden)


def _check_input_transform(
    name: str, value, obs_dim: int, default: float, positive: bool = False
) -> torch.Tensor:
    if value is None:
        return torch.full((obs_dim,), default, dtype=torch.float32)
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != (obs_dim,):
        raise invalid(name, f"array of shape {arr.shape}", f"shape ({obs_dim},)")
    if not np.isfinite(arr).all():
        raise invalid(name, value, "finite numbers", ConfigError)
    if positive and (arr <= 0).any():
        raise invalid(name, value, "positive numbers", ConfigError)
    return torch.as_tensor(arr, dtype=torch.float32)


def _as_generator(seed) -> torch.Generator:
    if isinstance(seed, torch.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise invalid("seed", seed, "an integer >= 0 or a torch.Generator", ConfigError)
    return torch.Generator().manual_seed(int(seed))


def _linear(n_in: int, n_out: int, generator: torch.Generator) -> nn.Linear:
    """A linear layer initialised from ``generator``.

    ``skip_init`` builds the layer without PyTorch's default initialisation,
    which would draw from (and advance) the global random state. The weights
    and biases are then drawn uniformly in +-1/sqrt(fan_in), the same
    distribution as PyTorch's default for linear layers.
    """
    layer = nn.utils.skip_init(nn.Linear, n_in, n_out)
    bound = 1.0 / math.sqrt(n_in)
    with torch.no_grad():
        layer.weight.uniform_(-bound, bound, generator=generator)
        layer.bias.uniform_(-bound, bound, generator=generator)
    return layer


class QNetwork(nn.Module):
    """Multilayer perceptron from observations to one Q-value per action.

    Args:
        obs_dim: Length of an observation vector (63 for the shop).
        n_actions: Number of actions (products in the catalog).
        hidden: Widths of the hidden layers, each followed by a ReLU. An
            empty tuple gives a linear model of the observation.
        dueling: Split the output into a value and a mean-centred advantage
            (see the module docstring).
        obs_offset: Optional float array of shape (obs_dim,) subtracted from
            every observation; zeros by default.
        obs_scale: Optional positive float array of shape (obs_dim,) that
            observations are divided by after the offset; ones by default.
        seed: An integer seed, or a ``torch.Generator`` to draw the initial
            weights from (an agent passes its own generator).

    Raises:
        ConfigError: If a size, width, offset or scale is not allowed.
    """

    def __init__(
        self,
        obs_dim: int,
        n_actions: int,
        hidden: tuple[int, ...] = (256, 256),
        dueling: bool = False,
        *,
        obs_offset=None,
        obs_scale=None,
        seed: int | torch.Generator = 0,
    ) -> None:
        super().__init__()
        self.obs_dim = _check_size("obs_dim", obs_dim, MAX_DIM)
        self.n_actions = _check_size("n_actions", n_actions, MAX_DIM)
        self.hidden = _check_hidden(hidden)
        if not isinstance(dueling, bool):
            raise invalid("dueling", dueling, "True or False", ConfigError)
        self.dueling = dueling
        generator = _as_generator(seed)

        # Buffers, not parameters: saved in state_dict, never trained.
        offset = _check_input_transform("obs_offset", obs_offset, self.obs_dim, 0.0)
        scale = _check_input_transform(
            "obs_scale", obs_scale, self.obs_dim, 1.0, positive=True
        )
        self.register_buffer("obs_offset", offset)
        self.register_buffer("obs_scale", scale)

        layers: list[nn.Module] = []
        width = self.obs_dim
        for next_width in self.hidden:
            layers += [_linear(width, next_width, generator), nn.ReLU()]
            width = next_width
        self.body = nn.Sequential(*layers)
        if dueling:
            self.value_head = _linear(width, 1, generator)
            self.advantage_head = _linear(width, self.n_actions, generator)
        else:
            self.q_head = _linear(width, self.n_actions, generator)

    def _features(self, obs: torch.Tensor) -> torch.Tensor:
        if obs.ndim != 2 or obs.shape[1] != self.obs_dim:
            raise invalid(
                "obs",
                f"tensor of shape {tuple(obs.shape)}",
                f"shape (batch, {self.obs_dim})",
                ObservationError,
            )
        obs = obs.to(torch.float32)
        return self.body((obs - self.obs_offset) / self.obs_scale)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Q-values of every action.

        Args:
            obs: float tensor of shape (B, obs_dim).

        Returns:
            float32 tensor of shape (B, n_actions).

        Raises:
            ObservationError: If ``obs`` does not have shape (B, obs_dim).
        """
        features = self._features(obs)
        if not self.dueling:
            return self.q_head(features)
        value = self.value_head(features)  # (B, 1)
        advantage = self.advantage_head(features)  # (B, n_actions)
        return value + advantage - advantage.mean(dim=1, keepdim=True)

    def value_and_advantage(
        self, obs: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The two streams of a dueling network, before they are combined.

        Args:
            obs: float tensor of shape (B, obs_dim).

        Returns:
            ``(value, advantage)``: shapes (B,) and (B, n_actions), the
            advantage not yet mean-centred.

        Raises:
            ConfigError: If the network was built with ``dueling=False``.
        """
        if not self.dueling:
            raise invalid("dueling", self.dueling, "True to split value and advantage")
        features = self._features(obs)
        return self.value_head(features).squeeze(1), self.advantage_head(features)

    def extra_repr(self) -> str:
        return (
            f"obs_dim={self.obs_dim}, n_actions={self.n_actions}, "
            f"hidden={self.hidden}, dueling={self.dueling}"
        )
