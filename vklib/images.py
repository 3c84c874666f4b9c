"""Image conventions: float images in [0, 1], and NumPy <-> torch layouts.

NumPy images are channels-last ``(H, W, C)`` (or ``(N, H, W, C)`` for a stack) with
float values in [0, 1]; torch images are ``(B, C, H, W)``. These helpers convert
between the two without changing values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .checks import _describe, check_array, is_tensor

__all__ = ["as_float_image", "to_tensor", "to_numpy"]

_INT_MAX = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


def as_float_image(image: Any, *, dtype: Any = np.float32) -> np.ndarray:
    """Return ``image`` as a float NumPy image with values in [0, 1].

    Parameters
    ----------
    image : numpy.ndarray
        ``uint8`` (divided by 255), ``uint16`` (divided by 65535), ``bool``
        (False -> 0, True -> 1) or a float array, which is returned as ``dtype``
        without rescaling (its range is not changed: nothing is clipped).
    dtype : numpy dtype
        ``float32`` (default) or ``float64``.

    Returns
    -------
    numpy.ndarray of the same shape and the requested float dtype.

    Raises
    ------
    TypeError
        Not a NumPy array, or a dtype with no defined [0, 1] mapping (signed integers).
    ValueError
        Empty, or a float array with NaN or infinity.

    Examples
    --------
    >>> x = as_float_image(np.array([[0, 128, 255]], dtype=np.uint8))
    >>> str(x.dtype), [round(v, 4) for v in x.ravel().tolist()]
    ('float32', [0.0, 0.502, 1.0])
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array, got {_describe(image)}")
    if np.dtype(dtype).kind != "f":
        raise TypeError(f"dtype must be a float dtype, got {np.dtype(dtype)}")
    if image.dtype in _INT_MAX:
        check_array(image, "image", dtype="integer")
        return (image.astype(np.float64) / _INT_MAX[image.dtype]).astype(dtype)
    if image.dtype == np.bool_:
        check_array(image, "image", dtype="bool")
        return image.astype(dtype)
    if image.dtype.kind == "f":
        check_array(image, "image", dtype="floating")
        return image.astype(dtype, copy=False)
    raise TypeError(f"image must be uint8, uint16, bool or float, got {_describe(image)}")


def to_tensor(image: np.ndarray, *, device: Any = None, dtype: Any = None):
    """NumPy ``(H, W, C)``, ``(N, H, W, C)`` or ``(H, W)`` -> torch ``(B, C, H, W)``.

    A single image gets ``B = 1``; a grey ``(H, W)`` image gets ``C = 1``. Integer
    images are first converted with :func:`as_float_image`. ``dtype`` defaults to
    ``torch.float32``.
    """
    import torch

    image = as_float_image(image, dtype=np.float64 if dtype == torch.float64 else np.float32)
    if image.ndim == 2:
        image = image[None, :, :, None]
    elif image.ndim == 3:
        image = image[None]
    elif image.ndim != 4:
        raise ValueError(f"image must be (H, W), (H, W, C) or (N, H, W, C), got {_describe(image)}")
    out = torch.from_numpy(np.ascontiguousarray(image.transpose(0, 3, 1, 2)))
    return out.to(device=device, dtype=dtype or torch.float32)


def to_numpy(tensor: Any, *, squeeze: bool = True) -> np.ndarray:
    """Torch ``(B, C, H, W)`` -> NumPy ``(B, H, W, C)``, on the CPU, detached.

    With ``squeeze=True`` a batch of one becomes ``(H, W, C)`` and a single channel is
    dropped, so ``to_numpy(to_tensor(x))`` returns ``x``'s layout for ``(H, W)`` and
    ``(H, W, C)`` images.

    Values and dtype are kept as they are (integers, bool, float16, NaN and infinity
    included: this is a layout conversion); complex and meta tensors and other numbers of
    dimensions are rejected (``TypeError`` / ``ValueError``).
    """
    if not is_tensor(tensor):
        raise TypeError(f"tensor must be a torch tensor, got {_describe(tensor)}")
    check_array(tensor, "tensor", ndim=4, dtype="real", finite=False, nonempty=False)
    out = tensor.detach().cpu().permute(0, 2, 3, 1).numpy()
    if squeeze:
        if out.shape[-1] == 1:
            out = out[..., 0]
        if out.shape[0] == 1:
            out = out[0]
    return out
