"""The chapter's CIE figures (matplotlib): chromaticity diagram, CMFs, spectra, Lab ramps.

Chapter 1, sections "The colour-matching experiment" to "CIELAB"; the notebook keeps the
ideas and calls these for the drawing (:mod:`vklib.color.plot_perception` has the cones,
metamers and HSV figures).

In the chromaticity diagram each point ``(x, y)`` inside the spectral locus is painted
with the sRGB colour of that chromaticity at the highest luminance the sRGB cube
allows. Chromaticities outside the sRGB triangle cannot be displayed: their linear RGB
has a negative component, which is set to 0 before the triple is rescaled so that its
largest component is 1. The result is displayable but is neither the true colour nor,
in general, of the same hue: every printed chromaticity diagram has this limitation.

Examples
--------
>>> chromaticity_colours(np.array([0.3127, 0.3290])).round(3).tolist()   # D65 is white
[1.0, 1.0, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import as_checked_array
from .srgb import D65_XY, E_XY, SRGB_PRIMARIES_XY, linear_to_srgb, xyz_to_linear_srgb
from .xyz import xyy_to_xyz
from .spectra import wavelength_to_xy

__all__ = [
    "spectral_locus", "chromaticity_colours", "plot_chromaticity_diagram", "plot_cmf_derivation",
    "plot_reflectances", "plot_wavelength", "plot_lab_ramps", "plot_lab_pair",
]


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

    ``xy`` must hold finite floats (a list is accepted) with a last axis of size 2:
    ``TypeError`` / ``ValueError`` otherwise.
    """
    xy = as_checked_array(xy, "xy", last_dim=2)
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


_BAR_COLOURS = ["tab:red", "tab:green", "tab:blue"]


def plot_cmf_derivation(lam: np.ndarray, standard: np.ndarray, derived: np.ndarray) -> Any:
    """The standard x̄ȳz̄ with the ones derived from r̄ḡb̄ (left) and their difference (right).

    Parameters
    ----------
    lam : numpy.ndarray, shape (N,)
        Wavelengths in nm.
    standard, derived : numpy.ndarray, shape (N, 3)
        The two sets of colour-matching functions.

    Returns
    -------
    The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.3))
    for k, (name, colour) in enumerate(zip(["x̄", "ȳ", "z̄"], _BAR_COLOURS)):
        axes[0].plot(lam, standard[:, k], color=colour, label=f"{name} standard")
        axes[0].plot(lam, derived[:, k], "--", color="black", lw=0.8)
        axes[1].plot(lam, derived[:, k] - standard[:, k], color=colour, label=name)
    axes[0].plot([], [], "--", color="black", lw=0.8, label="derived from r̄ḡb̄")
    axes[0].set_title("CIE 1931 XYZ colour-matching functions")
    axes[0].set_ylabel("tristimulus value (relative units)")
    axes[1].set_title("derived minus standard")
    axes[1].set_ylabel("difference (relative units)")
    for ax in axes:
        ax.set_xlabel("wavelength λ (nm)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_reflectances(lam: np.ndarray, reflectances: dict, colours: list) -> Any:
    """Reflectance spectra, each drawn in its own colour, beside swatches of those colours.

    Parameters
    ----------
    lam : numpy.ndarray, shape (N,)
        Wavelengths in nm.
    reflectances : dict of str to numpy.ndarray, each shape (N,)
        The spectra, by name.
    colours : list of array-like, each shape (3,)
        Their sRGB colours (clipped to [0, 1] for display).

    Returns
    -------
    The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    colours = [np.clip(np.asarray(c, dtype=float), 0.0, 1.0) for c in colours]
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.2), gridspec_kw={"width_ratios": [3, 1]})
    for (name, r), colour in zip(reflectances.items(), colours):
        axes[0].plot(lam, r, color=colour, lw=2, label=name)
    axes[0].set_xlabel("wavelength λ (nm)")
    axes[0].set_ylabel("reflectance R(λ) (fraction)")
    axes[0].set_title("Reflectance spectra")
    axes[0].legend(fontsize=8)
    axes[1].imshow(np.array(colours)[:, None, :].repeat(2, axis=1), aspect="auto")
    axes[1].set_title("their colours under D65")
    axes[1].set_xticks([])
    axes[1].set_yticks(range(len(colours)), [name.split(" (")[0] for name in reflectances])
    fig.tight_layout()
    return fig


def plot_wavelength(wavelength: float, rgb_cmfs: tuple, xyz_cmfs: tuple) -> Any:
    """One wavelength marked on the RGB CMFs, the XYZ CMFs and the chromaticity diagram.

    Parameters
    ----------
    wavelength : float
        In nm, inside both tables' ranges.
    rgb_cmfs, xyz_cmfs : tuple (wavelengths, values of shape (N, 3))
        The two sets of colour-matching functions, as :func:`vklib.color.cmfs` returns them.

    Returns
    -------
    The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    w = float(wavelength)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    for ax, (lam, bars), names, title in ((axes[0], rgb_cmfs, ("r̄", "ḡ", "b̄"), "CIE 1931 RGB CMFs"),
                                          (axes[1], xyz_cmfs, ("x̄", "ȳ", "z̄"), "CIE 1931 XYZ CMFs")):
        for k, colour in enumerate(_BAR_COLOURS):
            ax.plot(lam, bars[:, k], color=colour, label=f"{names[k]}(λ)")
        ax.legend(loc="upper right", fontsize=7, handlelength=1.2, labelspacing=0.2, borderpad=0.3)
        values = np.array([np.interp(w, lam, bars[:, k]) for k in range(3)])
        ax.axvline(w, color="black", lw=0.8)
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_title(f"{title}\n{''.join(names)}({w:.0f} nm) = {np.round(values, 3)}", fontsize=8)
        ax.set_xlabel("wavelength λ (nm)")
        ax.set_ylabel("tristimulus value (relative units)")
    plot_chromaticity_diagram(axes[2], resolution=128, labels=(), title=f"{w:.0f} nm on the diagram")
    x, y = wavelength_to_xy(w)
    axes[2].plot(x, y, "o", ms=9, mfc="none", mec="black", mew=2, label=f"{w:.0f} nm")
    keep = [f"{w:.0f} nm", "E (1/3, 1/3)", "D65 (0.3127, 0.3290)", "sRGB gamut"]   # a compact key
    lines = {h.get_label(): h for h in axes[2].get_lines()}
    handles = [lines[label] for label in keep if label in lines]
    axes[2].legend(handles=handles, loc="upper right", fontsize=6, handlelength=1.2, labelspacing=0.2,
                   borderpad=0.3)
    fig.tight_layout()
    return fig


def plot_lab_ramps(ramps: dict) -> tuple[Any, dict]:
    """Ramps of sRGB colours (top) and the ΔE*ab between neighbouring patches (bottom).

    Parameters
    ----------
    ramps : dict of str to numpy.ndarray, each shape (N, 3)
        Encoded sRGB colours in [0, 1], by name; all ramps have the same length N.

    Returns
    -------
    fig : matplotlib Figure
    steps : dict of str to numpy.ndarray, each shape (N - 1,)
        ΔE*ab between patch k - 1 and patch k of each ramp.
    """
    import matplotlib.pyplot as plt

    from .difference import delta_e_1976
    from .lab import srgb_to_lab

    n = len(next(iter(ramps.values())))
    fig, axes = plt.subplots(2, 1, figsize=(7.5, 5.2), gridspec_kw={"height_ratios": [1.2, 2]})
    axes[0].imshow(np.clip(np.stack(list(ramps.values())), 0.0, 1.0), aspect="auto")
    axes[0].set_yticks(range(len(ramps)), list(ramps), fontsize=8)
    axes[0].set_xticks(range(n), [f"{v:.1f}" for v in np.linspace(0.0, 1.0, n)])
    axes[0].set_xlabel("step value (fraction of full scale)")
    axes[0].set_title("Ramps with equal RGB steps")
    steps = {}
    for name, ramp in ramps.items():
        lab = srgb_to_lab(np.asarray(ramp, dtype=float))
        steps[name] = delta_e_1976(lab[1:], lab[:-1])
        axes[1].plot(np.arange(1, n), steps[name], "o-", label=name)
    axes[1].set_xlabel("step number (between patch k-1 and k)")
    axes[1].set_ylabel("ΔE*ab (CIELAB units)")
    axes[1].set_title("Equal RGB steps are unequal perceptual steps")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    return fig, steps


def plot_lab_pair(lab_a: np.ndarray, lab_b: np.ndarray) -> Any:
    """Two CIELAB colours as sRGB swatches, titled with their ΔE*ab and ΔE00.

    Colours outside the sRGB cube are clipped for display and marked "(clipped)".

    Returns
    -------
    The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    from .difference import delta_e_1976, delta_e_2000
    from .lab import lab_to_srgb

    lab_a, lab_b = np.asarray(lab_a, dtype=float), np.asarray(lab_b, dtype=float)
    rgb = [lab_to_srgb(lab_a), lab_to_srgb(lab_b)]
    clipped = [bool(((c < -1e-6) | (c > 1 + 1e-6)).any()) for c in rgb]
    fig, ax = plt.subplots(figsize=(5.5, 2.4))
    ax.imshow(np.concatenate([np.ones((10, 10, 3)) * np.clip(c, 0.0, 1.0) for c in rgb], axis=1))
    ax.set_xticks([5, 15], [f"colour {k + 1}{' (clipped)' if clipped[k] else ''}" for k in range(2)])
    ax.set_yticks([])
    ax.set_xlabel("swatches, sRGB (out-of-gamut colours clipped)")
    ax.set_title(f"ΔE*ab = {delta_e_1976(lab_a, lab_b):.2f}   ΔE00 = {delta_e_2000(lab_a, lab_b):.2f}")
    return fig
