"""Every public function and class of vklib has a docstring that ``help()`` shows."""

from __future__ import annotations

import importlib
import inspect

import pytest

MODULES = ["vklib.color", "vklib.edges", "vklib.grabcut", "vklib.cam", "vklib.simclr", "vklib.clip",
           "vklib.data", "vklib.images", "vklib.checks", "vklib.device", "vklib.exercises", "vklib.resources",
           "vklib.notebooks", "vklib.widgets"]

PUBLIC = [(m, name) for m in MODULES for name in getattr(importlib.import_module(m), "__all__", [])
          if callable(getattr(importlib.import_module(m), name))]


@pytest.mark.parametrize("module,name", PUBLIC, ids=[f"{m}.{n}" for m, n in PUBLIC])
def test_public_callable_has_a_docstring(module, name):
    obj = getattr(importlib.import_module(module), name)
    doc = inspect.getdoc(obj) or ""
    assert len(doc.split()) >= 5, f"{module}.{name} has no real docstring: {doc!r}"


def test_help_shows_the_lab_docstring():
    import pydoc

    import vklib.color as vc

    text = pydoc.render_doc(vc.xyz_to_lab, renderer=pydoc.plaintext)
    assert "CIELAB" in text and "116" in text
