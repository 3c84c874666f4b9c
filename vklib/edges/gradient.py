"""First derivatives: finite differences, Sobel, Prewitt, Scharr, magnitude and orientation
(chapter 2, "Differentiation amplifies noise", "Gradient, magnitude and orientation" and
"Sobel and Prewitt: smoothing ⊗ derivative").
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import _describe, check_array, check_in, check_positive, is_tensor
from ._checks import _check_border, _check_grey, _check_pair
from .correlate import _separable, _torch_pad, _torch_separable_padded
from .kernels import (BACKWARD_DIFFERENCE, CENTRAL_DIFFERENCE, DERIVATIVE, FORWARD_DIFFERENCE, OPERATORS,
                      _SMOOTHING)

__all__ = [
    "finite_differences",
    "sobel",
    "prewitt",
    "scharr",
    "gradient",
    "gradient_magnitude",
    "gradient_orientation",
    "orientation_to_rgb",
]


def _derivative_pair(image: Any, smoothing: np.ndarray, derivative: np.ndarray, border: str):
    """gx = smoothing along y ⊗ derivative along x; gy the transpose."""
    smoothing, derivative = np.asarray(smoothing, np.float64), np.asarray(derivative, np.float64)
    if is_tensor(image):  # pad once for both derivatives
        r = max(len(smoothing), len(derivative)) // 2
        padded = _torch_pad(image, r, r, r, r, border)
        return (_torch_separable_padded(padded, r, r, derivative, smoothing),
                _torch_separable_padded(padded, r, r, smoothing, derivative))
    gx = _separable(image, np.asarray(derivative, np.float64), np.asarray(smoothing, np.float64), border)
    gy = _separable(image, np.asarray(smoothing, np.float64), np.asarray(derivative, np.float64), border)
    return gx, gy


def finite_differences(image: Any, *, scheme: str = "central", border: str = "reflect"):
    """Signed derivative estimates ``(gx, gy)`` by plain finite differences.

    ==========  ===================================  =========================
    scheme      :math:`g_x(y, x)`                    correlation kernel
    ==========  ===================================  =========================
    forward     :math:`I(y, x+1) - I(y, x)`          ``[0, -1, 1]``
    backward    :math:`I(y, x) - I(y, x-1)`          ``[-1, 1, 0]``
    central     :math:`(I(y, x+1) - I(y, x-1)) / 2`  ``[-1/2, 0, 1/2]``
    ==========  ===================================  =========================

    and the same along y for ``gy``. The central difference is the mean of the other two
    and is exact for quadratics (error :math:`O(h^2)` rather than :math:`O(h)`); none
    smooths, so all pass noise straight through (see the chapter). The central
    difference is ``np.gradient`` in the interior.

    Parameters
    ----------
    image : (H, W) float ndarray or (B, 1, H, W) float tensor
    scheme : {'central', 'forward', 'backward'}
    border : {'reflect', 'symmetric', 'edge', 'constant', 'wrap'}

    Returns
    -------
    gx, gy : arrays like ``image``, in intensity units per pixel (already normalised).
    """
    _check_grey(image)
    kernel = {"forward": FORWARD_DIFFERENCE, "backward": BACKWARD_DIFFERENCE,
              "central": CENTRAL_DIFFERENCE}[check_in(scheme, "scheme", ("central", "forward", "backward"))]
    identity = np.array([1.0])
    return _derivative_pair(image, identity, kernel, _check_border(border))


def _smoothed_derivative(image: Any, name: str, border: str, normalize: bool):
    _check_grey(image)
    _check_border(border)
    smoothing = _SMOOTHING[name]
    derivative = DERIVATIVE
    if normalize:
        smoothing = smoothing / smoothing.sum()
        derivative = derivative / 2.0
    return _derivative_pair(image, smoothing, derivative, border)


def sobel(image: Any, *, border: str = "reflect", normalize: bool = False):
    """Sobel derivatives ``(gx, gy)``: ``[1, 2, 1]`` smoothing ⊗ ``[-1, 0, 1]`` derivative.

    ``gx`` correlates with :data:`SOBEL_X` = ``[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]``
    (computed as two 1-D passes), ``gy`` with :data:`SOBEL_Y` = its transpose.

    Parameters
    ----------
    image : (H, W) float ndarray or (B, 1, H, W) float tensor
    border : {'reflect', 'symmetric', 'edge', 'constant', 'wrap'}
        Default ``"reflect"`` = OpenCV's default border (SciPy ``"mirror"``).
    normalize : bool
        ``False`` (default): the integer kernel, so ``gx`` equals ``cv2.Sobel(I, cv2.CV_64F,
        1, 0, ksize=3)`` and ``scipy.ndimage.sobel(I, axis=1, mode="mirror")`` (scale 1),
        and ``4 * skimage.filters.sobel_v(I)`` with ``border="symmetric"``.
        ``True``: divided by 8 (smoothing sum 4 times derivative span 2), so a ramp of
        slope 1 per pixel gives 1.

    Returns
    -------
    gx, gy : signed arrays like ``image``; positive where brightness grows to the right
        (``gx``) or downwards (``gy``).
    """
    return _smoothed_derivative(image, "sobel", border, normalize)


def prewitt(image: Any, *, border: str = "reflect", normalize: bool = False):
    """Prewitt derivatives ``(gx, gy)``: ``[1, 1, 1]`` box smoothing ⊗ ``[-1, 0, 1]``.

    Unnormalised (default) ``gx`` equals ``scipy.ndimage.prewitt(I, axis=1, mode="mirror")``,
    ``cv2.filter2D(I, -1, PREWITT_X)`` (OpenCV has no Prewitt function) and
    ``3 * skimage.filters.prewitt_v(I)`` with ``border="symmetric"``; ``normalize=True``
    divides by 6. See :func:`sobel` for the arguments.
    """
    return _smoothed_derivative(image, "prewitt", border, normalize)


def scharr(image: Any, *, border: str = "reflect", normalize: bool = False):
    """Scharr derivatives ``(gx, gy)``: ``[3, 10, 3]`` smoothing ⊗ ``[-1, 0, 1]``.

    Unnormalised (default) ``gx`` equals ``cv2.Scharr(I, cv2.CV_64F, 1, 0)`` and
    ``16 * skimage.filters.scharr_v(I)`` with ``border="symmetric"`` (SciPy has no Scharr;
    ``scipy.ndimage.correlate(I, SCHARR_X, mode="mirror")``); ``normalize=True`` divides
    by 32. See :func:`sobel` for the arguments.
    """
    return _smoothed_derivative(image, "scharr", border, normalize)


def gradient(image: Any, *, operator: str = "sobel", border: str = "reflect", normalize: bool = False):
    """``(gx, gy)`` by any operator of :data:`OPERATORS` (finite differences are always normalised)."""
    check_in(operator, "operator", OPERATORS)
    if operator in ("forward", "backward", "central"):
        return finite_differences(image, scheme=operator, border=border)
    return _smoothed_derivative(image, operator, border, normalize)


def gradient_magnitude(gx: Any, gy: Any) -> Any:
    """Edge strength :math:`\\|\\nabla I\\| = \\sqrt{g_x^2 + g_y^2}` (NumPy or torch)."""
    _check_pair(gx, gy)
    if is_tensor(gx):
        import torch

        return torch.hypot(gx, gy)
    return np.hypot(gx, gy)


def gradient_orientation(gx: Any, gy: Any) -> Any:
    """Gradient direction :math:`\\theta = \\operatorname{atan2}(g_y, g_x)` in radians, in (-π, π].

    ``atan2`` (not :math:`\\tan^{-1}(g_y / g_x)`) keeps the quadrant, so a dark-to-bright
    edge and a bright-to-dark edge point in opposite directions, and it is defined where
    ``gx = 0``. With y pointing down, θ grows clockwise on the screen. Where both
    derivatives are 0 the orientation is 0 (undefined in theory).
    """
    _check_pair(gx, gy)
    if is_tensor(gx):
        import torch

        return torch.atan2(gy, gx)
    return np.arctan2(gy, gx)


def orientation_to_rgb(gx: np.ndarray, gy: np.ndarray, *, max_magnitude: float | None = None) -> np.ndarray:
    """Colour the gradient: hue = orientation, value = magnitude, saturation = 1.

    Hue is :math:`\\theta` in degrees mapped to [0, 360) (0° red = brightening to the
    right, 90° = brightening downwards, ...); value is :math:`\\min(1,
    \\|\\nabla I\\| / m)` with ``m = max_magnitude`` (default: the image's largest
    magnitude). The HSV triple is converted by ``vklib.color.hsv_to_srgb``.

    Parameters
    ----------
    gx, gy : (H, W) float ndarrays
    max_magnitude : float > 0, optional

    Returns
    -------
    (H, W, 3) float ndarray, sRGB in [0, 1].
    """
    from ..color import hsv_to_srgb

    check_array(gx, "gx", ndim=2)
    check_array(gy, "gy", shape=tuple(gx.shape))
    if not isinstance(gx, np.ndarray):
        raise TypeError(f"gx must be a numpy array, got {_describe(gx)}")
    magnitude = np.hypot(gx, gy)
    if max_magnitude is None:
        max_magnitude = float(magnitude.max()) or 1.0
    check_positive(max_magnitude, "max_magnitude")
    hue = np.degrees(np.arctan2(gy, gx)) % 360.0
    value = np.minimum(magnitude / max_magnitude, 1.0)
    hsv = np.stack([hue, np.ones_like(hue), value], axis=-1)
    return hsv_to_srgb(hsv)


