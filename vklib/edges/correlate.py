"""Correlation, convolution, borders and separability (chapter 2, "Correlation, convolution
and borders" and the separability part of "Sobel and Prewitt").

:func:`correlate2d_reference` is the definition written as loops; :func:`correlate2d`,
:func:`convolve2d` and :func:`correlate_separable` are the fast paths (SciPy for NumPy
arrays, shifted views or ``conv2d`` for torch tensors), all tested equal to the loops.
:func:`gaussian_smooth` is the separable Gaussian built on them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import _describe, is_tensor
from ._checks import _check_border, _check_grey, _check_kernel
from .kernels import BORDER_MODES, gaussian_kernel1d

__all__ = [
    "correlate2d_reference",
    "correlate2d",
    "convolve2d",
    "correlate_separable",
    "gaussian_smooth",
]


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
    _check_grey(image, float16=True)
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



def gaussian_smooth(image: Any, sigma: float, *, border: str = "reflect", truncate: float = 4.0) -> Any:
    """Gaussian smoothing as two 1-D passes (:func:`correlate_separable` with :func:`gaussian_kernel1d`).

    Equals ``scipy.ndimage.gaussian_filter(image, sigma, mode=BORDER_MODES[border][0],
    truncate=truncate)``.
    """
    g = gaussian_kernel1d(sigma, truncate=truncate)
    return correlate_separable(image, g, g, border=border)


