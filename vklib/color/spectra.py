"""Spectra and colour-matching functions: from light to XYZ.

All reference data (the CIE 1931 2-degree colour-matching functions, Wright & Guild's
1931 RGB colour-matching functions, the CIE 1924 luminous efficiency and the standard
illuminants) come from colour-science's tables (:mod:`colour`), which is imported the
first time one of these functions needs it.

Spectra live on the grid of the CIE 1931 CMFs in colour-science: 360 to 830 nm in
1 nm steps (:func:`wavelengths`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _array as A
from ..checks import as_checked_array, check_array

__all__ = [
    "CIE_1931_XYZ",
    "WRIGHT_GUILD_1931_RGB",
    "wavelengths",
    "cmfs",
    "luminous_efficiency",
    "illuminant_spd",
    "illuminant_xy",
    "spectrum_to_xyz",
    "wavelength_to_xyz",
    "wavelength_to_xy",
    "rgb_cmfs_to_xyz_cmfs",
    "CIE_1931_RGB_TO_XYZ",
]

CIE_1931_XYZ = "CIE 1931 2 Degree Standard Observer"
WRIGHT_GUILD_1931_RGB = "Wright & Guild 1931 2 Degree RGB CMFs"
_OBSERVER = CIE_1931_XYZ

#: The CIE 1931 transformation from the RGB system to XYZ, as published (CIE 1931;
#: Fairman, Brill & Hemmendinger 1997, eq. 7): the definition of XYZ, not measured data.
#: Row sums give the denominators of the chromaticity transform.
CIE_1931_RGB_TO_XYZ = np.array(
    [
        [0.49000, 0.31000, 0.20000],
        [0.17697, 0.81240, 0.01063],
        [0.00000, 0.01000, 0.99000],
    ]
)
CIE_1931_RGB_TO_XYZ.flags.writeable = False

_cache: dict = {}


def _colour():
    import colour

    return colour


def cmfs(name: str = CIE_1931_XYZ) -> tuple[np.ndarray, np.ndarray]:
    """Colour-matching functions from colour-science.

    Parameters
    ----------
    name : str
        A key of ``colour.MSDS_CMFS``: ``CIE_1931_XYZ`` (x̄, ȳ, z̄; 360-830 nm,
        1 nm) or ``WRIGHT_GUILD_1931_RGB`` (r̄, ḡ, b̄ of the CIE 1931 RGB system,
        380-780 nm, 5 nm), among others.

    Returns
    -------
    wavelengths : numpy.ndarray, shape (N,), nm
    values : numpy.ndarray, shape (N, 3)
        Read-only copies of colour-science's table.
    """
    key = ("cmfs", name)
    if key not in _cache:
        table = _colour().MSDS_CMFS
        if name not in table:
            raise ValueError(f"name must be one of colour.MSDS_CMFS's keys, e.g. {CIE_1931_XYZ!r}; got {name!r}")
        data = table[name]
        w, v = np.array(data.wavelengths, dtype=np.float64), np.array(data.values, dtype=np.float64)
        w.flags.writeable = False
        v.flags.writeable = False
        _cache[key] = (w, v)
    return _cache[key]


def wavelengths() -> np.ndarray:
    """The spectral grid of :func:`spectrum_to_xyz`: 360, 361, ..., 830 nm.

    Returns
    -------
    numpy.ndarray, shape (471,), float64, nm
        Read-only: the grid of colour-science's CIE 1931 2-degree table.

    Examples
    --------
    >>> lam = wavelengths()
    >>> float(lam[0]), float(lam[-1]), lam.size
    (360.0, 830.0, 471)
    """
    return cmfs(_OBSERVER)[0]


def luminous_efficiency(grid: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """The CIE 1924 photopic luminous efficiency V(λ) from colour-science.

    Parameters
    ----------
    grid : array-like of wavelengths in nm, optional
        Wavelengths to sample V at (by colour-science's own interpolation), a 1-D list or
        array of finite numbers (integers allowed); default: its native 1 nm table.

    Returns
    -------
    wavelengths, values : numpy.ndarray, shape (N,)
        Wavelengths in nm; V in [0, 1], 1 at 555 nm.

    Examples
    --------
    >>> luminous_efficiency([555.0])[1].tolist()
    [1.0]
        """
    colour = _colour()
    sd = colour.colorimetry.SDS_LEFS_PHOTOPIC["CIE 1924 Photopic Standard Observer"]
    if grid is None:
        return np.array(sd.wavelengths), np.array(sd.values)
    grid = as_checked_array(grid, "grid", integers=True, ndim=1)
    return grid, np.asarray(sd[grid], dtype=np.float64)


def illuminant_spd(name: str = "D65") -> np.ndarray:
    """Relative spectral power of a CIE illuminant on the grid :func:`wavelengths`.

    Taken from ``colour.SDS_ILLUMINANTS[name]`` and aligned to 360-830 nm / 1 nm by
    colour-science (its own interpolation and extrapolation). ``'E'`` is the
    equal-energy spectrum (all ones).

    Parameters
    ----------
    name : str
        ``'E'`` or a key of ``colour.SDS_ILLUMINANTS`` (``'D65'``, ``'A'``, ...).

    Returns
    -------
    numpy.ndarray, shape (471,), float64
        Read-only; relative units (D65 and A are 100 at 560 nm).

    Raises
    ------
    ValueError
        Unknown name.

    Examples
    --------
    >>> float(illuminant_spd("A")[560 - 360])
    100.0
    """
    key = ("illuminant", name)
    if key not in _cache:
        if name == "E":
            values = np.ones(wavelengths().size)
        else:
            colour = _colour()
            if name not in colour.SDS_ILLUMINANTS:
                raise ValueError(f"name must be 'E' or a key of colour.SDS_ILLUMINANTS such as 'D65', got {name!r}")
            shape = colour.SpectralShape(360, 830, 1)
            values = np.array(colour.SDS_ILLUMINANTS[name].copy().align(shape).values, dtype=np.float64)
        values.flags.writeable = False
        _cache[key] = values
    return _cache[key]


def illuminant_xy(name: str = "D65") -> np.ndarray:
    """Tabulated chromaticity of a CIE illuminant for the 1931 2-degree observer.

    Parameters
    ----------
    name : str
        A key of ``colour.CCS_ILLUMINANTS['CIE 1931 2 Degree Standard Observer']``
        (``'D65'``, ``'A'``, ``'E'``, ...).

    Returns
    -------
    numpy.ndarray, shape (2,), float64
        ``(x, y)``, each in [0, 1].

    Raises
    ------
    ValueError
        Unknown name.

    Examples
    --------
    >>> illuminant_xy("D65").tolist()
    [0.3127, 0.329]
    """
    table = _colour().CCS_ILLUMINANTS[CIE_1931_XYZ]
    if name not in table:
        raise ValueError(f"name must be a key of colour.CCS_ILLUMINANTS[{CIE_1931_XYZ!r}], got {name!r}")
    return np.array(table[name], dtype=np.float64)


def spectrum_to_xyz(spd: Any, *, illuminant: Any = None, grid: Any = None) -> Any:
    r"""Integrate a spectrum against the CIE 1931 2-degree CMFs.

    Two cases, as the chapter explains:

    * **a light** (``illuminant=None``): ``spd`` is a spectral power distribution
      :math:`S(\lambda)` and

      .. math:: X = k \sum_\lambda S(\lambda)\, \bar x(\lambda)\, \Delta\lambda, \quad
                k = \frac{1}{\sum_\lambda \bar y(\lambda)\, \Delta\lambda},

      (same for Y, Z with ȳ, z̄), so the equal-energy spectrum ``S = 1`` has
      ``Y = 1`` and ``X ≈ Z ≈ 1`` (the CMFs were designed with equal areas; the
      tabulated ones agree to 4e-4), that is, chromaticity E;
    * **a surface** (``illuminant`` given): ``spd`` is a reflectance
      :math:`R(\lambda)` in [0, 1] lit by :math:`S(\lambda)`, and

      .. math:: X = k \sum_\lambda R(\lambda) S(\lambda)\, \bar x(\lambda)\, \Delta\lambda, \quad
                k = \frac{1}{\sum_\lambda S(\lambda)\, \bar y(\lambda)\, \Delta\lambda},

      so the perfect white reflector ``R = 1`` has ``Y = 1`` and the illuminant's white.

    This is colour-science's ``sd_to_XYZ(..., method='Integration')`` divided by 100
    (with the CMFs over their full 360-830 nm range).

    Parameters
    ----------
    spd : numpy.ndarray or torch.Tensor, shape (..., N)
        Spectra on the last axis, sampled at :func:`wavelengths` (N = 471) unless
        ``grid`` is given. Float dtype.
    illuminant : str or array-like of shape (471,), optional, keyword-only
        ``None`` for a light; a name (``'D65'``, ``'A'``, ``'E'``, ...) or a
        spectrum on :func:`wavelengths` for a surface.
    grid : array-like, shape (N,), optional, keyword-only
        Increasing wavelengths (nm) at which ``spd`` is sampled; the spectrum is
        then interpolated linearly onto :func:`wavelengths` and taken as 0 outside
        ``grid``.

    Returns
    -------
    xyz : same type, dtype and device as ``spd``, shape (..., 3)

    Raises
    ------
    TypeError
        ``spd`` is not a float array or tensor.
    ValueError
        NaN, empty, or the last axis does not match the wavelength grid.
    """
    check_array(spd, "spd", dtype="floating", min_ndim=1)
    lam, bars = cmfs(_OBSERVER)
    if grid is not None:
        g = np.asarray(grid, dtype=np.float64)
        check_array(g, "grid", ndim=1)
        if g.shape[0] != spd.shape[-1]:
            raise ValueError(f"grid has {g.shape[0]} wavelengths but spd has {spd.shape[-1]} samples on its last axis")
        if np.any(np.diff(g) <= 0):
            raise ValueError("grid must be strictly increasing")
        # linear interpolation as a matrix (N_grid -> 471), so NumPy and torch share it
        eye = np.eye(g.size)
        resample = np.stack([np.interp(lam, g, eye[i], left=0.0, right=0.0) for i in range(g.size)])
        spd = spd @ A.constant(resample, spd)
    elif spd.shape[-1] != lam.size:
        raise ValueError(
            f"spd must have {lam.size} samples on its last axis (360-830 nm, 1 nm), got shape {tuple(spd.shape)}; "
            "pass grid= with its wavelengths to resample it"
        )
    step = 1.0
    if illuminant is None:
        weights = bars
        k = 1.0 / (bars[:, 1].sum() * step)
    else:
        if not isinstance(illuminant, str):
            _check_real(illuminant, "illuminant")
        s = illuminant_spd(illuminant) if isinstance(illuminant, str) else np.asarray(illuminant, dtype=np.float64)
        check_array(s, "illuminant", shape=(lam.size,))
        weights = bars * s[:, None]
        k = 1.0 / ((bars[:, 1] * s).sum() * step)
    return spd @ A.constant(weights * (k * step), spd)


def wavelength_to_xyz(wavelength: Any) -> np.ndarray:
    """Tristimulus values x̄(λ), ȳ(λ), z̄(λ) of monochromatic light of unit power.

    Between the 1 nm samples the CMFs are interpolated by colour-science (its
    default interpolator for the table).

    Parameters
    ----------
    wavelength : float, array-like or torch.Tensor, nm, within [360, 830]

    Returns
    -------
    numpy.ndarray, shape (..., 3), float64; a tensor on the input's device (its floating dtype, or
    float64 for an integer tensor) when ``wavelength`` is a tensor. The table lookup itself runs in
    NumPy: the CMFs are data, not a computation worth a device.
    """
    if A.is_tensor(wavelength):
        check_array(wavelength, "wavelength", dtype=None, finite=False, nonempty=False)  # a meta tensor has no values
        return A.constant(wavelength_to_xyz(wavelength.detach().cpu().numpy()), _floating(wavelength))
    _check_real(wavelength, "wavelength")
    w = np.asarray(wavelength, dtype=np.float64)
    check_array(w, "wavelength", dtype="numeric")
    lam, values = cmfs(_OBSERVER)
    if w.min() < lam[0] or w.max() > lam[-1]:
        raise ValueError(f"wavelength must lie in [{lam[0]:g}, {lam[-1]:g}] nm, got values in [{w.min():g}, {w.max():g}]")
    on_grid = np.all(w == np.round(w))
    if on_grid:
        out = values[(w - lam[0]).astype(int)]
    else:
        table = _colour().MSDS_CMFS[_OBSERVER]
        out = np.reshape(table[np.ravel(w)], (*w.shape, 3))
    return np.asarray(out, dtype=np.float64)


def wavelength_to_xy(wavelength: Any) -> np.ndarray:
    r"""Chromaticity ``(x, y)`` of monochromatic light: a point of the spectral locus.

    .. math:: x = \frac{\bar x}{\bar x + \bar y + \bar z}, \quad y = \frac{\bar y}{\bar x + \bar y + \bar z}

    Parameters
    ----------
    wavelength : float, array-like or torch.Tensor, nm, within [360, 830]

    Returns
    -------
    numpy.ndarray, shape (..., 2); a tensor on the input's device for a tensor input, as in
    :func:`wavelength_to_xyz`.

    Examples
    --------
    >>> np.round(wavelength_to_xy(520.0), 4).tolist()
    [0.0743, 0.8338]
    """
    if A.is_tensor(wavelength):
        return A.constant(wavelength_to_xy(wavelength.detach().cpu().numpy()), _floating(wavelength))
    xyz = wavelength_to_xyz(wavelength)
    total = xyz.sum(axis=-1, keepdims=True)
    return xyz[..., :2] / total


def _check_real(x: Any, name: str) -> None:
    """Raise ``TypeError`` for complex, boolean, string or object input (NumPy would drop
    an imaginary part with only a warning, and read ``True`` as 1 nm)."""
    kind = np.asarray(x).dtype.kind
    if kind not in "iuf":
        raise TypeError(f"{name} must be real numbers (int or float), got dtype {np.asarray(x).dtype}")


def _floating(x: Any) -> Any:
    """``x`` itself if it is a floating tensor, else ``x`` as float64 (the dtype results take)."""
    return x if x.is_floating_point() else x.double()


def rgb_cmfs_to_xyz_cmfs(rgb_bar: np.ndarray, v_lambda: np.ndarray) -> np.ndarray:
    r"""The CIE 1931 derivation of x̄ȳz̄ from the RGB system's r̄ḡb̄.

    The steps of Fairman, Brill & Hemmendinger (1997, eqs. 5-9), on tabulated data:

    1. RGB chromaticities :math:`r = \bar r / (\bar r + \bar g + \bar b)`, and so on;
    2. the 1931 projective transformation to xyz chromaticities,
       :math:`(x, y, z)^\top = M (r, g, b)^\top / (\mathbf{1}^\top M (r, g, b)^\top)`
       with ``M = CIE_1931_RGB_TO_XYZ``;
    3. the luminance comes from the CIE 1924 luminous efficiency: :math:`\bar y = V`,
       :math:`\bar x = (x / y) V`, :math:`\bar z = (z / y) V`.

    Step 3 is why ȳ *is* V(λ): the CIE chose Y to carry luminance.

    Parameters
    ----------
    rgb_bar : numpy.ndarray, shape (N, 3)
        r̄, ḡ, b̄ at N wavelengths.
    v_lambda : numpy.ndarray, shape (N,)
        V(λ) at the same wavelengths.

    Returns
    -------
    numpy.ndarray, shape (N, 3): x̄, ȳ, z̄.
    """
    check_array(rgb_bar, "rgb_bar", ndim=2, last_dim=3)
    check_array(v_lambda, "v_lambda", shape=(rgb_bar.shape[0],))
    total = rgb_bar.sum(axis=1, keepdims=True)
    dark = total[:, 0] == 0  # no response at all (the table's ends): x̄ = ȳ = z̄ = 0 there
    rgb = rgb_bar / np.where(total == 0, 1.0, total)
    xyz = rgb @ CIE_1931_RGB_TO_XYZ.T
    xyz = xyz / np.where(dark[:, None], 1.0, xyz.sum(axis=1, keepdims=True))
    x, y, z = xyz[:, 0], xyz[:, 1], xyz[:, 2]
    y = np.where(dark, 1.0, y)
    out = np.stack([x / y * v_lambda, v_lambda, z / y * v_lambda], axis=1)
    out[dark] = 0.0
    return out

