"""The figures of chapter 2 (edges), so that the notebook's cells show the computation.

Each function draws and shows one figure of the chapter with matplotlib (imported when a
function is called, not by ``import vklib.edges``); the notebook computes what is drawn
and passes it in. Sections: "Step and ramp edges in one dimension" (:func:`step_and_ramp`),
"Differentiation amplifies noise" (:func:`noisy_ramp`, :func:`frequency_gains`),
"Gradient, magnitude and orientation" (:func:`gradient_panels`,
:func:`orientation_key`), "The Laplacian, the LoG and zero crossings"
(:func:`log_on_ramp`), "Canny, step by step" (:func:`nms_diagram`), the noise experiment
(:func:`f1_against_noise`), the explorer (:func:`show_edges`) and rows of images
(:func:`image_row`).
"""

from __future__ import annotations

import numpy as np

from .gradient import gradient, orientation_to_rgb
from .kernels import frequency_response

__all__ = [
    "image_row",
    "step_and_ramp",
    "noisy_ramp",
    "frequency_gains",
    "orientation_key",
    "gradient_panels",
    "log_on_ramp",
    "nms_diagram",
    "f1_against_noise",
    "show_edges",
]

_PIXELS = {"xlabel": "x (pixels)", "ylabel": "y (pixels)"}


def _plt():
    import matplotlib.pyplot as plt

    return plt


def image_row(panels, *, suptitle: str | None = None, ncols: int | None = None, size: float = 3.5):
    """Images side by side.

    ``panels``: (image, title, cmap, vmin, vmax) tuples (cmap None for RGB), or
    (image, title, cmap, vmin, vmax, colorbar_label) to draw a colour bar with that label.
    """
    plt = _plt()
    ncols = ncols or len(panels)
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.4), squeeze=False)
    for ax, (img, title, cmap, vmin, vmax, *bar) in zip(axes.ravel(), panels):
        shown = ax.imshow(img, cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set(title=title, **_PIXELS)
        if bar and bar[0]:
            fig.colorbar(shown, ax=ax, fraction=0.046, label=bar[0])
    for ax in axes.ravel()[len(panels):]:
        ax.axis("off")
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    plt.show()


def step_and_ramp(x, signals):
    """3 x 2 grid: each signal (columns) with its central and second differences (rows).

    ``signals``: {name: (f, first_difference, second_difference)}.
    """
    plt = _plt()
    fig, axes = plt.subplots(3, len(signals), figsize=(9, 6.5), sharex=True, squeeze=False)
    labels = ["intensity", "central difference f'(x)\n(intensity / pixel)",
              "second difference f''(x)\n(intensity / pixel²)"]
    for col, (name, curves) in enumerate(signals.items()):
        for row, g in enumerate(curves):
            axes[row, col].plot(x, g, "o-", ms=3)
            axes[row, col].axhline(0, color="grey", lw=0.5)
            axes[row, col].set_ylabel(labels[row])
        axes[0, col].set_title(f"{name} edge")
        axes[-1, col].set_xlabel("x (pixels)")
    fig.suptitle("Step and ramp edges with their first and second differences")
    fig.tight_layout()
    plt.show()


def noisy_ramp(x, noisy, curves, sigma_n):
    """The noisy ramp (left) and its derivative estimates (right); ``curves``: {label: values}."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    axes[0].plot(x, noisy, "o-", ms=3)
    axes[0].set(title=f"ramp + noise (sigma = {sigma_n})", xlabel="x (pixels)", ylabel="intensity")
    for (label, values), marker in zip(curves.items(), "os^v"):
        axes[1].plot(x, values, marker + "-", ms=3, label=label)
    axes[1].axhline(0, color="grey", lw=0.5)
    axes[1].set(title="differences of the noisy ramp", xlabel="x (pixels)",
                ylabel="intensity / pixel (second: / pixel²)")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    plt.show()


def frequency_gains(kernels):
    """|H(omega_x, omega_y)| of each 2-D kernel as an image, then two 1-D cuts through it.

    ``kernels``: {name: 2-D correlation kernel}, derivatives along x. The image panels mark
    the two cuts with dashed lines; the last two panels plot the gain *along* the derivative
    (the row omega_y = 0, against omega_x, with the ideal derivative's |omega_x|) and
    *across* it (the column omega_x = pi/2, against omega_y).
    """
    plt = _plt()
    n = len(kernels)
    fig, axes = plt.subplots(1, n + 2, figsize=(3.9 * (n + 2), 4.1))
    along, across = axes[n], axes[n + 1]
    for ax, (name, kernel), style in zip(axes, kernels.items(), ("-", "--", ":")):
        omega, gain = frequency_response(kernel)
        zero, quarter = np.argmin(np.abs(omega)), np.argmin(np.abs(omega - np.pi / 2))
        shown = ax.imshow(gain, extent=(-np.pi, np.pi, -np.pi, np.pi), origin="lower", vmin=0, vmax=1,
                          cmap="viridis", interpolation="bilinear")
        ax.axhline(0, color="w", ls="--", lw=0.8)
        ax.axvline(omega[quarter], color="w", ls=":", lw=1.0)
        ax.set(title=f"|H|, {name}", xlabel="ω_x (radians / pixel)", ylabel="ω_y (radians / pixel)")
        fig.colorbar(shown, ax=ax, fraction=0.046, label="amplitude gain")
        along.plot(omega, gain[zero], style, lw=2, label=name)
        across.plot(omega, gain[:, quarter], style, lw=2, label=name)
    along.plot(omega, np.abs(omega), "k", lw=0.8, label="ideal derivative |ω_x|")
    along.set(title="along the derivative (ω_y = 0)", xlabel="ω_x (radians / pixel)", ylabel="amplitude gain",
              xlim=(0, np.pi), ylim=(0, 1.6))
    across.set(title="across it (ω_x = π/2)", xlabel="ω_y (radians / pixel)", ylabel="amplitude gain",
               xlim=(0, np.pi), ylim=(0, 1.6))
    along.legend(fontsize=8, loc="lower center")  # the ideal |ω_x| line leaves through the top
    across.legend(fontsize=8, loc="upper right")
    for ax in (along, across):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    plt.show()


def orientation_key(ax, *, size: int = 101) -> None:
    """Draw the colour-wheel key of :func:`~vklib.edges.orientation_to_rgb` into ``ax``.

    A pixel at offset ``(dx, dy)`` from the centre (y pointing down, as in the image) has
    the colour of a gradient ``(gx, gy) = (dx, dy)``: its direction is where the image gets
    brighter, its distance from the centre the magnitude.
    """
    r = np.linspace(-1, 1, size)
    gx, gy = np.meshgrid(r, r)
    rgb = orientation_to_rgb(gx, gy, max_magnitude=1.0)
    rgb[np.hypot(gx, gy) > 1] = 1.0
    ax.imshow(rgb, extent=(-1, 1, 1, -1))
    for angle in (0, 90, 180, 270):
        t = np.radians(angle)
        ax.annotate(f"{angle}°", (1.18 * np.cos(t), 1.18 * np.sin(t)), ha="center", va="center", fontsize=8,
                    annotation_clip=False)
    ax.set(title="key: brighter towards", xlim=(-1.35, 1.35), ylim=(1.35, -1.35), xticks=[], yticks=[])
    ax.set_xlabel("gx > 0: right; gy > 0: down", fontsize=8)


def gradient_panels(image, gx, gy, *, max_magnitude: float):
    """Image, g_x, magnitude and the orientation image, with colour bars and a colour-wheel key."""
    plt = _plt()
    fig, axes = plt.subplots(1, 5, figsize=(17, 3.8), gridspec_kw={"width_ratios": [1, 1, 1, 1, 0.75]})
    magnitude = np.hypot(gx, gy)
    panels = [(image, "image I", "gray", 0, 1),
              (gx, "g_x (central difference)", "RdBu_r", -max_magnitude, max_magnitude),
              (magnitude, "magnitude |grad I|", "magma", 0, max_magnitude)]
    for ax, (img, title, cmap, vmin, vmax) in zip(axes, panels):
        shown = ax.imshow(img, cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set(title=title, **_PIXELS)
        fig.colorbar(shown, ax=ax, fraction=0.046, label="intensity" if cmap == "gray" else "intensity / pixel")
    axes[3].imshow(orientation_to_rgb(gx, gy, max_magnitude=max_magnitude))
    axes[3].set(title="orientation (hue) x magnitude (value)", **_PIXELS)
    orientation_key(axes[4])
    fig.tight_layout()
    plt.show()


def log_on_ramp(x, raw_second, log_response, *, middle: float):
    """The raw ramp's second difference and its LoG, with the ramp's middle marked."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.plot(x, raw_second, "o-", ms=3, label="second difference of the raw ramp")
    ax.plot(x, log_response, "s-", ms=3, label="LoG, sigma = 2")
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(middle, color="k", ls=":", label="middle of the ramp")
    ax.set(title="Zero crossing of the smoothed second derivative on a ramp", xlabel="x (pixels)",
           ylabel="intensity / pixel²")
    ax.legend(fontsize=8)
    plt.show()


def nms_diagram(gx: float = 1.0, gy: float = 0.45):
    """The 3 x 3 neighbourhood of a pixel p, its gradient, and the two points q+ and q- that
    non-maximum suppression compares p with (on the square of side 2 around p)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.6, 4.4))
    for row in (-1, 0, 1):
        for col in (-1, 0, 1):
            ax.add_patch(plt.Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, color="grey"))
            ax.plot(col, row, "o", color="k" if (row, col) == (0, 0) else "grey", ms=5)
    step = np.array([gx, gy]) / max(abs(gx), abs(gy))
    ax.annotate("", xy=tuple(0.9 * step), xytext=(0, 0), arrowprops={"arrowstyle": "->", "color": "C3", "lw": 2})
    for sign, name in ((1, "q+"), (-1, "q-")):
        q = sign * step
        ax.plot([sign, sign], [0, sign], color="C0", lw=3, alpha=0.5)  # from the axis to the diagonal neighbour
        ax.plot(*q, "s", color="C0", ms=8)
        ax.annotate(name, q, xytext=(8 * sign, -10 * sign), textcoords="offset points", color="C0",
                    ha="left" if sign > 0 else "right")  # away from the blue segment through q
    ax.annotate("p", (0, 0), xytext=(-12, -10), textcoords="offset points")
    ax.annotate("gradient", tuple(0.5 * step), xytext=(-10, 12), textcoords="offset points", color="C3")
    ax.set(xlim=(-1.6, 1.6), ylim=(1.6, -1.6), aspect="equal", xlabel="x (column offset)", ylabel="y (row offset)",
           title="Non-maximum suppression at one pixel")
    fig.tight_layout()
    plt.show()


def f1_against_noise(noise_levels, f1, operators, *, title: str):
    """Mean best F1 against the noise level, with ± one standard deviation over seeds.

    ``f1``: (seeds, operators, levels) array from :func:`~vklib.edges.experiment.noise_experiment`.
    """
    plt = _plt()
    labels = {"LoG 1": "LoG zero crossings, sigma = 1", "LoG 2": "LoG zero crossings, sigma = 2",
              "Canny 1": "Canny, sigma = 1", "Canny 2": "Canny, sigma = 2"}
    styles = dict(zip(operators, ["o-", "s-", "^-", "v--", "d--", "P-", "X-", "*-"]))
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    sd = f1.std(axis=0, ddof=1) if f1.shape[0] > 1 else np.zeros(f1.shape[1:])
    for j, op in enumerate(operators):
        ax.errorbar(noise_levels, f1[:, j].mean(axis=0), yerr=sd[j], fmt=styles[op], capsize=2,
                    label=labels.get(op, op + " + NMS"))
    ax.set(title=title, xlabel="noise standard deviation sigma_n (intensity)", ylabel="best F1 over thresholds",
           ylim=(0, 1.02))
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(alpha=0.3)
    plt.show()


def show_edges(image, noise, operator, sigma, low, high):
    """The explorer's picture: a photograph with noise, and one operator's output.

    ``operator``: "central" or "sobel" (normalised gradient magnitude), "LoG" (zero
    crossings with slope threshold ``t = low / 10``), or "Canny" (thresholds ``low``,
    ``high`` on the unnormalised Sobel magnitude).
    """
    from ..data import load_photo
    from .canny import canny
    from .laplacian import laplacian_of_gaussian, zero_crossings

    img = load_photo(image, as_gray=True).astype(np.float64)
    img = img + noise * np.random.default_rng(0).standard_normal(img.shape)
    if operator in ("central", "sobel"):
        gx, gy = gradient(img, operator=operator, normalize=True)
        out, title, cmap, vmax = np.hypot(gx, gy), f"{operator}: normalised gradient magnitude", "magma", 0.25
    elif operator == "LoG":
        out = zero_crossings(laplacian_of_gaussian(img, sigma), threshold=low / 10)
        title, cmap, vmax = f"LoG zero crossings, sigma = {sigma}, t = low / 10 = {low / 10:.3f}", "gray_r", None
    else:
        out = canny(img, sigma, low_threshold=min(low, high), high_threshold=high)
        title, cmap, vmax = f"Canny, sigma = {sigma}, thresholds {min(low, high):.2f} / {high:.2f}", "gray_r", None
    image_row([(img, f"{image}, noise sigma = {noise}", "gray", 0, 1), (out, title, cmap, None, vmax)],
                     size=4.8)
