"""ReplayBuffer: ring order against a deque, sampling, seeding, checks, save/load."""

from collections import deque

import numpy as np
import pytest
import torch

from beautyrl_lib.agents.replay import Batch, ReplayBuffer, mask_after_recommending
from beautyrl_lib.errors import (
    ActionError,
    CheckpointError,
    ConfigError,
    ObservationError,
)
from beautyrl_lib.sim import ShopConfig, VectorShop

OBS_DIM = 3


def _transitions(rng, n, first_id=0):
    """n transitions whose obs[:, 0] is a running id, so rows can be traced."""
    ids = np.arange(first_id, first_id + n, dtype=np.float32)
    obs = np.column_stack([ids, rng.random((n, OBS_DIM - 1))]).astype(np.float32)
    return (
        obs,
        rng.integers(0, 50, n),
        rng.normal(size=n),
        obs + 0.5,
        rng.random(n) < 0.3,
        rng.random(n) < 0.3,
    )


def _assert_same_batch(a: Batch, b: Batch) -> None:
    for x, y in zip(a, b, strict=True):
        assert (x is None and y is None) or torch.equal(x, y)


def _oldest_first(buffer: ReplayBuffer, array: np.ndarray) -> np.ndarray:
    if buffer.size < buffer.capacity:
        return array[: buffer.size]
    return np.concatenate([array[buffer.pos :], array[: buffer.pos]])


def test_wrap_around_matches_deque_reference():
    rng = np.random.default_rng(0)
    buffer = ReplayBuffer(capacity=7, obs_dim=OBS_DIM, seed=0)
    reference = deque(maxlen=7)
    next_id = 0
    for n in [0, 3, 2, 1, 5, 7, 9, 4, 1, 16, 2]:
        batch = _transitions(rng, n, next_id)
        next_id += n
        buffer.add_batch(*batch)
        reference.extend(zip(*batch, strict=True))

        assert len(buffer) == len(reference)
        if not reference:
            continue
        names = ("obs", "actions", "rewards", "next_obs", "terminated", "truncated")
        for column, name in enumerate(names):
            expected = np.array([row[column] for row in reference])
            got = _oldest_first(buffer, getattr(buffer, name))
            if name == "rewards":
                np.testing.assert_allclose(got, expected.astype(np.float32))
            else:
                np.testing.assert_array_equal(got, expected)


def test_sample_types_shapes_and_filled_rows_only():
    rng = np.random.default_rng(1)
    buffer = ReplayBuffer(capacity=100, obs_dim=OBS_DIM, seed=3)
    buffer.add_batch(*_transitions(rng, 10))
    batch = buffer.sample(10)
    for _ in range(20):
        more = buffer.sample(10)
        batch = Batch(
            *(torch.cat(pair) for pair in zip(batch[:6], more[:6], strict=True))
        )
    assert isinstance(batch, Batch)
    assert batch.obs.shape == batch.next_obs.shape == (210, OBS_DIM)
    assert batch.obs.dtype == batch.next_obs.dtype == torch.float32
    assert batch.actions.dtype == torch.int64 and batch.actions.shape == (210,)
    assert batch.rewards.dtype == torch.float32
    assert batch.terminated.dtype == batch.truncated.dtype == torch.float32
    assert buffer.sample(2).next_action_mask is None
    ids = batch.obs[:, 0].numpy()
    # Only the ten stored transitions (ids 0..9) can come out, and all do.
    assert set(ids.tolist()) == set(range(10))

    # Every field of a sampled row belongs to the same stored transition.
    rows = ids.astype(int)
    np.testing.assert_array_equal(batch.actions.numpy(), buffer.actions[rows])
    np.testing.assert_array_equal(batch.next_obs.numpy(), buffer.next_obs[rows])
    np.testing.assert_array_equal(
        batch.terminated.numpy(), buffer.terminated[rows].astype(np.float32)
    )


def test_sampled_tensors_do_not_alias_the_buffer():
    rng = np.random.default_rng(2)
    buffer = ReplayBuffer(capacity=4, obs_dim=OBS_DIM, seed=0)
    buffer.add_batch(*_transitions(rng, 4))
    batch = buffer.sample(4)
    before = batch.obs.clone()
    buffer.add_batch(*_transitions(rng, 4, first_id=100))
    assert torch.equal(batch.obs, before)


def test_sampling_is_uniform_over_stored_rows():
    rng = np.random.default_rng(3)
    buffer = ReplayBuffer(capacity=5, obs_dim=OBS_DIM, seed=11)
    buffer.add_batch(*_transitions(rng, 5))
    ids = np.concatenate([buffer.sample(5).obs[:, 0].numpy() for _ in range(10_000)])
    counts = np.bincount(ids.astype(int), minlength=5)
    # Each count is Binomial(50000, 0.2): standard deviation about 89.
    assert np.all(np.abs(counts - 10_000) < 500)


def test_same_seed_same_batches_other_seed_other_batches():
    rng = np.random.default_rng(4)
    data = _transitions(rng, 50)
    a, b, c = (ReplayBuffer(64, OBS_DIM, seed=s) for s in (5, 5, 6))
    for buffer in (a, b, c):
        buffer.add_batch(*data)
    for _ in range(3):
        batch_a, batch_b, batch_c = a.sample(16), b.sample(16), c.sample(16)
        _assert_same_batch(batch_a, batch_b)
        assert not torch.equal(batch_a.obs, batch_c.obs)


def test_sampling_more_than_stored_raises():
    buffer = ReplayBuffer(10, OBS_DIM, seed=0)
    with pytest.raises(ConfigError, match=r"batch_size must be an integer from 1 to 0"):
        buffer.sample(1)
    buffer.add_batch(*_transitions(np.random.default_rng(0), 3))
    with pytest.raises(ConfigError, match=r"from 1 to 3 \(the transitions stored\)"):
        buffer.sample(4)
    with pytest.raises(ConfigError, match="batch_size must be an integer"):
        buffer.sample(2.0)


def _good(n=4):
    return dict(
        zip(
            ("obs", "actions", "rewards", "next_obs", "terminated", "truncated"),
            _transitions(np.random.default_rng(9), n),
            strict=True,
        )
    )


@pytest.mark.parametrize(
    "name, value, error, match",
    [
        ("obs", np.zeros((4, 5), np.float32), ObservationError, r"obs must be shape"),
        ("obs", np.zeros(3, np.float32), ObservationError, r"obs must be shape"),
        ("obs", np.zeros((4, 3), np.int64), ObservationError, "obs must be floats"),
        ("next_obs", np.zeros((5, 3)), ObservationError, r"next_obs must be shape \(4"),
        ("next_obs", np.full((4, 3), np.nan), ObservationError, "next_obs must be fin"),
        ("actions", np.zeros(4), ActionError, "actions must be integers"),
        ("actions", np.zeros(3, int), ActionError, r"actions must be shape \(4,\)"),
        ("actions", np.array([0, 1, -1, 2]), ActionError, "actions must be indices"),
        ("rewards", np.zeros(5), ObservationError, r"rewards must be shape \(4,\)"),
        ("rewards", np.array([0, np.inf, 0, 0]), ObservationError, "rewards must be f"),
        ("rewards", np.zeros(4, bool), ObservationError, "rewards must be numbers"),
        ("terminated", np.zeros(4), ObservationError, "terminated must be bool"),
        ("truncated", np.zeros(3, bool), ObservationError, r"truncated must be shape"),
    ],
)
def test_bad_transitions_raise_and_leave_buffer_unchanged(name, value, error, match):
    buffer = ReplayBuffer(10, OBS_DIM, seed=0)
    with pytest.raises(error, match=match):
        buffer.add_batch(**(_good() | {name: value}))
    assert len(buffer) == 0 and buffer.pos == 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"capacity": 0}, "capacity must be an integer from 1"),
        ({"capacity": 1.5}, "capacity must be an integer"),
        ({"obs_dim": 0}, "obs_dim must be an integer from 1"),
        ({"seed": -2}, "seed must be an integer from 0"),
        ({"seed": None}, "seed must be an integer"),
        ({"n_actions": 0}, "n_actions must be an integer from 1"),
    ],
)
def test_bad_construction_raises_config_error(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        ReplayBuffer(**({"capacity": 10, "obs_dim": 3, "seed": 0} | kwargs))


@pytest.mark.parametrize("n_before", [5, 13])
def test_state_dict_round_trip_through_torch_save(tmp_path, n_before):
    rng = np.random.default_rng(7)
    buffer = ReplayBuffer(8, OBS_DIM, seed=1)
    buffer.add_batch(*_transitions(rng, n_before))
    buffer.sample(3)  # advance the generator so its state matters

    path = tmp_path / "replay.pt"
    torch.save(buffer.state_dict(), path)
    restored = ReplayBuffer(8, OBS_DIM, seed=99)
    restored.load_state_dict(torch.load(path, weights_only=True))

    assert (restored.size, restored.pos) == (buffer.size, buffer.pos)
    more = _transitions(rng, 3, first_id=50)
    buffer.add_batch(*more)
    restored.add_batch(*more)
    for _ in range(3):
        _assert_same_batch(buffer.sample(6), restored.sample(6))


def test_state_dict_is_a_snapshot():
    rng = np.random.default_rng(8)
    buffer = ReplayBuffer(4, OBS_DIM, seed=0)
    buffer.add_batch(*_transitions(rng, 4))
    state = buffer.state_dict()
    saved = state["obs"].clone()
    buffer.add_batch(*_transitions(rng, 4, first_id=10))
    assert torch.equal(state["obs"], saved)


def test_load_state_dict_refuses_other_buffers():
    state = ReplayBuffer(8, OBS_DIM, seed=0).state_dict()
    with pytest.raises(CheckpointError, match=r"state\['capacity'\] must be 9"):
        ReplayBuffer(9, OBS_DIM, seed=0).load_state_dict(state)
    with pytest.raises(CheckpointError, match=r"state\['obs_dim'\] must be 4"):
        ReplayBuffer(8, 4, seed=0).load_state_dict(state)
    with pytest.raises(CheckpointError, match="ReplayBuffer.state_dict"):
        ReplayBuffer(8, OBS_DIM, seed=0).load_state_dict({"obs": 1})
    del state["rng_state"]
    with pytest.raises(CheckpointError, match="rng_state"):
        ReplayBuffer(8, OBS_DIM, seed=0).load_state_dict(state)


# ------------------------------------------------------- next action masks
@pytest.mark.parametrize("n_actions", [1, 8, 13])
def test_next_action_masks_round_trip_through_packed_bits(n_actions):
    rng = np.random.default_rng(10)
    buffer = ReplayBuffer(6, OBS_DIM, seed=0, n_actions=n_actions)
    masks = deque(maxlen=6)
    next_id = 0
    for n in (4, 5, 9):
        mask = rng.random((n, n_actions)) < 0.5
        buffer.add_batch(*_transitions(rng, n, next_id), next_action_mask=mask)
        masks.extend(mask)
        next_id += n
    # Ids 12..17 survive; sampled rows carry their own mask.
    reference = dict(zip(range(12, 18), masks, strict=True))
    batch = buffer.sample(6)
    assert batch.next_action_mask.dtype == torch.bool
    assert batch.next_action_mask.shape == (6, n_actions)
    for row_id, mask in zip(
        batch.obs[:, 0].tolist(), batch.next_action_mask, strict=True
    ):
        np.testing.assert_array_equal(mask.numpy(), reference[int(row_id)])


def test_masks_saved_and_restored(tmp_path):
    rng = np.random.default_rng(11)
    buffer = ReplayBuffer(8, OBS_DIM, seed=2, n_actions=10)
    buffer.add_batch(*_transitions(rng, 5), next_action_mask=rng.random((5, 10)) < 0.5)
    torch.save(buffer.state_dict(), tmp_path / "replay.pt")
    restored = ReplayBuffer(8, OBS_DIM, seed=0, n_actions=10)
    restored.load_state_dict(torch.load(tmp_path / "replay.pt", weights_only=True))
    _assert_same_batch(buffer.sample(5), restored.sample(5))
    with pytest.raises(CheckpointError, match=r"state\['n_actions'\] must be None"):
        ReplayBuffer(8, OBS_DIM, seed=0).load_state_dict(buffer.state_dict())


def test_mask_required_exactly_when_buffer_stores_masks():
    rng = np.random.default_rng(12)
    with_masks = ReplayBuffer(8, OBS_DIM, seed=0, n_actions=4)
    with pytest.raises(ActionError, match=r"next_action_mask must be a bool array of"):
        with_masks.add_batch(*_transitions(rng, 2))
    with pytest.raises(ActionError, match=r"shape \(2, 4\)"):
        with_masks.add_batch(
            *_transitions(rng, 2), next_action_mask=np.ones((2, 5), bool)
        )
    with pytest.raises(ActionError, match="next_action_mask must be a bool array"):
        with_masks.add_batch(*_transitions(rng, 2), next_action_mask=np.ones((2, 4)))
    without = ReplayBuffer(8, OBS_DIM, seed=0)
    with pytest.raises(ActionError, match="must be None for a buffer built without"):
        without.add_batch(*_transitions(rng, 2), next_action_mask=np.ones((2, 4), bool))
    assert len(with_masks) == len(without) == 0


def test_mask_after_recommending_matches_the_shop():
    shop = VectorShop(ShopConfig(n_products=12, horizon=6), num_envs=40)
    shop.reset(seed=3)
    rng = np.random.default_rng(13)
    for _ in range(15):
        mask = shop.action_mask()
        actions = rng.integers(0, 12, 40)
        expected = mask_after_recommending(mask, actions)
        _, _, terminated, truncated, _ = shop.step_arrays(actions)
        live = ~(terminated | truncated)
        # Live sessions: the shop's own next mask. Ended ones: one product
        # fewer than before, the recommended one.
        np.testing.assert_array_equal(expected[live], shop.action_mask()[live])
        ended = ~live
        assert not expected[ended, actions[ended]].any()
        np.testing.assert_array_equal(
            expected[ended].sum(axis=1),
            mask[ended].sum(axis=1) - mask[ended, actions[ended]],
        )
    assert not np.shares_memory(expected, mask)


# ------------------------------------------------------------- n-step rows
def _concat(batches: list[Batch]) -> Batch:
    """One batch from several draws (fields that are None stay None)."""
    return Batch(
        *(
            None if parts[0] is None else torch.cat(parts)
            for parts in zip(*batches, strict=True)
        )
    )


def _n_step_reference(history, stored_ids, first_id, stride, n_step, gamma):
    """Walk one sampled row's session forward through a plain list of steps."""
    total, discount, last = 0.0, 1.0, first_id
    for k in range(n_step):
        row = first_id + k * stride
        if row not in stored_ids:
            break
        _, _, reward, _, terminated, truncated = history[row]
        total += discount * reward
        discount *= gamma
        last = row
        if terminated or truncated:
            break
    return total, discount, last


@pytest.mark.parametrize("n_step", [2, 3, 5])
@pytest.mark.parametrize("stride", [1, 4])
def test_n_step_rows_match_a_walk_along_each_session(n_step, stride):
    # Capacity 37 is no multiple of the stride, so sessions wrap the ring.
    rng = np.random.default_rng(3)
    buffer = ReplayBuffer(37, OBS_DIM, seed=5)
    history, next_id = [], 0
    for _ in range(40):
        rows = list(zip(*_transitions(rng, stride, next_id), strict=True))
        history.extend(rows)
        buffer.add_batch(*(np.array(column) for column in zip(*rows, strict=True)))
        next_id += stride
    stored = set(range(next_id - buffer.size, next_id))
    gamma = 0.9
    draws = [buffer.sample(30, n_step, gamma, stride) for _ in range(7)]
    batch = _concat(draws)
    short_sums = 0
    for i, first in enumerate(batch.obs[:, 0].long().tolist()):
        total, discount, last = _n_step_reference(
            history, stored, first, stride, n_step, gamma
        )
        short_sums += discount > gamma**n_step + 1e-9
        assert batch.rewards[i].item() == pytest.approx(total, rel=1e-5, abs=1e-6)
        assert batch.discounts[i].item() == pytest.approx(discount, rel=1e-6)
        assert batch.next_obs[i, 0].item() == last + 0.5
        assert batch.terminated[i].item() == float(history[last][4])
        assert batch.truncated[i].item() == float(history[last][5])
    # Some rows must stop early (a session ends or the newest row is reached).
    assert 0 < short_sums < 210


def test_n_step_stops_at_the_newest_row_and_keeps_its_mask():
    buffer = ReplayBuffer(10, OBS_DIM, seed=0, n_actions=4)
    obs = np.zeros((3, OBS_DIM), np.float32)
    masks = np.array([[1, 0, 1, 1], [1, 0, 0, 1], [0, 0, 0, 1]], dtype=bool)
    buffer.add_batch(
        obs,
        np.zeros(3, np.int64),
        np.array([1.0, 2.0, 8.0]),
        obs + np.arange(3, dtype=np.float32)[:, None],
        np.zeros(3, bool),
        np.zeros(3, bool),
        masks,
    )
    buffer.rng = np.random.default_rng(0)
    draws = [buffer.sample(3, n_step=3, gamma=0.5) for _ in range(10)]
    batch = _concat(draws)
    # Every session runs past the newest row, so each row sums what exists:
    # row 0: 1 + 0.5 * 2 + 0.25 * 8; row 1: 2 + 0.5 * 8; row 2: 8.
    expected = {4.0: (0.125, 2), 6.0: (0.25, 2), 8.0: (0.5, 2)}
    assert set(batch.rewards.tolist()) == set(expected)
    for i, reward in enumerate(batch.rewards.tolist()):
        discount, last = expected[reward]
        assert batch.discounts[i].item() == discount
        assert batch.next_obs[i, 0].item() == last
        assert batch.next_action_mask[i].tolist() == masks[last].tolist()


def test_one_step_sampling_is_the_plain_sample():
    a, b = ReplayBuffer(20, OBS_DIM, seed=9), ReplayBuffer(20, OBS_DIM, seed=9)
    for buffer in (a, b):
        buffer.add_batch(*_transitions(np.random.default_rng(4), 15))
    plain = a.sample(8)
    explicit = b.sample(8, n_step=1, gamma=0.3, stride=4)
    _assert_same_batch(plain, explicit)
    assert plain.discounts is None


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_step": 0}, r"n_step must be an integer from 1 to 100; got 0"),
        ({"n_step": 2.0}, r"n_step must be an integer .*; got 2\.0"),
        ({"stride": 0}, r"stride must be an integer from 1 to .*; got 0"),
        ({"gamma": 1.5}, r"gamma must be a finite number from 0\.0 to 1\.0; got 1\.5"),
    ],
)
def test_bad_n_step_arguments_raise(kwargs, match):
    buffer = ReplayBuffer(20, OBS_DIM, seed=0)
    buffer.add_batch(*_transitions(np.random.default_rng(0), 10))
    with pytest.raises(ConfigError, match=match):
        buffer.sample(4, **{"n_step": 3, "gamma": 0.9, **kwargs})
