"""The Laplacian, the Laplacian of Gaussian and zero crossings (chapter 2, "The Laplacian,
the LoG and zero crossings"; Marr and Hildreth 1980, https://doi.org/10.1098/rspb.1980.0020).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import _describe, check_in, check_positive, is_tensor
from ._checks import _check_border, _check_grey
from .correlate import _separable, _torch_pad, _torch_separable_padded, correlate2d
from .kernels import LAPLACIAN_4, LAPLACIAN_8, gaussian_kernel1d

__all__ = [
    "laplacian",
    "laplacian_of_gaussian",
    "zero_crossings",
]


def laplacian(image: Any, *, neighbours: int = 4, border: str = "reflect") -> Any:
    """Discrete Laplacian :math:`\\nabla^2 I = \\partial^2 I/\\partial x^2 + \\partial^2 I/\\partial y^2`.

    ``neighbours=4`` correlates with :data:`LAPLACIAN_4` (the sum of the second
    differences ``[1, -2, 1]`` along x and y; unit weights, no normalisation): it equals
    ``cv2.Laplacian(I, cv2.CV_64F, ksize=1)``, ``scipy.ndimage.laplace(I, mode="mirror")``
    and ``-skimage.filters.laplace(I)`` with ``border="symmetric"`` (scikit-image flips
    the sign). ``neighbours=8`` uses :data:`LAPLACIAN_8` (``cv2.filter2D`` with that
    kernel; note that ``cv2.Laplacian(ksize=3)`` is a different kernel,
    ``[[2, 0, 2], [0, -8, 0], [2, 0, 2]]``).

    Parameters
    ----------
    image : (H, W) float ndarray or (B, 1, H, W) float tensor
    neighbours : {4, 8}
    border : {'reflect', 'symmetric', 'edge', 'constant', 'wrap'}
    """
    check_in(neighbours, "neighbours", (4, 8))
    return correlate2d(image, LAPLACIAN_4 if neighbours == 4 else LAPLACIAN_8, border=border)


def laplacian_of_gaussian(image: Any, sigma: float, *, border: str = "reflect", truncate: float = 4.0) -> Any:
    """Laplacian of Gaussian :math:`\\nabla^2 (G_\\sigma * I)` by separable passes.

    Because :math:`\\nabla^2 G_\\sigma(x, y) = G''_\\sigma(x) G_\\sigma(y) + G_\\sigma(x)
    G''_\\sigma(y)`, the LoG is two separable correlations with the 1-D kernels of
    :func:`gaussian_kernel1d`. It equals ``scipy.ndimage.gaussian_laplace(I, sigma,
    mode=BORDER_MODES[border][0], truncate=truncate)``. Unnormalised: multiply by
    :math:`\\sigma^2` for a scale-normalised response. Its zero crossings are
    Marr and Hildreth's edges [1]_.

    Parameters
    ----------
    image : (H, W) float ndarray or (B, 1, H, W) float tensor
    sigma : float > 0, in pixels
    border : {'reflect', 'symmetric', 'edge', 'constant', 'wrap'}
    truncate : float > 0
    """
    _check_grey(image)
    _check_border(border)
    g0 = gaussian_kernel1d(sigma, truncate=truncate)
    g2 = gaussian_kernel1d(sigma, order=2, truncate=truncate)
    if is_tensor(image):  # pad once for both terms
        r = len(g0) // 2
        padded = _torch_pad(image, r, r, r, r, border)
        return _torch_separable_padded(padded, r, r, g2, g0) + _torch_separable_padded(padded, r, r, g0, g2)
    return _separable(image, g2, g0, border) + _separable(image, g0, g2, border)


def zero_crossings(response: np.ndarray, *, threshold: float = 0.0) -> np.ndarray:
    """Pixels where a second-derivative response changes sign, with a slope threshold.

    A pixel is marked when, for at least one of the four pairs of opposite neighbours
    (left/right, up/down and the two diagonals), the two neighbours have strictly
    opposite signs and :math:`|r_a - r_b| > t` (the jump across the pixel, i.e. the
    slope of the response; ``t = threshold``). Without the threshold every tiny noise
    ripple of a flat region is a zero crossing. Pixels in the outer ring have no
    opposite pairs and are never marked.

    Parameters
    ----------
    response : (H, W) float ndarray, e.g. :func:`laplacian_of_gaussian`
    threshold : float >= 0

    Returns
    -------
    (H, W) bool ndarray
    """
    if not isinstance(response, np.ndarray):
        raise TypeError(f"response must be a numpy array, got {_describe(response)}")
    _check_grey(response, "response", float16=True)
    check_positive(threshold, "threshold", strict=False)
    r = response.astype(np.float64)
    out = np.zeros(r.shape, dtype=bool)
    if min(r.shape) < 3:
        return out
    h, w = r.shape
    c = (slice(1, h - 1), slice(1, w - 1))
    for (dy, dx) in ((0, 1), (1, 0), (1, 1), (1, -1)):
        a = r[1 + dy:h - 1 + dy, 1 + dx:w - 1 + dx]
        b = r[1 - dy:h - 1 - dy, 1 - dx:w - 1 - dx]
        out[c] |= (a * b < 0) & (np.abs(a - b) > threshold)
    return out


