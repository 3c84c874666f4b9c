"""Colour spaces (chapter 1 of vklib-book): sRGB, CIE RGB/XYZ/xyY/Lab, HSV/HSL, colour differences.

Every conversion works on NumPy arrays and torch tensors alike, with the colour
triple on the last axis by default (``channel_axis=-1``); pass ``channel_axis=1``
for a torch batch ``(B, 3, H, W)``. Outputs keep the input's type, dtype and device.
Names say what they convert: ``srgb_*`` means sRGB-*encoded* values,
``linear_srgb_*`` linear-light ones.

``vklib.color.hsv``        HSV / HSL (hue in degrees, like OpenCV's float HSV)
``vklib.color.srgb``       sRGB transfer function, RGB->XYZ matrix from primaries and white
``vklib.color.xyz``        CIE 1931 RGB -> XYZ, xyY
``vklib.color.lab``        CIELAB
``vklib.color.difference`` ΔE*ab (1976) and CIEDE2000
``vklib.color.cones``      cone fundamentals and metameric blacks
``vklib.color.spectra``    CMFs and illuminants (from colour-science), spectrum -> XYZ
``vklib.color.plot``       the chromaticity diagram in colour and the other CIE figures (matplotlib)
``vklib.color.plot_perception``  cone fundamentals, metamers, the HSV cylinder and hexcone
``vklib.color.compare``    measured agreement with colour-science, colorsys and OpenCV
``vklib.color.questions``  checks of the chapter's predict-and-interpret exercises

The constants (``D65_XY``, ``SRGB_PRIMARIES_XY``, ``E_XY``) are read-only arrays.
torch, colour-science and matplotlib are imported lazily, only by the code paths
that need them.
"""

from .cones import cone_fundamentals, metameric_black
from .difference import delta_e_1976, delta_e_2000
from .hsv import hsl_to_srgb, hsv_to_srgb, srgb_to_hsl, srgb_to_hsv
from .lab import LAB_EPSILON, LAB_KAPPA, lab_to_srgb, lab_to_xyz, srgb_to_lab, xyz_to_lab
from .spectra import (
    cmfs,
    illuminant_spd,
    illuminant_xy,
    luminous_efficiency,
    rgb_cmfs_to_xyz_cmfs,
    spectrum_to_xyz,
    wavelength_to_xy,
    wavelength_to_xyz,
    wavelengths,
)
from .srgb import (
    D65_XY,
    E_XY,
    SRGB_PRIMARIES_XY,
    linear_srgb_to_xyz,
    linear_to_srgb,
    rgb_to_xyz_matrix,
    srgb_to_linear,
    srgb_to_xyz,
    white_xyz,
    xyz_to_linear_srgb,
    xyz_to_srgb,
)
from .xyz import cie_rgb_primaries_xy, cie_rgb_to_xyz, xyy_to_xyz, xyz_to_cie_rgb, xyz_to_xyy

__all__ = [
    "SRGB_PRIMARIES_XY", "D65_XY", "E_XY", "LAB_EPSILON", "LAB_KAPPA",
    "srgb_to_linear", "linear_to_srgb", "rgb_to_xyz_matrix", "white_xyz", "cie_rgb_primaries_xy",
    "linear_srgb_to_xyz", "xyz_to_linear_srgb", "srgb_to_xyz", "xyz_to_srgb",
    "cie_rgb_to_xyz", "xyz_to_cie_rgb", "xyz_to_xyy", "xyy_to_xyz",
    "xyz_to_lab", "lab_to_xyz", "srgb_to_lab", "lab_to_srgb",
    "srgb_to_hsv", "hsv_to_srgb", "srgb_to_hsl", "hsl_to_srgb",
    "delta_e_1976", "delta_e_2000",
    "cmfs", "wavelengths", "luminous_efficiency", "illuminant_spd", "illuminant_xy",
    "spectrum_to_xyz", "wavelength_to_xyz", "wavelength_to_xy", "rgb_cmfs_to_xyz_cmfs",
    "cone_fundamentals", "metameric_black",
]
