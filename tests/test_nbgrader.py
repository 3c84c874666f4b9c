"""The teacher's workflow with nbgrader: the book's chapters as an nbgrader course.

``python -m vklib.notebooks nbgrader chapters -o course`` writes one assignment per chapter.
The real ``nbgrader generate_assignment`` must accept every chapter and produce a release with
no solution text (neither in a cell nor printed by one); ``nbgrader autograde`` gives a tiny
assignment's check its point for a right answer and none for the stub or a wrong one.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from vklib.notebooks import BEGIN, END, must_pass, nbgrader_edition, wrap_checks

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))

# Cells that print the source of a function a check compares against, judged not to give the
# answer away: chapter 6 shows its torch loss (the chapter's implementation, F.cross_entropy)
# and exercise 1 asks for a NumPy version with a stable log-sum-exp written by hand.
SHOWN_ON_PURPOSE = {("06_clip.ipynb", "clip_loss")}


def _tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


def _code_lines(source):
    """Lines of code without indentation and trailing comments."""
    return {line.split("  #")[0].strip() for line in source.splitlines()} - {""}


def _solution_lines(source):
    """The significant lines of a solution's body."""
    body = source.split(BEGIN, 1)[-1].split(END, 1)[0] if BEGIN in source else source
    return {line for line in _code_lines(body) if len(line) >= 12 and not line.startswith("#")}


def _secret_lines(cells):
    """The solutions' lines that no other code cell shows (``return gx, gy`` may be in both)."""
    code = [c for c in cells if c.cell_type == "code"]
    secret = set().union(set(), *[_solution_lines(c.source) for c in code if "solution" in _tags(c)])
    shown = set().union(set(), *[_code_lines(c.source) for c in code if "solution" not in _tags(c)])
    return secret - shown


def _outputs_text(cell):
    texts = []
    for out in cell.get("outputs", []):
        texts.append(out.get("text", ""))
        texts += [v for v in out.get("data", {}).values() if isinstance(v, str)]
        texts += out.get("traceback", [])
    return "\n".join(t if isinstance(t, str) else "".join(t) for t in texts)


# --- the edition itself (no nbgrader needed) -------------------------------------------------


def test_wrap_checks_wraps_each_outermost_check_call():
    source = 'print(questions.check("σ", x))\nr = check(f, g, [1], name="é")\ny = len(check_choice(a, "b", feedback={}).message)'
    wrapped = wrap_checks(source)
    assert wrapped.splitlines() == [
        "from vklib.notebooks import must_pass",
        'print(must_pass(questions.check("σ", x)))',
        'r = must_pass(check(f, g, [1], name="é"))',
        'y = len(must_pass(check_choice(a, "b", feedback={})).message)',
    ]
    ast.parse(wrapped)
    with pytest.raises(ValueError, match="calls no check function"):
        wrap_checks("print(1)")
    with pytest.raises(ValueError, match="plain Python"):
        wrap_checks("%time check(f, g, [1])")


def test_must_pass_raises_with_the_report_and_rejects_non_results():
    from vklib.exercises import check, check_value

    assert must_pass(check(lambda x: 2 * x, lambda x: x + x, [1.0, 2.0], name="double")).passed
    with pytest.raises(AssertionError, match="double"):
        must_pass(check(lambda x: x, lambda x: x + x, [1.0, 2.0], name="double"))
    with pytest.raises(AssertionError, match="not attempted"):
        must_pass(check(lambda x: (_ for _ in ()).throw(NotImplementedError), lambda x: x, [1.0], name="f"))
    with pytest.raises(AssertionError):
        must_pass(check_value(3.0, 1.0, rtol=0.01))
    with pytest.raises(TypeError, match="CheckResult|vklib check"):
        must_pass(None)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    out = tmp_path_factory.mktemp("course")
    written = nbgrader_edition(ROOT / "chapters", out)
    return out, written


def test_every_solution_and_check_cell_carries_nbgrader_metadata(course):
    out, written = course
    assert [p.relative_to(out).as_posix() for p in written] == [
        f"source/{p.stem}/{p.name}" for p in NOTEBOOKS]
    assert (out / "nbgrader_config.py").exists()
    for original, path in zip(NOTEBOOKS, written):
        before = nbformat.read(original, as_version=4).cells
        after = nbformat.read(path, as_version=4).cells
        assert len(before) == len(after)
        ids = []
        for a, b in zip(before, after):
            meta = b.metadata.get("nbgrader")
            if "solution" in _tags(a):
                assert meta["solution"] and not meta["grade"] and not meta["locked"]
                assert b.source == a.source  # nbgrader itself strips the body
            elif "check" in _tags(a):
                assert meta["grade"] and meta["locked"] and meta["points"] == 1 and not meta["solution"]
                assert "must_pass(" in b.source
            else:
                assert meta is None and b.source == a.source
            if meta:
                assert meta["schema_version"] == 3 and re.fullmatch(r"[A-Za-z0-9_-]+", meta["grade_id"])
                ids.append(meta["grade_id"])
        assert len(ids) == len(set(ids)), f"{original.name}: grade ids repeat"


# --- text printed by other cells -----------------------------------------------------------------


def _references(cell_source):
    """Names of the functions a check cell compares against (the attribute or name called)."""
    tree = ast.parse(cell_source)
    defs = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "check" and len(node.args) >= 2:
            ref = node.args[1]
            if isinstance(ref, ast.Name) and ref.id in defs:
                ref = defs[ref.id]
            for sub in ast.walk(ref):
                if isinstance(sub, ast.Attribute):
                    names.add(sub.attr)
                elif isinstance(sub, ast.Name) and sub.id not in defs:
                    names.add(sub.id)
    return names


def _printed_sources(cell_source):
    """Names whose source code a cell prints (inspect.getsource, ??, %psource, %pycat)."""
    names = set(re.findall(r"%(?:psource|pinfo2)\s+[\w.]*?(\w+)\s*$|([\w.]*?\w+)\?\?", cell_source, flags=re.M))
    names = {a or b for a, b in names}
    names = {n.rsplit(".", 1)[-1] for n in names}
    for match in re.finditer(r"getsource\(\s*([\w.]+)", cell_source):
        names.add(match.group(1).rsplit(".", 1)[-1])
    return names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_cell_prints_a_solution(path):
    cells = nbformat.read(path, as_version=4).cells
    code = [c for c in cells if c.cell_type == "code"]
    secret = _secret_lines(cells)
    references = set().union(*[_references(c.source) for c in code if "check" in _tags(c)] or [set()])
    for k, cell in enumerate(code):
        if "solution" in _tags(cell):
            continue
        text = _outputs_text(cell)
        leaked = sorted(line for line in secret if line in text)
        assert not leaked, f"{path.name}, code cell {k} prints solution text: {leaked[:3]}"
        shown = {n for n in _printed_sources(cell.source) & references if (path.name, n) not in SHOWN_ON_PURPOSE}
        assert not shown, f"{path.name}, code cell {k} prints the source of {shown}, the answer to an exercise"


# --- the real nbgrader ---------------------------------------------------------------------------


def _nbgrader(args, cwd):
    pytest.importorskip("nbgrader", reason="nbgrader is in the test extra: pip install -e '.[test]'")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=600)
    log = result.stdout + result.stderr
    assert result.returncode == 0 and "ERROR" not in log, log[-6000:]
    return log


DEMO = [
    ("# Exercise: write `double(x)`.", None),
    (f"def double(x):\n    {BEGIN}\n    return 2 * x\n    {END}", ["solution", "hide-input"]),
    ("from vklib.exercises import check\n\ncheck(double, lambda x: x + x, [0.0, 1.5, -2.0], name=\"double\")",
     ["check"]),
]


def _write_demo(folder):
    nb = nbformat.v4.new_notebook()
    for source, tags in DEMO:
        cell = nbformat.v4.new_markdown_cell(source) if tags is None else nbformat.v4.new_code_cell(source)
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "demo.ipynb")


def test_nbgrader_releases_the_book_without_solutions_and_grades_a_submission(tmp_path):
    src = tmp_path / "chapters"
    shutil.copytree(ROOT / "chapters", src, ignore=shutil.ignore_patterns("*.md", ".ipynb_checkpoints"))
    _write_demo(src / "extra")
    course = tmp_path / "course"
    nbgrader_edition(src, course)
    # Release every chapter (one call for all: nbgrader's start-up is a few seconds).
    _nbgrader(["generate_assignment", "*", "--force"], course)
    for original in NOTEBOOKS:
        release = course / "release" / original.stem / original.name
        assert release.exists(), f"nbgrader did not release {original.name}"
        cells = nbformat.read(original, as_version=4).cells
        secret = _secret_lines(cells)
        assert secret, f"{original.name} has no solution text to hide"
        released = nbformat.read(release, as_version=4).cells
        assert len(released) == len(cells)
        for k, cell in enumerate(released):
            text = _outputs_text(cell)
            assert BEGIN not in cell.source + text and END not in cell.source + text
            leaked = sorted(line for line in secret if line in text or line in _code_lines(cell.source))
            assert not leaked, f"{release.name}, cell {k} holds solution text: {leaked[:3]}"
            if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
                assert "raise NotImplementedError()" in cell.source
    # A class of three hands in the demo: the stub, a wrong answer and a right one.
    release = nbformat.read(course / "release" / "demo" / "demo.ipynb", as_version=4)
    answers = {"stub": None, "wrong": "def double(x):\n    return x * x", "right": "def double(x):\n    return x * 2"}
    for student, answer in answers.items():
        nb = nbformat.from_dict(release)
        if answer:
            nb.cells[1].source = answer
        folder = course / "submitted" / student / "demo"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "demo.ipynb")
    _nbgrader(["autograde", "demo", "--create", "--force"], course)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {s: gb.find_submission("demo", s).score for s in answers}
    assert scores == {"stub": 0.0, "wrong": 0.0, "right": 1.0}, scores
