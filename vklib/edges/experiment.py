"""The noise-robustness experiment (chapter 2, "Experiment: how each operator copes with noise").

Scenes whose true edges are known exactly (``vklib.data.make_scenes`` masks and their
:func:`~vklib.edges.mask_boundary`) get Gaussian noise of increasing standard deviation;
each operator's edge strength is thresholded at every value of a grid, and the best pooled
F1 (tolerance 1 pixel, as :func:`~vklib.edges.edge_f1`) is kept per operator and noise level.
Repeating the whole sweep with several noise seeds gives the seed-to-seed spread.
"""

from __future__ import annotations

import numpy as np

from ..checks import _describe, check_array, check_in, check_positive
from .canny import canny, non_maximum_suppression
from .gradient import gradient
from .laplacian import laplacian_of_gaussian

__all__ = [
    "EXPERIMENT_OPERATORS",
    "THRESHOLDS",
    "slope_strength",
    "edge_strength",
    "best_f1",
    "score_operator",
    "noise_experiment",
]

#: The operators compared: gradient magnitude + non-maximum suppression (normalised
#: kernels), LoG zero crossings at sigma 1 and 2, and Canny at sigma 1 and 2.
EXPERIMENT_OPERATORS = ("central", "sobel", "prewitt", "LoG 1", "LoG 2", "Canny 1", "Canny 2")
#: The threshold grid (40 values, geometric from 0.005 to 1) searched for each operator.
THRESHOLDS = np.geomspace(0.005, 1.0, 40)
THRESHOLDS.flags.writeable = False


def slope_strength(response: np.ndarray) -> np.ndarray:
    """Largest jump :math:`|r_a - r_b|` over opposite neighbour pairs with a sign change.

    The strength behind :func:`~vklib.edges.zero_crossings`: a pixel is a zero crossing at
    threshold ``t`` exactly when ``slope_strength(r) > t`` (0 where no pair changes sign
    and in the outer ring).
    """
    check_array(response, "response", ndim=2)
    r = response.astype(np.float64)
    h, w = r.shape
    out = np.zeros_like(r)
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        a = r[1 + dy:h - 1 + dy, 1 + dx:w - 1 + dx]
        b = r[1 - dy:h - 1 - dy, 1 - dx:w - 1 - dx]
        out[1:-1, 1:-1] = np.maximum(out[1:-1, 1:-1], np.where(a * b < 0, np.abs(a - b), 0.0))
    return out


def edge_strength(operator: str, image: np.ndarray) -> np.ndarray:
    """Edge strength of one grey image; "edge" means strength >= a threshold.

    ``"central"``, ``"sobel"``, ``"prewitt"``: the normalised gradient magnitude after
    :func:`~vklib.edges.non_maximum_suppression`; ``"LoG s"``: :func:`slope_strength` of
    the LoG at sigma ``s``. (Canny is scored by :func:`score_operator`, because its
    hysteresis is not a single threshold on a strength.)
    """
    check_in(operator, "operator", EXPERIMENT_OPERATORS[:5])
    if operator.startswith("LoG"):
        return slope_strength(laplacian_of_gaussian(image, float(operator.split()[1])))
    gx, gy = gradient(image, operator=operator, normalize=True)
    return non_maximum_suppression(np.hypot(gx, gy), gx, gy)


def _precision_recall(strength, nearby, truth, near_truth, t):
    """Pooled P and R of ``strength >= t`` with tolerance 1, without a dilation per threshold.

    ``nearby`` is the 3 x 3 maximum of ``strength``: a true edge pixel has a detection within
    one pixel exactly when ``nearby >= t``. Equal to :func:`edge_f1` (tested).
    """
    detected = (strength >= t) & (strength > 0)
    if not detected.any():
        return 1.0, 0.0
    return ((detected & near_truth).sum() / detected.sum(), (truth & (nearby >= t) & (nearby > 0)).sum() / truth.sum())


def best_f1(strength: np.ndarray, truth: np.ndarray, *, thresholds=THRESHOLDS) -> tuple[float, float]:
    """Best pooled F1 (tolerance 1 pixel) of ``strength >= t`` over ``thresholds``, and that ``t``.

    Parameters
    ----------
    strength, truth : (N, H, W) float and bool ndarrays (float16 strengths are compared in
        float32: SciPy's filters do not take float16)

    Returns
    -------
    f1 : float in [0, 1]
    t : float, the first threshold reaching it (NaN if F1 is 0 everywhere)
    """
    from scipy import ndimage

    check_array(strength, "strength", ndim=3)
    if strength.dtype == np.float16:
        strength = strength.astype(np.float32)
    check_array(truth, "truth", shape=strength.shape, dtype="bool")
    nearby = ndimage.maximum_filter(strength, size=(1, 3, 3))
    near_truth = ndimage.binary_dilation(truth, np.ones((1, 3, 3), bool))
    best = (0.0, float("nan"))
    top = float(strength.max())
    for t in thresholds:
        if t > top:  # nothing detected: F1 = 0 cannot be the best
            continue
        p, r = _precision_recall(strength, nearby, truth, near_truth, t)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        if f1 > best[0]:
            best = (float(f1), float(t))
    return best


def score_operator(operator: str, noisy: np.ndarray, truth: np.ndarray, *, thresholds=THRESHOLDS):
    """Best pooled F1 of one operator on a stack of noisy images, and its threshold.

    Canny uses ``t_high = t`` and ``t_low = t / 2``, with ``t`` on the normalised Sobel
    scale (the unnormalised magnitude divided by 8), like the gradient operators.
    """
    check_in(operator, "operator", EXPERIMENT_OPERATORS)
    if not isinstance(noisy, np.ndarray):
        raise TypeError(f"noisy must be a numpy array, got {_describe(noisy)}")
    check_array(noisy, "noisy", ndim=3)
    if not operator.startswith("Canny"):
        return best_f1(np.stack([edge_strength(operator, img) for img in noisy]), truth, thresholds=thresholds)
    sigma = float(operator.split()[1])
    suppressed = np.stack([canny(img, sigma, return_steps=True)[1]["suppressed"] / 8 for img in noisy])
    near_truth = _dilate_1px(truth)
    best = (0.0, float("nan"))
    top = float(suppressed.max())
    for t in thresholds:
        if t > top:  # no strong pixel: nothing detected
            continue
        detected = _hysteresis_stack(suppressed, 0.5 * t, t)
        if detected.any():
            precision = (detected & near_truth).sum() / detected.sum()
            recall = (truth & _dilate_1px(detected)).sum() / truth.sum()
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            if f1 > best[0]:
                best = (float(f1), float(t))
    return best


def _dilate_1px(mask: np.ndarray) -> np.ndarray:
    """Binary dilation of each (H, W) slice by the 3 x 3 square (pixels beyond are False)."""
    padded = np.pad(mask, ((0, 0), (1, 1), (1, 1)))
    h, w = mask.shape[-2:]
    out = np.zeros_like(mask)
    for dy in range(3):
        for dx in range(3):
            out |= padded[:, dy:dy + h, dx:dx + w]
    return out


def _hysteresis_stack(magnitude: np.ndarray, low: float, high: float) -> np.ndarray:
    """:func:`~vklib.edges.hysteresis_threshold` of every slice of an (N, H, W) stack, with one
    labelling of the whole stack (components never cross slices)."""
    from scipy import ndimage

    candidates = (magnitude >= low) & (magnitude > 0)
    structure = np.zeros((3, 3, 3), dtype=bool)
    structure[1] = True
    labels, count = ndimage.label(candidates, structure=structure)
    good = np.zeros(count + 1, dtype=bool)
    good[np.unique(labels[candidates & (magnitude >= high)])] = True
    good[0] = False
    return good[labels]


def noise_experiment(clean: np.ndarray, truth: np.ndarray, noise_levels, *, operators=EXPERIMENT_OPERATORS,
                     seeds=(0, 1, 2), thresholds=THRESHOLDS) -> dict:
    """Best F1 of every operator at every noise level, once per noise seed.

    For each seed ``s`` a ``numpy.random.default_rng(s)`` draws the noise of the levels in
    order: ``noisy = clean + level * standard_normal(clean.shape)``.

    Parameters
    ----------
    clean : (N, H, W) float ndarray, the noise-free images
    truth : (N, H, W) bool ndarray, their true edges
    noise_levels : sequence of float >= 0, noise standard deviations
    operators : sequence of names from :data:`EXPERIMENT_OPERATORS`
    seeds : sequence of int

    Returns
    -------
    dict with ``f1`` and ``threshold``, float arrays of shape
    ``(len(seeds), len(operators), len(noise_levels))``, and the ``operators``,
    ``noise_levels`` and ``seeds`` used.
    """
    check_array(clean, "clean", ndim=3)
    check_array(truth, "truth", shape=clean.shape, dtype="bool")
    for level in noise_levels:
        check_positive(level, "noise level", strict=False)
    f1 = np.zeros((len(seeds), len(operators), len(noise_levels)))
    best_t = np.full_like(f1, np.nan)
    for i, seed in enumerate(seeds):
        rng = np.random.default_rng(seed)
        for k, level in enumerate(noise_levels):
            noisy = clean + level * rng.standard_normal(clean.shape)
            for j, operator in enumerate(operators):
                f1[i, j, k], best_t[i, j, k] = score_operator(operator, noisy, truth, thresholds=thresholds)
    return {"f1": f1, "threshold": best_t, "operators": tuple(operators), "noise_levels": tuple(noise_levels),
            "seeds": tuple(seeds)}
