"""sRGB: the transfer function and the matrix from primaries and white point.

Chapter 1, section "sRGB: transfer function and matrix". An sRGB pixel follows::

    sRGB-encoded --srgb_to_linear--> linear sRGB --M(primaries, D65)--> XYZ

Units: XYZ is relative, with the white's ``Y_n = 1`` (a perfect white has ``Y = 1``);
X, Y and Z are *not* confined to [0, 1] (the white D65 has ``X = 0.9505`` and
``Z = 1.089``, and out-of-gamut or HDR colours go anywhere). Only the chromaticities
``x, y`` of physical colours lie in [0, 1].

The constants below are read-only NumPy arrays: assigning into them raises
``ValueError``, so no code can silently change every later conversion.

Examples
--------
>>> import numpy as np
>>> np.round(srgb_to_xyz(np.array([1.0, 1.0, 1.0])), 4).tolist()   # the sRGB white is D65 with Y = 1
[0.9505, 1.0, 1.0891]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _array as A
from ..checks import check_array

__all__ = [
    "SRGB_PRIMARIES_XY",
    "D65_XY",
    "E_XY",
    "SRGB_EPSILON",
    "srgb_to_linear",
    "linear_to_srgb",
    "white_xyz",
    "rgb_to_xyz_matrix",
    "linear_srgb_to_xyz",
    "xyz_to_linear_srgb",
    "srgb_to_xyz",
    "xyz_to_srgb",
]


# --- Definitions of the sRGB standard (IEC 61966-2-1:1999, section 5) -------------------
#: Chromaticities (x, y) of the sRGB (= ITU-R BT.709) red, green and blue primaries.
SRGB_PRIMARIES_XY = A.read_only([[0.64, 0.33], [0.30, 0.60], [0.15, 0.06]])
#: Chromaticity of the sRGB white, CIE illuminant D65 as the standard specifies it.
#: (The tests check both against colour-science's tables.)
D65_XY = A.read_only([0.3127, 0.3290])
#: The equal-energy white E: x = y = z = 1/3 (the white of CIE 1931 RGB). It is *not*
#: "white" in general: D65, the daylight white of sRGB, is at (0.3127, 0.3290).
E_XY = A.read_only(np.array([1.0, 1.0]) / 3.0)

#: Break point of the sRGB decoding curve (in encoded values), IEC 61966-2-1.
SRGB_EPSILON = 0.04045
_SRGB_LINEAR_BREAK = 0.0031308  # the same break point in linear values


def srgb_to_linear(rgb: Any) -> Any:
    r"""Decode sRGB values to linear light (the IEC 61966-2-1 transfer function).

    .. math::

        C_\text{linear} = \begin{cases}
            C / 12.92 & C \le 0.04045 \\
            \left(\dfrac{C + 0.055}{1.055}\right)^{2.4} & C > 0.04045
        \end{cases}

    The straight segment near black avoids the infinite slope of a pure power law;
    overall the curve is close to, but not equal to, a gamma of 2.2.

    Parameters
    ----------
    rgb : numpy.ndarray or torch.Tensor, any shape
        sRGB-encoded values, nominally in [0, 1]; each value is decoded on its own,
        so any shape works. Values below 0 follow the straight segment and values
        above 1 the power branch (no clipping). Float dtype.

    Returns
    -------
    Same type, shape, dtype and device: linear-light values.

    Raises
    ------
    TypeError
        Not a float NumPy array or torch tensor.
    ValueError
        Empty, NaN or infinity, or values so large that the power overflows the dtype
        (above about 1e128 in float64, 1e16 in float32).

    References
    ----------
    IEC 61966-2-1:1999, *Default RGB colour space - sRGB*.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(srgb_to_linear(np.array([0.0, 0.04045, 0.5, 1.0])), 6).tolist()
    [0.0, 0.003131, 0.214041, 1.0]
    """
    x = check_array(rgb, "rgb", dtype="floating")
    return A.check_overflow(_decode(x), "rgb")


def _decode(x: Any) -> Any:
    # the power branch sees max(x, eps) so that it never takes a power of a negative number
    high = A.power_positive((A.maximum(x, SRGB_EPSILON) + 0.055) / 1.055, 2.4)
    return A.where(x <= SRGB_EPSILON, x / 12.92, high)


def linear_to_srgb(rgb: Any) -> Any:
    r"""Encode linear light as sRGB values (inverse of :func:`srgb_to_linear`).

    .. math::

        C = \begin{cases}
            12.92\, C_\text{linear} & C_\text{linear} \le 0.0031308 \\
            1.055\, C_\text{linear}^{1/2.4} - 0.055 & C_\text{linear} > 0.0031308
        \end{cases}

    Parameters
    ----------
    rgb : numpy.ndarray or torch.Tensor, any shape
        Linear-light values, nominally in [0, 1] (no clipping). Float dtype.

    Returns
    -------
    Same type, shape, dtype and device: sRGB-encoded values.

    Raises
    ------
    TypeError
        Not a float NumPy array or torch tensor.
    ValueError
        Empty, NaN or infinity.

    References
    ----------
    IEC 61966-2-1:1999, *Default RGB colour space - sRGB*.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(linear_to_srgb(np.array([0.0, 0.214041, 1.0])), 6).tolist()
    [0.0, 0.5, 1.0]
    """
    x = check_array(rgb, "rgb", dtype="floating")
    return _encode(x)


def _encode(x: Any) -> Any:
    high = 1.055 * A.maximum(x, _SRGB_LINEAR_BREAK) ** (1.0 / 2.4) - 0.055
    return A.where(x <= _SRGB_LINEAR_BREAK, x * 12.92, high)


def white_xyz(white_xy: Any = D65_XY) -> np.ndarray:
    r"""Tristimulus values of a white of chromaticity ``(x, y)``, scaled to ``Y = 1``.

    .. math:: (X_n, Y_n, Z_n) = \left(\frac{x}{y},\ 1,\ \frac{1 - x - y}{y}\right)

    Parameters
    ----------
    white_xy : array-like, shape (2,)
        Chromaticity of the white (default D65, (0.3127, 0.3290)), with
        ``x, y >= 0``, ``y > 0`` and ``x + y <= 1``.

    Returns
    -------
    numpy.ndarray, shape (3,), float64
        ``(X_n, 1, Z_n)``, a new (writable) array.

    Raises
    ------
    TypeError
        Complex values.
    ValueError
        Wrong shape, NaN, or not a chromaticity.

    References
    ----------
    CIE 15:2004, *Colorimetry*, 3rd edition, section 7.3 (chromaticity coordinates).

    Examples
    --------
    >>> np.round(white_xyz(D65_XY), 4).tolist()
    [0.9505, 1.0, 1.0891]
    """
    x, y = A.check_xy(white_xy, "white_xy", (2,))
    return np.array([x / y, 1.0, (1.0 - x - y) / y])


def rgb_to_xyz_matrix(primaries_xy: Any, white_xy: Any) -> np.ndarray:
    r"""The 3x3 matrix from linear RGB to XYZ, derived from the primaries and the white.

    Each primary contributes a column proportional to its chromaticity written as
    tristimulus values, :math:`P_i = (x_i/y_i,\ 1,\ z_i/y_i)^\top`. The unknown
    luminances :math:`S = (S_R, S_G, S_B)` are fixed by asking that RGB = (1, 1, 1)
    give the white :math:`W = (X_n, Y_n, Z_n)` with :math:`Y_n = 1`:

    .. math::

        [P_R\ P_G\ P_B]\, S = W, \qquad M = [P_R\ P_G\ P_B]\, \operatorname{diag}(S).

    The middle row of ``M`` is then the luminance of each primary (for sRGB
    0.2126, 0.7152, 0.0722: green dominates, blue hardly counts).

    Parameters
    ----------
    primaries_xy : array-like, shape (3, 2)
        Chromaticities ``(x, y)`` of the red, green and blue primaries.
    white_xy : array-like, shape (2,)
        Chromaticity of the white that RGB = (1, 1, 1) must produce.

    Returns
    -------
    M : numpy.ndarray, shape (3, 3), float64
        ``XYZ = M @ RGB`` for linear RGB column vectors.

    Raises
    ------
    TypeError
        Complex values.
    ValueError
        Wrong shapes, chromaticities outside the triangle ``x, y >= 0``,
        ``x + y <= 1``, ``y > 0``, or collinear primaries.

    References
    ----------
    SMPTE RP 177-1993, *Derivation of basic television color equations*.

    Examples
    --------
    >>> np.round(rgb_to_xyz_matrix(SRGB_PRIMARIES_XY, D65_XY), 4).tolist()
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
    """
    p = A.check_xy(primaries_xy, "primaries_xy", (3, 2))
    w = white_xyz(white_xy)
    x, y = p[:, 0], p[:, 1]
    columns = np.stack([x / y, np.ones(3), (1.0 - x - y) / y])  # column i is primary i
    if abs(np.linalg.det(columns)) < 1e-12:
        raise ValueError(f"primaries_xy must not be collinear, got {p.tolist()}")
    s = np.linalg.solve(columns, w)
    return columns * s


_SRGB_TO_XYZ = A.read_only(rgb_to_xyz_matrix(SRGB_PRIMARIES_XY, D65_XY))
_XYZ_TO_SRGB = A.read_only(np.linalg.inv(_SRGB_TO_XYZ))


def linear_srgb_to_xyz(rgb: Any, *, channel_axis: int = -1) -> Any:
    """Linear-light sRGB to CIE XYZ (D65 white, ``Y = 1`` for RGB = (1, 1, 1)).

    ``XYZ = M RGB`` with ``M = rgb_to_xyz_matrix(SRGB_PRIMARIES_XY, D65_XY)``.

    Parameters
    ----------
    rgb : numpy.ndarray or torch.Tensor, shape (..., 3)
        Linear sRGB values (decode first with :func:`srgb_to_linear`), nominally in
        [0, 1]. Float dtype.
    channel_axis : int, keyword-only
        The axis holding the three components, ``-1`` by default; pass ``1`` for a
        torch batch ``(B, 3, H, W)``. The output has the input's layout, type, dtype
        and device.

    Returns
    -------
    xyz : same type and layout
        Relative XYZ, white at ``Y = 1``; not confined to [0, 1].

    Raises
    ------
    TypeError, ValueError
        As :func:`srgb_to_xyz`.

    References
    ----------
    IEC 61966-2-1:1999, *Default RGB colour space - sRGB*, section 5.2.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(linear_srgb_to_xyz(np.array([1.0, 0.0, 0.0])), 4).tolist()   # the red primary
    [0.4124, 0.2126, 0.0193]
    """
    x = A.prepare(rgb, "rgb", channel_axis)
    return A.finish(A.check_overflow(A.matmul_last(x, _SRGB_TO_XYZ), "rgb"), channel_axis)


def xyz_to_linear_srgb(xyz: Any, *, channel_axis: int = -1) -> Any:
    """CIE XYZ (D65 white) to linear-light sRGB: ``RGB = M^{-1} XYZ``.

    Colours outside the sRGB gamut give components below 0 or above 1; they are
    returned as they are (clip explicitly if you need displayable values).

    Parameters
    ----------
    xyz : numpy.ndarray or torch.Tensor, shape (..., 3)
        Relative XYZ with the white at ``Y = 1``. Float dtype.
    channel_axis : int, keyword-only
        The axis holding the three components, ``-1`` by default; pass ``1`` for a
        torch batch ``(B, 3, H, W)``. The output has the input's layout, type, dtype
        and device.

    Returns
    -------
    rgb : same type and layout
        Linear sRGB, in [0, 1] only for colours inside the gamut.

    Raises
    ------
    TypeError, ValueError
        As :func:`srgb_to_xyz`.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(xyz_to_linear_srgb(np.array([0.9505, 1.0, 1.0891])), 3).tolist()   # D65
    [1.0, 1.0, 1.0]
    """
    x = A.prepare(xyz, "xyz", channel_axis)
    return A.finish(A.check_overflow(A.matmul_last(x, _XYZ_TO_SRGB), "xyz"), channel_axis)


def srgb_to_xyz(rgb: Any, *, channel_axis: int = -1) -> Any:
    """sRGB-encoded values to CIE XYZ: decode (IEC 61966-2-1), then the D65 matrix.

    ``XYZ = M srgb_to_linear(RGB)``.

    Parameters
    ----------
    rgb : numpy.ndarray or torch.Tensor, shape (..., 3)
        sRGB-encoded values, nominally in [0, 1]. Float dtype.
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
        Empty, NaN or infinity, no size-3 channel axis, or values so large that the
        decoding overflows (above about 1e128 in float64).

    Examples
    --------
    >>> import numpy as np
    >>> np.round(srgb_to_xyz(np.array([0.5, 0.5, 0.5])), 4).tolist()   # mid grey: 21 % of white's light
    [0.2034, 0.214, 0.2331]
    """
    x = A.prepare(rgb, "rgb", channel_axis)
    out = A.blockwise(lambda b: A.matmul_last(_decode(b), _SRGB_TO_XYZ), x)
    return A.finish(A.check_overflow(out, "rgb"), channel_axis)


def xyz_to_srgb(xyz: Any, *, channel_axis: int = -1) -> Any:
    """CIE XYZ (D65 white) to sRGB-encoded values (no clipping).

    ``RGB = linear_to_srgb(M^{-1} XYZ)``; out-of-gamut colours come back below 0
    or above 1.

    Parameters
    ----------
    xyz : numpy.ndarray or torch.Tensor, shape (..., 3)
        Relative XYZ with the white at ``Y = 1``. Float dtype.
    channel_axis : int, keyword-only
        The axis holding the three components, ``-1`` by default; pass ``1`` for a
        torch batch ``(B, 3, H, W)``. The output has the input's layout, type, dtype
        and device.

    Returns
    -------
    rgb : same type and layout
        sRGB-encoded values, in [0, 1] for colours inside the gamut.

    Raises
    ------
    TypeError, ValueError
        As :func:`srgb_to_xyz`.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(xyz_to_srgb(np.array([0.2034, 0.2140, 0.2331])), 3).tolist()
    [0.5, 0.5, 0.5]
    """
    x = A.prepare(xyz, "xyz", channel_axis)
    out = A.blockwise(lambda b: _encode(A.matmul_last(b, _XYZ_TO_SRGB)), x)
    return A.finish(A.check_overflow(out, "xyz"), channel_axis)
