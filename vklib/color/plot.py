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

from .srgb import D65_XY, E_XY, SRGB_PRIMARIES_XY, linear_to_srgb, xyz_to_linear_srgb
from .xyz import xyy_to_xyz
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




def _axes(ax: Any, figsize: tuple[float, float]) -> Any:
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_cone_fundamentals(ax: Any = None) -> Any:
    """Draw the L, M and S cone fundamentals (Stockman & Sharpe 2-degree, from
    colour-science) with each peak marked.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Where to draw (a new 6.5 x 3.2 inch figure otherwise).

    Returns
    -------
    The matplotlib Axes.
    """
    from .cones import cone_fundamentals

    ax = _axes(ax, (6.5, 3.2))
    lam, lms = cone_fundamentals()
    for k, (name, colour) in enumerate(zip("LMS", ["tab:red", "tab:green", "tab:blue"])):
        peak = lam[np.argmax(lms[:, k])]
        ax.plot(lam, lms[:, k], color=colour, label=f"{name} cones (peak {peak:.0f} nm)")
        ax.axvline(peak, color=colour, lw=0.6, ls=":")
    ax.set_xlim(390, 730)
    ax.set_xlabel("wavelength λ (nm)")
    ax.set_ylabel("relative sensitivity (peak = 1)")
    ax.set_title("Cone fundamentals (Stockman & Sharpe 2°, energy units)")
    ax.legend(fontsize=8)
    return ax


def plot_metamers(lam: np.ndarray, spectra: dict, patches: dict) -> Any:
    """Two (or more) reflectance spectra beside the colour patches they produce.

    Parameters
    ----------
    lam : numpy.ndarray, shape (N,)
        Wavelengths in nm.
    spectra : dict of str to numpy.ndarray, each shape (N,)
        The reflectances, by name.
    patches : dict of str to numpy.ndarray, each shape (len(spectra), 3)
        One row of patches per lighting (name -> sRGB colours in [0, 1], one per
        spectrum, in the order of ``spectra``).

    Returns
    -------
    The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.2), gridspec_kw={"width_ratios": [2.2, 1]})
    for (name, r), style in zip(spectra.items(), ["-", "--", ":", "-."]):
        axes[0].plot(lam, r, style, lw=2, label=name)
    axes[0].set_xlim(380, 730)
    axes[0].set_xlabel("wavelength λ (nm)")
    axes[0].set_ylabel("reflectance R(λ) (fraction)")
    axes[0].set_title("Two different reflectance spectra")
    axes[0].legend(fontsize=8)
    rows = np.stack([np.clip(np.asarray(v, dtype=float), 0.0, 1.0) for v in patches.values()])
    axes[1].imshow(rows.repeat(10, axis=0).repeat(10, axis=1))
    axes[1].set_xticks(np.arange(len(spectra)) * 10 + 4.5, [f"spectrum {k + 1}" for k in range(len(spectra))])
    axes[1].set_yticks(np.arange(len(patches)) * 10 + 4.5, list(patches), fontsize=8)
    axes[1].set_title("their colours, side by side")
    fig.tight_layout()
    return fig


def hsv_solid_points(*, n_hue: int = 73, n_steps: int = 13, solid: str = "cylinder") -> tuple:
    """Surface points of the HSV solid: its side (S = 1) and its top (V = 1).

    Parameters
    ----------
    n_hue, n_steps : int, keyword-only
        Samples of the hue circle and of V (side) or S (top).
    solid : {'cylinder', 'hexcone'}, keyword-only
        ``'cylinder'``: the HSV coordinates themselves, ``(S cos H, S sin H, V)``.
        ``'hexcone'``: where those colours sit in the RGB cube, projected along its
        grey diagonal: ``(R - (G + B)/2, (√3/2)(G - B), V)`` (Smith 1978).

    Returns
    -------
    list of (X, Y, Z, colours)
        For the side and the top: coordinate grids of shape (n_steps, n_hue) and the
        sRGB colour of each point, shape (n_steps, n_hue, 3).
    """
    from .hsv import hsv_to_srgb

    if solid not in ("cylinder", "hexcone"):
        raise ValueError(f"solid must be 'cylinder' or 'hexcone', got {solid!r}")
    hue, ramp = np.meshgrid(np.linspace(0.0, 360.0, n_hue), np.linspace(0.0, 1.0, n_steps))
    one = np.ones_like(hue)
    surfaces = []
    for h, s, v in [(hue, one, ramp), (hue, ramp, one)]:   # the side (S = 1), the top (V = 1)
        rgb = hsv_to_srgb(np.stack([h, s, v], axis=-1))
        if solid == "cylinder":
            x, y = s * np.cos(np.radians(h)), s * np.sin(np.radians(h))
        else:
            x = rgb[..., 0] - (rgb[..., 1] + rgb[..., 2]) / 2.0
            y = np.sqrt(3.0) / 2.0 * (rgb[..., 1] - rgb[..., 2])
        surfaces.append((x, y, v, np.clip(rgb, 0.0, 1.0)))
    return surfaces


def plot_hsv_solids(fig: Any = None) -> Any:
    """Draw HSV twice: as the cylinder of its coordinates and as Smith's hexcone.

    The same colours on both: in the cylinder the whole bottom disk (V = 0) is black
    and the radius S says nothing about how far a colour is from grey; in the hexcone
    the distance from the grey axis is the chroma ``C = max - min = S V``, so the solid
    narrows to a point at black and its cross-section is the hexagon of the RGB cube.

    Returns
    -------
    The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    if fig is None:
        fig = plt.figure(figsize=(9.0, 4.2))
    titles = {"cylinder": "HSV as a cylinder: (S cos H, S sin H, V)",
              "hexcone": "the hexcone: distance from grey = chroma S·V"}
    for k, solid in enumerate(("cylinder", "hexcone")):
        ax = fig.add_subplot(1, 2, k + 1, projection="3d")
        for x, y, z, colours in hsv_solid_points(solid=solid):
            ax.plot_surface(x, y, z, facecolors=colours, rstride=1, cstride=1, shade=False, linewidth=0)
        ax.set_xlabel("x", labelpad=-8)
        ax.set_ylabel("y", labelpad=-8)
        ax.set_zlabel("V", labelpad=-8)
        ax.tick_params(labelsize=6, pad=-2)
        ax.view_init(elev=28, azim=-60)
        ax.set_title(titles[solid], fontsize=9)
    return fig
