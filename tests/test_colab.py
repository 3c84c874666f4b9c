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

Each copy is checked by nbval, run by the virtual environment's Python in that empty folder: a
cell that raises fails the test, and so does an output that differs from the committed one
(under the same sanitising rules as ``chapters/``). The wheel and the virtual environment are
built once per session, and the notebooks run ``VKLIB_COLAB_JOBS`` at a time (default: one per
core; each with ``OMP_NUM_THREADS`` = cores / jobs), all started together when the first
chapter's test asks for its result. ``VKLIB_SKIP_COLAB=1`` or ``-m "not colab"``
skips these tests; the README's test command runs them.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
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


def _data_files() -> list[str]:
    return [f[len("data/"):] for f in _tracked_files() if f.startswith("data/")]


def _venv_env(venv: Path, threads: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
    env.update(notebook_environment())
    env.update(HF_HUB_OFFLINE="1", VKLIB_OFFLINE="1", JUPYTER_PATH=str(venv / "share" / "jupyter"),
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), PYTEST_ADDOPTS="")
    return env


def test_data_path_finds_every_shipped_file_inside_the_installed_wheel(venv, tmp_path):
    script = f"""
import pathlib, vklib
from vklib.resources import data_path
site = pathlib.Path({str(venv.resolve())!r})
for rel in {_data_files()!r}:
    found = data_path(*rel.split("/"))
    assert found.is_file() and site in found.resolve().parents and "_data" in found.parts, (rel, found)
try:
    data_path("no", "such.file")
except FileNotFoundError as error:
    assert "_data" in str(error), error
else:
    raise AssertionError("a missing file must raise FileNotFoundError")
print("ok")
"""
    result = subprocess.run([str(venv / "bin" / "python"), "-c", script], cwd=tmp_path, env=_venv_env(venv, 1),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stdout + result.stderr


# Per cell: five times a whole chapter's budget (three minutes on two idle cores), so only a hang
# trips it. Per notebook: ten times the budget, as a chapter here runs on one core beside another
# (05_simclr took 859 s on a 2-core machine loaded with other work; it needs about 5 CPU minutes).
CELL_TIMEOUT = 5 * 180
NOTEBOOK_TIMEOUT = 10 * 180
# Longest first, so that a short chapter is the last to start (only the order depends on it).
LONGEST_FIRST = ["05_simclr", "03_grabcut", "02_edges", "06_clip", "01_color", "04_cam", "00_getting_started"]


def _run_copy(name: str, venv: Path, root: Path, threads: int) -> tuple[int, str, float]:
    """Copy chapter ``name`` alone into an empty folder and check it with nbval from there."""
    workdir = root / name.removesuffix(".ipynb") / "content"  # Colab's working folder
    workdir.mkdir(parents=True)
    nb = nbformat.read(ROOT / "chapters" / name, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(_guard_cell(venv, _data_files())))
    nbformat.write(nb, workdir / name)
    command = [str(venv / "bin" / "python"), "-m", "pytest", name, "--nbval", "--nbval-current-env",
               "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
               f"--nbval-cell-timeout={CELL_TIMEOUT}", "--maxfail=1", "-p", "no:cacheprovider",
               "-o", "addopts=", "--rootdir", str(workdir), "-q"]
    start = time.monotonic()
    # A session of its own, so that a timeout ends the kernel that nbval started too.
    process = subprocess.Popen(command, cwd=workdir, env=_venv_env(venv, threads), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        log, _ = process.communicate(timeout=NOTEBOOK_TIMEOUT)
        code = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        log, _ = process.communicate()
        code, log = -1, f"timed out after {NOTEBOOK_TIMEOUT} s\n{log}"
    elapsed = time.monotonic() - start
    files = sorted(p.name for p in workdir.iterdir() if p.suffix == ".ipynb")
    if code == 0 and files != [name]:
        code, log = 1, f"the folder holds {files} after the run, not only {name}"
    return code, log, elapsed


@pytest.fixture(scope="session")
def chapter_runs(venv, tmp_path_factory):
    """All chapters checked in parallel; ``{name: future of (returncode, log, seconds)}``."""
    cores = os.cpu_count() or 1
    jobs = min(len(NOTEBOOKS), int(os.environ.get("VKLIB_COLAB_JOBS", cores)))
    threads = max(1, cores // jobs)
    root = tmp_path_factory.mktemp("colab")
    rank = {stem: k for k, stem in enumerate(LONGEST_FIRST)}
    order = sorted(NOTEBOOKS, key=lambda n: rank.get(n.removesuffix(".ipynb"), -1))
    pool = ThreadPoolExecutor(max_workers=jobs)
    futures = {name: pool.submit(_run_copy, name, venv, root, threads) for name in order}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.timeout(len(NOTEBOOKS) * NOTEBOOK_TIMEOUT + 600)
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_chapter_runs_from_an_empty_folder_against_the_installed_wheel(name, chapter_runs):
    code, log, seconds = chapter_runs[name].result()
    print(f"{name}: {seconds:.0f} s from the wheel")
    assert code == 0, f"{name} failed from an empty folder after {seconds:.0f} s (nbval stops at the first failing cell):\n{log[-8000:]}"
