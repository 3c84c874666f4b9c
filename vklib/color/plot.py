"""The CIE 1931 chromaticity diagram, drawn in colour by vklib (matplotlib).

Each point ``(x, y)`` inside the spectral locus is painted with the sRGB colour of
that chromaticity at the highest luminance the sRGB cube allows. Chromaticities
outside the sRGB triangle cannot be displayed: their linear RGB has a negative
component, which is clipped to 0 (so the colours outside the triangle are only
the nearest displayable ones, a limitation of every such picture).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .cie import D65_XY, E_XY, SRGB_PRIMARIES_XY, linear_to_srgb, xyy_to_xyz, xyz_to_linear_srgb
from .spectra import wavelength_to_xy

__all__ = ["spectral_locus", "chromaticity_colours", "plot_chromaticity_diagram"]


def spectral_locus(step: float = 1.0, *, start: float = 360.0, stop: float = 830.0) -> tuple[np.ndarray, np.ndarray]:
    """Wavelengths (nm) and chromaticities (x, y) of the spectral locus.

    Returns
    -------
    lam : numpy.ndarray, shape (N,)
    xy : numpy.ndarray, shape (N, 2)
    """
    lam = np.arange(start, stop + step / 2, step)
    return lam, wavelength_to_xy(lam)


def chromaticity_colours(xy: np.ndarray) -> np.ndarray:
    """Displayable sRGB colours (values in [0, 1]) for chromaticities ``xy`` (..., 2).

    The chromaticity is taken at ``Y = 1``, converted to linear sRGB, negative
    components are clipped to 0 (out of gamut), the triple is scaled so that its
    largest component is 1, and then sRGB-encoded.
    """
    xy = np.asarray(xy, dtype=np.float64)
    xyy = np.concatenate([xy, np.ones(xy.shape[:-1] + (1,))], axis=-1)
    rgb = np.clip(xyz_to_linear_srgb(xyy_to_xyz(xyy)), 0.0, None)
    peak = rgb.max(axis=-1, keepdims=True)
    rgb = rgb / np.where(peak > 0, peak, 1.0)
    return np.clip(linear_to_srgb(rgb), 0.0, 1.0)


def plot_chromaticity_diagram(ax: Any = None, *, resolution: int = 256, gamut: bool = True,
                              whites: bool = True, labels: tuple[float, ...] = (460, 480, 500, 520, 540, 560, 580, 600, 620, 700),
                              title: str = "CIE 1931 chromaticity diagram") -> Any:
    """Draw the chromaticity diagram: coloured fill, spectral locus, purple line,
    the sRGB gamut triangle, and the whites E and D65.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Where to draw (a new figure of 5 x 5 inches otherwise).
    resolution : int
        Pixels per unit of x and y of the coloured fill.
    gamut, whites : bool
        Draw the sRGB triangle / mark E (1/3, 1/3) and D65 (0.3127, 0.3290).
    labels : tuple of float
        Wavelengths (nm) labelled along the locus.

    Returns
    -------
    The matplotlib Axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Polygon

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5), dpi=90)
    lam, locus = spectral_locus(1.0, start=380.0, stop=700.0)
    # the fill: an image of chromaticity colours, clipped to the locus + purple line
    n = int(resolution)
    grid = (np.arange(n) + 0.5) / n * 0.9
    gx, gy = np.meshgrid(grid, grid)
    colours = chromaticity_colours(np.stack([gx, np.maximum(gy, 1e-6)], axis=-1))
    outline = Polygon(locus, closed=True, facecolor="none", edgecolor="none")
    ax.add_patch(outline)
    image = ax.imshow(colours, origin="lower", extent=(0, 0.9, 0, 0.9), interpolation="bilinear")
    image.set_clip_path(outline)
    ax.plot(locus[:, 0], locus[:, 1], color="black", lw=1.2, label="spectral locus (380-700 nm)")
    ax.plot([locus[-1, 0], locus[0, 0]], [locus[-1, 1], locus[0, 1]], color="purple", lw=1.2, ls="--",
            label="purple line (non-spectral)")
    for w in labels:
        x, y = wavelength_to_xy(float(w))
        ax.plot(x, y, "o", ms=3, color="black")
        ax.annotate(f"{w:g}", (x, y), textcoords="offset points", xytext=(-22 if x < 0.2 else 6, 2), fontsize=7)
    if gamut:
        tri = np.vstack([SRGB_PRIMARIES_XY, SRGB_PRIMARIES_XY[:1]])
        ax.plot(tri[:, 0], tri[:, 1], color="white", lw=1.5)
        ax.plot(tri[:, 0], tri[:, 1], color="black", lw=0.8, ls=":", label="sRGB gamut")
    if whites:
        ax.plot(*E_XY, "s", ms=5, mfc="none", mec="black", label="E (1/3, 1/3)")
        ax.plot(*D65_XY, "x", ms=6, color="black", label="D65 (0.3127, 0.3290)")
    ax.set_xlim(0, 0.8)
    ax.set_ylim(0, 0.9)
    ax.set_aspect("equal")
    ax.set_xlabel("x (chromaticity, unitless)")
    ax.set_ylabel("y (chromaticity, unitless)")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=7)
    return ax


