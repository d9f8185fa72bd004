"""The training loop: reproducibility, exact resume, safe checkpoints, errors."""

import json
import pickle

import numpy as np
import pytest
import torch

from beautyrl_lib import cli
from beautyrl_lib.agents.dqn import DQNAgent, DQNConfig, TrainingDivergedError
from beautyrl_lib.errors import CheckpointError, ConfigError
from beautyrl_lib.sim import ShopConfig
from beautyrl_lib.training import (
    COLUMNS,
    TrainConfig,
    load_checkpoint,
    load_policy,
    read_metrics,
    train,
)

SHOP = ShopConfig(n_products=12, horizon=8)
DQN = DQNConfig(
    hidden=(16, 16),
    batch_size=32,
    buffer_size=2_000,
    learning_starts=200,
    train_every=8,
    target_update_interval=20,
    epsilon_decay_steps=1_000,
)


def _settings(total: int) -> TrainConfig:
    return TrainConfig(
        total_steps=total, num_envs=16, log_every=320, eval_every=640, eval_sessions=40
    )


def _weights(path) -> dict:
    return load_checkpoint(path)["agent"]["online"]


def test_same_seed_gives_byte_identical_metrics_and_weights(tmp_path):
    a = train(
        SHOP, DQN, _settings(1280), seed=3, out_dir=tmp_path / "a", progress=False
    )
    train(SHOP, DQN, _settings(1280), seed=3, out_dir=tmp_path / "b", progress=False)
    csv_a = (tmp_path / "a" / "metrics.csv").read_bytes()
    assert csv_a == (tmp_path / "b" / "metrics.csv").read_bytes()
    assert csv_a.decode().splitlines()[0].split(",") == list(COLUMNS)
    for name in ("best.pt", "last.pt"):
        wa = _weights(tmp_path / "a" / "checkpoints" / name)
        wb = _weights(tmp_path / "b" / "checkpoints" / name)
        assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert a.agent.n_updates > 50
    other = train(SHOP, DQN, _settings(1280), seed=4, out_dir=None, progress=False)
    assert other.metrics != a.metrics


def test_interrupted_and_resumed_run_equals_the_uninterrupted_run(tmp_path):
    train(
        SHOP, DQN, _settings(1920), seed=1, out_dir=tmp_path / "whole", progress=False
    )
    # Stop at 1280 steps (an evaluation point), then resume to 1920.
    train(SHOP, DQN, _settings(1280), seed=1, out_dir=tmp_path / "cut", progress=False)
    resumed = train(
        SHOP,
        DQN,
        _settings(1920),
        seed=1,
        out_dir=tmp_path / "cut",
        resume=True,
        progress=False,
    )
    whole_csv = (tmp_path / "whole" / "metrics.csv").read_bytes()
    assert (tmp_path / "cut" / "metrics.csv").read_bytes() == whole_csv
    wa = _weights(tmp_path / "whole" / "checkpoints" / "last.pt")
    wb = _weights(tmp_path / "cut" / "checkpoints" / "last.pt")
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert resumed.agent.env_steps == 1920
    rows = read_metrics(tmp_path / "cut")
    assert [r["env_steps"] for r in rows] == sorted({r["env_steps"] for r in rows})


def test_resume_refuses_a_checkpoint_of_another_run(tmp_path):
    train(SHOP, DQN, _settings(640), seed=1, out_dir=tmp_path, progress=False)
    other = DQNConfig(**{**DQN.to_dict(), "lr": 1e-3, "hidden": (16, 16)})
    with pytest.raises(CheckpointError, match=r"differs in \['dqn.lr'\]"):
        train(SHOP, other, _settings(1280), seed=1, out_dir=tmp_path, resume=True)


def test_non_finite_loss_stops_with_a_clear_message_and_keeps_last_checkpoint(
    tmp_path, monkeypatch
):
    real_update = DQNAgent.update

    def update(self, batch):
        if self.env_steps > 700:
            raise TrainingDivergedError("update 99: loss nan, gradient norm nan")
        return real_update(self, batch)

    monkeypatch.setattr(DQNAgent, "update", update)
    with pytest.raises(
        TrainingDivergedError, match=r"last good checkpoint is .*last.pt"
    ):
        train(SHOP, DQN, _settings(1280), seed=2, out_dir=tmp_path, progress=False)
    state = load_checkpoint(tmp_path / "checkpoints" / "last.pt")
    assert state["agent"]["env_steps"] == 640  # the evaluation point before the failure


def test_trained_policy_loads_for_its_shop_and_refuses_another(tmp_path):
    result = train(SHOP, DQN, _settings(640), seed=0, out_dir=tmp_path, progress=False)
    policy = load_policy(tmp_path, SHOP)
    obs = np.random.default_rng(0).random((5, 63), dtype=np.float32)
    mask = np.ones((5, 12), dtype=bool)
    best = load_checkpoint(tmp_path / "checkpoints" / "best.pt")["agent"]["n_updates"]
    assert policy.agent.n_updates == best
    assert policy.act(obs, mask).shape == (5,)
    np.testing.assert_array_equal(
        load_policy(tmp_path / "checkpoints" / "last.pt", SHOP).act(obs, mask),
        result.policy().act(obs, mask),
    )
    with pytest.raises(
        CheckpointError, match=r"another shop configuration .*n_products"
    ):
        load_policy(tmp_path, ShopConfig(n_products=13, horizon=8))


class _Boom:
    def __reduce__(self):
        return (print, ("this must never run",))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_files_that_are_not_our_checkpoints_are_refused(tmp_path):
    with pytest.raises(CheckpointError, match=r"checkpoint must be an existing"):
        load_checkpoint(tmp_path / "missing.pt")
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match=r"could not be read safely"):
        load_checkpoint(corrupt)
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(3)}, foreign)
    with pytest.raises(CheckpointError, match=r"is not a BeautyRL DQN checkpoint"):
        load_checkpoint(foreign)
    unsafe = tmp_path / "unsafe.pt"
    unsafe.write_bytes(pickle.dumps(_Boom()))
    with pytest.raises(CheckpointError, match=r"could not be read safely"):
        load_checkpoint(unsafe)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"total_steps": 0}, r"total_steps must be an integer from 1"),
        ({"num_envs": 0}, r"num_envs must be an integer from 1 to 65536; got 0"),
        ({"eval_sessions": 5}, r"eval_sessions must be an integer from 10"),
        ({"log_every": 300, "eval_every": 1000}, r"eval_every must be a multiple of"),
        ({"tensorboard": "yes"}, r"tensorboard must be True or False; got 'yes'"),
    ],
)
def test_bad_training_settings(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**kwargs)


def test_on_row_receives_every_metrics_row_in_order(tmp_path):
    seen = []

    def note_then_spoil(row: dict) -> None:
        seen.append(dict(row))
        row.clear()  # must not reach the loop's own row

    result = train(
        SHOP,
        DQN,
        _settings(1280),
        seed=3,
        out_dir=tmp_path / "hooked",
        progress=False,
        on_row=note_then_spoil,
    )
    # 1280 steps logged every 320: four rows, the 2nd and 4th with evaluations.
    assert [row["env_steps"] for row in seen] == [320, 640, 960, 1280]
    assert [row["eval/mean_return"] is not None for row in seen] == [
        False,
        True,
        False,
        True,
    ]
    assert seen == result.metrics

    # The hook changes nothing train() writes.
    train(
        SHOP, DQN, _settings(1280), seed=3, out_dir=tmp_path / "plain", progress=False
    )
    plain_csv = (tmp_path / "plain" / "metrics.csv").read_bytes()
    assert (tmp_path / "hooked" / "metrics.csv").read_bytes() == plain_csv


def test_bad_train_arguments(tmp_path):
    with pytest.raises(ConfigError, match=r"seed must be an integer from 0"):
        train(SHOP, DQN, _settings(640), seed=-1)
    with pytest.raises(ConfigError, match=r"out_dir must be the folder of the run"):
        train(SHOP, DQN, _settings(640), resume=True)
    with pytest.raises(ConfigError, match=r"shop must be a ShopConfig"):
        train("default", DQN, _settings(640))
    with pytest.raises(
        ConfigError, match=r"on_row must be a function taking a metrics row, or None"
    ):
        train(SHOP, DQN, _settings(640), on_row="print")
    with pytest.raises(CheckpointError, match=r"checkpoint must be an existing"):
        train(SHOP, DQN, _settings(640), out_dir=tmp_path, resume=True)


def test_cli_train_then_compare_with_the_trained_agent(tmp_path, capsys):
    out = tmp_path / "run"
    code = cli.main(
        [
            "train",
            "--out",
            str(out),
            "--steps",
            "640",
            "--num-envs",
            "16",
            "--log-every",
            "320",
            "--eval-every",
            "640",
            "--eval-sessions",
            "40",
            "--learning-starts",
            "200",
            "--hidden",
            "16,16",
            "--batch-size",
            "32",
            "--products",
            "12",
            "--horizon",
            "8",
            "--no-progress",
        ]
    )
    assert code == 0
    for name in ("config.json", "metrics.csv", "learning_curve.png", "timing.json"):
        assert (out / name).is_file()
    assert (out / "checkpoints" / "best.pt").is_file()
    code = cli.main(
        [
            "compare",
            "--policies",
            f"random,dqn:{out}",
            "--sessions",
            "50",
            "--products",
            "12",
            "--horizon",
            "8",
            "--no-progress",
        ]
    )
    assert code == 0
    assert f"dqn:{out}" in capsys.readouterr().out
    # A second train into the same folder without --resume is refused.
    code = cli.main(["train", "--out", str(out), "--steps", "640", "--no-progress"])
    assert code == 2
    assert "--out must be a new or empty folder" in capsys.readouterr().err


def test_cli_train_options_reach_the_saved_config(tmp_path):
    out = tmp_path / "run"
    argv = ["train", "--out", str(out), "--steps", "320", "--num-envs", "16"]
    argv += ["--log-every", "320", "--eval-every", "320", "--eval-sessions", "20"]
    argv += ["--learning-starts", "64", "--batch-size", "32", "--hidden", "8"]
    argv += ["--n-step", "3", "--gradient-steps", "2", "--huber-delta", "5"]
    argv += ["--no-double-dqn", "--dueling", "--products", "12", "--no-progress"]
    assert cli.main(argv) == 0
    saved = json.loads((out / "config.json").read_text())["dqn"]
    assert saved["n_step"] == 3
    assert saved["gradient_steps"] == 2
    assert saved["huber_delta"] == 5.0
    assert saved["double_dqn"] is False
    assert saved["dueling"] is True
    assert saved["hidden"] == [8]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--n-step", "0"], "n_step must be an integer from 1 to 100; got 0"),
        (["--hidden", "a,b"], "--hidden must be comma-separated integers"),
        (["--lr", "-1"], "lr must be"),
        (["--target-update", "sometimes"], "target_update must be"),
        (["--products", "0"], "--products must be an integer from 1"),
    ],
)
def test_cli_train_bad_options(tmp_path, capsys, argv, message):
    code = cli.main(["train", "--out", str(tmp_path / "x"), "--no-progress", *argv])
    assert code == 2
    assert message in capsys.readouterr().err
