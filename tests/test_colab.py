"""The book as a Colab reader gets it: an installed vklib wheel and a notebook, nothing else.

A wheel is built from a clean copy of the repository (only the files git tracks), installed
into a fresh virtual environment, and every chapter is executed from an empty folder holding
only its notebook, offline. The chapters must find everything they load (weights, result
tables, reference CSVs) inside the installed package.

The virtual environment sees the system's packages (``--system-site-packages``), as a Colab
runtime comes with torch, numpy and Jupyter preinstalled and pip adds only vklib: this keeps the
test from downloading several GB of CUDA wheels. It does not weaken what is tested: vklib itself
comes from the wheel (a first cell added to each copy asserts that ``vklib`` and every file of
``data/`` resolve inside the virtual environment's site-packages, never to a checkout), the
kernel is the virtual environment's Python, and the working folder is empty.

The notebooks' outputs are not compared here (nbval does that for ``chapters/``); a cell that
raises fails the test. ``VKLIB_SKIP_COLAB=1`` or ``-m "not colab"`` skips these tests (about
eight minutes on two cores); the README's test command runs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from vklib.notebooks import notebook_environment

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.name for p in (ROOT / "chapters").glob("*.ipynb"))

pytestmark = [
    pytest.mark.colab,
    pytest.mark.skipif(os.environ.get("VKLIB_SKIP_COLAB") == "1", reason="VKLIB_SKIP_COLAB=1"),
]


def _tracked_files() -> list[str]:
    """What a clean clone of the working tree holds: tracked files plus new, not ignored ones."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, capture_output=True, check=True).stdout.decode()
    return sorted({f for f in out.split("\0") if f and (ROOT / f).is_file()})


def clean_copy(target: Path) -> Path:
    """Copy the repository's tracked files (working-tree contents) into ``target``."""
    for rel in _tracked_files():
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest)
    return target


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    src = clean_copy(tmp_path_factory.mktemp("clone"))
    dist = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps",
                             "--no-build-isolation", "-q", "-w", str(dist)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = dist.glob("vklib-*.whl")
    return built


def test_the_wheel_carries_every_shipped_file(wheel):
    data = [f for f in _tracked_files() if f.startswith("data/")]
    assert data, "data/ holds no tracked files"
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for rel in data:
            name = "vklib/_data/" + rel[len("data/"):]
            assert name in names, f"{rel} is not in the wheel as {name}"
            assert z.read(name) == (ROOT / rel).read_bytes(), f"{name} differs from {rel}"
    assert "vklib/resources.py" in names and "vklib/__init__.py" in names
    assert not any(n.startswith(("chapters/", "tests/", "data/")) for n in names)


@pytest.fixture(scope="session")
def venv(wheel, tmp_path_factory) -> Path:
    env_dir = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(env_dir)], check=True, timeout=300)
    python = env_dir / "bin" / "python"
    result = subprocess.run([str(python), "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps",
                             str(wheel)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    # The wheel's declared requirements must be met by what pip sees (pip check fails otherwise).
    check = subprocess.run([str(python), "-m", "pip", "check"], capture_output=True, text=True, timeout=300)
    vklib_problems = [line for line in check.stdout.splitlines() if line.lower().startswith("vklib ")]
    assert not vklib_problems, "\n".join(vklib_problems)
    # The kernel the notebooks run in is this environment's Python (JUPYTER_PATH looks here first).
    subprocess.run([str(python), "-m", "ipykernel", "install", "--prefix", str(env_dir), "--name", "python3"],
                   check=True, capture_output=True, timeout=300)
    return env_dir


def _guard_cell(env_dir: Path, data_files: list[str]) -> str:
    return f"""# added by tests/test_colab.py: vklib and its data come from the installed wheel
import sys, pathlib, vklib
from vklib.resources import data_path
site = pathlib.Path({str(env_dir.resolve())!r})
assert pathlib.Path(sys.executable).parent.parent.resolve() == site or sys.prefix == str(site), sys.executable
assert site in pathlib.Path(vklib.__file__).resolve().parents, vklib.__file__
for rel in {data_files!r}:
    found = data_path(*rel.split("/")).resolve()
    assert site in found.parents and "_data" in found.parts, (rel, found)
"""


RUNNER = """
import sys, nbformat
from nbclient import NotebookClient
path, workdir = sys.argv[1], sys.argv[2]
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, timeout=900, kernel_name="python3", record_timing=False,
               resources={"metadata": {"path": workdir}}).execute()
"""


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_chapter_runs_from_an_empty_folder_against_the_installed_wheel(name, venv, tmp_path):
    workdir = tmp_path / "content"  # Colab's working folder: nothing but the notebook
    workdir.mkdir()
    nb = nbformat.read(ROOT / "chapters" / name, as_version=4)
    data_files = [f[len("data/"):] for f in _tracked_files() if f.startswith("data/")]
    nb.cells.insert(0, nbformat.v4.new_code_cell(_guard_cell(venv, data_files)))
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    copy = workdir / name
    nbformat.write(nb, copy)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
    env.update(notebook_environment())
    env.update(HF_HUB_OFFLINE="1", VKLIB_OFFLINE="1", JUPYTER_PATH=str(venv / "share" / "jupyter"),
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    result = subprocess.run([str(venv / "bin" / "python"), "-c", RUNNER, str(copy), str(workdir)],
                            cwd=workdir, env=env, capture_output=True, text=True, timeout=1750)
    assert result.returncode == 0, f"{name} failed from an empty folder:\n{result.stderr[-6000:]}"
    assert sorted(p.name for p in workdir.iterdir() if p.suffix == ".ipynb") == [name]
