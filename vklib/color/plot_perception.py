"""The chapter's figures about perception (matplotlib): cones, metamers, HSV solids, mixtures.

Chapter 1, sections "Light, cones and trichromacy" (cone fundamentals, metamers) and
"HSV and HSL" (the cylinder and the hexcone, tints / shades / tones); the notebook keeps
the ideas and calls these for the drawing. matplotlib is imported when a function draws.

Examples
--------
>>> rows = tints_shades_tones(np.array([1.0, 0.5, 0.0]), steps=3)
>>> rows["tint (→ white)"][1].tolist()      # halfway to white
[1.0, 0.75, 0.5]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import as_checked_array

__all__ = ["plot_cone_fundamentals", "plot_metamers", "hsv_solid_points", "plot_hsv_solids",
           "tints_shades_tones", "plot_tints_shades_tones"]


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
    for k in range(1, len(spectra)):          # white gaps, so that equal colours still show two patches
        axes[1].axvline(10 * k - 0.5, color="white", lw=4)
    for k in range(1, len(patches)):
        axes[1].axhline(10 * k - 0.5, color="white", lw=4)
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
        grey diagonal: ``(R - (G + B)/2, (√3/2)(G - B), V)`` (Smith 1978). A colour then
        lies the fraction ``C = max - min = S V`` (its chroma) of the way from the grey
        axis to the hexagonal outline in its hue's direction; the Euclidean distance
        from the axis is ``C`` only at the six primaries and secondaries (pure orange,
        ``C = 1``, lies at distance √3/2 ≈ 0.866, on the edge between red and yellow).

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
    a colour lies the fraction ``C = max - min = S V`` (its chroma) of the way from the
    grey axis to the hexagonal outline, in its hue's direction (not at Euclidean distance
    ``C``: the outline is a hexagon, not a circle), so the solid narrows to a point at
    black and its cross-section is the hexagon of the RGB cube.

    Returns
    -------
    The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    if fig is None:
        fig = plt.figure(figsize=(9.0, 4.2))
    titles = {"cylinder": "HSV as a cylinder: (S cos H, S sin H, V)",
              "hexcone": "hexcone: chroma S·V = fraction of the way\nfrom the grey axis to the hexagonal edge"}
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


def tints_shades_tones(base: Any, *, steps: int = 9) -> dict:
    """The painter's mixtures of an sRGB colour: with white (tints), black (shades) and
    mid grey 0.5 (tones), in ``steps`` equal fractions from 0 to 1 (mixed in encoded sRGB).

    Returns
    -------
    dict of str to numpy.ndarray, each shape (steps, 3)

    Raises
    ------
    TypeError
        ``base`` is not a float colour (a list is accepted; 8-bit values are rejected).
    ValueError
        ``base`` is not one finite sRGB triple, shape (3,).
    """
    base = as_checked_array(base, "base", shape=(3,))
    t = np.linspace(0.0, 1.0, steps)[:, None]
    return {
        "tint (→ white)": base + (1.0 - base) * t,
        "shade (→ black)": base * (1.0 - t),
        "tone (→ grey)": base + (0.5 - base) * t,
    }


def plot_tints_shades_tones(base: Any, *, title: str = "", ax: Any = None) -> Any:
    """Rows of :func:`tints_shades_tones` of ``base`` as swatches. Returns the Axes."""
    ax = _axes(ax, (6.0, 2.4))
    rows = tints_shades_tones(base)
    n = len(next(iter(rows.values())))
    ax.imshow(np.clip(np.stack(list(rows.values())), 0.0, 1.0), aspect="auto")
    ax.set_yticks(range(len(rows)), list(rows))
    ax.set_xticks(range(n), [f"{t:.2f}" for t in np.linspace(0.0, 1.0, n)])
    ax.set_xlabel("fraction mixed in")
    ax.set_title(title)
    return ax
