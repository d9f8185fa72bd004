"""The student-edition generator: stubs, cleared outputs, banner, errors."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from beautyrl_lib.course import student_edition
from beautyrl_lib.course.student_edition import (
    BANNER_TAG,
    strip_solutions,
    write_student_edition,
)
from beautyrl_lib.errors import ConfigError

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

TEACHER_CODE = """\
def discounted_return(rewards, gamma):
    \"\"\"Docstring stays.\"\"\"
    ### HINT: weight reward t by gamma**t.
    ### BEGIN SOLUTION
    total = 0.0
    for t, r in enumerate(rewards):
        total += gamma**t * r
    return total
    ### END SOLUTION"""

STUDENT_CODE = """\
def discounted_return(rewards, gamma):
    \"\"\"Docstring stays.\"\"\"
    raise NotImplementedError("weight reward t by gamma**t.")"""


def _notebook(*sources: str) -> nbformat.NotebookNode:
    """A teacher notebook with one markdown cell and executed code cells."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(
        nbformat.v4.new_markdown_cell("# Title\n### BEGIN SOLUTION in text")
    )
    for count, source in enumerate(sources, start=1):
        cell = nbformat.v4.new_code_cell(source, execution_count=count)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
        cell.metadata["tags"] = ["keep-me"]
        nb.cells.append(cell)
    return nb


@pytest.fixture
def teacher_dir(tmp_path):
    src = tmp_path / "notebooks"
    src.mkdir()
    nbformat.write(_notebook(TEACHER_CODE, "x = 1"), src / "01_one.ipynb")
    nbformat.write(_notebook("print('no exercise')"), src / "02_two.ipynb")
    for skipped in ("_build", ".ipynb_checkpoints"):
        (src / skipped).mkdir()
        nbformat.write(_notebook("y = 2"), src / skipped / "draft.ipynb")
    return src


def test_strip_solutions_replaces_the_block_with_an_indented_stub():
    assert strip_solutions(TEACHER_CODE) == STUDENT_CODE


def test_a_block_without_hint_gets_the_default_hint():
    source = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"
    expected = (
        f'def f():\n    raise NotImplementedError("{student_edition.DEFAULT_HINT}")\n'
    )
    assert strip_solutions(source) == expected


def test_each_block_takes_the_nearest_hint_above_it():
    source = "\n".join(
        [
            "def f():",
            "    ### HINT: first",
            "    ### BEGIN SOLUTION",
            "    return 1",
            "    ### END SOLUTION",
            "",
            "",
            "def g():",
            '    ### HINT: say "two" \\ please',
            "    ### BEGIN SOLUTION",
            "    return 2",
            "    ### END SOLUTION",
        ]
    )
    stripped = strip_solutions(source)
    namespace = {}
    exec(compile(stripped, "<student>", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="^first$"):
        namespace["f"]()
    with pytest.raises(NotImplementedError) as raised:
        namespace["g"]()
    assert str(raised.value) == 'say "two" \\ please'
    assert "HINT" not in stripped and "return" not in stripped


def test_a_hint_below_the_block_is_used_when_none_is_above():
    source = "def f():\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION\n"
    source += "### HINT: late"
    assert strip_solutions(source) == 'def f():\n    raise NotImplementedError("late")'


def test_cells_without_markers_are_unchanged():
    source = "x = 1  # ### not a marker\nprint(x)\n"
    assert strip_solutions(source) == source


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("### BEGIN SOLUTION\nx = 1", "line 1: '### BEGIN SOLUTION' without an END"),
        ("x = 1\n### END SOLUTION", "line 2: '### END SOLUTION' without a BEGIN"),
        (
            "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION",
            "line 2: '### BEGIN SOLUTION' inside a block",
        ),
    ],
)
def test_unpaired_markers_raise_naming_the_cell(source, words):
    with pytest.raises(
        ConfigError, match=r"^cell 3 must be code whose every"
    ) as raised:
        strip_solutions(source, "cell 3")
    assert words in str(raised.value)


def test_write_student_edition_converts_every_notebook(teacher_dir, tmp_path):
    out = tmp_path / "student"
    written = write_student_edition(teacher_dir, out)

    assert written == [out / "01_one.ipynb", out / "02_two.ipynb"]
    assert sorted(p.name for p in out.rglob("*.ipynb")) == [
        "01_one.ipynb",
        "02_two.ipynb",
    ]
    student = nbformat.read(out / "01_one.ipynb", as_version=4)
    nbformat.validate(student)

    banner = student.cells[0]
    assert banner.cell_type == "markdown"
    assert "Student edition" in banner.source
    assert banner.metadata["tags"] == [BANNER_TAG]

    markdown, exercise, other = student.cells[1:]
    assert markdown.source == "# Title\n### BEGIN SOLUTION in text"
    assert exercise.source == STUDENT_CODE
    assert other.source == "x = 1"
    for cell in (exercise, other):
        assert cell.outputs == []
        assert cell.execution_count is None
        assert cell.metadata["tags"] == ["keep-me"]


def test_the_teacher_notebooks_are_left_unchanged(teacher_dir, tmp_path):
    path = teacher_dir / "01_one.ipynb"
    before = path.read_bytes()
    write_student_edition(teacher_dir, tmp_path / "student")
    assert path.read_bytes() == before


def test_bad_folders_raise_config_errors(teacher_dir, tmp_path):
    with pytest.raises(
        ConfigError, match="src_dir must be an existing folder of notebooks"
    ):
        write_student_edition(tmp_path / "missing", tmp_path / "out")
    with pytest.raises(ConfigError, match="out_dir must be a folder outside src_dir"):
        write_student_edition(teacher_dir, teacher_dir / "student")
    with pytest.raises(ConfigError, match="out_dir must be a folder outside src_dir"):
        write_student_edition(teacher_dir, teacher_dir)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ConfigError, match="src_dir must be a folder holding .ipynb"):
        write_student_edition(empty, tmp_path / "out")


def test_a_marker_error_names_the_notebook_and_writes_nothing(teacher_dir, tmp_path):
    broken = _notebook("def f():\n    ### BEGIN SOLUTION\n    return 1")
    nbformat.write(broken, teacher_dir / "03_broken.ipynb")
    out = tmp_path / "student"
    with pytest.raises(
        ConfigError, match="src_dir notebook 03_broken.ipynb cell 1 must be"
    ):
        write_student_edition(teacher_dir, out)
    assert not out.exists()


def test_command_line(teacher_dir, tmp_path, capsys):
    assert student_edition.main([str(teacher_dir), str(tmp_path / "cli")]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [
        str(tmp_path / "cli" / "01_one.ipynb"),
        str(tmp_path / "cli" / "02_two.ipynb"),
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "n_exercises"), [("00_start_here", 1), ("01_rl_in_a_nutshell", 4)]
)
def test_the_course_student_edition_runs_top_to_bottom(tmp_path, name, n_exercises):
    """Every exercise is stubbed, every check says so, and nothing else breaks."""
    out = tmp_path / "student"
    write_student_edition(NOTEBOOKS, out)
    student = nbformat.read(out / f"{name}.ipynb", as_version=4)
    code = "\n".join(cell.source for cell in student.cells if cell.cell_type == "code")
    assert "### BEGIN SOLUTION" not in code
    assert code.count("raise NotImplementedError(") == n_exercises

    NotebookClient(student, timeout=120, kernel_name="python3").execute()
    outputs = "".join(
        output.get("text", "")
        for cell in student.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert outputs.count("Not implemented yet.") == n_exercises
    assert "Correct!" not in outputs
    assert "Traceback" not in outputs
