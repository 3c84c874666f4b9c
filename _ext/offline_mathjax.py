"""Serve MathJax 3 from the built site itself, so maths renders with no internet.

Sphinx loads MathJax from a CDN by default; a reader offline (or the book's browser
test, which runs with no network) would see raw TeX. This extension copies MathJax's
self-contained SVG bundle (``tex-svg.js``, fonts included) from the
``django-static-mathjax`` wheel into ``_static/mathjax/`` and points ``mathjax_path``
at it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

BUNDLE = "tex-svg.js"


def _bundle() -> Path:
    import mathjax  # the django-static-mathjax wheel

    path = Path(mathjax.__path__[0]) / "static" / "mathjax" / "es5" / BUNDLE
    if not path.exists():
        raise FileNotFoundError(f"MathJax bundle not found at {path}; reinstall django-static-mathjax")
    return path


def _copy(app, exception):
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "_static" / "mathjax"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(_bundle(), target / BUNDLE)


def _configure(app, config):
    _bundle()  # fail early, with a clear message, if the wheel is missing
    config.mathjax_path = f"mathjax/{BUNDLE}"


def setup(app):
    app.connect("config-inited", _configure, priority=900)
    app.connect("build-finished", _copy)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
