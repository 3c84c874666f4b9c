"""Named kernels and the sampled Gaussian (chapter 2, "Step and ramp edges in one dimension",
"Sobel and Prewitt: smoothing ⊗ derivative" and "The Laplacian, the LoG and zero crossings").

The finite differences of the first section as centred 3-tap correlation kernels, the 3 x 3
derivative kernels built from their separable parts (smoothing ⊗ derivative), the two
discrete Laplacians, the border modes, and :func:`gaussian_kernel1d`, the one sampled
Gaussian (with its first and second derivatives) that every smoothing step of
:mod:`vklib.edges` uses. All arrays are read-only float64.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from ..checks import check_array, check_in, check_positive

__all__ = [
    "BORDER_MODES",
    "FORWARD_DIFFERENCE",
    "BACKWARD_DIFFERENCE",
    "CENTRAL_DIFFERENCE",
    "DERIVATIVE",
    "SOBEL_SMOOTHING",
    "PREWITT_SMOOTHING",
    "SCHARR_SMOOTHING",
    "SOBEL_X",
    "SOBEL_Y",
    "PREWITT_X",
    "PREWITT_Y",
    "SCHARR_X",
    "SCHARR_Y",
    "LAPLACIAN_4",
    "LAPLACIAN_8",
    "OPERATORS",
    "MAX_GAUSSIAN_RADIUS",
    "gaussian_kernel1d",
    "frequency_response",
]

def _const(values) -> np.ndarray:
    out = np.array(values, dtype=np.float64)
    out.flags.writeable = False
    return out


# --------------------------------------------------------------------------------------
# Named kernels, built from their separable parts
# --------------------------------------------------------------------------------------

#: vklib border name -> (scipy.ndimage mode, OpenCV border name, torch pad mode or None); read-only.
BORDER_MODES = MappingProxyType({
    "reflect": ("mirror", "BORDER_REFLECT_101", "reflect"),
    "symmetric": ("reflect", "BORDER_REFLECT", None),
    "edge": ("nearest", "BORDER_REPLICATE", "replicate"),
    "constant": ("constant", "BORDER_CONSTANT", "constant"),
    "wrap": ("wrap", None, "circular"),
})

#: Forward difference f(x + 1) - f(x), written as a centred 3-tap kernel.
FORWARD_DIFFERENCE = _const([0.0, -1.0, 1.0])
#: Backward difference f(x) - f(x - 1), written as a centred 3-tap kernel.
BACKWARD_DIFFERENCE = _const([-1.0, 1.0, 0.0])
#: Central difference (f(x + 1) - f(x - 1)) / 2: the mean of forward and backward.
CENTRAL_DIFFERENCE = _const([-0.5, 0.0, 0.5])
#: The unnormalised central difference [-1, 0, 1] that Sobel, Prewitt and Scharr use.
DERIVATIVE = _const([-1.0, 0.0, 1.0])
#: Binomial smoothing (a 3-tap approximation of a Gaussian), sum 4.
SOBEL_SMOOTHING = _const([1.0, 2.0, 1.0])
#: Box smoothing, sum 3.
PREWITT_SMOOTHING = _const([1.0, 1.0, 1.0])
#: Scharr's smoothing, chosen for rotation invariance of the gradient, sum 16.
SCHARR_SMOOTHING = _const([3.0, 10.0, 3.0])

#: Sobel kernels: smoothing along y (rows) ⊗ derivative along x (columns), and the transpose.
SOBEL_X = _const(np.outer(SOBEL_SMOOTHING, DERIVATIVE))
SOBEL_Y = _const(SOBEL_X.T)
PREWITT_X = _const(np.outer(PREWITT_SMOOTHING, DERIVATIVE))
PREWITT_Y = _const(PREWITT_X.T)
SCHARR_X = _const(np.outer(SCHARR_SMOOTHING, DERIVATIVE))
SCHARR_Y = _const(SCHARR_X.T)
#: 4-neighbour Laplacian: the sum of the second differences [1, -2, 1] along x and y.
LAPLACIAN_4 = _const([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
#: 8-neighbour Laplacian: every neighbour weighs 1 (includes the diagonals).
LAPLACIAN_8 = _const([[1.0, 1.0, 1.0], [1.0, -8.0, 1.0], [1.0, 1.0, 1.0]])

_SMOOTHING = {"sobel": SOBEL_SMOOTHING, "prewitt": PREWITT_SMOOTHING, "scharr": SCHARR_SMOOTHING}
#: Gradient operators accepted by :func:`gradient`.
OPERATORS = ("forward", "backward", "central", "sobel", "prewitt", "scharr")


# --------------------------------------------------------------------------------------
# The sampled Gaussian and its derivatives (the one Gaussian of vklib.edges)
# --------------------------------------------------------------------------------------

#: Largest radius :func:`gaussian_kernel1d` builds (``truncate * sigma``, in pixels): a wider
#: kernel is certainly a mistake, and filtering with it would take minutes or exhaust memory.
MAX_GAUSSIAN_RADIUS = 100_000


def gaussian_kernel1d(sigma: float, *, order: int = 0, truncate: float = 4.0) -> np.ndarray:
    """Sampled, normalised 1-D Gaussian of standard deviation ``sigma``, or a derivative, as a correlation kernel.

    With :math:`x = -r, \\dots, r`, :math:`r = \\lfloor \\text{truncate}\\,\\sigma + 1/2 \\rfloor`,

    .. math:: g(x) = \\frac{e^{-x^2 / 2\\sigma^2}}{\\sum_{x'} e^{-x'^2 / 2\\sigma^2}}, \\qquad
              g'(x) = -\\frac{x}{\\sigma^2} g(x), \\qquad
              g''(x) = \\left(\\frac{x^2}{\\sigma^4} - \\frac{1}{\\sigma^2}\\right) g(x).

    ``order=0`` returns ``g`` (weights sum to 1), ``order=2`` returns ``g''`` and
    ``order=1`` returns ``g'`` *reversed*, :math:`g'(-x) = x g(x) / \\sigma^2`: the
    derivative of a smoothed image is a convolution with ``g'``, i.e. a correlation with
    the reversed kernel (like :data:`DERIVATIVE` ``= [-1, 0, 1]``, it weighs the right
    neighbour positively). Correlating with these kernels reproduces
    ``scipy.ndimage.gaussian_filter1d(..., order=k)`` (and ``skimage.filters.gaussian``).

    Parameters
    ----------
    sigma : float > 0
    order : {0, 1, 2}
    truncate : float > 0
        Radius in units of ``sigma``; ``truncate * sigma`` is at most
        :data:`MAX_GAUSSIAN_RADIUS` pixels (``ValueError`` otherwise).

    Returns
    -------
    (2r + 1,) float64 ndarray
    """
    check_positive(sigma, "sigma")
    check_positive(truncate, "truncate")
    check_in(order, "order", (0, 1, 2))
    radius = int(truncate * float(sigma) + 0.5)
    if radius > MAX_GAUSSIAN_RADIUS:
        raise ValueError(f"truncate * sigma must be at most {MAX_GAUSSIAN_RADIUS} pixels (a Gaussian far wider than "
                         f"any image), got sigma={sigma!r} and truncate={truncate!r}: {2 * radius + 1} taps")
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    s2 = float(sigma) ** 2
    g = np.exp(-0.5 * x * x / s2)
    g /= g.sum()
    if order == 1:
        return x / s2 * g
    if order == 2:
        return (x * x / (s2 * s2) - 1.0 / s2) * g
    return g



def frequency_response(kernel: np.ndarray, *, n: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Amplitude of a correlation kernel's frequency response on an ``n x n`` grid of frequencies.

    Correlating the complex sinusoid :math:`e^{i(\\omega_x x + \\omega_y y)}` with a kernel
    :math:`K(i, j)` (``i`` the row offset, ``j`` the column offset from the centre) multiplies
    it by

    .. math:: H(\\omega_y, \\omega_x) = \\sum_{i, j} K(i, j)\\, e^{i(\\omega_y i + \\omega_x j)},

    so :math:`|H|` is the gain at that frequency. By Parseval's theorem the mean of
    :math:`|H|^2` over the square :math:`[-\\pi, \\pi)^2` equals :math:`\\sum K^2`, the factor by
    which the kernel multiplies the variance of independent pixel noise; on this grid of
    ``n`` equally spaced frequencies the equality is exact when ``n`` is at least the
    kernel's size.

    Parameters
    ----------
    kernel : (kh,) or (kh, kw) real ndarray with odd sizes and finite values (1-D kernels run along x)
    n : int in 1 .. 4096, frequencies per axis: ``omega = -pi + 2 pi k / n``, ``k = 0 .. n - 1``

    Returns
    -------
    omega : (n,) float64 ndarray, radians per pixel
    gain : (n, n) float64 ndarray, ``gain[a, b] = |H(omega[a], omega[b])|`` (rows: omega_y)

    Examples
    --------
    The central difference's gain along x is :math:`|\\sin\\omega_x|`:

    >>> omega, gain = frequency_response(CENTRAL_DIFFERENCE, n=4)
    >>> (omega / np.pi).tolist(), np.round(gain[2], 6).tolist()  # the row omega_y = 0
    ([-1.0, -0.5, 0.0, 0.5], [0.0, 1.0, 0.0, 1.0])
    """
    check_positive(n, "n", integer=True)
    if n > 4096:
        raise ValueError(f"n must be at most 4096 (the gain is an n x n array), got {n}")
    check_array(kernel, "kernel", dtype="numeric")
    if kernel.ndim not in (1, 2):
        raise ValueError(f"kernel must be 1-D or 2-D, got shape {tuple(kernel.shape)}")
    if any(s % 2 == 0 for s in kernel.shape):
        raise ValueError(f"kernel must have odd sizes so that its centre is a pixel, got shape {tuple(kernel.shape)}")
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim == 1:
        kernel = kernel[None, :]
    omega = np.linspace(-np.pi, np.pi, int(n), endpoint=False)
    rows = np.arange(kernel.shape[0]) - kernel.shape[0] // 2
    cols = np.arange(kernel.shape[1]) - kernel.shape[1] // 2
    ey = np.exp(1j * np.outer(omega, rows))  # (n, kh)
    ex = np.exp(1j * np.outer(omega, cols))  # (n, kw)
    return omega, np.abs(ey @ kernel @ ex.T)
