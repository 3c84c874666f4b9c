"""vklib.color against the libraries people use: colour-science, colorsys and OpenCV.

Chapter 1, section "Checking vklib against colour-science and OpenCV". Each function
returns the measured largest differences, by name, so that the notebook prints them
and the tests can bound them. colour-science, colorsys and OpenCV are imported here,
only when a function is called.

Examples
--------
>>> import numpy as np
>>> rgb = np.random.default_rng(0).uniform(-0.2, 1.2, (1000, 3))
>>> max(against_colour_science(rgb).values()) < 1e-9
True
"""

from __future__ import annotations

import warnings

import numpy as np

from ..checks import check_array
from .difference import delta_e_1976, delta_e_2000
from .hsv import srgb_to_hsl, srgb_to_hsv
from .lab import lab_to_xyz, srgb_to_lab, xyz_to_lab
from .srgb import D65_XY, linear_srgb_to_xyz, srgb_to_linear, srgb_to_xyz
from .xyz import xyz_to_xyy

__all__ = ["OPENCV_SRGB_TO_XYZ", "against_colour_science", "against_opencv"]

#: OpenCV's linear sRGB -> XYZ matrix (six digits, ``color_lab.cpp``); its rows sum to its D65 white.
OPENCV_SRGB_TO_XYZ = np.array([[0.412453, 0.357580, 0.180423],
                               [0.212671, 0.715160, 0.072169],
                               [0.019334, 0.119193, 0.950227]])
OPENCV_SRGB_TO_XYZ.flags.writeable = False


def _hue_error(h1: np.ndarray, h2: np.ndarray) -> float:
    d = np.abs(h1 - h2) % 360.0
    return float(np.minimum(d, 360.0 - d).max())


def against_colour_science(rgb: np.ndarray, *, n_colorsys: int = 20_000) -> dict[str, float]:
    """Largest absolute difference of each vklib conversion from colour-science's (float64).

    Parameters
    ----------
    rgb : numpy.ndarray, shape (N, 3), float
        sRGB colours; the linear sRGB -> XYZ matrix gets them as they are (out-of-gamut
        values included), every other conversion gets them clipped to ``[0, 1]``.
    n_colorsys : int, keyword-only
        How many of them also go through Python's ``colorsys`` (slow: one call per colour).

    Returns
    -------
    dict of str to float
        Conversion name -> ``max |vklib - reference|`` (hues in degrees, on the circle).
    """
    import colorsys

    import colour

    check_array(rgb, "rgb", dtype="floating", ndim=2, last_dim=3)
    rgb_in = np.clip(rgb, 0.0, 1.0)
    space = colour.RGB_COLOURSPACES["sRGB"].copy()   # with the matrix derived from primaries and white, as vklib
    space.use_derived_matrix_RGB_to_XYZ = space.use_derived_matrix_XYZ_to_RGB = True
    xyz = srgb_to_xyz(rgb_in)
    lab, lab_rev = xyz_to_lab(xyz), xyz_to_lab(xyz[::-1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # colour-science warns about its domain-range scale for HSV
        out = {
            "sRGB decode (eotf_sRGB)": np.abs(srgb_to_linear(rgb_in) - colour.models.eotf_sRGB(rgb_in)).max(),
            "linear sRGB -> XYZ": np.abs(linear_srgb_to_xyz(rgb) - colour.RGB_to_XYZ(rgb, space)).max(),
            "XYZ -> xyY": np.abs(xyz_to_xyy(xyz, black_xy=(0, 0)) - colour.XYZ_to_xyY(xyz)).max(),
            "XYZ -> Lab (D65)": np.abs(lab - colour.XYZ_to_Lab(xyz, D65_XY)).max(),
            "Lab -> XYZ (D65)": np.abs(lab_to_xyz(lab) - colour.Lab_to_XYZ(lab, D65_XY)).max(),
            "sRGB -> HSV (hue in degrees)": _hue_error(srgb_to_hsv(rgb_in)[:, 0], 360 * colour.RGB_to_HSV(rgb_in)[:, 0]),
            "sRGB -> HSL (hue in degrees)": _hue_error(srgb_to_hsl(rgb_in)[:, 0], 360 * colour.RGB_to_HSL(rgb_in)[:, 0]),
            "ΔE*ab (1976)": np.abs(delta_e_1976(lab, lab_rev) - colour.delta_E(lab, lab_rev, method="CIE 1976")).max(),
            "CIEDE2000": np.abs(delta_e_2000(lab, lab_rev) - colour.delta_E(lab, lab_rev, method="CIE 2000")).max(),
        }
    few = rgb_in[:n_colorsys]
    ref_hsv = np.array([colorsys.rgb_to_hsv(*p) for p in few])
    out["sRGB -> HSV vs colorsys (S, V)"] = np.abs(srgb_to_hsv(few)[:, 1:] - ref_hsv[:, 1:]).max()
    return {name: float(err) for name, err in out.items()}


def against_opencv(rgb: np.ndarray) -> dict[str, float]:
    """How far OpenCV's float32 Lab conversions are from vklib's float64 formulas.

    Parameters
    ----------
    rgb : numpy.ndarray, shape (N, 3), float, in [0, 1]
        sRGB-encoded colours.

    Returns
    -------
    dict of str to float
        ``'sRGB max'``, ``'sRGB median'``: ``|ΔLab|`` of ``COLOR_RGB2Lab`` (a table with
        trilinear interpolation in fixed point) from :func:`srgb_to_lab`; ``'grid max'``:
        how far its ``a*, b*`` are from multiples of 1/64, in units of 1/64;
        ``'linear max'``: of ``COLOR_LRGB2Lab`` (the formulas in float32, with OpenCV's
        own matrix and white); ``'own matrix max'``, ``'own matrix dark max'``: of
        ``COLOR_LRGB2Lab`` from :func:`xyz_to_lab` given OpenCV's matrix and white, on
        the colours whose ``X/Xn, Y/Yn, Z/Zn`` all exceed 0.015 and on the darker rest;
        ``'share away from black'``: the fraction of colours in the first group.
    """
    import cv2

    check_array(rgb, "rgb", dtype="floating", ndim=2, last_dim=3)
    img32 = rgb.astype(np.float32).reshape(1, -1, 3)
    lab_cv = cv2.cvtColor(img32, cv2.COLOR_RGB2Lab)[0]
    lab_lin_cv = cv2.cvtColor(srgb_to_linear(img32), cv2.COLOR_LRGB2Lab)[0]
    lab_ref = srgb_to_lab(rgb)
    white = OPENCV_SRGB_TO_XYZ.sum(axis=1)
    xyz_cv = srgb_to_linear(rgb) @ OPENCV_SRGB_TO_XYZ.T
    error = np.abs(lab_lin_cv - xyz_to_lab(xyz_cv, white_xy=white[:2] / white.sum())).max(axis=1)
    away = (xyz_cv / white).min(axis=1) > 0.015
    return {
        "sRGB max": float(np.abs(lab_cv - lab_ref).max()),
        "sRGB median": float(np.median(np.abs(lab_cv - lab_ref))),
        "grid max": float(np.abs(lab_cv[:, 1:] * 64 - np.round(lab_cv[:, 1:] * 64)).max()),
        "linear max": float(np.abs(lab_lin_cv - lab_ref).max()),
        "own matrix max": float(error[away].max()),
        "own matrix dark max": float(error[~away].max()),
        "share away from black": float(away.mean()),
    }
