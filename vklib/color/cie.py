"""sRGB encoding, RGB <-> XYZ matrices from chromaticities, xyY and CIELAB.

The chain an sRGB pixel follows to CIELAB::

    sRGB-encoded --srgb_to_linear--> linear sRGB --M(primaries, D65)--> XYZ --f(t), white--> L*a*b*

Units: XYZ is relative, with the white's ``Y_n = 1`` (so a perfect white has
``Y = 1``); X, Y and Z are *not* confined to [0, 1] (the white D65 has
``X = 0.9505`` and ``Z = 1.089``, and out-of-gamut or HDR colours go anywhere).
Only the chromaticities ``x, y`` of physical colours lie in [0, 1].
``L*`` is in [0, 100]; ``a*``, ``b*`` are unbounded (about ±128 for sRGB colours).
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
    "LAB_EPSILON",
    "LAB_KAPPA",
    "srgb_to_linear",
    "linear_to_srgb",
    "rgb_to_xyz_matrix",
    "white_xyz",
    "cie_rgb_primaries_xy",
    "linear_srgb_to_xyz",
    "xyz_to_linear_srgb",
    "srgb_to_xyz",
    "xyz_to_srgb",
    "cie_rgb_to_xyz",
    "xyz_to_cie_rgb",
    "xyz_to_xyy",
    "xyy_to_xyz",
    "xyz_to_lab",
    "lab_to_xyz",
    "srgb_to_lab",
    "lab_to_srgb",
]

# --- Definitions of the sRGB standard (IEC 61966-2-1:1999, section 5) -------------------
#: Chromaticities (x, y) of the sRGB (= ITU-R BT.709) red, green and blue primaries.
SRGB_PRIMARIES_XY = np.array([[0.64, 0.33], [0.30, 0.60], [0.15, 0.06]])
#: Chromaticity of the sRGB white, CIE illuminant D65 as the standard specifies it.
#: (The tests check both against colour-science's tables.)
D65_XY = np.array([0.3127, 0.3290])
#: The equal-energy white E: x = y = z = 1/3 (the white of CIE 1931 RGB). It is *not*
#: "white" in general: D65, the daylight white of sRGB, is at (0.3127, 0.3290).
E_XY = np.array([1.0, 1.0]) / 3.0

#: Break point of the sRGB decoding curve (in encoded values), IEC 61966-2-1.
SRGB_EPSILON = 0.04045
_SRGB_LINEAR_BREAK = 0.0031308  # the same break point in linear values

#: CIELAB constants, exact (CIE 15:2004): epsilon = (6/29)^3, kappa = (29/3)^3.
LAB_EPSILON = 216.0 / 24389.0
LAB_KAPPA = 24389.0 / 27.0


def _check_elementwise(x: Any, name: str) -> Any:
    return check_array(x, name, dtype="floating")


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
        Empty, NaN or infinity.

    References
    ----------
    IEC 61966-2-1:1999, *Default RGB colour space - sRGB*.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(srgb_to_linear(np.array([0.0, 0.04045, 0.5, 1.0])), 6)
    array([0.      , 0.003131, 0.214041, 1.      ])
    """
    x = _check_elementwise(rgb, "rgb")
    return _decode(x)


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
    TypeError, ValueError
        As :func:`srgb_to_linear`.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(linear_to_srgb(np.array([0.0, 0.214041, 1.0])), 6)
    array([0. , 0.5, 1. ])
    """
    x = _check_elementwise(rgb, "rgb")
    return _encode(x)


def _encode(x: Any) -> Any:
    high = 1.055 * A.maximum(x, _SRGB_LINEAR_BREAK) ** (1.0 / 2.4) - 0.055
    return A.where(x <= _SRGB_LINEAR_BREAK, x * 12.92, high)


def _check_xy(xy: Any, name: str, shape: tuple) -> np.ndarray:
    if A.is_tensor(xy):
        xy = xy.detach().cpu().numpy()
    arr = np.asarray(xy, dtype=np.float64) if not isinstance(xy, np.ndarray) else xy.astype(np.float64)
    check_array(arr, name, shape=shape)
    y = arr[..., 1]
    if np.any(y <= 0) or np.any(arr < 0) or np.any(arr.sum(axis=-1) > 1):
        raise ValueError(f"{name} must hold chromaticities with x, y >= 0, y > 0 and x + y <= 1, got {arr.tolist()}")
    return arr


def white_xyz(white_xy: Any = D65_XY) -> np.ndarray:
    r"""Tristimulus values of a white of chromaticity ``(x, y)``, scaled to ``Y = 1``.

    .. math:: (X_n, Y_n, Z_n) = \left(\frac{x}{y},\ 1,\ \frac{1 - x - y}{y}\right)

    Parameters
    ----------
    white_xy : array-like, shape (2,)
        Chromaticity of the white (default D65, (0.3127, 0.3290)).

    Returns
    -------
    numpy.ndarray, shape (3,), float64
    """
    x, y = _check_xy(white_xy, "white_xy", (2,))
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
    ValueError
        Wrong shapes, chromaticities outside the triangle ``x, y >= 0``,
        ``x + y <= 1``, ``y > 0``, or collinear primaries.

    References
    ----------
    SMPTE RP 177-1993, *Derivation of basic television color equations*.

    Examples
    --------
    >>> np.round(rgb_to_xyz_matrix(SRGB_PRIMARIES_XY, D65_XY), 4)
    array([[0.4124, 0.3576, 0.1805],
           [0.2126, 0.7152, 0.0722],
           [0.0193, 0.1192, 0.9505]])
    """
    p = _check_xy(primaries_xy, "primaries_xy", (3, 2))
    w = white_xyz(white_xy)
    x, y = p[:, 0], p[:, 1]
    columns = np.stack([x / y, np.ones(3), (1.0 - x - y) / y])  # column i is primary i
    if abs(np.linalg.det(columns)) < 1e-12:
        raise ValueError(f"primaries_xy must not be collinear, got {p.tolist()}")
    s = np.linalg.solve(columns, w)
    return columns * s


_SRGB_TO_XYZ = rgb_to_xyz_matrix(SRGB_PRIMARIES_XY, D65_XY)
_XYZ_TO_SRGB = np.linalg.inv(_SRGB_TO_XYZ)
_cache: dict = {}


def cie_rgb_primaries_xy() -> np.ndarray:
    """Chromaticities of the CIE 1931 RGB primaries, the monochromatic lights at
    700, 546.1 and 435.8 nm, as colour-science tabulates them (``RGB_COLOURSPACES['CIE
    RGB'].primaries``, consistent with the CIE's 1931 matrix). The spectral locus of
    the CIE 1931 CMFs (:func:`wavelength_to_xy`) puts them within 2e-4 of these.

    Returns
    -------
    numpy.ndarray, shape (3, 2), float64
    """
    if "cie_rgb_primaries" not in _cache:
        import colour

        _cache["cie_rgb_primaries"] = np.array(colour.RGB_COLOURSPACES["CIE RGB"].primaries, dtype=np.float64)
    return _cache["cie_rgb_primaries"].copy()


def _cie_rgb_matrix() -> np.ndarray:
    if "cie_rgb" not in _cache:
        _cache["cie_rgb"] = rgb_to_xyz_matrix(cie_rgb_primaries_xy(), E_XY)
    return _cache["cie_rgb"]


_DOC_LAYOUT = """
    channel_axis : int, keyword-only
        The axis holding the three components, ``-1`` by default; pass ``1`` for a
        torch batch ``(B, 3, H, W)``. The output has the input's layout, type, dtype
        and device.
"""


def linear_srgb_to_xyz(rgb: Any, *, channel_axis: int = -1) -> Any:
    """Linear-light sRGB to CIE XYZ (D65 white, ``Y = 1`` for RGB = (1, 1, 1)).

    ``XYZ = M RGB`` with ``M = rgb_to_xyz_matrix(SRGB_PRIMARIES_XY, D65_XY)``.

    Parameters
    ----------
    rgb : numpy.ndarray or torch.Tensor, shape (..., 3)
        Linear sRGB values (decode first with :func:`srgb_to_linear`). Float dtype.
    """ + _DOC_LAYOUT + """
    Returns
    -------
    xyz : same type and layout. Not confined to [0, 1].

    Raises
    ------
    TypeError
        Not a float NumPy array or torch tensor.
    ValueError
        Empty, NaN or infinity, or no size-3 channel axis.
    """
    x = A.prepare(rgb, "rgb", channel_axis)
    return A.finish(A.matmul_last(x, _SRGB_TO_XYZ), channel_axis)


def xyz_to_linear_srgb(xyz: Any, *, channel_axis: int = -1) -> Any:
    """CIE XYZ (D65 white) to linear-light sRGB: ``RGB = M^{-1} XYZ``.

    Colours outside the sRGB gamut give components below 0 or above 1; they are
    returned as they are (clip explicitly if you need displayable values).

    Parameters
    ----------
    xyz : numpy.ndarray or torch.Tensor, shape (..., 3)
    """ + _DOC_LAYOUT + """
    Returns
    -------
    rgb : same type and layout; linear sRGB.
    """
    x = A.prepare(xyz, "xyz", channel_axis)
    return A.finish(A.matmul_last(x, _XYZ_TO_SRGB), channel_axis)


def srgb_to_xyz(rgb: Any, *, channel_axis: int = -1) -> Any:
    """sRGB-encoded values to CIE XYZ: decode (IEC 61966-2-1), then the D65 matrix.

    Parameters
    ----------
    rgb : numpy.ndarray or torch.Tensor, shape (..., 3)
        sRGB-encoded values, nominally in [0, 1].
    """ + _DOC_LAYOUT + """
    Returns
    -------
    xyz : same type and layout.
    """
    x = A.prepare(rgb, "rgb", channel_axis)
    return A.finish(A.blockwise(lambda b: A.matmul_last(_decode(b), _SRGB_TO_XYZ), x), channel_axis)


def xyz_to_srgb(xyz: Any, *, channel_axis: int = -1) -> Any:
    """CIE XYZ (D65 white) to sRGB-encoded values (no clipping).

    Parameters
    ----------
    xyz : numpy.ndarray or torch.Tensor, shape (..., 3)
    """ + _DOC_LAYOUT + """
    Returns
    -------
    rgb : same type and layout; sRGB-encoded.
    """
    x = A.prepare(xyz, "xyz", channel_axis)
    return A.finish(A.blockwise(lambda b: _encode(A.matmul_last(b, _XYZ_TO_SRGB)), x), channel_axis)


def cie_rgb_to_xyz(rgb: Any, *, channel_axis: int = -1) -> Any:
    """CIE 1931 RGB (linear; primaries 700, 546.1, 435.8 nm; white E) to CIE XYZ.

    The matrix is :func:`rgb_to_xyz_matrix` of :func:`cie_rgb_primaries_xy` and the
    equal-energy white E, normalised so that RGB = (1, 1, 1) gives ``Y = 1``. It
    agrees with the CIE's 1931 matrix ``[[0.49, 0.31, 0.20], [0.17697, 0.81240,
    0.01063], [0, 0.01, 0.99]] / 0.17697`` up to that scale and the 5-digit rounding
    of the published coefficients.

    Parameters
    ----------
    rgb : numpy.ndarray or torch.Tensor, shape (..., 3)
        Linear CIE RGB tristimulus values (they may be negative: that is how the
        1931 RGB system represents saturated spectral colours).
    """ + _DOC_LAYOUT + """
    Returns
    -------
    xyz : same type and layout.

    References
    ----------
    H. S. Fairman, M. H. Brill, H. Hemmendinger, "How the CIE 1931 color-matching
    functions were derived from Wright-Guild data", Color Res. Appl. 22 (1997) 11-23,
    doi:10.1002/(SICI)1520-6378(199702)22:1<11::AID-COL4>3.0.CO;2-7.
    """
    x = A.prepare(rgb, "rgb", channel_axis)
    return A.finish(A.matmul_last(x, _cie_rgb_matrix()), channel_axis)


def xyz_to_cie_rgb(xyz: Any, *, channel_axis: int = -1) -> Any:
    """CIE XYZ to linear CIE 1931 RGB (inverse of :func:`cie_rgb_to_xyz`).

    Parameters
    ----------
    xyz : numpy.ndarray or torch.Tensor, shape (..., 3)
    """ + _DOC_LAYOUT + """
    Returns
    -------
    rgb : same type and layout.
    """
    x = A.prepare(xyz, "xyz", channel_axis)
    return A.finish(A.matmul_last(x, np.linalg.inv(_cie_rgb_matrix())), channel_axis)


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
    black_xy : array-like, shape (2,), keyword-only
        The chromaticity reported for black: the D65 white by default (black is the
        darkest grey); colour-science reports (0, 0).
    """ + _DOC_LAYOUT + """
    Returns
    -------
    xyy : same type and layout: ``(x, y, Y)``.
    """
    v = A.prepare(xyz, "xyz", channel_axis)
    bx, by = np.asarray(black_xy, dtype=np.float64).reshape(2)
    total = v[..., 0] + v[..., 1] + v[..., 2]
    black = total == 0
    safe = A.where(black, 1.0 + 0.0 * total, total)
    x = A.where(black, 0.0 * total + bx, v[..., 0] / safe)
    y = A.where(black, 0.0 * total + by, v[..., 1] / safe)
    return A.finish(A.stack([x, y, v[..., 1]]), channel_axis)


def xyy_to_xyz(xyy: Any, *, channel_axis: int = -1) -> Any:
    r"""xyY to CIE XYZ.

    .. math:: X = \frac{x}{y} Y, \quad Z = \frac{1 - x - y}{y} Y.

    A chromaticity with ``y = 0`` carries no luminance; it gives ``XYZ = 0``.

    Parameters
    ----------
    xyy : numpy.ndarray or torch.Tensor, shape (..., 3): ``(x, y, Y)``.
    """ + _DOC_LAYOUT + """
    Returns
    -------
    xyz : same type and layout.
    """
    v = A.prepare(xyy, "xyy", channel_axis)
    x, y, lum = v[..., 0], v[..., 1], v[..., 2]
    zero = y == 0
    scale = A.where(zero, 0.0 * y, lum / A.where(zero, 1.0 + 0.0 * y, y))
    return A.finish(A.stack([x * scale, A.where(zero, 0.0 * y, lum), (1.0 - x - y) * scale]), channel_axis)


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
        Relative XYZ with the white at ``Y_n = 1``.
    white_xy : array-like, shape (2,), keyword-only
        Chromaticity of the reference white (default D65, the sRGB white).
    """ + _DOC_LAYOUT + """
    Returns
    -------
    lab : same type and layout; ``L*`` in [0, 100] for ``0 <= Y <= Y_n``.

    References
    ----------
    CIE 15:2004, *Colorimetry*, 3rd edition, section 8.2.1.
    """
    v = A.prepare(xyz, "xyz", channel_axis)
    w = white_xyz(white_xy)
    return A.finish(_lab_from_normalised(v / A.constant(w, v)), channel_axis)


def lab_to_xyz(lab: Any, *, white_xy: Any = D65_XY, channel_axis: int = -1) -> Any:
    r"""CIELAB to CIE XYZ (inverse of :func:`xyz_to_lab`).

    .. math::

        f_y = \frac{L^* + 16}{116}, \quad f_x = f_y + \frac{a^*}{500}, \quad f_z = f_y - \frac{b^*}{200},
        \qquad t = \begin{cases} f^3 & f > 6/29 \\ (116 f - 16)/\kappa & f \le 6/29 \end{cases}

    and ``(X, Y, Z) = (X_n t_x, Y_n t_y, Z_n t_z)``.

    Parameters
    ----------
    lab : numpy.ndarray or torch.Tensor, shape (..., 3)
    white_xy : array-like, shape (2,), keyword-only
        Chromaticity of the reference white (default D65).
    """ + _DOC_LAYOUT + """
    Returns
    -------
    xyz : same type and layout.
    """
    v = A.prepare(lab, "lab", channel_axis)
    return A.finish(_lab_to_xyz_kernel(v, white_xyz(white_xy)), channel_axis)


def srgb_to_lab(rgb: Any, *, channel_axis: int = -1) -> Any:
    """sRGB-encoded values to CIELAB (D65 white): decode, D65 matrix, Lab.

    The division by the white is folded into the matrix, so the whole conversion
    is one elementwise decode, one 3x3 product and one elementwise ``f``.

    Parameters
    ----------
    rgb : numpy.ndarray or torch.Tensor, shape (..., 3)
        sRGB-encoded values, nominally in [0, 1] (uint8 images: convert with
        :func:`vklib.images.as_float_image` first).
    """ + _DOC_LAYOUT + """
    Returns
    -------
    lab : same type and layout.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(srgb_to_lab(np.array([1.0, 0.5, 0.0])), 2)   # orange
    array([66.95, 43.07, 73.96])
    """
    x = A.prepare(rgb, "rgb", channel_axis)
    return A.finish(A.blockwise(_srgb_to_lab_kernel, x), channel_axis)


_SRGB_TO_NORMALISED_XYZ = _SRGB_TO_XYZ / white_xyz(D65_XY)[:, None]  # rows divided by X_n, Y_n, Z_n


def _srgb_to_lab_kernel(x: Any) -> Any:
    fx, fy, fz = (_lab_f(t) for t in A.mix(_decode(x), _SRGB_TO_NORMALISED_XYZ))
    return A.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)])


def lab_to_srgb(lab: Any, *, channel_axis: int = -1) -> Any:
    """CIELAB (D65 white) to sRGB-encoded values (no clipping: out-of-gamut colours
    come back below 0 or above 1).

    Parameters
    ----------
    lab : numpy.ndarray or torch.Tensor, shape (..., 3)
    """ + _DOC_LAYOUT + """
    Returns
    -------
    rgb : same type and layout; sRGB-encoded.
    """
    v = A.prepare(lab, "lab", channel_axis)
    return A.finish(A.blockwise(_lab_to_srgb_kernel, v), channel_axis)


def _lab_to_xyz_kernel(v: Any, white: np.ndarray) -> Any:
    fy = (v[..., 0] + 16.0) / 116.0
    fx = fy + v[..., 1] / 500.0
    fz = fy - v[..., 2] / 200.0
    t = _lab_f_inverse(A.stack([fx, fy, fz]))
    return t * A.constant(white, t)


def _lab_to_srgb_kernel(v: Any) -> Any:
    return _encode(A.matmul_last(_lab_to_xyz_kernel(v, white_xyz(D65_XY)), _XYZ_TO_SRGB))
