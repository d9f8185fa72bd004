"""Small helpers to write course notebooks from Python source with nbformat.

Each ``build_NN_*.py`` script in this folder lists its notebook's cells with
``md(...)`` and ``code(...)`` and calls ``write(...)``. The notebook is then
executed in place (see README.md here), so the committed teacher edition
always matches its source.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent
KERNELSPEC = {
    "name": "python3",
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
}


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def md(text: str) -> nbformat.NotebookNode:
    """A Markdown cell (the text is dedented)."""
    return nbformat.v4.new_markdown_cell(_clean(text))


def code(text: str, tags: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    """A code cell (the text is dedented); ``tags`` go to ``metadata["tags"]``."""
    metadata = {"tags": list(tags)} if tags else {}
    return nbformat.v4.new_code_cell(_clean(text), metadata=metadata)


def write(name: str, cells: list[nbformat.NotebookNode]) -> Path:
    """Write ``notebooks/<name>.ipynb`` with the course's kernel metadata.

    Cell ids are numbered (``c000``, ``c001``...) so that rebuilding the
    same source gives the same file.
    """
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = KERNELSPEC
    notebook.metadata["language_info"] = {"name": "python"}
    for index, cell in enumerate(cells):
        cell["id"] = f"c{index:03d}"
    notebook.cells = cells
    nbformat.validate(notebook)
    path = NOTEBOOKS / f"{name}.ipynb"
    nbformat.write(notebook, path)
    return path
