"""What every benchmark result records about the machine and the software.

A speed figure means little without the machine it was measured on, so each
benchmark script stores ``machine_info()`` next to its numbers. The load
average is included because the reference machine is shared: a figure taken
while other jobs ran is slower than the same code on an idle machine.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
from pathlib import Path

PACKAGES = ("numpy", "torch", "gymnasium", "stable_baselines3")
"""Packages whose installed version is recorded (missing ones as None)."""


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, or what platform knows elsewhere."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _gpu() -> str:
    try:
        import torch
    except ImportError:
        return "none (torch not installed)"
    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return "none"


def _git(*args: str) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None


def _commit() -> str | None:
    """The repository's current commit, so a result can be traced to its code.

    Marked ``+modified`` when the library (``beautyrl_lib/``) differs from that
    commit in the working tree, since the benchmarks import the working tree.
    """
    head = _git("rev-parse", "--short", "HEAD")
    if head is None or head.returncode != 0 or not head.stdout.strip():
        return None
    diff = _git("diff", "--quiet", "HEAD", "--", ":(top)beautyrl_lib")
    modified = diff is not None and diff.returncode == 1
    return head.stdout.strip() + ("+modified" if modified else "")


def machine_info() -> dict:
    """Cores, CPU model, GPU, load, software versions, commit and UTC date."""
    info = {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "gpu": _gpu(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "os": platform.platform(),
        "python": platform.python_version(),
        "commit": _commit(),
        "date_utc": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M"),
    }
    info.update({package: _version(package) for package in PACKAGES})
    return info


def write_json(path: str | Path, result: dict) -> None:
    """Write ``result`` as indented JSON, creating the folder if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        json.dump(result, f, indent=2, sort_keys=True)
        f.write("\n")


def report(result: dict, table: str, json_path: str | Path | None) -> dict:
    """Print a benchmark's table and wall time; write its JSON when asked."""
    print()
    print(table)
    print(f"\nwall time of this benchmark: {result['wall_seconds']:.0f} s")
    if json_path:
        write_json(json_path, result)
    return result
