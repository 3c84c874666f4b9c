"""Array helpers shared by the colour conversions: one code path for NumPy and torch.

Every public conversion of :mod:`vklib.color` is written once against the few
operations below, which dispatch on the input's type. NumPy arrays stay NumPy
arrays; torch tensors stay on their device with their dtype (torch is imported
only when a tensor arrives).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ..checks import _describe, check_array, is_tensor  # noqa: F401 (is_tensor re-exported)


def prepare(x: Any, name: str, channel_axis: int = -1) -> Any:
    """Check a colour array and return it with its colour axis moved last.

    Raises ``TypeError`` for a non-array or a non-float dtype, ``ValueError`` for an
    empty array, NaN or infinity, or a colour axis whose size is not 3.
    """
    check_array(x, name, dtype="floating", min_ndim=1, finite=False)
    check_finite(x, name)
    if not isinstance(channel_axis, (int, np.integer)) or isinstance(channel_axis, bool):
        raise TypeError(f"channel_axis must be an integer, got {type(channel_axis).__name__}")
    if not -x.ndim <= channel_axis < x.ndim:
        raise ValueError(f"channel_axis={channel_axis} is out of range for {name}, a {_describe(x)}")
    if x.shape[channel_axis] != 3:
        raise ValueError(
            f"{name} must have 3 values (a colour triple) along channel_axis={channel_axis}, got {_describe(x)}"
        )
    return moveaxis(x, channel_axis, -1)


def check_finite(x: Any, name: str) -> None:
    """Raise ``ValueError`` if ``x`` holds NaN or infinity (the message of vklib.checks).

    One summation decides for almost every input (a finite sum means finite values,
    since NaN and infinity propagate); only when the sum is not finite, which also
    happens when finite values overflow, is every value examined.
    """
    total = float(x.detach().sum()) if is_tensor(x) else float(np.sum(x, dtype=np.float64))
    if not np.isfinite(total):
        check_array(x, name, dtype="floating", finite=True)


def check_overflow(y: Any, name: str) -> Any:
    """Return ``y`` if it is finite; raise ``ValueError`` if a finite input overflowed.

    The public conversions accept any finite input, but a power or a product of huge
    values (an sRGB value of 1e300 decodes to infinity, and infinity minus infinity is
    NaN) would otherwise come back as silent infinities or NaN. One summation decides
    for almost every result, as in :func:`check_finite`.
    """
    total = float(y.detach().sum()) if is_tensor(y) else float(np.sum(y, dtype=np.float64))
    if np.isfinite(total):
        return y
    bad = int((~y.isfinite()).sum()) if is_tensor(y) else int((~np.isfinite(y)).sum())
    if bad:
        dtype = str(y.dtype).replace("torch.", "")
        raise ValueError(
            f"{name} is too large for this conversion: {bad} result value(s) overflowed {dtype} to "
            "infinity or NaN; colour values are expected within a few orders of magnitude of [0, 1]")
    return y


def read_only(values: Any) -> np.ndarray:
    """``values`` as a new float64 array that cannot be written to (module constants)."""
    array = np.array(values, dtype=np.float64)
    array.flags.writeable = False
    return array


def check_xy(xy: Any, name: str, shape: tuple) -> np.ndarray:
    """Check chromaticities ``(x, y)`` of the given shape; return them as float64."""
    if is_tensor(xy):
        xy = xy.detach().cpu().numpy()
    if np.iscomplexobj(xy):
        raise TypeError(f"{name} must hold real chromaticities, got complex values")
    arr = np.asarray(xy, dtype=np.float64) if not isinstance(xy, np.ndarray) else xy.astype(np.float64)
    check_array(arr, name, shape=shape)
    y = arr[..., 1]
    if np.any(y <= 0) or np.any(arr < 0) or np.any(arr.sum(axis=-1) > 1):
        raise ValueError(f"{name} must hold chromaticities with x, y >= 0, y > 0 and x + y <= 1, got {arr.tolist()}")
    return arr


def finish(y: Any, channel_axis: int = -1) -> Any:
    """Undo :func:`prepare`'s axis move on a result of the same layout."""
    return moveaxis(y, -1, channel_axis)


def moveaxis(x: Any, source: int, destination: int) -> Any:
    if source % x.ndim == destination % x.ndim:
        return x
    if is_tensor(x):
        return x.movedim(source, destination)
    return np.moveaxis(x, source, destination)


def stack(parts: list, axis: int = -1) -> Any:
    """Stack along a new last axis; NumPy or torch like the parts."""
    if is_tensor(parts[0]):
        import torch

        return torch.stack(parts, dim=axis)
    return np.stack(parts, axis=axis)


def where(condition: Any, a: Any, b: Any) -> Any:
    if is_tensor(condition):
        import torch

        return torch.where(condition, a, b)
    return np.where(condition, a, b)


def maximum(a: Any, b: Any) -> Any:
    if is_tensor(a) or is_tensor(b):
        import torch

        return torch.maximum(a, b) if is_tensor(b) else torch.clamp(a, min=b)
    return np.maximum(a, b)


def minimum(a: Any, b: Any) -> Any:
    if is_tensor(a) or is_tensor(b):
        import torch

        return torch.minimum(a, b) if is_tensor(b) else torch.clamp(a, max=b)
    return np.minimum(a, b)


def amax(x: Any, axis: int = -1) -> Any:
    return x.amax(dim=axis) if is_tensor(x) else x.max(axis=axis)


def amin(x: Any, axis: int = -1) -> Any:
    return x.amin(dim=axis) if is_tensor(x) else x.min(axis=axis)


def cbrt(x: Any) -> Any:
    """Real cube root, sign kept (for negative inputs as well)."""
    if is_tensor(x):
        return x.sign() * x.abs().pow(1.0 / 3.0)
    return np.cbrt(x)


def cbrt_positive(x: Any) -> Any:
    """Cube root of positive values (the fastest routine each library offers)."""
    return x.pow(1.0 / 3.0) if is_tensor(x) else np.cbrt(x)


def power_positive(x: Any, p: float) -> Any:
    """``x ** p`` for positive ``x``; on torch CPU ``exp(p log x)`` is faster than ``pow``."""
    if is_tensor(x):
        return x.log().mul_(p).exp_()
    return x ** p


def spow(x: Any, p: float) -> Any:
    """Sign-preserving power ``sign(x) |x|^p``."""
    if is_tensor(x):
        return x.sign() * x.abs().pow(p)
    return np.sign(x) * np.abs(x) ** p


def atan2(y: Any, x: Any) -> Any:
    if is_tensor(y):
        import torch

        return torch.atan2(y, x)
    return np.arctan2(y, x)


def sqrt(x: Any) -> Any:
    return x.sqrt() if is_tensor(x) else np.sqrt(x)


def exp(x: Any) -> Any:
    return x.exp() if is_tensor(x) else np.exp(x)


def sin(x: Any) -> Any:
    return x.sin() if is_tensor(x) else np.sin(x)


def cos(x: Any) -> Any:
    return x.cos() if is_tensor(x) else np.cos(x)


def absolute(x: Any) -> Any:
    return x.abs() if is_tensor(x) else np.abs(x)


def constant(value: Any, like: Any) -> Any:
    """``value`` (a NumPy array or number) as an array of ``like``'s kind, dtype and device."""
    if is_tensor(like):
        import torch

        # a copy: torch cannot share the memory of a read-only array (the module constants)
        return torch.as_tensor(np.array(value), dtype=like.dtype, device=like.device)
    return np.asarray(value, dtype=like.dtype)


def mix(x: Any, matrix: np.ndarray) -> list:
    """The three planes of ``M x`` for colour triples on the last axis (a list of 3 arrays).

    On torch each plane is a weighted sum of the input planes (faster on CPU than a
    matrix product with an inner size of 3, and layout-agnostic); NumPy uses ``@``.
    """
    if is_tensor(x):
        planes = [x[..., 0], x[..., 1], x[..., 2]]
        out = []
        for row in np.asarray(matrix, dtype=np.float64):
            y = planes[0] * float(row[0])
            y = y.add_(planes[1], alpha=float(row[1])).add_(planes[2], alpha=float(row[2]))
            out.append(y)
        return out
    y = x @ constant(matrix, x).T
    return [y[..., 0], y[..., 1], y[..., 2]]


def matmul_last(x: Any, matrix: np.ndarray) -> Any:
    """Apply a 3x3 ``matrix`` to every colour triple on the last axis: ``y = M x``."""
    if is_tensor(x):
        return stack(mix(x, matrix))
    return x @ constant(matrix, x).T


#: Pixels per block in :func:`blockwise` (a few MB of float32 temporaries: they stay in
#: cache and the allocator reuses them instead of mapping fresh pages for every step).
BLOCK_PIXELS = 1 << 16


def block_indices(lead: tuple, block_pixels: int = BLOCK_PIXELS) -> list:
    """Indices that cut an array of leading shape ``lead`` into blocks of at most about
    ``block_pixels`` pixels: runs of rows along the outermost axes, each a view.

    Returns ``[(Ellipsis,)]`` (the whole array) when it holds at most ``2 * block_pixels``.
    """
    n_pixels = int(np.prod(lead)) if lead else 1
    if not lead or n_pixels <= 2 * block_pixels:
        return [(Ellipsis,)]
    # the axis k to cut: the outermost one whose inner rows still fit in a block
    k, inner = len(lead) - 1, 1
    while k > 0 and inner * lead[k] <= block_pixels:
        inner *= lead[k]
        k -= 1
    rows = max(1, block_pixels // inner)
    return [outer + (slice(start, start + rows),)
            for outer in itertools.product(*(range(n) for n in lead[:k]))
            for start in range(0, lead[k], rows)]


def blockwise(kernel: Any, x: Any, block_pixels: int = BLOCK_PIXELS) -> Any:
    """Apply ``kernel`` (colour triples on the last axis -> triples) block by block.

    The result equals ``kernel(x)``: the kernel works pixel by pixel, so cutting the
    array into blocks changes nothing but speed. Large images are processed in blocks
    of about ``block_pixels`` pixels, cut along the outermost axes so that each block
    is a contiguous run of rows (:func:`block_indices`); their temporaries stay in cache
    and the allocator reuses them. Small inputs, and torch tensors that need gradients,
    go in one piece.
    """
    indices = block_indices(tuple(x.shape[:-1]), block_pixels)
    if len(indices) == 1 or (is_tensor(x) and x.requires_grad):
        return kernel(x)
    out = x.new_empty(x.shape) if is_tensor(x) else np.empty_like(x)
    for index in indices:
        out[index] = kernel(x[index])
    return out
