"""Cones and metamers: why three numbers describe a colour.

Chapter 1, section "Light, cones and trichromacy" (the L, M and S cone fundamentals)
and the metamer pair of "From a spectrum to XYZ and sRGB": two different spectra
with the same XYZ, built by adding a *metameric black*, a spectrum the observer
cannot see, to a reflectance.

The cone data come from colour-science's tables, imported when first needed.

Examples
--------
>>> import numpy as np
>>> from vklib.color.spectra import spectrum_to_xyz
>>> grey = np.full(471, 0.5)
>>> wiggle = 0.3 * np.sin(np.arange(471) / 10.0)
>>> other = grey + metameric_black(wiggle, illuminant="D65")   # a different spectrum ...
>>> bool(np.allclose(spectrum_to_xyz(grey, illuminant="D65"), spectrum_to_xyz(other, illuminant="D65")))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _array as A
from ..checks import check_array
from .spectra import _OBSERVER, _cache, _check_real, _colour, cmfs, illuminant_spd

__all__ = ["CONE_FUNDAMENTALS", "cone_fundamentals", "metameric_black"]

CONE_FUNDAMENTALS = "Stockman & Sharpe 2 Degree Cone Fundamentals"


def cone_fundamentals(name: str = CONE_FUNDAMENTALS) -> tuple[np.ndarray, np.ndarray]:
    """Cone fundamentals: the spectral sensitivities of the L, M and S cones.

    Parameters
    ----------
    name : str
        A key of ``colour.colorimetry.MSDS_CMFS_LMS``; by default Stockman & Sharpe's
        2-degree fundamentals (390-830 nm, 1 nm, energy units, each peak scaled to 1).

    Returns
    -------
    wavelengths : numpy.ndarray, shape (N,), nm
    lms : numpy.ndarray, shape (N, 3)
        L, M, S sensitivities in [0, 1]; read-only copies of colour-science's table.

    Raises
    ------
    ValueError
        Unknown name.

    References
    ----------
    A. Stockman, L. T. Sharpe, "The spectral sensitivities of the middle- and
    long-wavelength-sensitive cones derived from measurements in observers of known
    genotype", Vision Research 40 (2000) 1711-1737, doi:10.1016/S0042-6989(00)00021-3.

    Examples
    --------
    >>> lam, lms = cone_fundamentals()
    >>> lam[np.argmax(lms, axis=0)].tolist()   # peaks of L, M, S in nm
    [570.0, 543.0, 442.0]
    """
    key = ("lms", name)
    if key not in _cache:
        table = _colour().colorimetry.MSDS_CMFS_LMS
        if name not in table:
            raise ValueError(f"name must be one of {sorted(table)}, got {name!r}")
        w = np.array(table[name].wavelengths, dtype=np.float64)
        v = np.array(table[name].values, dtype=np.float64)
        w.flags.writeable = False
        v.flags.writeable = False
        _cache[key] = (w, v)
    return _cache[key]


def metameric_black(spectrum: Any, *, illuminant: Any = None) -> Any:
    r"""The part of a spectrum the CIE 1931 observer cannot see (a *metameric black*).

    With :math:`W` the ``471 x 3`` matrix of weights that :func:`spectrum_to_xyz`
    applies (the CMFs, times the illuminant for a surface), the projection onto the
    null space of :math:`W^\top`,

    .. math:: b = \left(I - W (W^\top W)^{-1} W^\top\right) s,

    satisfies :math:`W^\top b = 0`: ``spectrum_to_xyz(b) = 0``. Adding ``b`` (or any
    multiple of it) to another spectrum changes the spectrum but not its XYZ: the
    two are metamers.

    Parameters
    ----------
    spectrum : numpy.ndarray or torch.Tensor, shape (..., 471)
        Any spectra on :func:`wavelengths`. Float dtype.
    illuminant : str or array-like of shape (471,), optional, keyword-only
        As in :func:`spectrum_to_xyz`: ``None`` for lights, a name or a spectrum for
        reflectances seen under that illuminant.

    Returns
    -------
    Same type, shape, dtype and device as ``spectrum``: the invisible part (it takes
    negative values, so it is a difference between spectra, not a spectrum itself).

    Raises
    ------
    TypeError
        Not a float array or tensor, or a complex illuminant.
    ValueError
        NaN, infinity, empty, or a last axis that is not 471 long.

    References
    ----------
    J. B. Cohen, W. E. Kappauf, "Metameric color stimuli, fundamental metamers, and
    Wyszecki's metameric blacks", Am. J. Psychol. 95 (1982) 537-564, doi:10.2307/1422186.

    Examples
    --------
    >>> from vklib.color.spectra import spectrum_to_xyz
    >>> s = np.random.default_rng(0).random(471)
    >>> b = metameric_black(s, illuminant="D65")
    >>> bool(np.abs(spectrum_to_xyz(b, illuminant="D65")).max() < 1e-12)
    True
    """
    check_array(spectrum, "spectrum", dtype="floating", min_ndim=1)
    lam, bars = cmfs(_OBSERVER)
    if spectrum.shape[-1] != lam.size:
        raise ValueError(f"spectrum must have {lam.size} samples on its last axis (360-830 nm, 1 nm), "
                         f"got shape {tuple(spectrum.shape)}")
    if illuminant is None:
        weights = bars
    else:
        if not isinstance(illuminant, str):
            _check_real(illuminant, "illuminant")
        s = illuminant_spd(illuminant) if isinstance(illuminant, str) else np.asarray(illuminant, dtype=np.float64)
        check_array(s, "illuminant", shape=(lam.size,))
        weights = bars * s[:, None]
    projection = np.eye(lam.size) - weights @ np.linalg.solve(weights.T @ weights, weights.T)
    return spectrum @ A.constant(projection, spectrum)  # the projection is symmetric
