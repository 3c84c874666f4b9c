"""The Colab set-up cell: what it installs, and what it leaves alone.

The cell is run in a real IPython shell with a stand-in ``google.colab`` module and a ``%pip``
magic that records its arguments instead of installing, so the test sees exactly the pip
command lines a Colab runtime would run.
"""

from __future__ import annotations

import re
import sys
import tomllib
import types
from importlib.metadata import version
from pathlib import Path

import pytest

from vklib.notebooks import COLAB_EXTRAS, COLAB_KEEP, COLAB_SETUP, REPOSITORY

ROOT = Path(__file__).resolve().parents[1]

#: vklib's requirements that a Colab runtime has preinstalled.
COLAB_PREINSTALLED = {"numpy", "scipy", "opencv-python-headless", "scikit-image", "matplotlib", "ipywidgets",
                      "tqdm", "torch", "torchvision", "scikit-learn"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ @]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def test_every_requirement_is_preinstalled_in_colab_or_installed_by_the_cell():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    extras = {_name(e) for e in COLAB_EXTRAS}
    missing = {_name(d) for d in deps} - COLAB_PREINSTALLED - extras
    assert not missing, f"neither preinstalled in Colab nor installed by the set-up cell: {sorted(missing)}"
    assert not extras & {_name(k) for k in COLAB_KEEP}


def test_ipywidgets_7_is_accepted():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (ipyw,) = [d for d in deps if _name(d) == "ipywidgets"]
    from packaging.requirements import Requirement

    assert Requirement(ipyw).specifier.contains("7.7.1"), ipyw


@pytest.fixture
def shell(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    calls = []
    shell.register_magic_function(lambda line: calls.append(line), "line", "pip")
    yield shell, calls
    InteractiveShell.clear_instance()


def test_the_cell_does_nothing_outside_colab(shell):
    sh, calls = shell
    assert "google.colab" not in sys.modules
    assert sh.run_cell(COLAB_SETUP).success
    assert calls == []


def test_the_cell_installs_vklib_without_touching_torch_or_ipywidgets(shell, monkeypatch):
    sh, calls = shell
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    result = sh.run_cell(COLAB_SETUP)
    assert result.success, result.error_in_exec
    assert len(calls) == 2, calls
    first, second = (line.split() for line in calls)
    assert first[:3] == ["install", "-q", "--no-deps"] and " ".join(first[3:]) == f'"vklib @ git+{REPOSITORY}"'
    assert second[:2] == ["install", "-q"]
    assert set(COLAB_EXTRAS) <= set(second[2:])
    for name in COLAB_KEEP:  # pinned at the installed version: pip may neither up- nor downgrade them
        assert f"{name}=={version(name)}" in second, (name, second)
    assert not any(_name(arg) in {"torch", "torchvision", "ipywidgets", "numpy"} and "==" not in arg
                   for arg in second[2:])
