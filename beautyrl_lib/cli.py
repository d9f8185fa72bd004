"""Command line: ``python -m beautyrl_lib <command>`` (or ``beautyrl <command>``).

Commands:

* ``compare``: build and fit several policies, evaluate them on one cohort of
  shoppers, print a table of metrics and optionally write them as JSON.
* ``train``: train a DQN recommender and write its run folder (config,
  metrics CSV, checkpoints, learning curve).
* ``student-edition``: write the student edition of the course notebooks
  (solutions replaced by stubs).

Seeds in ``compare``: ``--seed S`` picks the evaluation cohort and the
training seeds of the policies. The policy at position ``k`` of
``POLICY_NAMES`` (random 0, popularity 1, greedy 2, bandit 3, ...) trains with
seed ``S * 1000 + k``, so each policy has its own training shoppers and its
numbers do not depend on which other policies are listed. Training seeds and
cohort keys live in separate key spaces, so no policy trains on the cohort.

Errors raised by the library print one line ``error: ...`` on stderr and exit
with code 2, like command-line usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from beautyrl_lib.agents.dqn import DQNConfig
from beautyrl_lib.errors import BeautyRLError, ConfigError, UnknownPolicyError, invalid
from beautyrl_lib.training import TrainConfig

DEFAULT_POLICIES = "random,popularity,greedy,bandit,oracle-myopic,oracle-lookahead"
SEED_STRIDE = 1000
"""Training seed of the policy at position k of POLICY_NAMES: seed * 1000 + k."""

# Library parameter names as the command line spells them, for error messages.
_OPTION_NAMES = {
    "n_products": "--products",
    "long_term_strength": "--strength",
    "horizon": "--horizon",
    "reward_mode": "--reward-mode",
    "catalog_seed": "--catalog-seed",
    "n_sessions": "--sessions",
    "seed": "--seed",
    "policy": "each name in --policies",
    "policies": "--policies",
}


def _parser() -> argparse.ArgumentParser:
    from beautyrl_lib.agents.registry import POLICY_NAMES

    formatter = argparse.ArgumentDefaultsHelpFormatter
    parser = argparse.ArgumentParser(
        prog="python -m beautyrl_lib",
        description="BeautyRL: a beauty-shop recommender for learning deep RL.",
        formatter_class=formatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    cmp_ = commands.add_parser(
        "compare",
        help="evaluate policies on one cohort of shoppers and print a table",
        description=(
            "Build and fit each policy, evaluate all of them on the same cohort of "
            "shoppers (a paired comparison) and print their metrics. The seed picks "
            "the cohort; policy number k of the known names trains with seed "
            f"SEED*{SEED_STRIDE}+k."
        ),
        formatter_class=formatter,
    )
    cmp_.add_argument(
        "--policies",
        metavar="NAMES",
        default=DEFAULT_POLICIES,
        help=(
            f"comma-separated policies, among {', '.join(POLICY_NAMES)}, or "
            "dqn:PATH for a trained DQN checkpoint"
        ),
    )
    cmp_.add_argument(
        "--sessions",
        metavar="N",
        type=int,
        default=2000,
        help="shoppers in the evaluation cohort (10 to 1000000)",
    )
    cmp_.add_argument(
        "--seed",
        metavar="SEED",
        type=int,
        default=0,
        help="seed of the cohort and of the policies' training",
    )
    cmp_.add_argument(
        "--json",
        metavar="PATH",
        type=Path,
        default=None,
        help="write the metrics to this JSON file",
    )
    _add_shop_options(cmp_)
    cmp_.add_argument(
        "--no-progress", action="store_true", help="hide the progress bars"
    )
    cmp_.set_defaults(handler=_compare)

    tr = commands.add_parser(
        "train",
        help="train a DQN recommender and write its run folder",
        description=(
            "Train a DQN on the shop. Writes config.json, metrics.csv (train/ and "
            "eval/ columns), checkpoints/best.pt and last.pt, learning_curve.png and "
            "timing.json into --out. The same seed gives the same metrics.csv and "
            "weights byte for byte. Evaluate the result with "
            "'compare --policies greedy,dqn:OUT'."
        ),
        formatter_class=formatter,
    )
    tr.add_argument("--out", metavar="DIR", type=Path, required=True, help="run folder")
    tr.add_argument("--seed", metavar="SEED", type=int, default=0, help="run seed")
    tr.add_argument(
        "--resume", action="store_true", help="continue from DIR/checkpoints/last.pt"
    )
    defaults_t, defaults_d = TrainConfig(), DQNConfig()
    for flag, field_name, kind, source in _TRAIN_OPTIONS:
        default = getattr(defaults_t if source == "train" else defaults_d, field_name)
        tr.add_argument(
            flag,
            dest=field_name,
            metavar=field_name.upper(),
            type=kind,
            default=default,
            help=_field_help(source, field_name),
        )
    tr.add_argument(
        "--double-dqn",
        action=argparse.BooleanOptionalAction,
        default=defaults_d.double_dqn,
        help="use the Double DQN target",
    )
    tr.add_argument(
        "--dueling",
        action=argparse.BooleanOptionalAction,
        default=defaults_d.dueling,
        help="use a dueling head",
    )
    tr.add_argument(
        "--hidden",
        metavar="SIZES",
        default=",".join(str(h) for h in defaults_d.hidden),
        help="hidden layer sizes of the Q-network, comma-separated",
    )
    _add_shop_options(tr)
    tr.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    tr.set_defaults(handler=_train)

    student = commands.add_parser(
        "student-edition",
        help="write the student edition of the notebooks",
        description=(
            "Copy the teacher notebooks with every solution replaced by a stub that "
            "raises NotImplementedError with a hint."
        ),
        formatter_class=formatter,
    )
    student.add_argument(
        "--src",
        metavar="DIR",
        type=Path,
        default=Path("notebooks"),
        help="folder of the teacher notebooks",
    )
    student.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        required=True,
        help="folder to write the student notebooks to",
    )
    student.set_defaults(handler=_student_edition)
    return parser


def _add_shop_options(parser: argparse.ArgumentParser) -> None:
    from beautyrl_lib.sim.config import REWARD_MODES

    parser.add_argument(
        "--products",
        metavar="N",
        type=int,
        default=50,
        help="number of products in the catalog",
    )
    parser.add_argument(
        "--strength",
        metavar="S",
        type=float,
        default=1.0,
        help="strength of the long-term effects (0 = none, 1 = default shop, up to 5)",
    )
    parser.add_argument(
        "--horizon",
        metavar="STEPS",
        type=int,
        default=20,
        help="most recommendations in one session",
    )
    parser.add_argument(
        "--reward-mode",
        metavar="MODE",
        default="funnel",
        help=f"reward of the shop, one of {', '.join(REWARD_MODES)}",
    )
    parser.add_argument(
        "--catalog-seed",
        metavar="SEED",
        type=int,
        default=0,
        help="seed of the synthetic catalog",
    )


def parse_policies(text: str) -> list[str]:
    """Split ``--policies`` into distinct, non-empty names.

    Names are checked later by ``make_policy``; here only the list's shape.
    """
    names = [part.strip() for part in text.split(",")]
    if not text.strip() or any(not name for name in names):
        raise invalid(
            "policies",
            text,
            "a comma-separated list of policy names, none empty",
            UnknownPolicyError,
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise invalid(
            "policies", text, f"distinct names (repeated: {repeated})", ConfigError
        )
    return names


def training_seed(seed: int, spec: str) -> int:
    """Training seed of a policy under ``--seed seed`` (see the module docstring)."""
    from beautyrl_lib.agents.registry import POLICY_NAMES

    k = POLICY_NAMES.index(spec) if spec in POLICY_NAMES else len(POLICY_NAMES)
    return seed * SEED_STRIDE + k


def _compare(args: argparse.Namespace) -> int:
    from beautyrl_lib.agents.baselines import check_seed
    from beautyrl_lib.agents.registry import make_policy
    from beautyrl_lib.evaluation import compare, make_cohort

    # Check everything cheap before the slow fits.
    names = parse_policies(args.policies)
    seed = check_seed(args.seed)
    make_cohort(seed, args.sessions)
    config = _shop_config(args)
    progress = not args.no_progress

    policies = {}
    seeds = {}
    for name in names:
        seeds[name] = training_seed(seed, name)
        policies[name] = make_policy(name, config, seeds[name], progress=progress)
    comparison = compare(policies, config, args.sessions, seed, progress=progress)

    print(comparison.table())
    if args.json is not None:
        report = comparison.to_dict()
        report["training_seeds"] = seeds
        text = json.dumps(report, sort_keys=True, indent=2, allow_nan=False) + "\n"
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text, encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


# (flag, field, type, "train" for TrainConfig or "dqn" for DQNConfig)
_TRAIN_OPTIONS = (
    ("--steps", "total_steps", int, "train"),
    ("--num-envs", "num_envs", int, "train"),
    ("--eval-every", "eval_every", int, "train"),
    ("--log-every", "log_every", int, "train"),
    ("--eval-sessions", "eval_sessions", int, "train"),
    ("--lr", "lr", float, "dqn"),
    ("--gamma", "gamma", float, "dqn"),
    ("--batch-size", "batch_size", int, "dqn"),
    ("--buffer-size", "buffer_size", int, "dqn"),
    ("--learning-starts", "learning_starts", int, "dqn"),
    ("--train-every", "train_every", int, "dqn"),
    ("--gradient-steps", "gradient_steps", int, "dqn"),
    ("--n-step", "n_step", int, "dqn"),
    ("--target-update", "target_update", str, "dqn"),
    ("--target-update-interval", "target_update_interval", int, "dqn"),
    ("--tau", "tau", float, "dqn"),
    ("--huber-delta", "huber_delta", float, "dqn"),
    ("--epsilon-end", "epsilon_end", float, "dqn"),
    ("--epsilon-decay-steps", "epsilon_decay_steps", int, "dqn"),
)


def _field_help(source: str, name: str) -> str:
    """The one-line docstring of a config field, as the option's help."""
    import ast
    import inspect

    cls = TrainConfig if source == "train" else DQNConfig
    try:
        tree = ast.parse(inspect.getsource(cls))
    except (OSError, TypeError):  # no source at hand (e.g. a frozen install)
        return name.replace("_", " ")
    body = tree.body[0].body
    for node, after in zip(body, body[1:], strict=False):
        target = getattr(node, "target", None)
        if getattr(target, "id", None) == name and isinstance(after, ast.Expr):
            return " ".join(str(after.value.value).split())
    return name.replace("_", " ")


def _shop_config(args: argparse.Namespace):
    from beautyrl_lib.sim.config import ShopConfig

    return ShopConfig(
        n_products=args.products,
        catalog_seed=args.catalog_seed,
        long_term_strength=args.strength,
        horizon=args.horizon,
        reward_mode=args.reward_mode,
    )


def _train(args: argparse.Namespace) -> int:
    from beautyrl_lib.training import train

    try:
        hidden = tuple(int(h) for h in args.hidden.split(","))
    except ValueError:
        raise invalid(
            "--hidden", args.hidden, "comma-separated integers such as 256,256"
        ) from None
    train_fields = {
        f: getattr(args, f) for _, f, _, src in _TRAIN_OPTIONS if src == "train"
    }
    dqn_fields = {
        f: getattr(args, f) for _, f, _, src in _TRAIN_OPTIONS if src == "dqn"
    }
    dqn = DQNConfig(
        **dqn_fields, hidden=hidden, double_dqn=args.double_dqn, dueling=args.dueling
    )
    settings = TrainConfig(**train_fields)
    shop = _shop_config(args)
    if args.out.exists() and any(args.out.iterdir()) and not args.resume:
        raise invalid(
            "--out", str(args.out), "a new or empty folder (or pass --resume)"
        )
    result = train(
        shop,
        dqn,
        settings,
        seed=args.seed,
        out_dir=args.out,
        resume=args.resume,
        progress=not args.no_progress,
    )
    print(f"best held-out mean return {result.best_return:.3f} points")
    print(f"wrote {args.out}/metrics.csv, checkpoints/, learning_curve.png")
    return 0


def _student_edition(args: argparse.Namespace) -> int:
    try:
        from beautyrl_lib.course.student_edition import write_student_edition
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("beautyrl_lib.course"):
            raise
        print(
            "error: student-edition needs beautyrl_lib.course.student_edition, "
            "which is not available",
            file=sys.stderr,
        )
        return 2
    if not args.src.is_dir():
        raise invalid("--src", str(args.src), "an existing folder of notebooks")
    written = write_student_edition(args.src, args.out)
    for path in written:
        print(path)
    print(f"wrote {len(written)} notebooks to {args.out}")
    return 0


def _cli_message(exc: BeautyRLError) -> str:
    """The library's message with parameter names spelt as command-line options."""
    text = str(exc)
    first, _, rest = text.partition(" ")
    if first in _OPTION_NAMES and rest.startswith("must "):
        return f"{_OPTION_NAMES[first]} {rest}"
    return text


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``).

    Returns:
        The exit code: 0 on success, 2 on a usage or input error.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        # argparse exits on --help (0) and on usage errors (2); return instead
        # so main() can be called from Python and tests.
        return int(exc.code or 0)
    try:
        return args.handler(args)
    except BeautyRLError as exc:
        print(f"error: {_cli_message(exc)}", file=sys.stderr)
        return 2
