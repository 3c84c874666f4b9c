"""Edges: derivative kernels, gradients, Laplacian zero crossings and Canny (chapter 2).

Everything here is *correlation* of a grey image with a small kernel,

.. math:: (K \\star I)(y, x) = \\sum_{i=-r}^{r} \\sum_{j=-r}^{r} K(i, j)\\, I(y + i, x + j),

with the kernel's centre as its anchor. Convolution is the same sum with the kernel
flipped in both axes (:func:`convolve2d`). OpenCV's ``filter2D``, ``Sobel`` and
``Laplacian`` and SciPy's ``ndimage.correlate``/``sobel``/``prewitt`` compute
correlation too, so vklib's kernels need no flip to match them.

Conventions
-----------
* Images: a grey NumPy ``(H, W)`` float array, or a torch ``(B, 1, H, W)`` float
  tensor on any device (the fast path is ``torch.nn.functional.conv2d``; outputs
  keep the input's device and dtype). Colour images are rejected: convert first
  (``vklib.data.load_photo(name, as_gray=True)`` or ``skimage.color.rgb2gray``).
* Axes: ``x`` is the column index (growing to the right), ``y`` the row index
  (growing *downwards*). ``gx > 0`` where the image gets brighter to the right,
  ``gy > 0`` where it gets brighter downwards, as in ``cv2.Sobel(img, cv2.CV_64F, 1, 0)``
  and ``scipy.ndimage.sobel(img, axis=1)``. Orientations ``atan2(gy, gx)`` therefore
  turn *clockwise* on the screen.
* Kernels are integer-valued and unnormalised by default (as in OpenCV and SciPy):
  Sobel = ``[1, 2, 1]^T ⊗ [-1, 0, 1]``, so a ramp of slope 1 per pixel gives
  ``gx = 4 * 2 = 8``. ``normalize=True`` divides by the smoothing sum and by 2
  (the central difference's span), so that a ramp of slope 1 gives exactly 1.
* Border modes (:data:`BORDER_MODES`), named as :func:`numpy.pad` names them:

  ============  ===================  ====================  =================  ==============
  vklib         pixels beyond 0      ``scipy.ndimage``     OpenCV             ``torch``
  ============  ===================  ====================  =================  ==============
  "reflect"     ``c b | a b c``      ``"mirror"``          BORDER_REFLECT_101  ``"reflect"``
  "symmetric"   ``b a | a b c``      ``"reflect"``         BORDER_REFLECT     (index map)
  "edge"        ``a a | a b c``      ``"nearest"``         BORDER_REPLICATE   ``"replicate"``
  "constant"    ``0 0 | a b c``      ``"constant"``        BORDER_CONSTANT    ``"constant"``
  "wrap"        ``b c | a b c``      ``"wrap"``            (not supported)    ``"circular"``
  ============  ===================  ====================  =================  ==============

  The default, ``"reflect"``, is OpenCV's default (BORDER_REFLECT_101). Beware the
  name clash: SciPy's ``"reflect"`` (its default) is vklib's ``"symmetric"``.

Relation to the libraries people use (``I`` a float image, default arguments):

* ``sobel(I)[0] == cv2.Sobel(I, cv2.CV_64F, 1, 0, ksize=3)`` and
  ``== scipy.ndimage.sobel(I, axis=1, mode="mirror")``; same for Prewitt
  (``scipy.ndimage.prewitt``), Scharr (``cv2.Scharr``) and ``laplacian(I)`` (4-neighbour)
  ``== cv2.Laplacian(I, cv2.CV_64F, ksize=1) == scipy.ndimage.laplace(I, mode="mirror")``.
* scikit-image normalises: ``skimage.filters.sobel_v(I) == sobel(I, border="symmetric")[0] / 4``,
  ``sobel_h`` is ``gy / 4``, ``prewitt_v`` is Prewitt ``gx / 3``, ``scharr_v`` is Scharr
  ``gx / 16``, and ``skimage.filters.sobel(I) == gradient_magnitude(*sobel(I)) / (4 * sqrt(2))``
  (the root *mean* square of the two normalised derivatives);
  ``skimage.filters.laplace(I) == -laplacian(I, border="symmetric")``.
* ``cv2.Laplacian(ksize=3)`` is **not** the 8-neighbour Laplacian: it is
  ``[[2, 0, 2], [0, -8, 0], [2, 0, 2]]``.

References
----------
.. [1] Marr, D., & Hildreth, E. (1980). Theory of edge detection. Proceedings of the
   Royal Society of London B, 207(1167), 187-217. https://doi.org/10.1098/rspb.1980.0020
.. [2] Canny, J. (1986). A computational approach to edge detection. IEEE Transactions
   on Pattern Analysis and Machine Intelligence, 8(6), 679-698.
   https://doi.org/10.1109/TPAMI.1986.4767851
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .checks import _describe, check_array, check_in, check_positive, is_tensor

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
    "correlate2d_reference",
    "correlate2d",
    "convolve2d",
    "correlate_separable",
    "gaussian_kernel1d",
    "gaussian_smooth",
    "finite_differences",
    "sobel",
    "prewitt",
    "scharr",
    "gradient",
    "gradient_magnitude",
    "gradient_orientation",
    "orientation_to_rgb",
    "laplacian",
    "laplacian_of_gaussian",
    "zero_crossings",
    "non_maximum_suppression",
    "hysteresis_threshold",
    "canny",
    "mask_boundary",
    "edge_f1",
]


def _const(values) -> np.ndarray:
    out = np.array(values, dtype=np.float64)
    out.flags.writeable = False
    return out


# --------------------------------------------------------------------------------------
# Named kernels, built from their separable parts
# --------------------------------------------------------------------------------------

#: vklib border name -> (scipy.ndimage mode, OpenCV border name, torch pad mode or None).
BORDER_MODES = {
    "reflect": ("mirror", "BORDER_REFLECT_101", "reflect"),
    "symmetric": ("reflect", "BORDER_REFLECT", None),
    "edge": ("nearest", "BORDER_REPLICATE", "replicate"),
    "constant": ("constant", "BORDER_CONSTANT", "constant"),
    "wrap": ("wrap", None, "circular"),
}

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
# Input checks
# --------------------------------------------------------------------------------------

def _check_grey(image: Any, name: str = "image") -> Any:
    """A grey NumPy (H, W) or torch (B, 1, H, W) float image (any real values)."""
    if isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[-1] in (3, 4):
        raise ValueError(f"{name} must be a grey (H, W) image, got a colour image ({_describe(image)}); "
                         "convert it first, e.g. load_photo(name, as_gray=True) or skimage.color.rgb2gray")
    if is_tensor(image):
        check_array(image, name, ndim=4, finite=False)
        if image.shape[1] != 1:
            raise ValueError(f"{name} must be a grey (B, 1, H, W) tensor, got {_describe(image)}")
        _check_finite(image, name)
        return image
    # check_image(image, name, channels=None) without its two element-wise finiteness
    # passes (which would cost more than a 3 x 3 filter on a large image).
    check_array(image, name, ndim=2, finite=False)
    _check_finite(image, name)
    return image


def _check_finite(x: Any, name: str) -> None:
    """Reject NaN/inf. One reduction decides (a NaN or inf makes the sum non-finite, and the
    sum needs no temporary array); only then, or on overflow, does the element-wise check
    run and raise its message."""
    if is_tensor(x):
        import torch

        if bool(torch.isfinite(x.sum())):
            return
    else:
        with np.errstate(over="ignore", invalid="ignore"):  # overflow or inf - inf: decided below
            total = np.add.reduce(x, axis=None)
        if np.isfinite(total):
            return
    check_array(x, name)


def _check_pair(gx: Any, gy: Any) -> None:
    check_array(gx, "gx", finite=False)
    check_array(gy, "gy", shape=tuple(gx.shape), finite=False)
    if is_tensor(gx) != is_tensor(gy):
        raise TypeError(f"gx and gy must both be numpy arrays or both torch tensors, got {_describe(gx)} "
                        f"and {_describe(gy)}")
    _check_finite(gx, "gx")
    _check_finite(gy, "gy")


def _check_border(border: str) -> str:
    return check_in(border, "border", tuple(BORDER_MODES))


def _check_kernel(kernel: Any, name: str = "kernel", ndim: int = 2) -> np.ndarray:
    if is_tensor(kernel):
        kernel = kernel.detach().cpu().numpy()
    check_array(kernel, name, ndim=ndim, dtype="numeric")
    if any(s % 2 == 0 for s in kernel.shape):
        raise ValueError(f"{name} must have odd sizes so that its centre is a pixel, got shape {kernel.shape}")
    return np.array(kernel, dtype=np.float64)  # a writable copy (torch refuses read-only arrays)


# --------------------------------------------------------------------------------------
# Correlation: loop reference and fast paths
# --------------------------------------------------------------------------------------

def correlate2d_reference(image: np.ndarray, kernel: np.ndarray, *, border: str = "reflect") -> np.ndarray:
    """Correlate a grey image with a kernel by explicit loops (slow; for teaching and tests).

    Computes :math:`O(y, x) = \\sum_{i, j} K(i, j)\\, I_p(y + i, x + j)` where :math:`I_p`
    is the image padded by :func:`numpy.pad` with ``border`` and ``i, j`` run over the
    kernel's offsets from its centre. This is the definition, written out; use
    :func:`correlate2d` for real images.

    Parameters
    ----------
    image : (H, W) float ndarray
    kernel : (kh, kw) ndarray with odd ``kh``, ``kw``
    border : {'reflect', 'symmetric', 'edge', 'constant', 'wrap'}
        How pixels beyond the image are made up (see :data:`BORDER_MODES`).

    Returns
    -------
    (H, W) float64 ndarray
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array, got {_describe(image)}")
    _check_grey(image)
    kernel = _check_kernel(kernel)
    _check_border(border)
    ry, rx = kernel.shape[0] // 2, kernel.shape[1] // 2
    padded = np.pad(image.astype(np.float64), ((ry, ry), (rx, rx)), mode=border)
    height, width = image.shape
    out = np.zeros((height, width), dtype=np.float64)
    for y in range(height):
        for x in range(width):
            total = 0.0
            for i in range(-ry, ry + 1):
                for j in range(-rx, rx + 1):
                    total += kernel[i + ry, j + rx] * padded[y + ry + i, x + rx + j]
            out[y, x] = total
    return out


def _torch_pad(x, top: int, bottom: int, left: int, right: int, border: str):
    """Pad the last two axes of a torch tensor with a vklib border mode."""
    import torch
    import torch.nn.functional as F

    mode = BORDER_MODES[border][2]
    fits = max(top, bottom) < x.shape[-2] and max(left, right) < x.shape[-1]
    if border == "constant":
        return F.pad(x, (left, right, top, bottom), mode="constant", value=0.0)
    if mode is not None and fits:
        return F.pad(x, (left, right, top, bottom), mode=mode)
    # "symmetric", and pads wider than the image (torch refuses those), as an index map per
    # axis, built by numpy.pad on the indices themselves.
    rows = np.pad(np.arange(x.shape[-2]), (top, bottom), mode=border)
    cols = np.pad(np.arange(x.shape[-1]), (left, right), mode=border)
    rows = torch.as_tensor(rows, device=x.device)
    cols = torch.as_tensor(cols, device=x.device)
    return x.index_select(-2, rows).index_select(-1, cols)


def _torch_correlate(x, kernel: np.ndarray, border: str, method: str | None = None):
    """Correlate (B, 1, H, W) with a small kernel: ``conv2d``, or a sum of shifted copies.

    ``conv2d`` is the path on GPUs. On the CPU, single-channel ``conv2d`` is several
    times slower than adding ``kh * kw`` weighted, shifted views of the padded image
    (the definition of correlation, vectorised), so that is the CPU default. Both give
    the same numbers up to float rounding (tested).
    """
    kh, kw = kernel.shape
    padded = _torch_pad(x, kh // 2, kh // 2, kw // 2, kw // 2, border)
    return _torch_valid(padded, kernel, method)


def _torch_valid(padded, kernel: np.ndarray, method: str | None = None):
    """The "valid" part of the correlation of an already padded (B, 1, H', W') tensor."""
    import torch
    import torch.nn.functional as F

    if method is None:
        method = "shift" if padded.device.type == "cpu" else "conv2d"
    kh, kw = kernel.shape
    height, width = padded.shape[-2] - kh + 1, padded.shape[-1] - kw + 1
    if method == "conv2d":
        weight = torch.as_tensor(kernel, dtype=padded.dtype, device=padded.device)[None, None]
        return F.conv2d(padded, weight)
    out = None
    for i in range(kh):
        for j in range(kw):
            k = float(kernel[i, j])
            if k == 0.0:
                continue
            view = padded[..., i:i + height, j:j + width]
            if out is None:
                out = view * k
            else:  # fused multiply-add in place: no temporary image per tap
                out.add_(view, alpha=k)
    if out is None:
        return torch.zeros_like(padded[..., :height, :width])
    return out


def correlate2d(image: Any, kernel: Any, *, border: str = "reflect") -> Any:
    """Correlate a grey image with a 2-D kernel (fast path).

    NumPy images go through ``scipy.ndimage.correlate`` (same dtype out as in);
    torch ``(B, 1, H, W)`` tensors through ``torch.nn.functional.conv2d`` (which, despite
    its name, computes correlation) on their own device, except on the CPU, where a sum
    of shifted views is faster for one channel. All equal :func:`correlate2d_reference`.

    Parameters
    ----------
    image : (H, W) float ndarray or (B, 1, H, W) float tensor
    kernel : (kh, kw) array with odd sizes, used as given: no flip, no normalisation
    border : {'reflect', 'symmetric', 'edge', 'constant', 'wrap'}
        See :data:`BORDER_MODES`; ``"constant"`` pads with zeros.

    Returns
    -------
    Same type, shape, device and dtype as ``image``.
    """
    _check_grey(image)
    kernel = _check_kernel(kernel)
    _check_border(border)
    if is_tensor(image):
        return _torch_correlate(image, kernel, border)
    from scipy import ndimage

    return ndimage.correlate(image, kernel.astype(image.dtype), mode=BORDER_MODES[border][0], cval=0.0)


def convolve2d(image: Any, kernel: Any, *, border: str = "reflect") -> Any:
    """Convolve: correlate with the kernel flipped in both axes, ``K[::-1, ::-1]``.

    For the symmetric smoothing kernels correlation and convolution agree; for the
    antisymmetric derivative kernels convolution flips the sign of the result.
    """
    kernel = _check_kernel(kernel)
    return correlate2d(image, kernel[::-1, ::-1], border=border)


def correlate_separable(image: Any, kernel_x: Any, kernel_y: Any, *, border: str = "reflect") -> Any:
    """Correlate with the separable kernel ``outer(kernel_y, kernel_x)`` as two 1-D passes.

    A ``k x k`` kernel that is an outer product costs ``2k`` multiplications per pixel
    instead of ``k^2``. Padding each pass with the same border mode gives exactly the
    2-D result, because every mode is a separate index map per axis.

    Parameters
    ----------
    image : (H, W) float ndarray or (B, 1, H, W) float tensor
    kernel_x : (kw,) array, applied along x (columns) first
    kernel_y : (kh,) array, applied along y (rows) second
    border : {'reflect', 'symmetric', 'edge', 'constant', 'wrap'}

    Returns
    -------
    Same type, shape, device and dtype as ``image``; equal to
    ``correlate2d(image, np.outer(kernel_y, kernel_x), border=border)``.
    """
    _check_grey(image)
    kx = _check_kernel(kernel_x, "kernel_x", ndim=1)
    ky = _check_kernel(kernel_y, "kernel_y", ndim=1)
    _check_border(border)
    return _separable(image, kx, ky, border)


def _separable(image: Any, kx: np.ndarray, ky: np.ndarray, border: str) -> Any:
    """:func:`correlate_separable` without the checks (inputs already checked)."""
    if is_tensor(image):
        ry, rx = len(ky) // 2, len(kx) // 2
        return _torch_separable_padded(_torch_pad(image, ry, ry, rx, rx, border), ry, rx, kx, ky)
    from scipy import ndimage

    mode = BORDER_MODES[border][0]
    out = ndimage.correlate1d(image, kx.astype(image.dtype), axis=1, mode=mode, cval=0.0)
    return ndimage.correlate1d(out, ky.astype(image.dtype), axis=0, mode=mode, cval=0.0)


def _torch_separable_padded(padded, ry: int, rx: int, kx: np.ndarray, ky: np.ndarray):
    """Two valid 1-D passes over a tensor padded by (ry, rx) or more on each side.

    Every border mode pads each axis by its own index map, so filtering the padded rows
    along x and then taking the valid part along y equals padding before each pass; the
    image is padded once and a wider padding can be cropped to a narrower one.
    """
    ay, ax = len(ky) // 2, len(kx) // 2
    padded = padded[..., ry - ay:padded.shape[-2] - (ry - ay), rx - ax:padded.shape[-1] - (rx - ax)]
    return _torch_valid(_torch_valid(padded, kx[None, :]), ky[:, None])


# --------------------------------------------------------------------------------------
# Gaussian smoothing
# --------------------------------------------------------------------------------------

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
        Radius in units of ``sigma``.

    Returns
    -------
    (2r + 1,) float64 ndarray
    """
    check_positive(sigma, "sigma")
    check_positive(truncate, "truncate")
    check_in(order, "order", (0, 1, 2))
    radius = int(truncate * float(sigma) + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    s2 = float(sigma) ** 2
    g = np.exp(-0.5 * x * x / s2)
    g /= g.sum()
    if order == 1:
        return x / s2 * g
    if order == 2:
        return (x * x / (s2 * s2) - 1.0 / s2) * g
    return g


def gaussian_smooth(image: Any, sigma: float, *, border: str = "reflect", truncate: float = 4.0) -> Any:
    """Gaussian smoothing as two 1-D passes (:func:`correlate_separable` with :func:`gaussian_kernel1d`).

    Equals ``scipy.ndimage.gaussian_filter(image, sigma, mode=BORDER_MODES[border][0],
    truncate=truncate)``.
    """
    g = gaussian_kernel1d(sigma, truncate=truncate)
    return correlate_separable(image, g, g, border=border)


# --------------------------------------------------------------------------------------
# First derivatives
# --------------------------------------------------------------------------------------

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
    from .color import hsv_to_srgb

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


# --------------------------------------------------------------------------------------
# Second derivatives and zero crossings
# --------------------------------------------------------------------------------------

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
    _check_grey(response, "response")
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


# --------------------------------------------------------------------------------------
# Canny
# --------------------------------------------------------------------------------------

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
    _check_grey(magnitude, "magnitude")
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
    _check_grey(magnitude, "magnitude")
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
    _check_grey(image)
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


# --------------------------------------------------------------------------------------
# Scoring edges against ground truth
# --------------------------------------------------------------------------------------

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

