"""Input checks shared by every section of chapter 2 (edges).

Private helpers: each public function of :mod:`vklib.edges` checks its input once, here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import _describe, check_array, check_in, is_tensor
from .kernels import BORDER_MODES


def _check_grey(image: Any, name: str = "image", *, float16: bool = False) -> Any:
    """A grey NumPy (H, W) or torch (B, 1, H, W) float image (any real values).

    NumPy float16 is rejected unless ``float16=True`` (for functions that compute in
    float64 or only compare values): SciPy's filters do not support it.
    """
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
    if image.dtype == np.float16 and not float16:
        raise TypeError(f"{name} must be float32 or float64, got {_describe(image)}; the filters of "
                        f"vklib.edges do not support float16: convert with {name}.astype(np.float32)")
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

