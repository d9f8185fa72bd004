"""The command line: ``python -m beautyrl_lib compare`` and ``student-edition``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

from beautyrl_lib.agents.baselines import PopularityPolicy, RandomPolicy
from beautyrl_lib.cli import main, training_seed
from beautyrl_lib.evaluation import compare
from beautyrl_lib.sim import ShopConfig

CHEAP = ["--policies", "random,popularity", "--sessions", "200", "--no-progress"]


def _run_compare(tmp_path: Path, name: str, *extra: str) -> Path:
    out = tmp_path / name
    assert main(["compare", *CHEAP, "--json", str(out), *extra]) == 0
    return out


def test_same_seed_gives_byte_identical_json(tmp_path, capsys):
    first = _run_compare(tmp_path, "a.json", "--seed", "3")
    second = _run_compare(tmp_path, "b.json", "--seed", "3")
    assert first.read_bytes() == second.read_bytes()
    other = json.loads(_run_compare(tmp_path, "c.json", "--seed", "4").read_text())
    data = json.loads(first.read_text())
    assert (
        data["policies"]["random"]["mean_return"]
        != other["policies"]["random"]["mean_return"]
    )
    printed = capsys.readouterr().out
    assert printed.count("popularity") == 3  # one table row per run
    assert "wrote" in printed


def test_json_matches_python_api_and_records_seeds(tmp_path):
    data = json.loads(
        _run_compare(tmp_path, "a.json", "--seed", "2", "--products", "20").read_text()
    )
    config = ShopConfig(n_products=20)
    # Policy k of POLICY_NAMES trains with seed * 1000 + k.
    assert data["training_seeds"] == {"random": 2000, "popularity": 2001}
    assert training_seed(2, "bandit") == 2003
    expected = compare(
        {
            "random": RandomPolicy(2000),
            "popularity": PopularityPolicy().fit(config, 2001),
        },
        config,
        n_sessions=200,
        seed=2,
    ).to_dict()
    assert data["policies"] == expected["policies"]
    assert data["config"] == config.to_dict()
    assert data["cohort_seed"] == 2 and data["n_sessions"] == 200


def test_shop_options_reach_the_config(tmp_path):
    out = _run_compare(
        tmp_path, "a.json", "--strength", "0", "--horizon", "7", "--reward-mode",
        "revenue", "--catalog-seed", "5",
    )  # fmt: skip
    config = json.loads(out.read_text())["config"]
    assert config["long_term_strength"] == 0.0
    assert config["horizon"] == 7
    assert config["reward_mode"] == "revenue"
    assert config["catalog_seed"] == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--policies", "random,foo"],
            r"each name in --policies must be one of random",
        ),
        (["--policies", ""], r"--policies must be a comma-separated list"),
        (["--policies", "random,,popularity"], r"--policies must be a comma-separated"),
        (["--policies", "random,random"], r"--policies must be distinct names"),
        (
            ["--sessions", "5"],
            r"--sessions must be an integer from 10 to 1000000; got 5",
        ),
        (["--products", "0"], r"--products must be an integer from 1 to 100000; got 0"),
        (["--strength", "-1"], r"--strength must be a finite number from 0\.0 to 5\.0"),
        (["--horizon", "0"], r"--horizon must be an integer from 1 to 1000; got 0"),
        (["--reward-mode", "likes"], r"--reward-mode must be one of .*'funnel'"),
        (["--seed", "-2"], r"--seed must be an integer >= 0; got -2"),
        (
            ["--policies", "dqn:nowhere.pt"],
            r"checkpoint must be an existing checkpoint file; got 'nowhere.pt'",
        ),
    ],
)
def test_bad_input_prints_one_error_line_and_exits_2(args, message, capsys):
    assert main(["compare", "--policies", "random", "--no-progress", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert re.search(message, err)


def test_usage_errors_exit_2_and_help_lists_defaults(capsys):
    assert main([]) == 2
    assert main(["compare", "--sessions", "many"]) == 2
    capsys.readouterr()
    assert main(["compare", "--help"]) == 0
    text = capsys.readouterr().out
    for option in (
        "--policies", "--sessions", "--seed", "--json", "--products", "--strength",
        "--horizon", "--reward-mode", "--catalog-seed", "--no-progress",
    ):  # fmt: skip
        assert option in text
    assert "(default: 2000)" in text and "(default: 50)" in text


def test_student_edition_calls_the_generator(tmp_path, monkeypatch, capsys):
    calls = []

    def write_student_edition(src_dir, out_dir):
        calls.append((src_dir, out_dir))
        return [out_dir / "01.ipynb", out_dir / "02.ipynb"]

    fake = types.ModuleType("beautyrl_lib.course.student_edition")
    fake.write_student_edition = write_student_edition
    monkeypatch.setitem(sys.modules, "beautyrl_lib.course.student_edition", fake)
    src = tmp_path / "notebooks"
    src.mkdir()
    out = tmp_path / "student"
    assert main(["student-edition", "--src", str(src), "--out", str(out)]) == 0
    assert calls == [(src, out)]
    assert "wrote 2 notebooks" in capsys.readouterr().out

    missing = tmp_path / "absent"
    assert main(["student-edition", "--src", str(missing), "--out", str(out)]) == 2
    assert "--src must be an existing folder" in capsys.readouterr().err


def test_python_dash_m_entry_point():
    done = subprocess.run(
        [sys.executable, "-m", "beautyrl_lib", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert "compare" in done.stdout and "student-edition" in done.stdout
