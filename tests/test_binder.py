"""The Binder environment (``binder/``): CPU-only torch at the versions the book pins.

What this can check offline: the files Binder reads are there, ``binder/requirements.txt``
pins torch and torchvision from PyTorch's CPU-only index at the versions ``requirements.txt``
pins, and lists every other requirement of the book and of vklib with the same specifier, and
``postBuild`` installs vklib without letting pip resolve its dependencies again (which would
replace the CPU torch). Building the image needs mybinder.org and the CPU index; see the README.
"""

import os
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# Only the website build needs these; a Binder session runs notebooks.
WEBSITE_ONLY = {"jupyter-book", "django-static-mathjax"}


def _requirements(path):
    """(options, {name: Requirement}) of a requirements file."""
    options, reqs = [], {}
    for line in path.read_text().splitlines():
        line = line.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            options.append(line)
            continue
        req = Requirement(line)
        reqs[canonicalize_name(req.name)] = req
    return options, reqs


def test_binder_pins_cpu_torch_at_the_book_versions():
    options, binder = _requirements(BINDER / "requirements.txt")
    _, book = _requirements(ROOT / "requirements.txt")
    assert f"--extra-index-url {CPU_INDEX}" in options or f"--index-url {CPU_INDEX}" in options
    for name in ("torch", "torchvision"):
        (pin,) = book[name].specifier
        assert pin.operator == "==", f"requirements.txt must pin {name} exactly"
        (cpu,) = binder[name].specifier
        assert (cpu.operator, cpu.version) == ("==", f"{pin.version}+cpu"), f"binder: {name}{cpu}, book: {name}{pin}"


def test_binder_lists_every_other_requirement_with_the_same_specifier():
    _, binder = _requirements(BINDER / "requirements.txt")
    options, book = _requirements(ROOT / "requirements.txt")
    assert "-e ." in options  # vklib: in Binder, postBuild installs it
    for name, req in book.items():
        if name in WEBSITE_ONLY or name in {"torch", "torchvision"}:
            continue
        assert name in binder, f"{name} is in requirements.txt but not in binder/requirements.txt"
        assert binder[name].specifier == req.specifier, f"{name}: binder {binder[name]}, book {req}"
    vklib = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    missing = [r for r in vklib if canonicalize_name(Requirement(r).name) not in binder]
    assert not missing, f"vklib needs {missing}, which binder/requirements.txt lacks (postBuild uses --no-deps)"


def test_post_build_installs_vklib_without_resolving_dependencies_again():
    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK), "Binder runs postBuild only when it is executable"
    text = post.read_text()
    assert text.startswith("#!/bin/bash")
    installs = [line for line in text.splitlines() if re.search(r"\bpip install\b", line)]
    assert installs and all("--no-deps" in line for line in installs), installs
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.1[1-9]", runtime), runtime  # the version the book is tested with
