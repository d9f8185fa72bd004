"""Regenerate every benchmark table with one command.

Runs each benchmark script of this folder in its own process, one after the
other (so they never compete for the CPU), writes each one's JSON into
``benchmarks/results/``, then prints one Markdown block with the machine, the
date, the software versions and every table, ready to paste into the README's
"Reference results" section. The block is also written to
``benchmarks/results/reference.md``.

Scripts, in order: ``shop_throughput.py``, ``article_loop.py`` (when present),
``time_breakdown.py``, ``sb3_vs_ours.py``. Each is called with
``--json results/<name>.json`` and, with ``--long``, ``--long``. A script that
defines ``markdown(result) -> str`` renders its own table; for the others a
table is built from the ``rows`` of their JSON.

Some results come from commands this script does not run (``EXTRA_RESULTS``,
such as ``article_loop.py --ladder``, see the README): when their JSON file is
in ``benchmarks/results/``, its table follows the script's own under the same
heading, rendered the same way.

Usage::

    python benchmarks/run_all.py                  # every default run (README: times)
    python benchmarks/run_all.py --long           # every --long run
    python benchmarks/run_all.py --only time_breakdown,sb3_vs_ours
    python benchmarks/run_all.py --render-only    # tables from the existing JSON files
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

from machine import machine_info

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
SCRIPTS = ("shop_throughput", "article_loop", "time_breakdown", "sb3_vs_ours")
TITLES = {
    "shop_throughput": "Shop throughput",
    "article_loop": "The article's training loop",
    "time_breakdown": "Where our training time goes",
    "sb3_vs_ours": "Our DQN against Stable-Baselines3",
}
EXTRA_RESULTS = {
    "article_loop": {
        "article_loop_ladder": "Every fix added in turn",
        "article_loop_to_greedy": "The fully fixed loop with a longer budget",
    },
    "sb3_vs_ours": {
        "sb3_vs_ours_long": "The full training budget (`--long`)",
    },
}
"""Per script, further result files (name: subtitle) written by commands of
the README that this script does not run; each is rendered if present."""


def run_script(name: str, long: bool) -> tuple[bool, float]:
    """Run ``<name>.py`` with ``--json``; return (success, wall seconds)."""
    command = [sys.executable, str(HERE / f"{name}.py")]
    command += ["--json", str(RESULTS / f"{name}.json")]
    if long:
        command.append("--long")
    print(f"\n=== {' '.join(command[1:])}", flush=True)
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=HERE.parent, check=False)
    seconds = time.perf_counter() - start
    print(f"=== {name}: exit {completed.returncode}, {seconds:.0f} s", flush=True)
    return completed.returncode == 0, seconds


def load_module(name: str):
    """Import ``<name>.py`` of this folder (for its ``markdown`` function)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    # Registered first: dataclasses look their module up while it executes.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def rows_table(rows: list[dict]) -> str:
    """A Markdown table of a list of flat dicts, columns in first-row order."""
    columns = [k for k, v in rows[0].items() if not isinstance(v, dict | list)]
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "---:|" * len(columns),
    ]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(c, "")) for c in columns) + " |")
    return "\n".join(lines)


def section(name: str) -> str | None:
    """The Markdown of one benchmark from its JSON files, or None if there are
    none: its own result, then each of its ``EXTRA_RESULTS`` under a subtitle."""
    parts = []
    path = RESULTS / f"{name}.json"
    if path.is_file():
        parts.append(result_markdown(name, path))
    for extra, subtitle in EXTRA_RESULTS.get(name, {}).items():
        extra_path = RESULTS / f"{extra}.json"
        if extra_path.is_file():
            body = result_markdown(name, extra_path)
            parts.append(
                f"#### {subtitle} (`benchmarks/results/{extra}.json`)\n\n{body}"
            )
    if not parts:
        return None
    body = "\n\n".join(parts)
    return f"### {TITLES.get(name, name)} (`benchmarks/{name}.py`)\n\n{body}"


def result_markdown(name: str, path: Path) -> str:
    """One result file of script ``name`` as Markdown, with when it was run."""
    with open(path) as f:
        result = json.load(f)
    module = load_module(name)
    if hasattr(module, "markdown"):
        body = module.markdown(result)
    elif isinstance(result.get("rows"), list) and result["rows"]:
        body = rows_table(result["rows"])
    else:
        body = "```json\n" + json.dumps(result, indent=2)[:2000] + "\n```"
    machine = result.get("machine", {})
    if "date_utc" in machine:
        body += (
            f"\n\n(Run {machine['date_utc']} UTC, 1-minute load average "
            f"{machine['load_average_1min']} at its start.)"
        )
    return body


def recorded_machine(names: list[str]) -> dict:
    """The machine recorded in the first result that has a full description,
    else this machine now."""
    for name in names:
        path = RESULTS / f"{name}.json"
        if path.is_file():
            with open(path) as f:
                machine = json.load(f).get("machine", {})
            if "cpu_model" in machine:
                return machine
    return machine_info()


def recorded_wall_times(names: list[str]) -> dict[str, float]:
    """``wall_seconds`` of each result that records it."""
    timings = {}
    for name in names:
        path = RESULTS / f"{name}.json"
        if path.is_file():
            with open(path) as f:
                seconds = json.load(f).get("wall_seconds")
            if isinstance(seconds, int | float):
                timings[name] = float(seconds)
    return timings


def machine_line(info: dict) -> str:
    """One paragraph naming the machine, the software and the date."""
    return (
        f"Measured {info['date_utc']} UTC on {info['cpu_model']}, "
        f"{info['cpu_count']} cores, GPU: {info['gpu']}, shared with other jobs "
        f"(1-minute load average {info['load_average_1min']} at the start); "
        f"Python {info['python']}, PyTorch {info['torch']}, NumPy {info['numpy']}, "
        f"Gymnasium {info['gymnasium']}, Stable-Baselines3 "
        f"{info['stable_baselines3']}; commit {info['commit']}."
    )


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--long", action="store_true", help="pass --long to each")
    parser.add_argument(
        "--only", default=None, help=f"comma-separated subset of {','.join(SCRIPTS)}"
    )
    parser.add_argument(
        "--render-only", action="store_true", help="only render existing JSON files"
    )
    args = parser.parse_args(argv)
    names = [n for n in SCRIPTS if (HERE / f"{n}.py").is_file()]
    if args.only:
        wanted = args.only.split(",")
        unknown = sorted(set(wanted) - set(SCRIPTS))
        if unknown:
            parser.error(f"--only must name scripts among {SCRIPTS}; got {unknown}")
        names = [n for n in names if n in wanted]

    info = machine_info() if not args.render_only else recorded_machine(names)
    timings, failed = {}, []
    if not args.render_only:
        for name in names:
            ok, seconds = run_script(name, args.long)
            timings[name] = seconds
            if not ok:
                failed.append(name)

    parts = ["## Reference results", "", machine_line(info)]
    if not timings:
        timings = recorded_wall_times(names)
    if timings:
        how = "with --long" if args.long else "at its defaults"
        if args.render_only:
            how = "as recorded in its JSON, imports excluded"
        parts += ["", f"Wall time of each script ({how}):", ""]
        parts += ["| script | wall time |", "|---|---:|"]
        parts += [f"| `{n}.py` | {s / 60:.1f} min |" for n, s in timings.items()]
    for name in names:
        text = section(name)
        if text is not None:
            parts += ["", text]
    block = "\n".join(parts) + "\n"
    print("\n" + block)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reference.md").write_text(block)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)
    return block


if __name__ == "__main__":
    main()
