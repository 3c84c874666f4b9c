"""The figures of chapter 4 (the CAM family), so that the chapter's cells show the idea.

Every function draws with matplotlib and returns the ``Figure`` (the notebook shows it);
none computes anything a reader needs to check: the numbers are computed in the chapter.
"""

from __future__ import annotations

import textwrap

import numpy as np

from .overlay import overlay

__all__ = ["show_scenes", "show_maps", "show_channel_scores", "show_curves", "show_explorer", "show_path"]


def _numpy(a):
    return a.detach().cpu().numpy() if hasattr(a, "detach") else np.asarray(a)


def _wrap(text: str, width: int = 42) -> str:
    """Wrap each line of ``text`` at ``width`` characters, keeping its own line breaks."""
    return "\n".join(textwrap.fill(line, width) for line in text.splitlines())


def show_scenes(images, titles, *, suptitle: str, width: float = 13.0):
    """A row of ``(H, W, 3)`` images in [0, 1], each with its (multi-line) title.

    Titles are set in a small font and the figure uses matplotlib's constrained layout,
    so long titles wrap instead of running into their neighbours.
    """
    import matplotlib.pyplot as plt

    n = len(images)
    fig, axes = plt.subplots(1, n, figsize=(width, 0.55 + width / n), layout="constrained")
    for ax, image, title in zip(np.atleast_1d(axes), images, titles):
        ax.imshow(image)
        ax.set_title(title, fontsize=8)
        ax.axis("off")
    fig.suptitle(suptitle)
    return fig


def show_maps(images, maps: dict, masks, *, suptitle: str, alpha: float = 0.5):
    """One row per method: each ``(B, H, W)`` map over its image, the true object outlined in white."""
    import matplotlib.pyplot as plt

    n = len(images)
    fig, axes = plt.subplots(len(maps), n, figsize=(13, 2.2 * len(maps)), layout="constrained", squeeze=False)
    for r, (name, mp) in enumerate(maps.items()):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(overlay(images[c], _numpy(mp[c]), alpha=alpha))
            ax.contour(masks[c], levels=[0.5], colors="white", linewidths=0.8)
            ax.set_xticks([]), ax.set_yticks([])
        axes[r, 0].set_ylabel(name)
    fig.suptitle(suptitle)
    return fig


def show_channel_scores(alpha, cic, image, masks, marked: dict, *, title: str):
    """Left: every channel's gradient weight against its CIC; right: the image and marked masks.

    ``alpha`` and ``cic`` are ``(K,)``; ``masks`` ``(K, H, W)``; ``marked`` maps a label to
    ``(channel, colour)``. Each marked channel is drawn in its colour on the scatter plot (the
    legend names it) and shown as the masked image :math:`X \\circ H^k` (Hadamard product).
    """
    import matplotlib.pyplot as plt

    alpha, cic, masks = _numpy(alpha), _numpy(cic), _numpy(masks)
    fig, axes = plt.subplots(1, 2 + len(marked), figsize=(13, 3.4), layout="constrained",
                             gridspec_kw={"width_ratios": [1.4] + [1] * (1 + len(marked))})
    axes[0].scatter(alpha, cic, s=8, c="grey", label="every other channel")
    for label, (k, colour) in marked.items():
        axes[0].scatter(alpha[k], cic[k], s=40, c=colour, label=f"channel {k}: {label}")
    axes[0].legend(fontsize=7, loc="best")
    axes[0].set_xlabel("Grad-CAM weight (mean gradient)")
    axes[0].set_ylabel("CIC: logit change (masked - black)")
    axes[0].set_title(f"the {len(alpha)} channels of features[-1]", fontsize=9)
    axes[1].imshow(image)
    axes[1].set_title(title, fontsize=9)
    for ax, (label, (k, colour)) in zip(axes[2:], marked.items()):
        ax.imshow(image * masks[k][..., None])
        # 11 pt: at the book's 80 dpi a 9 pt \circ is a blob that reads as "*"
        ax.set_title(f"{label}\n$X \\,\\circ\\, H^{{{k}}}$, CIC {float(cic[k]):+.2f}", color=colour, fontsize=11)
    for ax in axes[1:]:
        ax.axis("off")
    return fig


def show_path(scales, logits, grad_sizes: dict):
    """The class logit and the gradient sizes along the path ``s * X`` (medians over scenes).

    ``logits`` is ``(S,)``; ``grad_sizes`` maps a layer name to ``(S,)`` gradient norms
    relative to their value at ``s = 1``.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), layout="constrained")
    axes[0].plot(scales, logits, "o-", color="black")
    axes[0].set_xlabel("s (image = s X; 0 is black)")
    axes[0].set_ylabel("median class logit $y^c$")
    for name, size in grad_sizes.items():
        axes[1].plot(scales, size, "o-", label=name)
    axes[1].set_xlabel("s")
    axes[1].set_ylabel(r"median $\|\partial y^c / \partial A\|$ / value at s = 1")
    axes[1].legend(fontsize=8)
    axes[0].set_title("the logit rises along the path", fontsize=9)
    axes[1].set_title("the logit's gradient does not shrink", fontsize=9)
    return fig


def show_curves(curves: dict, *, reference_rows=("random map", "true mask (blurred)"), same_as=None):
    """Mean deletion and insertion curves per method: ``curves[name] = (deletion, insertion)``.

    Methods are solid lines, ``reference_rows`` dotted. ``same_as`` maps a method to another
    one whose curves are the same (e.g. ``{"CAM": "Grad-CAM"}``): it is drawn last, dashed, on
    top of the other one, labelled ``"CAM (= Grad-CAM here)"``, so that both stay visible. A
    ``ValueError`` is raised if its curves are not those of the other method.
    """
    import matplotlib.pyplot as plt

    same_as = dict(same_as or {})
    for name, other in same_as.items():
        if not all(np.allclose(_numpy(a), _numpy(b)) for a, b in zip(curves[name], curves[other])):
            raise ValueError(f"same_as: the curves of {name!r} are not those of {other!r}")
    colours = {name: f"C{i}" for i, name in enumerate(curves)}
    order = [n for n in curves if n not in same_as] + [n for n in curves if n in same_as]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained")
    for name in order:
        style = {"ls": ":", "lw": 1.5} if name in reference_rows else {"ls": "-", "lw": 1.5}
        label = name
        if name in same_as:
            style, label = {"ls": (0, (4, 3)), "lw": 2.0, "zorder": 3}, f"{name} (= {same_as[name]} here)"
        for ax, curve in zip(axes, curves[name]):
            curve = _numpy(curve)
            ax.plot(np.linspace(0, 1, len(curve)), curve, color=colours[name], label=label, **style)
    axes[0].set_title("deletion: probability as salient pixels turn black", fontsize=9)
    axes[1].set_title("insertion: probability as salient pixels return", fontsize=9)
    for ax in axes:
        ax.set_xlabel("fraction of pixels changed")
        ax.set_ylabel("mean probability of the predicted class")
    handles, labels = axes[1].get_legend_handles_labels()
    keep = [labels.index(n if n not in same_as else f"{n} (= {same_as[n]} here)") for n in curves]
    axes[1].legend([handles[i] for i in keep], [labels[i] for i in keep], fontsize=8)
    return fig


def show_explorer(image, saliency, mask, *, caption: str, title: str, opacity: float = 0.5):
    """The explorer's picture: the scene (its caption wrapped above) and the map over it.

    ``caption`` and ``title`` are wrapped at 42 characters per line (their own line breaks
    kept), so that neither runs into the other panel. A colour bar gives the key of the map's
    jet colours (0 blue to 1 red).
    """
    import matplotlib.pyplot as plt
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    fig, axes = plt.subplots(1, 2, figsize=(7.9, 4.0), layout="constrained")
    axes[0].imshow(image)
    axes[0].set_title(_wrap(caption), fontsize=8)
    axes[1].imshow(overlay(image, _numpy(saliency), alpha=opacity))
    axes[1].contour(mask, levels=[0.5], colors="white", linewidths=0.8)
    axes[1].set_title(_wrap(title), fontsize=8)
    for ax in axes:
        ax.axis("off")
    bar = fig.colorbar(ScalarMappable(Normalize(0, 1), cmap="jet"), ax=axes[1], shrink=0.8)
    bar.set_label("map value (jet: 0 blue to 1 red)", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    return fig
