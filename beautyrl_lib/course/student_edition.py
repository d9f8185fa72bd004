"""Write the student edition of the course notebooks.

The notebooks in ``notebooks/`` are the teacher edition: executed, with the
solution of every exercise in place. A solution is the code between two
marker lines of a code cell::

    def discounted_return(rewards, gamma):
        ### HINT: weight reward t by gamma**t, with t counted from 0.
        ### BEGIN SOLUTION
        return sum(gamma**t * r for t, r in enumerate(rewards))
        ### END SOLUTION

The student edition replaces each block, markers included, by one line
indented like the ``### BEGIN SOLUTION`` line::

        raise NotImplementedError("weight reward t by gamma**t, with t counted from 0.")

The hint of a block is the last ``### HINT:`` line above its ``BEGIN`` line in
the same cell, or else the first ``### HINT:`` line of the cell, or else a
default. ``### HINT:`` lines are removed from the student edition. Every
output and execution count is cleared, and a banner cell at the top says
which edition this is.

Keep solutions inside functions: a block at the top level of a cell becomes a
top-level ``raise``, and the cells after it then fail until the learner has
written it.

Run it from the command line with::

    python -m beautyrl_lib student-edition --src notebooks --out student

(``python -m beautyrl_lib.course.student_edition notebooks student`` does the
same without the course's command line.)
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import nbformat

from beautyrl_lib.errors import invalid

logger = logging.getLogger(__name__)

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
HINT = "### HINT:"
DEFAULT_HINT = "Write your solution here, then run the check below."
BANNER_TAG = "student-edition-banner"
BANNER = (
    "> **Student edition.** This copy was generated from the teacher edition by "
    "`beautyrl_lib.course.student_edition`. Each exercise's solution is replaced by "
    '`raise NotImplementedError("...")` with a hint: write your code there, then run '
    "the check cell under it. Outputs are cleared, so run the cells in order from "
    "the top."
)
_CLOSED = f"code whose every '{BEGIN}' line is closed by an '{END}' line"


def _python_string(text: str) -> str:
    """A double-quoted Python string literal of ``text``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _hints(lines: list[str]) -> list[tuple[int, str]]:
    """(line number, hint text) of every hint line."""
    return [
        (i, line.strip()[len(HINT) :].strip())
        for i, line in enumerate(lines)
        if line.strip().startswith(HINT)
    ]


def strip_solutions(source: str, where: str = "source") -> str:
    """Replace every solution block of one cell's code by a hinted stub.

    Args:
        source: The code of one cell.
        where: How to name this cell in an error message.

    Returns:
        The code with each block replaced and hint lines removed; unchanged
        if the cell has no markers.

    Raises:
        ConfigError: A ``BEGIN`` line without its ``END`` line, an ``END``
            without ``BEGIN``, or a ``BEGIN`` inside a block.
    """
    lines = source.split("\n")
    hints = _hints(lines)
    out: list[str] = []
    begin_at = None
    for i, line in enumerate(lines):
        marker = line.strip()
        if marker == BEGIN:
            if begin_at is not None:
                raise invalid(
                    where, f"line {i + 1}: {line.strip()!r} inside a block", _CLOSED
                )
            begin_at = i
            above = [text for j, text in hints if j < i]
            hint = above[-1] if above else hints[0][1] if hints else DEFAULT_HINT
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}raise NotImplementedError({_python_string(hint)})")
        elif marker == END:
            if begin_at is None:
                raise invalid(
                    where, f"line {i + 1}: {marker!r} without a BEGIN", _CLOSED
                )
            begin_at = None
        elif begin_at is None and not marker.startswith(HINT):
            out.append(line)
    if begin_at is not None:
        raise invalid(where, f"line {begin_at + 1}: {BEGIN!r} without an END", _CLOSED)
    return "\n".join(out)


def student_notebook(notebook: nbformat.NotebookNode, where: str = "notebook"):
    """The student edition of one notebook (the input is left unchanged).

    Args:
        notebook: A teacher notebook read with ``nbformat.read(..., as_version=4)``.
        where: How to name this notebook in an error message.

    Returns:
        A new ``NotebookNode``: banner first, solutions stubbed, outputs cleared.
    """
    student = nbformat.from_dict(notebook)
    for index, cell in enumerate(student.cells):
        if cell.cell_type != "code":
            continue
        cell.source = strip_solutions(cell.source, f"{where} cell {index}")
        cell.outputs = []
        cell.execution_count = None
        cell.metadata.pop("execution", None)
    banner = nbformat.v4.new_markdown_cell(BANNER, metadata={"tags": [BANNER_TAG]})
    student.cells.insert(0, banner)
    return student


def _is_inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def teacher_notebooks(src_dir: Path) -> list[Path]:
    """Notebooks under ``src_dir``, skipping folders that start with ``_`` or ``.``."""
    found = []
    for path in sorted(src_dir.rglob("*.ipynb")):
        parts = path.relative_to(src_dir).parts
        if not any(part.startswith(("_", ".")) for part in parts):
            found.append(path)
    return found


def write_student_edition(src_dir: Path, out_dir: Path) -> list[Path]:
    """Write the student edition of every teacher notebook of ``src_dir``.

    Notebooks keep their path relative to ``src_dir``; existing files of the
    same name in ``out_dir`` are overwritten. All notebooks are converted
    before any is written, so a marker error leaves ``out_dir`` untouched.

    Args:
        src_dir: Folder of the teacher notebooks (``notebooks/``).
        out_dir: Folder to write to; created if missing; must not be inside
            ``src_dir``.

    Returns:
        Paths of the written notebooks, sorted.

    Raises:
        ConfigError: ``src_dir`` is not a folder or holds no notebook,
            ``out_dir`` is inside ``src_dir``, or a notebook's markers do not
            pair up (the message names the notebook and cell).
    """
    src_dir, out_dir = Path(src_dir), Path(out_dir)
    if not src_dir.is_dir():
        raise invalid("src_dir", str(src_dir), "an existing folder of notebooks")
    if _is_inside(out_dir.resolve(), src_dir.resolve()):
        raise invalid("out_dir", str(out_dir), f"a folder outside src_dir ({src_dir})")
    sources = teacher_notebooks(src_dir)
    if not sources:
        raise invalid("src_dir", str(src_dir), "a folder holding .ipynb notebooks")

    converted = []
    for path in sources:
        relative = path.relative_to(src_dir)
        teacher = nbformat.read(path, as_version=4)
        student = student_notebook(teacher, f"src_dir notebook {relative}")
        nbformat.validate(student)
        converted.append((out_dir / relative, student))

    written = []
    for target, student in converted:
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(student, target)
        logger.info("wrote %s", target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m beautyrl_lib.course.student_edition SRC OUT``."""
    parser = argparse.ArgumentParser(description="Write the student edition.")
    parser.add_argument("src_dir", type=Path, help="folder of teacher notebooks")
    parser.add_argument(
        "out_dir", type=Path, help="folder to write the student edition to"
    )
    args = parser.parse_args(argv)
    for path in write_student_edition(args.src_dir, args.out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
