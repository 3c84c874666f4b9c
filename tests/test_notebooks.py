"""The notebook tools: re-execution in place and the student edition."""

import os
import subprocess
import sys

import nbformat
import pytest

from vklib.notebooks import BEGIN, END, execute, notebook_environment, student_edition


def _notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    for source, tags in cells:
        cell = nbformat.v4.new_code_cell(source) if tags is not None else nbformat.v4.new_markdown_cell(source)
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


SOLUTION = f"""import numpy as np


def area(mask):
    \"\"\"Fraction of True pixels.\"\"\"
    {BEGIN}
    return float(np.mean(mask))
    {END}
"""


def test_student_edition_strips_solutions_and_their_outputs(tmp_path):
    src = tmp_path / "chapters"
    src.mkdir()
    path = _notebook(src / "ch.ipynb", [
        ("# Exercise", None),
        (SOLUTION, ["solution", "hide-input"]),
        ("print(area(np.ones((2, 2))))", ["check"]),
        ("x = 41 + 1\nprint(x)", []),
        ("secret = 'answer'\nprint(secret)", ["solution"]),
    ])
    execute(path)
    executed = nbformat.read(path, as_version=4)
    assert executed.cells[2].outputs[0]["text"] == "1.0\n"

    written = student_edition(src, tmp_path / "student")
    assert [p.name for p in written] == ["ch.ipynb"]
    nb = nbformat.read(written[0], as_version=4)
    solution, check, plain, bare = nb.cells[1], nb.cells[2], nb.cells[3], nb.cells[4]
    assert "return float(np.mean(mask))" not in solution.source
    assert BEGIN not in solution.source and END not in solution.source
    assert "def area(mask):" in solution.source and '"""Fraction of True pixels."""' in solution.source
    assert "    # your code here\n    raise NotImplementedError" in solution.source
    assert solution.outputs == [] and check.outputs == [] and check.execution_count is None
    assert plain.outputs and plain.outputs[0]["text"] == "42\n"  # other cells keep their outputs
    assert bare.source == "# your code here" and bare.outputs == []
    # The original notebook is untouched.
    assert "return float(np.mean(mask))" in nbformat.read(path, as_version=4).cells[1].source


def test_student_edition_runs_and_reports_unattempted_exercises(tmp_path):
    src = tmp_path / "chapters"
    src.mkdir()
    _notebook(src / "ch.ipynb", [
        (SOLUTION, ["solution"]),
        ("from vklib.exercises import check\ncheck(area, lambda m: float(m.mean()), [np.ones((2, 2))])", ["check"]),
    ])
    out = student_edition(src, tmp_path / "student")[0]
    execute(out)
    text = nbformat.read(out, as_version=4).cells[1].outputs[0]["data"]["text/plain"]
    assert "not attempted yet" in text


def test_unclosed_solution_marker_is_an_error(tmp_path):
    src = tmp_path / "c"
    src.mkdir()
    _notebook(src / "x.ipynb", [(f"def f():\n    {BEGIN}\n    return 1\n", ["solution"])])
    with pytest.raises(ValueError, match="without closing it"):
        student_edition(src, tmp_path / "out")
    with pytest.raises(ValueError, match="folder of notebooks"):
        student_edition(tmp_path / "missing", tmp_path / "out")


def test_execute_uses_the_book_environment_and_saves_outputs(tmp_path):
    path = _notebook(tmp_path / "env.ipynb", [
        ("import os\nfrom vklib.device import default_device\n"
         "print(os.environ['VKLIB_STATIC_WIDGETS'], os.environ['PYTHONHASHSEED'], default_device())", []),
    ])
    subprocess.run([sys.executable, "-m", "vklib.notebooks", "execute", str(path)], check=True,
                   capture_output=True)
    nb = nbformat.read(path, as_version=4)
    env = notebook_environment()
    # the committed outputs are the CPU profile's, so notebooks execute on the CPU even where CUDA exists
    assert env["VKLIB_DEVICE"] == os.environ.get("VKLIB_DEVICE", "cpu")
    assert nb.cells[0].outputs[0]["text"] == f"{env['VKLIB_STATIC_WIDGETS']} {env['PYTHONHASHSEED']} {env['VKLIB_DEVICE']}\n"
    assert nb.cells[0].execution_count == 1
    assert "widgets" not in nb.metadata


def test_cli_student_command(tmp_path):
    src = tmp_path / "chapters"
    src.mkdir()
    _notebook(src / "a.ipynb", [("1 + 1", [])])
    result = subprocess.run([sys.executable, "-m", "vklib.notebooks", "student", str(src), "-o", str(tmp_path / "s")],
                            check=True, capture_output=True, text=True)
    assert "a.ipynb" in result.stdout and (tmp_path / "s" / "a.ipynb").exists()
