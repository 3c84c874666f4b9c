"""ipywidgets explorers that also leave a true static picture in the book.

In a live kernel (JupyterLab, Notebook 7, Colab) :func:`explore` shows the controls
and redraws ``render(**values)`` whenever one changes. When the book's notebooks are
executed for the website and for nbval (``VKLIB_STATIC_WIDGETS=1``, set by
``python -m vklib.notebooks execute`` and by the test suite), it draws ``render`` once
at the controls' default values instead, and says which controls the reader can move.
The website then shows a real figure without needing a kernel or widget JavaScript.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Mapping

__all__ = ["static_mode", "build_explorer", "explore"]


def static_mode() -> bool:
    """True when notebooks are executed for the book (``VKLIB_STATIC_WIDGETS=1``)."""
    return os.environ.get("VKLIB_STATIC_WIDGETS", "").strip().lower() in {"1", "true", "yes", "on"}


def _label(name: str, widget: Any) -> str:
    return getattr(widget, "description", "") or name


def build_explorer(render: Callable[..., Any], controls: Mapping[str, Any]):
    """The explorer as an ``ipywidgets.VBox``: the controls above an output area.

    ``render`` is called with one keyword argument per control (its current value)
    every time a control changes, and draws into the output area.
    """
    import ipywidgets

    if not controls:
        raise ValueError("controls must hold at least one widget")
    for name, widget in controls.items():
        if not isinstance(widget, ipywidgets.ValueWidget):
            raise TypeError(f"control {name!r} must be an ipywidgets value widget, got {type(widget).__name__}")
    output = ipywidgets.interactive_output(render, dict(controls))
    return ipywidgets.VBox([ipywidgets.HBox(list(controls.values()), layout={"flex_flow": "row wrap"}), output])


def explore(render: Callable[..., Any], controls: Mapping[str, Any]) -> None:
    """Show an interactive explorer, or its static picture when the book is built.

    Parameters
    ----------
    render : callable
        Draws one picture (typically a matplotlib figure) from keyword arguments.
    controls : mapping of str to ipywidgets value widgets
        One control per keyword argument of ``render``; their initial values are the
        ones the static picture shows.
    """
    if static_mode():
        values = {name: widget.value for name, widget in controls.items()}
        names = ", ".join(_label(n, w) for n, w in controls.items())
        print(f"[static picture at the default settings; run the notebook to move: {names}]")
        render(**values)
        return
    from IPython.display import display

    display(build_explorer(render, controls))
