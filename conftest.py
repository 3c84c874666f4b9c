"""Test-suite set-up: notebooks (nbval) run under the same environment as
``python -m vklib.notebooks execute``, and GPU tests skip without CUDA."""

import os

import pytest

from vklib.notebooks import notebook_environment

# nbval starts each notebook's kernel from this process, which passes its environment on.
os.environ.update(notebook_environment())


def pytest_collection_modifyitems(config, items):
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ImportError:  # pragma: no cover - torch is a requirement
        has_cuda = False
    if has_cuda:
        return
    skip = pytest.mark.skip(reason="needs CUDA (run on a GPU machine to include it)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
