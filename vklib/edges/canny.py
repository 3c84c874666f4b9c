"""Canny's detector assembled from the chapter's pieces (chapter 2, "Canny, step by step" and
"Comparison with scikit-image and OpenCV"; Canny 1986, https://doi.org/10.1109/TPAMI.1986.4767851).
"""

from __future__ import annotations

import numpy as np

from ..checks import _describe, check_array, check_positive
from ._checks import _check_border, _check_grey
from .correlate import gaussian_smooth
from .gradient import sobel

__all__ = [
    "non_maximum_suppression",
    "hysteresis_threshold",
    "canny",
]


def non_maximum_suppression(magnitude: np.ndarray, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """Keep the magnitude only where it is a local maximum along the gradient direction.

    For each pixel :math:`p`, step one "square" unit along the gradient,
    :math:`q_\\pm = p \\pm (g_x, g_y) / \\max(|g_x|, |g_y|)`. The point :math:`q_+` lies
    on the side of the 3 x 3 neighbourhood between the axis neighbour and the diagonal
    neighbour, so its magnitude is linearly interpolated between them with weight
    :math:`w = \\min(|g_x|, |g_y|) / \\max(|g_x|, |g_y|)`:

    .. math:: M(q_+) = (1 - w) M(\\text{axis}) + w M(\\text{diagonal}).

    The pixel keeps :math:`M(p)` if :math:`M(p) \\ge M(q_+)` and :math:`M(p) \\ge M(q_-)`,
    otherwise it becomes 0 (ties are kept, as in scikit-image, so a perfectly symmetric
    two-pixel-wide ridge keeps both pixels). Pixels with zero gradient and the outer
    one-pixel ring are set to 0.

    Parameters
    ----------
    magnitude, gx, gy : (H, W) float ndarrays

    Returns
    -------
    (H, W) ndarray, ``magnitude`` where it is a maximum along the gradient, else 0.
    """
    for name, a in (("magnitude", magnitude), ("gx", gx), ("gy", gy)):
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{name} must be a numpy array, got {_describe(a)}")
    _check_grey(magnitude, "magnitude", float16=True)
    check_array(gx, "gx", shape=magnitude.shape)
    check_array(gy, "gy", shape=magnitude.shape)
    h, w = magnitude.shape
    out = np.zeros_like(magnitude)
    if h < 3 or w < 3:
        return out
    m = magnitude[1:-1, 1:-1]
    ax, ay = np.abs(gx[1:-1, 1:-1]), np.abs(gy[1:-1, 1:-1])
    big = np.maximum(ax, ay)
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.where(big > 0, np.minimum(ax, ay) / big, 0.0)
    # Unit steps along the gradient: the axis neighbour moves along the dominant axis,
    # the diagonal neighbour along both, each towards the sign of its component.
    sx = np.sign(gx[1:-1, 1:-1]).astype(np.int64)
    sy = np.sign(gy[1:-1, 1:-1]).astype(np.int64)
    x_major = ax >= ay
    axis_dx, axis_dy = np.where(x_major, sx, 0), np.where(x_major, 0, sy)
    yy, xx = np.mgrid[1:h - 1, 1:w - 1]
    keep = big > 0
    for side in (1, -1):
        axis_val = magnitude[yy + side * axis_dy, xx + side * axis_dx]
        diag_val = magnitude[yy + side * sy, xx + side * sx]
        keep &= m >= (1.0 - weight) * axis_val + weight * diag_val
    out[1:-1, 1:-1] = np.where(keep, m, 0)
    return out


def hysteresis_threshold(magnitude: np.ndarray, low: float, high: float) -> np.ndarray:
    """Double threshold and hysteresis: strong pixels and the weak pixels linked to them.

    Pixels with :math:`M \\ge` ``high`` are strong; pixels with ``low`` :math:`\\le M`
    are candidates (``M > 0`` is required too, so suppressed pixels never count). A
    candidate is kept when its 8-connected component of candidates contains a strong
    pixel, as in ``skimage.feature.canny``. (``skimage.filters.apply_hysteresis_threshold``
    differs: it links 4-connected pixels only and uses strict ``>`` tests.)

    Parameters
    ----------
    magnitude : (H, W) float ndarray (usually after :func:`non_maximum_suppression`)
    low, high : float, 0 <= low <= high

    Returns
    -------
    (H, W) bool ndarray
    """
    from scipy import ndimage

    if not isinstance(magnitude, np.ndarray):
        raise TypeError(f"magnitude must be a numpy array, got {_describe(magnitude)}")
    _check_grey(magnitude, "magnitude", float16=True)
    check_positive(low, "low", strict=False)
    check_positive(high, "high", strict=False)
    if low > high:
        raise ValueError(f"low must be <= high, got low={low!r} and high={high!r}")
    candidates = (magnitude >= low) & (magnitude > 0)
    labels, count = ndimage.label(candidates, structure=np.ones((3, 3), dtype=bool))
    if count == 0:
        return candidates
    strong_labels = np.unique(labels[candidates & (magnitude >= high)])
    good = np.zeros(count + 1, dtype=bool)
    good[strong_labels] = True
    good[0] = False
    return good[labels]


def canny(image: np.ndarray, sigma: float = 1.0, *, low_threshold: float = 0.1, high_threshold: float = 0.2,
          border: str = "reflect", return_steps: bool = False):
    """Canny's edge detector [2]_ assembled from this module's pieces.

    Steps:

    1. smooth with a Gaussian of standard deviation ``sigma`` (:func:`gaussian_smooth`,
       truncated at 4σ);
    2. unnormalised Sobel derivatives (:func:`sobel`) and their magnitude;
    3. :func:`non_maximum_suppression` with linear interpolation along the gradient;
    4. :func:`hysteresis_threshold` with ``low_threshold`` and ``high_threshold``, which
       are in units of the unnormalised Sobel magnitude of the smoothed image (a step of
       height 1 gives a peak magnitude of about 4 / (σ √(2π)) for large σ);
    5. the outer one-pixel ring is never an edge.

    Comparison with the libraries (what differs and why results can differ slightly):

    * ``skimage.feature.canny(I, sigma, low, high)`` follows the same five steps with
      the same Gaussian, Sobel, interpolation, ``>=`` tests and thresholds in the same
      units, so vklib uses its defaults (0.1, 0.2). Its default border is
      ``mode="constant"`` followed by division by the smoothed all-ones image (a
      *normalised* zero padding), and its Sobel step uses SciPy's ``"reflect"``
      (vklib's ``"symmetric"``); vklib uses ``border`` for both. With
      ``skimage.feature.canny(I, sigma, low, high, mode="mirror")`` and vklib's
      default ``border="reflect"`` the smoothing agrees and only pixels of the second
      ring can differ (their suppression reads the outer ring's Sobel values, which
      are padded differently); scikit-image also keeps float32 input in float32.
    * ``cv2.Canny`` does not smooth (blur first), quantises to 8 bits or takes
      ``int16`` derivatives, measures thresholds in 0..255 units, uses
      :math:`|g_x| + |g_y|` unless ``L2gradient=True``, and its non-maximum suppression
      compares with the nearest neighbours in four direction sectors, without
      interpolation.

    Parameters
    ----------
    image : (H, W) float ndarray, grey, nominally in [0, 1]
    sigma : float > 0
        Standard deviation of the Gaussian, in pixels.
    low_threshold, high_threshold : float
        Hysteresis thresholds on the Sobel magnitude, ``0 <= low <= high``.
    border : {'reflect', 'symmetric', 'edge', 'constant', 'wrap'}
    return_steps : bool
        Also return a dict with ``smoothed``, ``gx``, ``gy``, ``magnitude``,
        ``suppressed``, ``strong`` and ``weak`` (candidates not above ``high``).

    Returns
    -------
    edges : (H, W) bool ndarray
    steps : dict, only with ``return_steps=True``
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array, got {_describe(image)}")
    _check_grey(image, float16=True)
    check_positive(sigma, "sigma")
    check_positive(low_threshold, "low_threshold", strict=False)
    check_positive(high_threshold, "high_threshold", strict=False)
    if low_threshold > high_threshold:
        raise ValueError(f"low_threshold must be <= high_threshold, got {low_threshold!r} > {high_threshold!r}")
    _check_border(border)
    smoothed = gaussian_smooth(image.astype(np.float64), sigma, border=border)
    gx, gy = sobel(smoothed, border=border)
    magnitude = np.hypot(gx, gy)
    suppressed = non_maximum_suppression(magnitude, gx, gy)
    edges = hysteresis_threshold(suppressed, low_threshold, high_threshold)
    if not return_steps:
        return edges
    strong = suppressed >= high_threshold
    weak = (suppressed >= low_threshold) & (suppressed > 0) & ~strong
    return edges, {"smoothed": smoothed, "gx": gx, "gy": gy, "magnitude": magnitude,
                   "suppressed": suppressed, "strong": strong, "weak": weak}


