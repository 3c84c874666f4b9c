"""Scoring a segmentation, and OpenCV's ``cv2.grabCut`` called on the same input."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import as_checked_array, check_array, check_image
from .core import GC_FGD, GC_PR_FGD, check_mask, check_rect

__all__ = ["opencv_grabcut", "to_uint8", "error_rate", "iou", "scene_rect"]


def to_uint8(image: np.ndarray) -> np.ndarray:
    """The 8-bit image that ``cv2.grabCut`` needs.

    Parameters
    ----------
    image : ndarray, float in [0, 1] or uint8
        A float image is scaled by 255 and rounded to the nearest integer,
        :math:`\\operatorname{round}(255 x)`; values a rounding error outside [0, 1]
        are clipped. A uint8 image is already in 8-bit units and is returned as a copy,
        unchanged (128 stays 128).

    Returns
    -------
    ndarray of uint8, the same shape.

    Raises
    ------
    TypeError
        Not a NumPy array, or a dtype other than floating or uint8 (other integer
        types are ambiguous: convert them yourself).
    ValueError
        Empty, NaN or infinite values, or floats outside [0, 1] by more than 1e-6.

    Examples
    --------
    >>> to_uint8(np.array([0.0, 0.5, 1.0])).tolist()
    [0, 128, 255]
    >>> to_uint8(np.array([0, 128, 255], dtype=np.uint8)).tolist()
    [0, 128, 255]
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array (float in [0, 1] or uint8), got {type(image).__name__}")
    if image.dtype == np.uint8:
        check_array(image, "image", dtype="integer")
        return image.copy()
    if image.dtype.kind != "f":
        raise TypeError(f"image must be float in [0, 1] or uint8, got dtype {image.dtype}")
    check_array(image, "image")
    x = np.asarray(image, dtype=np.float64)
    low, high = float(x.min()), float(x.max())
    if low < -1e-6 or high > 1 + 1e-6:
        raise ValueError(f"a float image must lie in [0, 1] (it is multiplied by 255), got values in "
                         f"[{low:g}, {high:g}]; pass 8-bit images as uint8")
    return np.clip(np.round(x * 255.0), 0, 255).astype(np.uint8)


def opencv_grabcut(image: np.ndarray, *, rect: Any = None, mask: np.ndarray | None = None,
                   n_iter: int = 5, seed: int | None = 0) -> np.ndarray:
    """Run ``cv2.grabCut`` (rectangle or mask initialisation) and return its mask codes.

    Parameters
    ----------
    image : (H, W, 3) float in [0, 1]
        Rounded to uint8 first (channel order does not matter to GrabCut).
    rect : (x, y, w, h), optional
    mask : (H, W) int codes 0..3, optional
    n_iter : int
    seed : int or None
        ``cv2.grabCut`` seeds its k-means from OpenCV's global random generator, whose
        state carries over from call to call, so the same call can give a different
        mask the second time. With a seed, ``cv2.setRNGSeed(seed)`` is called first and
        the result repeats; ``None`` leaves OpenCV's generator alone.

    Returns
    -------
    (H, W) uint8 mask codes.
    """
    import cv2

    check_image(image, "image", channels=3)
    h, w = image.shape[:2]
    if (rect is None) == (mask is None):
        raise ValueError("give exactly one of rect and mask")
    img8 = np.ascontiguousarray(to_uint8(image))
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    if seed is not None:
        cv2.setRNGSeed(int(seed))
    if rect is not None:
        out = np.zeros((h, w), np.uint8)
        cv2.grabCut(img8, out, tuple(check_rect(rect, h, w)), bgd, fgd, n_iter, cv2.GC_INIT_WITH_RECT)
    else:
        out = check_mask(mask, h, w).copy()
        cv2.grabCut(img8, out, None, bgd, fgd, n_iter, cv2.GC_INIT_WITH_MASK)
    return out


def _as_foreground(x: np.ndarray, name: str) -> np.ndarray:
    check_array(x, name, ndim=2, dtype="real")
    x = np.asarray(x)
    if x.dtype == bool:
        return x
    return (x == GC_FGD) | (x == GC_PR_FGD)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two foregrounds (bool masks, or mask codes: 1 and 3 count).

    Two empty foregrounds agree perfectly (IoU 1).
    """
    fa, fb = _as_foreground(a, "a"), _as_foreground(b, "b")
    if fa.shape != fb.shape:
        raise ValueError(f"a and b must have the same shape, got {fa.shape} and {fb.shape}")
    union = np.logical_or(fa, fb).sum()
    return 1.0 if union == 0 else float(np.logical_and(fa, fb).sum() / union)


def error_rate(pred: np.ndarray, truth: np.ndarray, rect: Any) -> float:
    """Percentage of the pixels inside ``rect`` (x, y, w, h) whose label is wrong.

    Outside the rectangle everything is background by construction, so only the
    rectangle measures the method (the error rate of Rother et al. 2004, section 4).
    """
    fp, ft = _as_foreground(pred, "pred"), _as_foreground(truth, "truth")
    if fp.shape != ft.shape:
        raise ValueError(f"pred and truth must have the same shape, got {fp.shape} and {ft.shape}")
    x, y, w, h = check_rect(rect, *fp.shape)
    return 100.0 * float((fp[y:y + h, x:x + w] != ft[y:y + h, x:x + w]).mean())


def scene_rect(box: Any, shape: tuple[int, int], *, margin: int = 4) -> tuple[int, int, int, int]:
    """Rectangle ``(x, y, w, h)`` around a box ``(x0, y0, x1, y1)`` (ends exclusive), grown by
    ``margin`` pixels on every side and clipped to the image."""
    x0, y0, x1, y1 = (int(v) for v in as_checked_array(box, "box", integers=True, shape=(4,)))
    h, w = shape
    x0, y0 = max(0, x0 - margin), max(0, y0 - margin)
    x1, y1 = min(w, x1 + margin), min(h, y1 + margin)
    return x0, y0, x1 - x0, y1 - y0
