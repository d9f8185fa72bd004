"""The DQN exercise checks pass correct code and fail stubs and typical mistakes."""

import numpy as np
import pytest
import torch
from check_contract import assert_fails_with_hint, assert_passes, assert_stub_is_pending

from beautyrl_lib.agents.exploration import LinearSchedule
from beautyrl_lib.agents.qnetwork import QNetwork
from beautyrl_lib.course import checks_dqn
from beautyrl_lib.errors import ConfigError


def stub(*args):
    raise NotImplementedError("write your code here")


# ---------------------------------------------------------------------------
# Q-network forward pass (notebook 04).


def forward(obs, weights, biases):
    x = obs
    for layer, (w, b) in enumerate(zip(weights, biases, strict=True)):
        x = np.einsum("bi,oi->bo", x, w) + b
        if layer + 1 < len(weights):
            x = x * (x > 0)
    return x


def forward_relu_on_output(obs, weights, biases):
    x = obs
    for w, b in zip(weights, biases, strict=True):
        x = np.maximum(x @ w.T + b, 0.0)
    return x


def forward_without_relu(obs, weights, biases):
    x = obs
    for w, b in zip(weights, biases, strict=True):
        x = x @ w.T + b
    return x


def forward_without_bias(obs, weights, biases):
    x = obs
    for layer, w in enumerate(weights):
        x = x @ w.T
        if layer + 1 < len(weights):
            x = np.maximum(x, 0.0)
    return x


def forward_transposed(obs, weights, biases):
    x = obs
    for w, b in zip(weights, biases, strict=True):
        x = np.maximum(x @ w + b, 0.0)
    return x


def test_the_reference_forward_pass_matches_a_torch_q_network():
    net = QNetwork(6, 3, hidden=(8, 5), seed=4)
    obs = np.random.default_rng(0).uniform(size=(7, 6)).astype(np.float32)
    layers = [m for m in net.body if isinstance(m, torch.nn.Linear)] + [net.q_head]
    weights = [layer.weight.detach().numpy() for layer in layers]
    biases = [layer.bias.detach().numpy() for layer in layers]
    with torch.no_grad():
        expected = net(torch.from_numpy(obs)).numpy()
    received = checks_dqn.ref_q_network_forward(obs, weights, biases)
    np.testing.assert_allclose(received, expected, atol=1e-5)


# ---------------------------------------------------------------------------
# Huber loss (notebook 04).


def huber(td_errors, delta):
    small = np.abs(td_errors) <= delta
    quadratic = 0.5 * td_errors**2
    linear = delta * np.abs(td_errors) - 0.5 * delta**2
    return np.where(small, quadratic, linear)


def huber_torch(td_errors, delta):
    errors = torch.as_tensor(td_errors)
    zeros = torch.zeros_like(errors)
    return torch.nn.functional.huber_loss(errors, zeros, reduction="none", delta=delta)


def huber_mse(td_errors, delta):
    return 0.5 * np.square(td_errors)


def huber_no_offset(td_errors, delta):
    a = np.abs(td_errors)
    return np.where(a > delta, delta * a, 0.5 * a * a)


def huber_unscaled(td_errors, delta):
    a = np.abs(td_errors)
    return np.where(a > delta, a - delta / 2, 0.5 * a * a)


def huber_signed(td_errors, delta):
    x = np.asarray(td_errors)
    return np.where(np.abs(x) > delta, delta * x - 0.5 * delta**2, 0.5 * x * x)


def huber_mean(td_errors, delta):
    return huber(td_errors, delta).mean()


# ---------------------------------------------------------------------------
# Linear epsilon schedule (notebook 05).


def linear_epsilon(step, start, end, duration_steps):
    if step >= duration_steps:
        return end
    return start - (start - end) * step / duration_steps


def linear_epsilon_no_clamp(step, start, end, duration_steps):
    return start + (end - start) * (step / duration_steps)


def epsilon_per_update(step, start, end, duration_steps):
    # The article's rule: multiply by 0.995 after every call, floor at end.
    epsilon = start
    for _ in range(step):
        epsilon = max(epsilon * 0.995, end)
    return epsilon


def linear_epsilon_reversed(step, start, end, duration_steps):
    return end + (start - end) * min(1.0, step / duration_steps)


def linear_epsilon_integer_division(step, start, end, duration_steps):
    return start + (end - start) * min(1, step // duration_steps)


def test_the_library_schedule_passes_the_schedule_check(capsys):
    def library(step, start, end, duration_steps):
        return LinearSchedule(start, end, duration_steps)(step)

    assert checks_dqn.check_linear_schedule(library) is True
    capsys.readouterr()


# ---------------------------------------------------------------------------
# The table of function checks: (check, correct, mistake, words in its hint).

CASES = [
    (checks_dqn.check_q_network, forward, forward_relu_on_output, "last layer too"),
    (checks_dqn.check_q_network, forward, forward_without_relu, "no ReLU"),
    (checks_dqn.check_q_network, forward, forward_without_bias, "biases"),
    (checks_dqn.check_huber_loss, huber, huber_mse, "squared error everywhere"),
    (checks_dqn.check_huber_loss, huber_torch, huber_no_offset, "both parts meet"),
    (checks_dqn.check_huber_loss, huber, huber_unscaled, "multiplied by delta"),
    (checks_dqn.check_huber_loss, huber, huber_signed, "absolute error"),
    (checks_dqn.check_huber_loss, huber, huber_mean, "expected shape (6,)"),
    (
        checks_dqn.check_linear_schedule,
        linear_epsilon,
        linear_epsilon_no_clamp,
        "clamp the fraction",
    ),
    (
        checks_dqn.check_linear_schedule,
        linear_epsilon,
        epsilon_per_update,
        "at every update",
    ),
    (
        checks_dqn.check_linear_schedule,
        linear_epsilon,
        linear_epsilon_reversed,
        "moved from end to start",
    ),
    (
        checks_dqn.check_linear_schedule,
        linear_epsilon,
        linear_epsilon_integer_division,
        "integer division",
    ),
]
IDS = [f"{case[0].__name__}-{case[2].__name__}" for case in CASES]
FUNCTION_CHECKS = (
    checks_dqn.check_q_network,
    checks_dqn.check_huber_loss,
    checks_dqn.check_linear_schedule,
)


@pytest.mark.parametrize(("check", "correct", "mistake", "hint"), CASES, ids=IDS)
def test_check_passes_a_correct_function(capsys, check, correct, mistake, hint):
    assert_passes(capsys, check, correct)


@pytest.mark.parametrize(("check", "correct", "mistake", "hint"), CASES, ids=IDS)
def test_check_fails_a_typical_mistake_with_its_hint(
    capsys, check, correct, mistake, hint
):
    assert_fails_with_hint(capsys, check, mistake, hint)


@pytest.mark.parametrize("check", FUNCTION_CHECKS, ids=lambda f: f.__name__)
def test_check_says_not_implemented_for_a_stub(capsys, check):
    assert_stub_is_pending(capsys, check, stub)


def test_references_pass_their_own_checks(capsys):
    assert checks_dqn.check_q_network(checks_dqn.ref_q_network_forward) is True
    assert checks_dqn.check_huber_loss(checks_dqn.ref_huber_loss) is True
    assert checks_dqn.check_linear_schedule(checks_dqn.ref_linear_epsilon) is True
    assert checks_dqn.check_ring_buffer(checks_dqn.ReferenceRingBuffer) is True
    capsys.readouterr()


def test_a_crash_in_the_forward_pass_names_the_input_and_the_weight_layout(capsys):
    assert checks_dqn.check_q_network(forward_transposed) is False
    out = capsys.readouterr().out
    assert "obs of shape (3, 4), layers 4 → 5 → 2" in out
    assert "raised ValueError" in out
    assert "(out, in)" in out


def test_the_schedule_failure_shows_the_input_and_both_values(capsys):
    checks_dqn.check_linear_schedule(linear_epsilon_no_clamp)
    out = capsys.readouterr().out
    assert "linear_epsilon(step=5000, start=1, end=0.05, duration_steps=1000)" in out
    assert "expected: 0.05\n" in out
    assert "received: -3.75\n" in out


def test_passing_the_result_instead_of_the_function_raises():
    with pytest.raises(ConfigError, match="fn must be the function huber_loss"):
        checks_dqn.check_huber_loss(0.5)
    with pytest.raises(ConfigError, match="cls must be the class RingBuffer"):
        checks_dqn.check_ring_buffer(checks_dqn.ReferenceRingBuffer(4))
    with pytest.raises(ConfigError, match="n_draws must be an integer >= 100"):
        checks_dqn.check_ring_buffer(checks_dqn.ReferenceRingBuffer, n_draws=10)


# ---------------------------------------------------------------------------
# Ring buffer (notebook 05): a class, checked by its state and its samples.


class RingBuffer:
    """Written independently of the reference: a write counter instead of pos."""

    def __init__(self, capacity):
        self.capacity = capacity
        self.items = np.full(capacity, -1)
        self.pos = 0
        self.size = 0

    def add(self, item):
        self.items[self.pos] = item
        self.pos += 1
        if self.pos == self.capacity:
            self.pos = 0
        if self.size < self.capacity:
            self.size += 1

    def sample(self, batch_size, rng):
        return self.items[(rng.random(batch_size) * self.size).astype(int)]


class StubBuffer(RingBuffer):
    def add(self, item):
        raise NotImplementedError("write add")

    def sample(self, batch_size, rng):
        raise NotImplementedError("write sample")


class StubSample(RingBuffer):
    def sample(self, batch_size, rng):
        raise NotImplementedError("write sample")


class WrapOffByOne(RingBuffer):
    def add(self, item):
        self.items[self.pos] = item
        self.pos = (self.pos + 1) % (self.capacity - 1) if self.capacity > 1 else 0
        self.size = min(self.size + 1, self.capacity)


class WrapTooLate(RingBuffer):
    def add(self, item):
        self.items[self.pos] = item
        self.pos = 0 if self.pos > self.capacity else self.pos + 1
        self.size = min(self.size + 1, self.capacity)


class SizeGrows(RingBuffer):
    def add(self, item):
        self.items[self.pos] = item
        self.pos = (self.pos + 1) % self.capacity
        self.size += 1


class KeepsOldest(RingBuffer):
    def add(self, item):
        if self.size == self.capacity:
            return
        super().add(item)


class SamplesEmptySlots(RingBuffer):
    def sample(self, batch_size, rng):
        return self.items[rng.integers(0, self.capacity, size=batch_size)]


class SamplesOffByOne(RingBuffer):
    def sample(self, batch_size, rng):
        return self.items[rng.integers(0, self.size - 1, size=batch_size)]


class SamplesUpToPos(RingBuffer):
    def sample(self, batch_size, rng):
        return self.items[rng.integers(0, max(self.pos, 1), size=batch_size)]


class SamplesIndices(RingBuffer):
    def sample(self, batch_size, rng):
        return rng.integers(0, self.size, size=batch_size)


class SamplesGlobalRandom(RingBuffer):
    def sample(self, batch_size, rng):
        local = np.random.default_rng()  # unseeded: a new stream every call
        return self.items[local.integers(0, self.size, size=batch_size)]


class SamplesNothing(RingBuffer):
    def sample(self, batch_size, rng):
        self.items[rng.integers(0, self.size, size=batch_size)]


class SamplesWithoutReplacement(RingBuffer):
    def sample(self, batch_size, rng):
        return rng.choice(self.items[: self.size], size=batch_size, replace=False)


def test_ring_buffer_check_passes_a_correct_buffer(capsys):
    assert checks_dqn.check_ring_buffer(RingBuffer) is True
    assert "Correct!" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("cls", "words"),
    [
        (StubBuffer, "RingBuffer.add still raises NotImplementedError"),
        (StubSample, "RingBuffer.sample still raises NotImplementedError"),
    ],
)
def test_ring_buffer_check_says_which_method_is_not_implemented(capsys, cls, words):
    assert checks_dqn.check_ring_buffer(cls) is False
    out = capsys.readouterr().out
    assert "Not implemented yet." in out
    assert words in out


@pytest.mark.parametrize(
    ("cls", "words"),
    [
        (WrapOffByOne, "one slot early"),
        (WrapTooLate, "one past the last slot"),
        (SizeGrows, "size kept growing past capacity"),
        (KeepsOldest, "overwrites the oldest"),
        (SamplesEmptySlots, "it drew empty slots"),
        (SamplesOffByOne, "were never drawn"),
        (SamplesUpToPos, "not how many are stored"),
        (SamplesIndices, "it returned slot indices"),
        (SamplesGlobalRandom, "same seed"),
        (SamplesNothing, "returned None"),
        (SamplesWithoutReplacement, "RingBuffer.sample raised ValueError"),
    ],
)
def test_ring_buffer_check_fails_mistakes_with_their_hint(capsys, cls, words):
    assert checks_dqn.check_ring_buffer(cls) is False
    out = capsys.readouterr().out
    assert "Not yet." in out
    assert words in out
    assert "Traceback" not in out


def test_ring_buffer_failure_shows_expected_and_received_state(capsys):
    checks_dqn.check_ring_buffer(WrapOffByOne)
    out = capsys.readouterr().out
    assert "RingBuffer(capacity=4) after adding 0, 1, 2: the state is wrong." in out
    assert "expected: items=[0, 1, 2, -1], pos=3, size=3" in out
    assert "received: items=[0, 1, 2, -1], pos=0, size=3" in out


def test_reference_ring_buffer_keeps_the_latest_items_in_write_order():
    buffer = checks_dqn.ReferenceRingBuffer(3)
    for item in range(7):
        buffer.add(item)
    # Items 4, 5, 6 survive; the next write (pos) goes over the oldest, 4.
    assert buffer.items.tolist() == [6, 4, 5]
    assert (buffer.pos, buffer.size) == (1, 3)
    drawn = buffer.sample(3000, np.random.default_rng(0))
    assert set(drawn.tolist()) == {4, 5, 6}
    np.testing.assert_allclose(np.bincount(drawn)[4:] / 3000, 1 / 3, atol=0.03)
