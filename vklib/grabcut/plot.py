"""The figures of chapter 3 (GrabCut), so that the notebook's cells show the idea, not the plotting.

Every function draws with matplotlib and calls ``plt.show()``; none of them computes a
number the chapter prints, except where its docstring says what it returns.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..checks import check_array, check_image
from .core import GrabCutResult, rect_to_mask, unary_costs
from .graph import OFFSETS, _pair_views
from .strokes import rasterize_stroke

__all__ = ["show_mask_codes", "component_map", "show_components", "weakest_link", "show_costs",
           "print_capacities", "draw_cut", "show_iterations", "show_result", "show_results",
           "plot_error_scatter", "show_session"]

_CODE_COLOURS = ["black", "white", "dimgray", "lightgray"]


def _plt():
    import matplotlib.pyplot as plt

    return plt


def _axes_in_pixels(axes) -> None:
    for ax in np.ravel(axes):
        ax.set_xlabel("x (pixels)")
        ax.set_ylabel("y (pixels)")


def _draw_rect(ax, rect, colour="yellow", lw=2.0) -> None:
    x, y, w, h = rect
    ax.add_patch(_plt().Rectangle((x - 0.5, y - 0.5), w, h, fill=False, ec=colour, lw=lw))


def show_mask_codes(image: np.ndarray, rect, masks: dict) -> None:
    """The image with its rectangle, the initial trimap as mask codes, and result masks.

    Parameters
    ----------
    image : (H, W, 3) float in [0, 1]
    rect : (x, y, w, h)
    masks : dict of str to (H, W) uint8 codes 0-3
        Titles and masks to show after the initial one.
    """
    plt = _plt()
    fig, axes = plt.subplots(1, 2 + len(masks), figsize=(3.2 * (2 + len(masks)), 3.4), layout="constrained")
    axes[0].imshow(image)
    _draw_rect(axes[0], rect)
    axes[0].set_title("image and rectangle", fontsize=10)
    cmap = plt.matplotlib.colors.ListedColormap(_CODE_COLOURS)
    shown = {"initial mask codes (trimap)": rect_to_mask(image.shape[:2], rect), **masks}
    for ax, (title, m) in zip(axes[1:], shown.items()):
        im = ax.imshow(m, cmap=cmap, vmin=-0.5, vmax=3.5)
        ax.set_title(title, fontsize=9)
    _axes_in_pixels(axes)
    for ax in axes[2:]:  # the same axes as their left neighbour: no room needed for their labels
        ax.set_ylabel("")
        ax.set_yticklabels([])
    bar = fig.colorbar(im, ax=axes[1:], ticks=[0, 1, 2, 3], label="mask code")
    bar.ax.set_yticklabels(["0 BGD", "1 FGD", "2 PR_BGD", "3 PR_FGD"])
    plt.show()


def component_map(image: np.ndarray, result: GrabCutResult) -> np.ndarray:
    """The component of every pixel after GrabCut: 0..K-1 background, K..2K-1 foreground.

    Returns
    -------
    (H, W) int64

    ``image`` is the float ``(H, W, 3)`` image the result was computed on (``TypeError`` /
    ``ValueError`` otherwise).
    """
    from .gmm import assign_components

    check_image(image, "image")
    if image.shape[:2] != result.foreground.shape:
        raise ValueError(f"image must have the result's size {result.foreground.shape}, got {image.shape[:2]}")
    z = 255.0 * np.asarray(image, dtype=np.float64).reshape(-1, 3)
    fg = result.foreground.ravel()
    k = result.bg_gmm.n_components
    comp = np.zeros(z.shape[0], np.int64)
    comp[~fg] = assign_components(z[~fg], result.bg_gmm)[0]
    comp[fg] = k + assign_components(z[fg], result.fg_gmm)[0]
    return comp.reshape(image.shape[:2])


def show_components(image: np.ndarray, result: GrabCutResult) -> None:
    """The scene beside the map of :func:`component_map`."""
    plt = _plt()
    k = result.bg_gmm.n_components
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.6))
    axes[0].imshow(image)
    axes[0].set_title("scene")
    im = axes[1].imshow(component_map(image, result), cmap="tab10", vmin=-0.5, vmax=2 * k - 0.5)
    axes[1].set_title("component of every pixel")
    fig.colorbar(im, ax=axes[1], ticks=range(2 * k),
                 label=f"0-{k - 1} background, {k}-{2 * k - 1} foreground component")
    _axes_in_pixels(axes)
    plt.show()


def weakest_link(weights: np.ndarray, gamma: float) -> np.ndarray:
    """For every pixel, its weakest n-link as a fraction of the largest possible one.

    .. math::

        \\min_{m \\in N(n)} \\exp(-\\beta \\lVert z_m - z_n \\rVert^2)
        = \\min_{m \\in N(n)} \\frac{\\operatorname{dist}(m, n)}{\\gamma} w_{mn},

    over the (up to 8) neighbours :math:`N(n)`: close to 1 inside a flat region, where every
    cut is expensive, and close to 0 next to a strong colour edge, where :math:`V` lets the cut
    run almost for free.

    Parameters
    ----------
    weights : (4, H, W) float
        From :func:`vklib.grabcut.nlink_weights`.
    gamma : float
        The :math:`\\gamma` they were computed with (> 0).

    Returns
    -------
    (H, W) float64 in [0, 1]
    """
    if not gamma > 0:
        raise ValueError(f"gamma must be > 0, got {gamma!r}")
    check_array(weights, "weights", ndim=3)
    if weights.shape[0] != len(OFFSETS):
        raise ValueError(f"weights must be ({len(OFFSETS)}, H, W) n-link weights, got shape {weights.shape}")
    out = np.ones(weights.shape[1:])
    for d, (dy, dx) in enumerate(OFFSETS):
        a, b = _pair_views(out, dy, dx)
        w, _ = _pair_views(weights[d], dy, dx)
        link = w * np.hypot(dy, dx) / gamma  # the link belongs to both of its pixels
        np.minimum(a, link, out=a)
        np.minimum(b, link, out=b)
    return out


def show_costs(image: np.ndarray, result: GrabCutResult, weights: np.ndarray) -> None:
    """The data costs :math:`D_n(0)`, :math:`D_n(1)`, their difference, and each pixel's weakest n-link.

    Parameters
    ----------
    image : (H, W, 3) float in [0, 1]
    result : GrabCutResult
        Its mixtures give the data costs (:func:`vklib.grabcut.unary_costs`).
    weights : (4, H, W) float
        The n-links of the image (:func:`vklib.grabcut.nlink_weights`).
    """
    plt = _plt()
    d_bg, d_fg = unary_costs(image, result.models)
    top = np.percentile(np.concatenate([d_bg.ravel(), d_fg.ravel()]), 99)
    diff = np.clip(d_bg - d_fg, -top, top)
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.5))
    panels = [(d_bg, "$D_n(0)$: cost of background", "viridis", 0, top),
              (d_fg, "$D_n(1)$: cost of foreground", "viridis", 0, top),
              (diff, "$D_n(0) - D_n(1)$ (> 0: foreground is cheaper)", "RdBu_r", -np.abs(diff).max(), np.abs(diff).max()),
              (weakest_link(weights, result.gamma), "weakest n-link, as a fraction of $\\gamma$/dist", "magma", 0, 1)]
    for ax, (data, title, cmap, lo, hi) in zip(axes, panels):
        im = ax.imshow(data, cmap=cmap, vmin=lo, vmax=hi)
        ax.set_title(title, fontsize=9)
        fig.colorbar(im, ax=ax, fraction=0.046, label="nats" if ax is not axes[3] else "exp(-beta |z_m - z_n|^2)")
    _axes_in_pixels(axes)
    plt.tight_layout()
    plt.show()


def print_capacities(cap: np.ndarray, names: Sequence[str]) -> None:
    """Print a dense capacity matrix with row and column names (0 where there is no edge)."""
    print("capacities (row -> column), 0 where there is no edge:")
    print("      " + "".join(f"{n:>7s}" for n in names))
    for i, row in enumerate(cap):
        print(f"{names[i]:>5s} " + "".join(f"{v:7.2f}" for v in row))


def draw_cut(colours: np.ndarray, cap: np.ndarray, source_side: np.ndarray, names: Sequence[str]) -> None:
    """Draw the s-t graph of a 2 x 3 image with its minimum cut.

    One line per linked pair of nodes, its width :math:`0.5 + 1.5 \\min(c_{uv} + c_{vu}, 4)`
    points; the edges the cut severs are red and dashed. Pixel nodes are labelled with their
    name and ``F`` (source side, foreground) or ``B`` (sink side, background). A key below
    the graph says so.

    Parameters
    ----------
    colours : (2, 3, 3) float, 8-bit RGB
        The pixels, drawn as the node colours.
    cap : (8, 8) float
        Dense capacities (:func:`vklib.grabcut.dense_capacities`); nodes 6 and 7 are s and t.
    source_side : (8,) bool
        From :func:`vklib.grabcut.edmonds_karp`.
    names : 8 str
    """
    plt = _plt()
    pos = {i: (i % 3, 1 - i // 3) for i in range(6)}
    pos[6], pos[7] = (1, 2.2), (1, -1.2)
    fig, ax = plt.subplots(figsize=(6, 6.2))
    for u in range(8):
        for v in range(u + 1, 8):
            c = cap[u, v] + cap[v, u]
            if c <= 0:
                continue
            severed = source_side[u] != source_side[v]
            (x0, y0), (x1, y1) = pos[u], pos[v]
            ax.plot([x0, x1], [y0, y1], color="crimson" if severed else "gray", ls="--" if severed else "-",
                    lw=0.5 + 1.5 * min(c, 4), zorder=1)
    for i in range(8):
        colour = colours[i // 3, i % 3] / 255 if i < 6 else "white"
        ax.scatter(*pos[i], s=900, color=colour, edgecolor="black", zorder=2)
        label = names[i] + ("" if i >= 6 else (" F" if source_side[i] else " B"))
        ax.annotate(label, pos[i], ha="center", va="center", color="black" if i >= 6 else "white",
                    fontsize=10, zorder=3)
    cut = cap[source_side][:, ~source_side].sum()
    ax.set_title(f"minimum cut (red, dashed): capacity {cut:.2f}")
    ax.set_xlabel("pixel column x")
    ax.set_ylabel("pixel row (s above, t below)")
    ax.set_xlim(-0.6, 2.6)
    ax.set_ylim(-1.7, 2.7)
    key = [plt.Line2D([], [], color="gray", lw=0.5 + 1.5 * c, label=f"capacity {c:g}") for c in (0.5, 2, 4)]
    key.append(plt.Line2D([], [], color="crimson", ls="--", lw=2, label="severed by the cut"))
    ax.legend(handles=key, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, fontsize=8, frameon=False,
              title="line width grows with the capacity $c_{uv} + c_{vu}$ (the same from 4 up)", title_fontsize=8)
    fig.text(0.5, 0.035, "F: pixel on the side of s (foreground), B: on the side of t (background)",
             ha="center", fontsize=8)
    fig.subplots_adjust(bottom=0.24)
    plt.show()


def show_iterations(image: np.ndarray, rect, result: GrabCutResult, iterations: Sequence[int] = (0, 1, 2, 3)) -> None:
    """U and V per iteration, and the foreground after some iterations with the pixels that flipped.

    Parameters
    ----------
    image : (H, W, 3) float in [0, 1]
    rect : (x, y, w, h)
    result : GrabCutResult
        Its ``unary``, ``smoothness`` and ``history``.
    iterations : sequence of int
        0-based iterations to draw; pixels that changed label since the previous one are
        coloured (magenta: became foreground, cyan: became background).
    """
    plt = _plt()
    n = len(result.energies)
    fig, axes = plt.subplots(1, 1 + len(iterations), figsize=(3.4 * (1 + len(iterations)), 3.5),
                             gridspec_kw={"width_ratios": [1.4] + [1] * len(iterations)})
    steps = np.arange(1, n + 1)
    axes[0].plot(steps, result.unary / 1e3, "o-", color="tab:blue")
    axes[0].set_xlabel("iteration")
    axes[0].set_ylabel("U, colour term (thousands of nats)", color="tab:blue")
    twin = axes[0].twinx()
    twin.plot(steps, result.smoothness / 1e3, "s--", color="tab:orange")
    twin.set_ylabel("V, boundary term (thousands of nats)", color="tab:orange")
    axes[0].set_title("the two parts of E = U + V", fontsize=10)
    for ax, it in zip(axes[1:], iterations):
        fg = result.history[it]
        shown = image * (0.25 + 0.75 * fg[..., None])
        if it > 0:
            prev = result.history[it - 1]
            shown = np.where((fg & ~prev)[..., None], [1.0, 0.0, 1.0], shown)
            shown = np.where((~fg & prev)[..., None], [0.0, 1.0, 1.0], shown)
            flips = int((fg != prev).sum())
        ax.imshow(shown)
        _draw_rect(ax, rect, lw=1.5)
        ax.set_title(f"after iteration {it + 1}" + (f": {flips} flipped" if it > 0 else ""), fontsize=10)
        ax.set_xlabel("x (pixels)")
        ax.set_ylabel("y (pixels)")
    fig.suptitle("foreground bright, background dimmed; pixels that changed label since the previous "
                 "iteration: magenta became foreground, cyan became background", fontsize=10)
    plt.tight_layout(rect=(0, 0, 1, 0.92))
    plt.show()


def show_result(image: np.ndarray, rect, foreground: np.ndarray, *, title: str, result_title: str) -> None:
    """One scene with its rectangle beside a foreground mask (the explorer's picture)."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(7, 3.4))
    axes[0].imshow(image)
    _draw_rect(axes[0], rect, lw=1.5)
    axes[0].set_title(title, fontsize=9)
    axes[1].imshow(foreground, cmap="gray", vmin=0, vmax=1)
    axes[1].set_title(result_title, fontsize=10)
    _axes_in_pixels(axes)
    plt.show()


def show_results(scene_set, indices: Sequence[int], rows: dict) -> None:
    """A grid: scenes (top row) and, for every entry of ``rows``, their foregrounds.

    Parameters
    ----------
    scene_set : vklib.grabcut.experiment.SceneSet
    indices : sequence of int
        Scenes to draw, one per column.
    rows : dict of str to list of (H, W) bool
        Row title and the foreground of each drawn scene.
    """
    plt = _plt()
    fig, axes = plt.subplots(1 + len(rows), len(indices), figsize=(2.3 * len(indices), 2.4 * (1 + len(rows))),
                             squeeze=False)
    for j, i in enumerate(indices):
        axes[0, j].imshow(scene_set.images[i])
        _draw_rect(axes[0, j], scene_set.rects[i], lw=1.2)
        for r, (title, masks) in enumerate(rows.items(), start=1):
            axes[r, j].imshow(masks[j], cmap="gray", vmin=0, vmax=1)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel("scene")
    for r, title in enumerate(rows, start=1):
        axes[r, 0].set_ylabel(title)
    plt.tight_layout()
    plt.show()


def plot_error_scatter(rows: np.ndarray, title: str) -> None:
    """Per-scene error of vklib against cv2.grabCut (columns 0 and 1 of a benchmark)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 4.4))
    ax.scatter(rows[:, 1], rows[:, 0], s=18)
    top = max(rows[:, :2].max(), 1) * 1.05
    ax.plot([0, top], [0, top], "k--", lw=1, label="equal error")
    ax.set_xlabel("cv2.grabCut error rate (% of rectangle)")
    ax.set_ylabel("vklib error rate (% of rectangle)")
    ax.set_title(title)
    ax.legend()
    plt.show()


def show_session(image: np.ndarray, session: dict, replayed) -> None:
    """A recorded session: its rectangle and strokes, and the foreground after each of two runs."""
    plt = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.6))
    axes[0].imshow(image)
    for e in session["events"]:
        if e["type"] == "rect":
            _draw_rect(axes[0], e["rect"])
        elif e["type"] == "stroke":
            painted = rasterize_stroke(image.shape[:2], e["points"], e["radius"])
            colour = [0, 1, 0.4, 0.8] if e["label"] == "fg" else [1, 0.1, 0.2, 0.8]
            axes[0].imshow(np.where(painted[..., None], np.array(colour), 0.0))
    axes[0].set_title("rectangle, fg (green) and bg (red) strokes")
    for ax, r, title in [(axes[1], replayed.runs[0], "run 1: rectangle only"),
                         (axes[2], replayed.runs[-1], "run 2: after the strokes")]:
        ax.imshow(image * (0.25 + 0.75 * r.foreground[..., None]))
        ax.set_title(title)
    _axes_in_pixels(axes)
    plt.tight_layout()
    plt.show()

