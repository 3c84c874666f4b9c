"""Notebook tools: re-execute a chapter in place, and write the student edition.

Usage::

    python -m vklib.notebooks execute chapters/01_color.ipynb [more.ipynb ...]
    python -m vklib.notebooks student chapters -o student
    python -m vklib.notebooks nbgrader chapters -o course

``execute`` runs every cell top to bottom in a fresh ``python3`` kernel of the current
environment with the same environment variables the test suite gives nbval
(:func:`notebook_environment`), and saves the outputs into the file. Commit the result:
nbval re-executes it in CI and compares.

``student`` copies every notebook below a folder. Cells tagged ``solution`` lose their
outputs and their solution: the lines between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` become ``# your code here`` / ``raise NotImplementedError`` at the
same indentation (a solution cell without markers becomes ``# your code here`` alone).
Cells tagged ``check`` (the automatic checks) lose their outputs too.

``nbgrader`` writes the same chapters as an nbgrader course: ``course/source/<chapter>/<chapter>.ipynb``
(one assignment per chapter) and, if there is none, ``course/nbgrader_config.py``. Solution cells
carry nbgrader's "autograded answer" metadata (nbgrader itself replaces the lines between the
markers by ``# YOUR CODE HERE`` / ``raise NotImplementedError()`` when it generates the release),
and check cells become locked "autograder tests" worth one point each, whose checks are wrapped
in :func:`must_pass` so that a failed check fails the cell (nbgrader gives a test cell its points
when it runs without an error). See :func:`nbgrader_edition`.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from pathlib import Path

__all__ = ["REPOSITORY", "COLAB_SETUP", "COLAB_EXTRAS", "COLAB_KEEP", "notebook_environment", "execute",
           "student_edition", "must_pass", "wrap_checks", "nbgrader_edition", "main"]

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"

#: The book's repository; ``_config.yml`` (launch buttons) names the same address (tested).
REPOSITORY = "https://github.com/vklib-book/vklib-book"

#: What a Colab runtime lacks of vklib's requirements (it has torch, torchvision, numpy, scipy,
#: OpenCV, scikit-image, scikit-learn, matplotlib, tqdm and ipywidgets 7.7 preinstalled).
COLAB_EXTRAS = ("colour-science", "PyMaxflow", "open_clip_torch", "ipycanvas")

#: Packages the Colab set-up cell keeps at the runtime's versions (never up- or downgraded).
COLAB_KEEP = ("torch", "torchvision", "ipywidgets", "numpy")

#: The first code cell of every chapter: installs vklib in Colab, does nothing elsewhere.
#: vklib itself is installed without dependencies; the packages Colab lacks are installed with
#: the runtime's torch, torchvision, ipywidgets and numpy pinned at the versions it has.
COLAB_SETUP = f"""# Colab set-up: installs vklib from the book's repository (does nothing outside Colab).
import sys

if "google.colab" in sys.modules:
    from importlib.metadata import version
    keep = " ".join(f"{{name}}=={{version(name)}}" for name in {COLAB_KEEP!r})
    %pip install -q --no-deps "vklib @ git+{REPOSITORY}"
    %pip install -q {" ".join(COLAB_EXTRAS)} {{keep}}
"""


def notebook_environment() -> dict[str, str]:
    """Variables under which the book's notebooks run, for ``execute`` and nbval alike."""
    return {
        "VKLIB_STATIC_WIDGETS": "1",  # explorers draw their static picture (vklib.widgets)
        "PYTHONHASHSEED": "0",
        "HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE", "1"),
        "TQDM_DISABLE": os.environ.get("TQDM_DISABLE", "0"),
        # The committed outputs are the CPU profile's: a GPU machine re-executing them for nbval
        # must compute on the CPU too (set VKLIB_DEVICE=cuda to execute on the GPU on purpose).
        "VKLIB_DEVICE": os.environ.get("VKLIB_DEVICE", "cpu"),
        # Threads waiting for work sleep instead of spinning: on a busy 2-core machine spinning
        # threads fight the neighbour for the cores (benchmarks/bench_threads.py, README "Threads").
        "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE"),
    }


def execute(path: str | os.PathLike, *, timeout: int = 1200) -> None:
    """Execute the notebook at ``path`` top to bottom and save its outputs in place."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    os.environ.update(notebook_environment())
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    client.execute()
    nb.metadata.pop("widgets", None)  # explorers are static in the book: no widget state to keep
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nbformat.write(nb, path)


def _stub(source: str) -> str:
    lines = source.splitlines()
    out, inside = [], False
    found = False
    for line in lines:
        stripped = line.strip()
        if stripped == BEGIN:
            indent = line[: len(line) - len(line.lstrip())]
            out += [f"{indent}# your code here", f"{indent}raise NotImplementedError"]
            inside = found = True
        elif stripped == END:
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"a solution cell opens {BEGIN!r} without closing it with {END!r}")
    return "\n".join(out) if found else "# your code here"


def _notebooks_below(src: Path) -> list[Path]:
    """The notebooks below the folder ``src`` (checkpoints left out), in a stable order."""
    if not src.is_dir():
        raise ValueError(f"src must be a folder of notebooks, got {str(src)!r}")
    return [p for p in sorted(src.rglob("*.ipynb")) if ".ipynb_checkpoints" not in p.parts]


def student_edition(src: str | os.PathLike, out: str | os.PathLike) -> list[Path]:
    """Write the student edition of every notebook below ``src`` into ``out``; return the paths written."""
    import nbformat

    src, out = Path(src), Path(out)
    written = []
    for path in _notebooks_below(src):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            tags = set(cell.get("metadata", {}).get("tags", []))
            if cell.cell_type != "code":
                continue
            if "solution" in tags:
                cell.source = _stub(cell.source)
            if tags & {"solution", "check"}:
                cell.outputs = []
                cell.execution_count = None
        target = out / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        written.append(target)
    return written


def must_pass(result):
    """Return ``result`` if the vklib check it reports passed; raise ``AssertionError`` otherwise.

    ``result`` is what :func:`vklib.exercises.check`, ``check_choice`` or ``check_value`` (or a
    chapter's ``questions.check``) returned. The error's message is the check's report, so a
    student sees the same explanation as in the book. The nbgrader edition wraps every check in
    it: nbgrader scores a test cell by whether it raises.

    >>> from vklib.exercises import check_choice
    >>> must_pass(check_choice("a", "a", feedback={"a": "Right.", "b": "No."}))  # doctest: +ELLIPSIS
    ✔ your answer: ... Right.
    >>> must_pass(check_choice("b", "a", feedback={"a": "Right.", "b": "No."}))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: ✘ your answer: ... No.
    """
    passed = getattr(result, "passed", None)
    if not isinstance(passed, bool):
        raise TypeError(f"must_pass expects the result of a vklib check, got {type(result).__name__}")
    if not passed:
        raise AssertionError(result.message)
    return result


def _is_check_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
    return name == "check" or name.startswith("check_")


def wrap_checks(source: str) -> str:
    """Wrap each outermost call of a ``check``/``check_*`` function in ``source`` in :func:`must_pass`.

    >>> print(wrap_checks('check(f, g, cases, name="f")'))
    from vklib.notebooks import must_pass
    must_pass(check(f, g, cases, name="f"))
    >>> print(wrap_checks("print(questions.check('q', x))"))
    from vklib.notebooks import must_pass
    print(must_pass(questions.check('q', x)))
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise ValueError(f"a check cell must be plain Python (no magics): {error}") from None
    inside = set()
    calls = []
    for node in ast.walk(tree):  # breadth first: an outer call is met before the calls inside it
        if _is_check_call(node) and id(node) not in inside:
            calls.append(node)
            inside.update(id(n) for n in ast.walk(node))
    if not calls:
        raise ValueError(f"a check cell calls no check function (check, check_*):\n{source}")
    lines = source.splitlines(keepends=True)

    def offset(lineno: int, col: int) -> int:  # ast columns count UTF-8 bytes
        return sum(len(line) for line in lines[:lineno - 1]) + len(lines[lineno - 1].encode()[:col].decode())

    out = source
    for node in sorted(calls, key=lambda n: (n.lineno, n.col_offset), reverse=True):
        start, end = offset(node.lineno, node.col_offset), offset(node.end_lineno, node.end_col_offset)
        out = out[:start] + "must_pass(" + out[start:end] + ")" + out[end:]
    return "from vklib.notebooks import must_pass\n" + out


NBGRADER_CONFIG = """# nbgrader's configuration for the vklib-book course (written by python -m vklib.notebooks nbgrader).
c = get_config()  # noqa: F821 - nbgrader provides it
c.CourseDirectory.course_id = "vklib-book"
"""


def _nbgrader_metadata(grade_id: str, *, solution: bool) -> dict:
    meta = {"grade": not solution, "grade_id": grade_id, "locked": not solution, "schema_version": 3,
            "solution": solution, "task": False}
    if not solution:
        meta["points"] = 1
    return meta


def nbgrader_edition(src: str | os.PathLike, out: str | os.PathLike) -> list[Path]:
    """Write every notebook below ``src`` as an nbgrader assignment source; return the paths written.

    ``out`` is the course folder: ``out/source/<stem>/<stem>.ipynb`` (one assignment per
    notebook, named after it) and ``out/nbgrader_config.py`` if there is none. Cells tagged
    ``solution`` become autograded answers (``solution-1``, ``solution-2``, ...); cells tagged
    ``check`` become locked autograder tests of one point (``check-1``, ...) whose checks are
    wrapped in :func:`must_pass`. Other cells are left as they are.
    """
    import nbformat

    src, out = Path(src), Path(out)
    written = []
    for path in _notebooks_below(src):
        nb = nbformat.read(path, as_version=4)
        n_solution = n_check = 0
        for cell in nb.cells:
            tags = set(cell.get("metadata", {}).get("tags", []))
            if cell.cell_type != "code" or not tags & {"solution", "check"}:
                continue
            if "solution" in tags:
                n_solution += 1
                cell.metadata["nbgrader"] = _nbgrader_metadata(f"solution-{n_solution}", solution=True)
            else:
                n_check += 1
                try:
                    cell.source = wrap_checks(cell.source)
                except ValueError as error:
                    raise ValueError(f"{path}: {error}") from None
                cell.metadata["nbgrader"] = _nbgrader_metadata(f"check-{n_check}", solution=False)
        target = out / "source" / path.stem / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        written.append(target)
    config = out / "nbgrader_config.py"
    if not config.exists():
        config.write_text(NBGRADER_CONFIG)
    return written


def main(argv: list[str] | None = None) -> int:
    """The command line: ``execute``, ``student`` or ``nbgrader`` (see the module docstring); returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m vklib.notebooks", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("execute", help="re-execute notebooks in place, top to bottom")
    ex.add_argument("paths", nargs="+", type=Path)
    ex.add_argument("--timeout", type=int, default=1200, help="seconds allowed per cell")
    st = sub.add_parser("student", help="write the student edition (solutions removed)")
    st.add_argument("src", type=Path)
    st.add_argument("-o", "--out", type=Path, required=True)
    ng = sub.add_parser("nbgrader", help="write an nbgrader course: source/<chapter>/<chapter>.ipynb")
    ng.add_argument("src", type=Path)
    ng.add_argument("-o", "--out", type=Path, required=True, help="the course folder")
    args = parser.parse_args(argv)
    if args.command == "execute":
        for path in args.paths:
            print(f"executing {path} ...", flush=True)
            execute(path, timeout=args.timeout)
        return 0
    edition = student_edition if args.command == "student" else nbgrader_edition
    for path in edition(args.src, args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
