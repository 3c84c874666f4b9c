"""Where the book's shipped files live: ``data/`` in a checkout, ``vklib/_data`` in a wheel.

The repository keeps its small assets (trained weights, result tables, reference CSVs) in a
top-level ``data/`` folder. A wheel built from the repository copies that folder into the
package as ``vklib/_data`` (see ``setup.py``), so an installed ``vklib`` finds the same files
with no checkout beside it, as in Colab.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_path"]

_PACKAGE = Path(__file__).resolve().parent


def data_path(*parts: str) -> Path:
    """The path of a shipped file, e.g. ``data_path("cam", "scene_cnn.pt")``.

    Looks in the installed package's ``_data`` folder first, then in the checkout's
    ``data/`` folder. Raises ``FileNotFoundError`` naming both places when neither has it.
    """
    for root in (_PACKAGE / "_data", _PACKAGE.parent / "data"):
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    raise FileNotFoundError(
        f"{'/'.join(parts)} is neither in {_PACKAGE / '_data'} (an installed vklib) nor in "
        f"{_PACKAGE.parent / 'data'} (a checkout); reinstall vklib from the book's repository")
