"""OpenCV's GrabCut mask codes, and the rectangle and mask a GrabCut starts from.

The codes are OpenCV's: 0 ``GC_BGD`` (sure background), 1 ``GC_FGD`` (sure foreground),
2 ``GC_PR_BGD`` (probably background), 3 ``GC_PR_FGD`` (probably foreground). A start
is either a rectangle ``(x, y, w, h)`` (OpenCV's ``GC_INIT_WITH_RECT``: background
outside, probably foreground inside, :func:`rect_to_mask`) or a mask of these codes
(``GC_INIT_WITH_MASK``, checked by :func:`check_mask`).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..checks import check_array

__all__ = ["GC_BGD", "GC_FGD", "GC_PR_BGD", "GC_PR_FGD", "check_rect", "rect_to_mask", "check_mask"]

GC_BGD, GC_FGD, GC_PR_BGD, GC_PR_FGD = 0, 1, 2, 3


def check_rect(rect: Any, height: int, width: int) -> tuple[int, int, int, int]:
    """Check an OpenCV rectangle ``(x, y, w, h)`` against an image of ``height x width``.

    Raises
    ------
    TypeError
        Not a sequence of four integers.
    ValueError
        Empty, thinner than 2 pixels, or reaching outside the image.
    """
    if isinstance(rect, np.ndarray):
        rect = rect.tolist()
    if (not isinstance(rect, (tuple, list)) or len(rect) != 4
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in rect)):
        raise TypeError(f"rect must be four integers (x, y, w, h), got {rect!r}")
    x, y, w, h = (int(v) for v in rect)
    if w <= 0 or h <= 0:
        raise ValueError(f"rect (x, y, w, h) = {(x, y, w, h)} is empty: w and h must be positive")
    if w < 2 or h < 2:
        raise ValueError(f"rect (x, y, w, h) = {(x, y, w, h)} is a single row or column of pixels: "
                         "w and h must be at least 2")
    if x < 0 or y < 0 or x + w > width or y + h > height:
        raise ValueError(f"rect (x, y, w, h) = {(x, y, w, h)} reaches outside the image of "
                         f"{width} x {height} pixels (need 0 <= x, x + w <= {width}, 0 <= y, y + h <= {height})")
    return x, y, w, h


def rect_to_mask(shape: Sequence[int], rect: Any) -> np.ndarray:
    """OpenCV's ``GC_INIT_WITH_RECT`` mask: 3 (probably foreground) inside, 0 (background) outside."""
    height, width = int(shape[0]), int(shape[1])
    x, y, w, h = check_rect(rect, height, width)
    mask = np.full((height, width), GC_BGD, dtype=np.uint8)
    mask[y:y + h, x:x + w] = GC_PR_FGD
    return mask


def check_mask(mask: Any, height: int, width: int) -> np.ndarray:
    """Check an OpenCV mask: integer ``(H, W)`` with codes in 0..3; return it as uint8."""
    check_array(mask, "mask", dtype="integer", shape=(height, width))
    is_bad = ~np.isin(mask, (GC_BGD, GC_FGD, GC_PR_BGD, GC_PR_FGD))
    if is_bad.any():
        bad = np.unique(np.asarray(mask)[is_bad])[:5].tolist()
        raise ValueError(f"mask codes must be 0 (BGD), 1 (FGD), 2 (PR_BGD) or 3 (PR_FGD), got {bad}")
    return np.asarray(mask).astype(np.uint8)
