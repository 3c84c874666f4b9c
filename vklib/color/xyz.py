"""CIE 1931 RGB, XYZ and xyY: from colour matching to chromaticity.

Chapter 1, sections "From RGB to XYZ: the 1931 transformation" (the CIE 1931 RGB
system of the primaries 700, 546.1 and 435.8 nm, and its linear map to XYZ) and
"Chromaticity: xyY and the diagram" (``x = X / (X + Y + Z)`` and ``y = Y / (X + Y + Z)``).

XYZ is relative, with the white at ``Y = 1``; chromaticities of physical colours lie
in [0, 1], XYZ values need not.

Examples
--------
>>> import numpy as np
>>> np.round(xyz_to_xyy(np.array([0.9505, 1.0, 1.0891])), 4).tolist()   # D65
[0.3127, 0.329, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _array as A
from .srgb import D65_XY, E_XY, rgb_to_xyz_matrix

__all__ = [
    "cie_rgb_primaries_xy",
    "cie_rgb_to_xyz",
    "xyz_to_cie_rgb",
    "xyz_to_xyy",
    "xyy_to_xyz",
]

_cache: dict = {}


def cie_rgb_primaries_xy() -> np.ndarray:
    """Chromaticities of the CIE 1931 RGB primaries (700, 546.1 and 435.8 nm).

    The values are colour-science's ``RGB_COLOURSPACES['CIE RGB'].primaries``,
    consistent with the CIE's 1931 matrix. The spectral locus of the CIE 1931 CMFs
    (:func:`vklib.color.wavelength_to_xy`) puts them within 2e-4 of these.

    Returns
    -------
    numpy.ndarray, shape (3, 2), float64
        Rows ``(x, y)`` of red, green and blue, each in [0, 1]; a new (writable) copy.

    References
    ----------
    H. S. Fairman, M. H. Brill, H. Hemmendinger, "How the CIE 1931 color-matching
    functions were derived from Wright-Guild data", Color Res. Appl. 22 (1997) 11-23.

    Examples
    --------
    >>> np.round(cie_rgb_primaries_xy(), 4).tolist()
    [[0.7347, 0.2653], [0.2738, 0.7175], [0.1666, 0.0089]]
    """
    if "cie_rgb_primaries" not in _cache:
        import colour

        _cache["cie_rgb_primaries"] = A.read_only(colour.RGB_COLOURSPACES["CIE RGB"].primaries)
    return _cache["cie_rgb_primaries"].copy()


def _cie_rgb_matrix() -> np.ndarray:
    if "cie_rgb" not in _cache:
        _cache["cie_rgb"] = A.read_only(rgb_to_xyz_matrix(cie_rgb_primaries_xy(), E_XY))
        _cache["cie_rgb_inverse"] = A.read_only(np.linalg.inv(_cache["cie_rgb"]))
    return _cache["cie_rgb"]


def cie_rgb_to_xyz(rgb: Any, *, channel_axis: int = -1) -> Any:
    """CIE 1931 RGB (linear; primaries 700, 546.1, 435.8 nm; white E) to CIE XYZ.

    ``XYZ = M RGB``, where ``M`` is :func:`vklib.color.rgb_to_xyz_matrix` of
    :func:`cie_rgb_primaries_xy` and the equal-energy white E, normalised so that
    RGB = (1, 1, 1) gives ``Y = 1``. It agrees with the CIE's 1931 matrix
    ``[[0.49, 0.31, 0.20], [0.17697, 0.81240, 0.01063], [0, 0.01, 0.99]] / 0.17697``
    up to that scale and the 5-digit rounding of the published coefficients.

    Parameters
    ----------
    rgb : numpy.ndarray or torch.Tensor, shape (..., 3)
        Linear CIE RGB tristimulus values (they may be negative: that is how the
        1931 RGB system represents saturated spectral colours). Float dtype.
    channel_axis : int, keyword-only
        The axis holding the three components, ``-1`` by default; pass ``1`` for a
        torch batch ``(B, 3, H, W)``. The output has the input's layout, type, dtype
        and device.

    Returns
    -------
    xyz : same type and layout
        Relative XYZ, ``Y = 1`` for RGB = (1, 1, 1).

    Raises
    ------
    TypeError
        Not a float NumPy array or torch tensor.
    ValueError
        Empty, NaN or infinity, no size-3 channel axis, or overflow.

    References
    ----------
    H. S. Fairman, M. H. Brill, H. Hemmendinger, "How the CIE 1931 color-matching
    functions were derived from Wright-Guild data", Color Res. Appl. 22 (1997) 11-23,
    doi:10.1002/(SICI)1520-6378(199702)22:1<11::AID-COL4>3.0.CO;2-7.

    Examples
    --------
    >>> (np.round(cie_rgb_to_xyz(np.array([1.0, 1.0, 1.0])), 4) + 0.0).tolist()   # E: X = Y = Z
    [1.0, 1.0, 1.0]
    """
    x = A.prepare(rgb, "rgb", channel_axis)
    return A.finish(A.check_overflow(A.matmul_last(x, _cie_rgb_matrix()), "rgb"), channel_axis)


def xyz_to_cie_rgb(xyz: Any, *, channel_axis: int = -1) -> Any:
    """CIE XYZ to linear CIE 1931 RGB (inverse of :func:`cie_rgb_to_xyz`): ``RGB = M^{-1} XYZ``.

    Parameters
    ----------
    xyz : numpy.ndarray or torch.Tensor, shape (..., 3)
        Relative XYZ. Float dtype.
    channel_axis : int, keyword-only
        The axis holding the three components, ``-1`` by default; pass ``1`` for a
        torch batch ``(B, 3, H, W)``. The output has the input's layout, type, dtype
        and device.

    Returns
    -------
    rgb : same type and layout
        Linear CIE RGB; negative for colours outside the primaries' triangle.

    Raises
    ------
    TypeError
        Not a float NumPy array or torch tensor.
    ValueError
        Empty, NaN or infinity, no size-3 channel axis, or overflow.

    Examples
    --------
    >>> np.round(xyz_to_cie_rgb(np.array([0.1, 0.5, 0.1])), 3).tolist()   # a green beyond the primaries
    [-0.259, 0.671, 0.094]
    """
    x = A.prepare(xyz, "xyz", channel_axis)
    _cie_rgb_matrix()
    return A.finish(A.check_overflow(A.matmul_last(x, _cache["cie_rgb_inverse"]), "xyz"), channel_axis)


def xyz_to_xyy(xyz: Any, *, black_xy: Any = D65_XY, channel_axis: int = -1) -> Any:
    r"""CIE XYZ to xyY: chromaticity ``(x, y)`` and luminance ``Y``.

    .. math:: x = \frac{X}{X + Y + Z}, \quad y = \frac{Y}{X + Y + Z}, \quad Y = Y.

    Chromaticity drops the intensity: all colours on a ray from the origin share it,
    and for physical colours ``x, y`` lie in [0, 1] (``Y`` does not have to).
    Black (``X + Y + Z = 0``) has no chromaticity; it is given ``black_xy``
    explicitly.

    Parameters
    ----------
    xyz : numpy.ndarray or torch.Tensor, shape (..., 3)
        Relative XYZ. Float dtype.
    black_xy : array-like, shape (2,), keyword-only
        The chromaticity reported for black: the D65 white by default (black is the
        darkest grey); colour-science reports (0, 0).
    channel_axis : int, keyword-only
        The axis holding the three components, ``-1`` by default; pass ``1`` for a
        torch batch ``(B, 3, H, W)``. The output has the input's layout, type, dtype
        and device.

    Returns
    -------
    xyy : same type and layout
        ``(x, y, Y)``.

    Raises
    ------
    TypeError
        Not a float NumPy array or torch tensor, or a complex ``black_xy``.
    ValueError
        Empty, NaN or infinity, no size-3 channel axis, ``black_xy`` not two finite
        numbers, or values so large that ``X + Y + Z`` overflows.

    References
    ----------
    CIE 15:2004, *Colorimetry*, 3rd edition, section 7.3.

    Examples
    --------
    >>> xyz_to_xyy(np.zeros(3)).tolist()   # black gets the D65 chromaticity
    [0.3127, 0.329, 0.0]
    """
    v = A.prepare(xyz, "xyz", channel_axis)
    if np.iscomplexobj(black_xy):
        raise TypeError("black_xy must be two real numbers, got complex values")
    black_point = np.asarray(black_xy, dtype=np.float64)
    if black_point.size != 2 or not np.all(np.isfinite(black_point)):
        raise ValueError(f"black_xy must be two finite numbers (x, y), got {black_point.tolist()}")
    bx, by = black_point.reshape(2)
    total = A.check_overflow(v[..., 0] + v[..., 1] + v[..., 2], "xyz")
    black = total == 0
    safe = A.where(black, 1.0 + 0.0 * total, total)
    x = A.where(black, 0.0 * total + bx, v[..., 0] / safe)
    y = A.where(black, 0.0 * total + by, v[..., 1] / safe)
    return A.finish(A.stack([x, y, v[..., 1]]), channel_axis)


def xyy_to_xyz(xyy: Any, *, channel_axis: int = -1) -> Any:
    r"""xyY to CIE XYZ (inverse of :func:`xyz_to_xyy`).

    .. math:: X = \frac{x}{y} Y, \quad Z = \frac{1 - x - y}{y} Y.

    A chromaticity with ``y = 0`` carries no luminance; it gives ``XYZ = 0``.

    Parameters
    ----------
    xyy : numpy.ndarray or torch.Tensor, shape (..., 3)
        ``(x, y, Y)``; float dtype.
    channel_axis : int, keyword-only
        The axis holding the three components, ``-1`` by default; pass ``1`` for a
        torch batch ``(B, 3, H, W)``. The output has the input's layout, type, dtype
        and device.

    Returns
    -------
    xyz : same type and layout.

    Raises
    ------
    TypeError
        Not a float NumPy array or torch tensor.
    ValueError
        Empty, NaN or infinity, no size-3 channel axis, or overflow (a tiny ``y``
        with a huge ``Y``).

    Examples
    --------
    >>> np.round(xyy_to_xyz(np.array([0.3127, 0.3290, 1.0])), 4).tolist()
    [0.9505, 1.0, 1.0891]
    """
    v = A.prepare(xyy, "xyy", channel_axis)
    x, y, lum = v[..., 0], v[..., 1], v[..., 2]
    zero = y == 0
    scale = A.where(zero, 0.0 * y, lum / A.where(zero, 1.0 + 0.0 * y, y))
    out = A.stack([x * scale, A.where(zero, 0.0 * y, lum), (1.0 - x - y) * scale])
    return A.finish(A.check_overflow(out, "xyy"), channel_axis)
