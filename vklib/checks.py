"""Input checks shared by every vklib module.

Each public function checks its input once, at the entry point, with one call per
rule. A failed check raises a built-in exception whose message names the argument,
what was expected and what came:

* ``TypeError``: the wrong kind of object or dtype (a list where an array was
  expected, integers where floats were expected);
* ``ValueError``: the right kind of object with a wrong value (shape, NaN, empty,
  out of range).

Usable input outside the nominal range (an image with values slightly above 1) only
warns (:class:`RangeWarning`); clipping is always an explicit option of the caller.

The helpers accept NumPy arrays and torch tensors alike without importing torch.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any, Iterable

import numpy as np

__all__ = [
    "RangeWarning",
    "is_tensor",
    "check_array",
    "as_checked_array",
    "check_image",
    "check_range",
    "check_in",
    "check_positive",
]


class RangeWarning(UserWarning):
    """Input lies outside the nominal range but can still be processed."""


def is_tensor(x: Any) -> bool:
    """True if ``x`` is a ``torch.Tensor`` (checked without importing torch)."""
    return type(x).__module__.startswith("torch") and hasattr(x, "dtype") and hasattr(x, "device")


def _describe(x: Any) -> str:
    if is_tensor(x):
        return f"torch.Tensor of shape {tuple(x.shape)} and dtype {x.dtype}"
    if isinstance(x, np.ndarray):
        return f"numpy array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__}"


def _kind(x: Any) -> str:
    """NumPy dtype kind of an array or tensor: 'f' float, 'i'/'u' integer, 'b' bool, 'c' complex."""
    if is_tensor(x):
        if x.dtype.is_floating_point:
            return "f"
        if x.dtype.is_complex:
            return "c"
        return "b" if str(x.dtype) == "torch.bool" else "i"
    return np.asarray(x).dtype.kind


_DTYPE_KINDS = {
    "floating": ("f",),
    "numeric": ("f", "i", "u"),
    "real": ("f", "i", "u", "b"),
    "integer": ("i", "u"),
    "bool": ("b",),
    None: None,
}


def check_array(
    x: Any,
    name: str,
    *,
    ndim: int | Iterable[int] | None = None,
    min_ndim: int | None = None,
    last_dim: int | None = None,
    shape: tuple[int | None, ...] | None = None,
    dtype: str | None = "floating",
    finite: bool = True,
    nonempty: bool = True,
) -> Any:
    """Check an array-like argument and return it unchanged.

    Parameters
    ----------
    x : numpy.ndarray or torch.Tensor
        The argument to check. Lists and scalars are rejected: convert explicitly.
    name : str
        The argument's name, used in messages.
    ndim : int or iterable of int, optional
        Allowed numbers of dimensions.
    min_ndim : int, optional
        Smallest allowed number of dimensions.
    last_dim : int, optional
        Required size of the last axis (3 for colour triples).
    shape : tuple of int or None, optional
        Required shape; ``None`` entries match any size.
    dtype : {'floating', 'numeric', 'real', 'integer', 'bool', None}
        Allowed dtype family (``None`` accepts any; ``'real'`` is numeric or bool, not complex).
    finite : bool
        Reject NaN and ±inf (floating inputs only).
    nonempty : bool
        Reject arrays with zero elements.

    Returns
    -------
    x : the same object.

    Raises
    ------
    TypeError
        ``x`` is not an array or tensor, or its dtype is not of the family asked for.
    ValueError
        Wrong number of dimensions or shape, empty, or not finite.
    """
    if not (isinstance(x, np.ndarray) or is_tensor(x)):
        raise TypeError(f"{name} must be a numpy array or torch tensor, got {_describe(x)}")
    if is_tensor(x) and x.device.type == "meta":
        raise TypeError(f"{name} must hold data, got a meta tensor (shape only) of shape {tuple(x.shape)}; "
                        "create it on 'cpu' or 'cuda'")
    kinds = _DTYPE_KINDS[dtype]
    if kinds is not None and _kind(x) not in kinds:
        raise TypeError(f"{name} must have a {dtype} dtype, got {_describe(x)}")
    nd = x.ndim
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if nd not in allowed:
            want = " or ".join(str(a) for a in allowed)
            raise ValueError(f"{name} must have {want} dimensions, got {_describe(x)}")
    if min_ndim is not None and nd < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimensions, got {_describe(x)}")
    if last_dim is not None and (nd == 0 or x.shape[-1] != last_dim):
        raise ValueError(f"{name} must have a last axis of size {last_dim}, got {_describe(x)}")
    if shape is not None:
        if nd != len(shape) or any(s is not None and s != t for s, t in zip(shape, x.shape)):
            want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got {_describe(x)}")
    size = x.numel() if is_tensor(x) else x.size
    if nonempty and size == 0:
        raise ValueError(f"{name} must not be empty, got {_describe(x)}")
    if finite and _kind(x) in ("f", "c") and size:
        ok = bool(x.isfinite().all()) if is_tensor(x) else bool(np.isfinite(x).all())
        if not ok:
            raise ValueError(f"{name} must be finite, but it contains NaN or infinity ({_describe(x)})")
    return x


def as_checked_array(x: Any, name: str, *, integers: bool = False, **options: Any) -> np.ndarray:
    """Convert an array-like argument (NumPy array, list, tuple or number) to float64 and check it.

    For arguments documented as *array-like*: lists and numbers are accepted, but not
    ``None``, strings, torch tensors, booleans or complex values.

    Parameters
    ----------
    x : array-like
        The argument.
    name : str
        The argument's name, used in messages.
    integers : bool, keyword-only
        Also accept integer values (taken as they are, e.g. wavelengths in nm); by
        default only floats are accepted, so that an 8-bit colour is not read as a
        value in [0, 1].
    **options
        Passed to :func:`check_array` (``ndim``, ``shape``, ``last_dim``, ...).

    Returns
    -------
    numpy.ndarray, float64.
    """
    if x is None or isinstance(x, (str, bytes, dict)) or is_tensor(x):
        raise TypeError(f"{name} must be a numpy array, list or number, got {_describe(x)}")
    try:
        a = np.asarray(x)
    except ValueError as err:  # ragged nested lists
        raise ValueError(f"{name} must be a regular array of numbers: {err}") from None
    kinds = ("f", "i", "u") if integers else ("f",)
    if a.dtype.kind not in kinds:
        want = "a float or integer" if integers else "a float"
        raise TypeError(f"{name} must have {want} dtype, got {_describe(a)}")
    return check_array(a.astype(np.float64), name, dtype="floating", **options)


def check_range(x: Any, name: str, *, low: float = 0.0, high: float = 1.0, tolerance: float = 1e-6) -> None:
    """Warn (:class:`RangeWarning`) if values of ``x`` lie outside ``[low, high]``.

    Values within ``tolerance`` of the interval are accepted silently; nothing is clipped.
    """
    size = x.numel() if is_tensor(x) else np.size(x)
    if size == 0:
        return
    values = x.detach() if is_tensor(x) else x  # no autograd warning for a tensor that requires grad
    lo, hi = (float(values.min()), float(values.max()))
    if lo < low - tolerance or hi > high + tolerance:
        warnings.warn(
            f"{name} has values in [{lo:.4g}, {hi:.4g}], outside the expected [{low:g}, {high:g}]; "
            "they are used as they are (clip first if that is what you want)",
            RangeWarning,
            stacklevel=3,
        )


def check_image(
    image: Any,
    name: str = "image",
    *,
    channels: int | Iterable[int] | None = 3,
    batch: bool = False,
    warn_range: bool = True,
) -> Any:
    """Check a float image: NumPy ``(H, W, C)`` / ``(H, W)`` or torch ``(B, C, H, W)``.

    Parameters
    ----------
    image : numpy.ndarray or torch.Tensor
        NumPy images are channels-last, torch images channels-first with a batch axis.
    name : str
        The argument's name, used in messages.
    channels : int, iterable of int, or None
        Allowed channel counts. ``None`` means a single-channel NumPy image given as
        ``(H, W)``; for torch ``None`` means ``C == 1``.
    batch : bool
        For NumPy, accept a leading batch axis ``(N, H, W, C)`` (or ``(N, H, W)``).
    warn_range : bool
        Warn when values leave [0, 1].
    """
    check_array(image, name, dtype="floating")
    if is_tensor(image):
        check_array(image, name, ndim=4)
        allowed = (1,) if channels is None else ((channels,) if isinstance(channels, int) else tuple(channels))
        if image.shape[1] not in allowed:
            want = " or ".join(str(c) for c in allowed)
            raise ValueError(f"{name} must be (B, C, H, W) with C = {want}, got {_describe(image)}")
        spatial = image.shape[2:]
    else:
        extra = 1 if batch else 0
        if channels is None:
            check_array(image, name, ndim=2 + extra)
            spatial = image.shape[extra:]
        else:
            allowed = (channels,) if isinstance(channels, int) else tuple(channels)
            layout = ("(N, H, W, C)" if batch else "(H, W, C)")
            if image.ndim != 3 + extra or image.shape[-1] not in allowed:
                want = " or ".join(str(c) for c in allowed)
                raise ValueError(f"{name} must be {layout} with C = {want}, got {_describe(image)}")
            spatial = image.shape[extra:extra + 2]
    if min(spatial) == 0:
        raise ValueError(f"{name} must have at least one pixel, got {_describe(image)}")
    if warn_range:
        check_range(image, name)
    return image


def check_model_images(model: Any, images: Any, name: str = "images", *, device: bool = True) -> Any:
    """Check a torch batch ``(B, C, H, W)`` of finite floats for ``model``: its weights' dtype and device.

    A float16 or float64 batch for a float32 model is rejected (``TypeError``) rather than
    converted, and so is a batch on another device (``ValueError``; not checked with
    ``device=False``, for callers that move the batch): convert explicitly, e.g.
    ``images.to(next(model.parameters()))``. The number of channels is the model's business:
    run it inside :func:`model_errors`.
    """
    if not is_tensor(images):
        raise TypeError(f"{name} must be a torch.Tensor (B, C, H, W), got {_describe(images)}")
    check_array(images, name, ndim=4, dtype="floating")
    if min(images.shape[2:]) == 0:
        raise ValueError(f"{name} must have at least one pixel, got {_describe(images)}")
    weight = next(model.parameters(), None)
    if weight is not None:
        if images.dtype != weight.dtype:
            raise TypeError(f"{name} must have the model's dtype {weight.dtype}, got {images.dtype}; "
                            f"convert with {name}.to({weight.dtype})")
        if device and images.device != weight.device:
            raise ValueError(f"{name} must be on the model's device {weight.device}, got {images.device}")
    return images


@contextlib.contextmanager
def model_errors(images: Any, name: str = "images"):
    """Turn an error of the model's forward pass on ``images`` (wrong channels, too small) into ``ValueError``.

    PyTorch reports such a mismatch deep inside a layer as ``RuntimeError``; the message is
    kept and the images' shape added. Running out of memory is not an input error and passes.
    """
    import torch

    try:
        yield
    except torch.OutOfMemoryError:
        raise
    except RuntimeError as err:
        raise ValueError(f"the model cannot take {name} of shape {tuple(images.shape)} and dtype "
                         f"{images.dtype}: {err}") from err


def check_in(value: Any, name: str, options: Iterable[Any]) -> Any:
    """Raise ``ValueError`` unless ``value`` is one of ``options``."""
    options = tuple(options)
    if value not in options:
        listed = ", ".join(repr(o) for o in options)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}")
    return value


def check_positive(value: Any, name: str, *, strict: bool = True, integer: bool = False) -> Any:
    """Raise ``TypeError``/``ValueError`` unless ``value`` is a positive (or non-negative) number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if integer and not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if not np.isfinite(value) or (value <= 0 if strict else value < 0):
        raise ValueError(f"{name} must be {'> 0' if strict else '>= 0'} and finite, got {value!r}")
    return value
