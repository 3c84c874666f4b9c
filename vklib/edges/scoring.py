"""Scoring edge maps against known ground truth (chapter 2, "Experiment: how each operator
copes with noise").
"""

from __future__ import annotations

import numpy as np

from ..checks import _describe, check_array, check_positive

__all__ = [
    "mask_boundary",
    "edge_f1",
]


def mask_boundary(mask: np.ndarray) -> np.ndarray:
    """Ground-truth edges of a binary mask: mask pixels with a 4-neighbour outside it.

    Pixels beyond the image count as outside, so a mask touching the border has its
    border pixels on the boundary.
    """
    if not isinstance(mask, np.ndarray):
        raise TypeError(f"mask must be a numpy array, got {_describe(mask)}")
    check_array(mask, "mask", ndim=2, dtype="bool")
    padded = np.pad(mask, 1, mode="constant", constant_values=False)
    inner = padded[1:-1, 1:-1]
    all_in = padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    return inner & ~all_in


def edge_f1(detected: np.ndarray, truth: np.ndarray, *, tolerance: int = 1) -> tuple[float, float, float]:
    """Precision, recall and F1 of an edge map against ground truth, with a tolerance.

    A detected pixel is correct (precision) if a ground-truth edge pixel lies within
    ``tolerance`` pixels in the chessboard metric (inside the ``(2t + 1) x (2t + 1)``
    square around it, diagonals included); a ground-truth pixel is found (recall) if a
    detected pixel lies within the same distance. Matching is not one-to-one, so a
    two-pixel-thick detection is not penalised (simpler than the bipartite matching of
    the BSDS benchmark). ``tolerance=0`` compares pixel against pixel.

    Parameters
    ----------
    detected, truth : (H, W) or (N, H, W) bool ndarrays
        A stack is scored as a whole: its counts are pooled over the N images (the
        "optimal dataset scale" way of the BSDS benchmark), not averaged per image.
    tolerance : int >= 0, in pixels

    Returns
    -------
    precision, recall, f1 : float
        ``F1 = 2 P R / (P + R)``; 1.0 for a quantity whose denominator is empty
        (nothing detected and nothing to detect), 0.0 for F1 when P + R = 0.
    """
    from scipy import ndimage

    for name, a in (("detected", detected), ("truth", truth)):
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{name} must be a numpy array, got {_describe(a)}")
        check_array(a, name, ndim=(2, 3), dtype="bool")
    if detected.shape != truth.shape:
        raise ValueError(f"detected and truth must have the same shape, got {detected.shape} and {truth.shape}")
    check_positive(tolerance, "tolerance", strict=False, integer=True)
    if tolerance > 0:
        square = np.ones((1,) * (truth.ndim - 2) + (2 * tolerance + 1,) * 2, dtype=bool)
        near_truth = ndimage.binary_dilation(truth, square)
        near_detected = ndimage.binary_dilation(detected, square)
    else:
        near_truth, near_detected = truth, detected
    n_det, n_true = int(detected.sum()), int(truth.sum())
    precision = float((detected & near_truth).sum() / n_det) if n_det else 1.0
    recall = float((truth & near_detected).sum() / n_true) if n_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return precision, recall, f1

