"""Notebook tools: re-execute a chapter in place, and write the student edition.

Usage::

    python -m vklib.notebooks execute chapters/01_color.ipynb [more.ipynb ...]
    python -m vklib.notebooks student chapters -o student

``execute`` runs every cell top to bottom in a fresh ``python3`` kernel of the current
environment with the same environment variables the test suite gives nbval
(:func:`notebook_environment`), and saves the outputs into the file. Commit the result:
nbval re-executes it in CI and compares.

``student`` copies every notebook below a folder. Cells tagged ``solution`` lose their
outputs and their solution: the lines between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` become ``# your code here`` / ``raise NotImplementedError`` at the
same indentation (a solution cell without markers becomes ``# your code here`` alone).
Cells tagged ``check`` (the automatic checks) lose their outputs too.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

__all__ = ["REPOSITORY", "COLAB_SETUP", "COLAB_EXTRAS", "COLAB_KEEP", "notebook_environment", "execute", "student_edition", "main"]

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


def student_edition(src: str | os.PathLike, out: str | os.PathLike) -> list[Path]:
    """Write the student edition of every notebook below ``src`` into ``out``; return the paths written."""
    import nbformat

    src, out = Path(src), Path(out)
    if not src.is_dir():
        raise ValueError(f"src must be a folder of notebooks, got {str(src)!r}")
    written = []
    for path in sorted(src.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vklib.notebooks", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("execute", help="re-execute notebooks in place, top to bottom")
    ex.add_argument("paths", nargs="+", type=Path)
    ex.add_argument("--timeout", type=int, default=1200, help="seconds allowed per cell")
    st = sub.add_parser("student", help="write the student edition (solutions removed)")
    st.add_argument("src", type=Path)
    st.add_argument("-o", "--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "execute":
        for path in args.paths:
            print(f"executing {path} ...", flush=True)
            execute(path, timeout=args.timeout)
        return 0
    for path in student_edition(args.src, args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
