"""CIELAB (CIE 1976 L*a*b*): XYZ relative to a white, through a cube root.

Chapter 1, section "CIELAB and colour differences". The chain from an sRGB pixel::

    sRGB-encoded --srgb_to_linear--> linear sRGB --M(primaries, D65)--> XYZ --f(t), white--> L*a*b*

``L*`` is in [0, 100] for colours between black and the white; ``a*`` and ``b*`` are
unbounded (within about ±128 for sRGB colours). The constants are exact fractions
(CIE 15:2004), not the rounded 0.008856 and 903.3 of older texts.

Examples
--------
>>> import numpy as np
>>> (np.round(srgb_to_lab(np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])), 6) + 0.0).tolist()   # white, black
[[100.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
"""

from __future__ import annotations

from typing import Any

from . import _array as A
from .srgb import _SRGB_TO_XYZ, _XYZ_TO_SRGB, D65_XY, _decode, _encode, white_xyz

__all__ = [
    "LAB_EPSILON",
    "LAB_KAPPA",
    "xyz_to_lab",
    "lab_to_xyz",
    "srgb_to_lab",
    "lab_to_srgb",
]

#: CIELAB constants, exact (CIE 15:2004): epsilon = (6/29)^3, kappa = (29/3)^3.
LAB_EPSILON = 216.0 / 24389.0
LAB_KAPPA = 24389.0 / 27.0

_D65_WHITE = A.read_only(white_xyz(D65_XY))
_SRGB_TO_NORMALISED_XYZ = A.read_only(_SRGB_TO_XYZ / _D65_WHITE[:, None])  # rows divided by X_n, Y_n, Z_n


def _lab_f(t: Any) -> Any:
    # f(t) = t^(1/3) above epsilon, else the tangent-matched line (kappa t + 16) / 116
    return A.where(t > LAB_EPSILON, A.cbrt_positive(A.maximum(t, LAB_EPSILON)), t * (LAB_KAPPA / 116.0) + 16.0 / 116.0)


def _lab_f_inverse(f: Any) -> Any:
    return A.where(f > 6.0 / 29.0, f ** 3, (116.0 * f - 16.0) / LAB_KAPPA)


def _lab_from_normalised(t: Any) -> Any:
    """Lab from XYZ already divided by the white (``X / X_n`` ...)."""
    f = _lab_f(t)
    fx, fy, fz = f[..., 0], f[..., 1], f[..., 2]
    return A.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)])


def xyz_to_lab(xyz: Any, *, white_xy: Any = D65_XY, channel_axis: int = -1) -> Any:
    r"""CIE XYZ to CIELAB (CIE 1976 L*a*b*) relative to a white.

    .. math::

        L^* = 116 f(Y/Y_n) - 16, \quad a^* = 500\,[f(X/X_n) - f(Y/Y_n)], \quad
        b^* = 200\,[f(Y/Y_n) - f(Z/Z_n)],

        f(t) = \begin{cases} t^{1/3} & t > \epsilon \\ (\kappa t + 16)/116 & t \le \epsilon \end{cases},
        \quad \epsilon = \frac{216}{24389} = \left(\frac{6}{29}\right)^3, \quad
        \kappa = \frac{24389}{27} = \left(\frac{29}{3}\right)^3.

    The exact fractions make the two pieces of ``f`` meet with equal value and slope
    (the rounded 0.008856 and 903.3 of older texts do not quite).

    Parameters
    ----------
    xyz : numpy.ndarray or torch.Tensor, shape (..., 3)
        Relative XYZ with the white at ``Y_n = 1``. Float dtype.
    white_xy : array-like, shape (2,), keyword-only
        Chromaticity of the reference white (default D65, the sRGB white).
    channel_axis : int, keyword-only
        The axis holding the three components, ``-1`` by default; pass ``1`` for a
        torch batch ``(B, 3, H, W)``. The output has the input's layout, type, dtype
        and device.

    Returns
    -------
    lab : same type and layout
        ``L*`` in [0, 100] for ``0 <= Y <= Y_n``; ``a*``, ``b*`` unbounded.

    Raises
    ------
    TypeError
        Not a float NumPy array or torch tensor.
    ValueError
        Empty, NaN or infinity, no size-3 channel axis, a ``white_xy`` that is not a
        chromaticity, or overflow.

    References
    ----------
    CIE 15:2004, *Colorimetry*, 3rd edition, section 8.2.1.

    Examples
    --------
    >>> import numpy as np
    >>> (np.round(xyz_to_lab(white_xyz(D65_XY)), 6) + 0.0).tolist()   # the white itself
    [100.0, 0.0, 0.0]
    """
    v = A.prepare(xyz, "xyz", channel_axis)
    w = white_xyz(white_xy)
    return A.finish(A.check_overflow(_lab_from_normalised(v / A.constant(w, v)), "xyz"), channel_axis)


def lab_to_xyz(lab: Any, *, white_xy: Any = D65_XY, channel_axis: int = -1) -> Any:
    r"""CIELAB to CIE XYZ (inverse of :func:`xyz_to_lab`).

    .. math::

        f_y = \frac{L^* + 16}{116}, \quad f_x = f_y + \frac{a^*}{500}, \quad f_z = f_y - \frac{b^*}{200},
        \qquad t = \begin{cases} f^3 & f > 6/29 \\ (116 f - 16)/\kappa & f \le 6/29 \end{cases}

    and ``(X, Y, Z) = (X_n t_x, Y_n t_y, Z_n t_z)``.

    Parameters
    ----------
    lab : numpy.ndarray or torch.Tensor, shape (..., 3)
        ``(L*, a*, b*)``; float dtype.
    white_xy : array-like, shape (2,), keyword-only
        Chromaticity of the reference white (default D65).
    channel_axis : int, keyword-only
        The axis holding the three components, ``-1`` by default; pass ``1`` for a
        torch batch ``(B, 3, H, W)``. The output has the input's layout, type, dtype
        and device.

    Returns
    -------
    xyz : same type and layout
        Relative XYZ, white at ``Y = 1``.

    Raises
    ------
    TypeError
        Not a float NumPy array or torch tensor.
    ValueError
        Empty, NaN or infinity, no size-3 channel axis, a ``white_xy`` that is not a
        chromaticity, or values so large that the cube overflows.

    References
    ----------
    CIE 15:2004, *Colorimetry*, 3rd edition, section 8.2.1.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(lab_to_xyz(np.array([100.0, 0.0, 0.0])), 4).tolist()
    [0.9505, 1.0, 1.0891]
    """
    v = A.prepare(lab, "lab", channel_axis)
    return A.finish(A.check_overflow(_lab_to_xyz_kernel(v, white_xyz(white_xy)), "lab"), channel_axis)


def srgb_to_lab(rgb: Any, *, channel_axis: int = -1) -> Any:
    """sRGB-encoded values to CIELAB (D65 white): decode, D65 matrix, Lab.

    ``Lab = xyz_to_lab(M srgb_to_linear(RGB))``. The division by the white is folded
    into the matrix, so the whole conversion is one elementwise decode, one 3x3
    product and one elementwise ``f``, computed block by block. CPU tensors that need
    no gradient go through a kernel that reuses one set of buffers for every block
    (:mod:`vklib.color._lab_cpu`); the results agree to rounding.

    Parameters
    ----------
    rgb : numpy.ndarray or torch.Tensor, shape (..., 3)
        sRGB-encoded values, nominally in [0, 1] (uint8 images: convert with
        :func:`vklib.images.as_float_image` first). Float dtype.
    channel_axis : int, keyword-only
        The axis holding the three components, ``-1`` by default; pass ``1`` for a
        torch batch ``(B, 3, H, W)``. The output has the input's layout, type, dtype
        and device.

    Returns
    -------
    lab : same type and layout
        ``L*`` in [0, 100] for in-gamut colours.

    Raises
    ------
    TypeError
        Not a float NumPy array or torch tensor.
    ValueError
        Empty, NaN or infinity, no size-3 channel axis, or values so large that the
        decoding overflows (above about 1e128 in float64, 1e16 in float32; without
        this check the result would be NaN).

    References
    ----------
    IEC 61966-2-1:1999; CIE 15:2004, section 8.2.1.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(srgb_to_lab(np.array([1.0, 0.5, 0.0])), 2).tolist()   # orange
    [66.95, 43.07, 73.96]
    """
    x = A.prepare(rgb, "rgb", channel_axis)
    if A.is_tensor(x) and x.device.type == "cpu" and not (x.requires_grad and _grad_enabled()):
        from ._lab_cpu import srgb_to_lab_cpu   # the same formulas without a fresh tensor per step

        return A.finish(A.check_overflow(srgb_to_lab_cpu(x), "rgb"), channel_axis)
    return A.finish(A.check_overflow(A.blockwise(_srgb_to_lab_kernel, x), "rgb"), channel_axis)


def _grad_enabled() -> bool:
    import torch

    return torch.is_grad_enabled()


def _srgb_to_lab_kernel(x: Any) -> Any:
    fx, fy, fz = (_lab_f(t) for t in A.mix(_decode(x), _SRGB_TO_NORMALISED_XYZ))
    return A.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)])


def lab_to_srgb(lab: Any, *, channel_axis: int = -1) -> Any:
    """CIELAB (D65 white) to sRGB-encoded values, without clipping.

    ``RGB = linear_to_srgb(M^{-1} lab_to_xyz(Lab))``; out-of-gamut colours come back
    below 0 or above 1.

    Parameters
    ----------
    lab : numpy.ndarray or torch.Tensor, shape (..., 3)
        ``(L*, a*, b*)``; float dtype.
    channel_axis : int, keyword-only
        The axis holding the three components, ``-1`` by default; pass ``1`` for a
        torch batch ``(B, 3, H, W)``. The output has the input's layout, type, dtype
        and device.

    Returns
    -------
    rgb : same type and layout
        sRGB-encoded, in [0, 1] for colours inside the gamut.

    Raises
    ------
    TypeError
        Not a float NumPy array or torch tensor.
    ValueError
        Empty, NaN or infinity, no size-3 channel axis, or overflow.

    Examples
    --------
    >>> import numpy as np
    >>> (np.round(lab_to_srgb(np.array([66.954266, 43.066366, 73.961526])), 4) + 0.0).tolist()
    [1.0, 0.5, 0.0]
    """
    v = A.prepare(lab, "lab", channel_axis)
    return A.finish(A.check_overflow(A.blockwise(_lab_to_srgb_kernel, v), "lab"), channel_axis)


def _lab_to_xyz_kernel(v: Any, white: Any) -> Any:
    fy = (v[..., 0] + 16.0) / 116.0
    fx = fy + v[..., 1] / 500.0
    fz = fy - v[..., 2] / 200.0
    t = _lab_f_inverse(A.stack([fx, fy, fz]))
    return t * A.constant(white, t)


def _lab_to_srgb_kernel(v: Any) -> Any:
    return _encode(A.matmul_last(_lab_to_xyz_kernel(v, _D65_WHITE), _XYZ_TO_SRGB))
