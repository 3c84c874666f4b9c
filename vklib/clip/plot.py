"""The figures of chapter 6 (CLIP), so that the notebook's cells show the ideas, not the plotting.

Every function draws one figure with matplotlib and returns it; none calls ``plt.show()``.
"""

from __future__ import annotations

import textwrap

import numpy as np

__all__ = ["scene_grid", "pair_counts", "training_curves", "logit_matrices", "similarity_grid", "clip_diagram", "photo_probabilities",
           "composition_bars", "shape_confusion_plot", "template_groups", "probe_curve"]


def _plt():
    import matplotlib.pyplot as plt

    return plt


def scene_grid(images, captions, *, rows: int = 2, cols: int = 6, width: int = 20):
    """Scenes with their captions wrapped to ``width`` characters under each image."""
    plt = _plt()
    fig, axes = plt.subplots(rows, cols, figsize=(1.9 * cols, 2.45 * rows), layout="constrained")
    for ax, image, caption in zip(axes.flat, images, captions):
        ax.imshow(image)
        ax.set_xlabel(textwrap.fill(caption, width), fontsize=7)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"Training scenes ({images.shape[1]} x {images.shape[2]} pixels) and their captions")
    return fig


def pair_counts(counts, colour_names, shape_names):
    """Heatmap of training scenes per colour-shape pair; zero cells are marked "held out"."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 4.6), layout="constrained")
    im = ax.imshow(counts, cmap="Blues", vmin=0)
    for (r, c), v in np.ndenumerate(counts):
        ax.text(c, r, "held\nout" if v == 0 else str(v), ha="center", va="center", fontsize=7,
                color="crimson" if v == 0 else ("white" if v > 0.6 * counts.max() else "black"))
    ax.set_xticks(range(len(shape_names)), shape_names, rotation=30)
    ax.set_yticks(range(len(colour_names)), colour_names)
    ax.set_xlabel("shape")
    ax.set_ylabel("colour")
    ax.set_title("Training scenes per colour-shape pair")
    fig.colorbar(im, ax=ax, label="number of scenes", shrink=0.8)
    return fig


def training_curves(loss, logit_scale, *, chance: float, batch_size: int, runs=None):
    """Loss per step (left) and the logit scale per step (right), with the other runs' scales."""
    plt = _plt()
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 3.8), layout="constrained")
    steps = np.arange(1, len(loss) + 1)
    a.plot(steps, loss, lw=1, label="training loss (this run)")
    a.axhline(chance, color="gray", ls="--", label=f"chance, log {batch_size}")
    a.set_xlabel("step")
    a.set_ylabel("symmetric cross-entropy (nats)")
    a.set_title("Loss during training")
    a.legend(fontsize=8)
    b.plot(steps, logit_scale, color="tab:orange", lw=1.5, label="this run")
    for name, (x, y) in (runs or {}).items():
        b.plot(x, y, lw=1, ls=":", label=name)
    b.axhline(1 / 0.07, color="gray", ls="--", lw=1, label="start, 1 / 0.07")
    b.set_xlabel("step")
    b.set_ylabel("logit scale s = exp(t)")
    b.set_title("The learned logit scale")
    b.legend(fontsize=8)
    return fig


def logit_matrices(before, after):
    """The ``N x N`` logit matrices before and after training, side by side."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    for ax, z, when in ((axes[0], before, "before"), (axes[1], after, "after")):
        im = ax.imshow(z, cmap="viridis")
        ax.set_xlabel("text j")
        ax.set_ylabel("image i")
        ax.set_title(f"Logits z_ij, {when} training")
        fig.colorbar(im, ax=ax, label="z_ij = s I_i . T_j", shrink=0.85)
    return fig


def similarity_grid(images, texts, similarity):
    """Images along the top, texts down the side, cosine similarities in the cells (OpenAI's notebook figure)."""
    plt = _plt()
    n_img, n_txt = len(images), len(texts)
    fig = plt.figure(figsize=(1.3 * n_img + 3.2, 1.0 * n_txt + 1.8), layout="constrained")
    grid = fig.add_gridspec(2, n_img, height_ratios=[1.3, n_txt])
    for k, image in enumerate(images):
        ax = fig.add_subplot(grid[0, k])
        ax.imshow(image)
        ax.set_axis_off()
    ax = fig.add_subplot(grid[1, :])
    im = ax.imshow(similarity, cmap="viridis", aspect="auto")
    for (r, c), v in np.ndenumerate(similarity):
        ax.text(c, r, f"{v:.2f}", ha="center", va="center", fontsize=8,
                color="black" if v > similarity.mean() else "white")
    ax.set_yticks(range(n_txt), texts)
    ax.set_xticks(range(n_img), [f"image {k + 1}" for k in range(n_img)])
    fig.colorbar(im, ax=ax, label="cosine similarity I . T")
    fig.suptitle("Cosine similarity between scenes of held-out pairs and texts")
    return fig


def composition_bars(means, sds, chances, labels):
    """Bars of mean accuracy with error bars (one sd over seeds) and a chance line per bar."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 3.8), layout="constrained")
    x = np.arange(len(means))
    ax.bar(x, means, yerr=sds, capsize=4, color="tab:blue", label="tiny CLIP, mean over seeds (± sd)")
    for j, c in enumerate(chances):
        ax.plot([j - 0.4, j + 0.4], [c, c], color="black", ls="--", label="chance" if j == 0 else None)
    ax.set_xticks(x, labels)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("zero-shot accuracy")
    ax.set_title("Held-out colour-shape pairs: which part is right?")
    ax.legend(fontsize=8, loc="upper right")
    return fig


def shape_confusion_plot(confusion, shape_names):
    """Row-normalised shape confusion matrix (true shape by row)."""
    plt = _plt()
    confusion = np.asarray(confusion, dtype=float)
    rates = confusion / confusion.sum(axis=1, keepdims=True).clip(min=1)
    fig, ax = plt.subplots(figsize=(5.6, 4.6), layout="constrained")
    im = ax.imshow(rates, cmap="magma", vmin=0, vmax=1)
    for (r, c), v in np.ndenumerate(rates):
        ax.text(c, r, f"{v:.2f}", ha="center", va="center", fontsize=8, color="white" if v < 0.5 else "black")
    ax.set_xticks(range(len(shape_names)), shape_names, rotation=30)
    ax.set_yticks(range(len(shape_names)), shape_names)
    ax.set_xlabel("predicted shape")
    ax.set_ylabel("true shape")
    ax.set_title("Shapes of held-out pairs, zero-shot")
    fig.colorbar(im, ax=ax, label="fraction of the row", shrink=0.85)
    return fig


def template_groups(values, groups, *, ensemble: float, chance: float, xlabel: str):
    """Histogram of single-template accuracies, stacked by template group, with the ensemble marked."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 3.8), layout="constrained")
    names = list(dict.fromkeys(groups))
    values = np.asarray(values)
    bins = np.linspace(min(values.min(), ensemble) - 0.01, max(values.max(), ensemble) + 0.01, 25)
    ax.hist([values[np.asarray(groups) == g] for g in names], bins=bins, stacked=True, label=names)
    ax.axvline(ensemble, color="black", lw=2, label="ensemble of the caption templates")
    ax.set_xlabel(f"{xlabel} (chance {chance:.3f})")
    ax.set_ylabel("number of templates")
    ax.set_title("Each template alone, grouped by what it says")
    ax.legend(fontsize=7, loc="upper left")
    return fig


def probe_curve(shots, probe_mean, probe_sd, zero_shot_mean, zero_shot_sd, *, chance: float, n_classes: int):
    """Linear-probe accuracy against labelled examples per class, with the zero-shot band."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3.8), layout="constrained")
    ax.errorbar(shots, probe_mean, yerr=probe_sd, marker="o", capsize=3, label="linear probe on tower features")
    ax.axhspan(zero_shot_mean - zero_shot_sd, zero_shot_mean + zero_shot_sd, color="tab:red", alpha=0.2)
    ax.axhline(zero_shot_mean, color="tab:red", label="zero-shot (no labelled examples)")
    ax.axhline(chance, color="black", ls="--", label="chance")
    ax.set_xscale("log", base=2)
    ax.set_xticks(shots, [str(k) for k in shots])
    ax.set_xlabel("labelled examples per class, k")
    ax.set_ylabel(f"accuracy on the {n_classes} seen pairs")
    ax.set_ylim(0, 1)
    ax.set_title("Linear probe vs zero-shot (mean ± sd over seeds)")
    ax.legend(fontsize=8)
    return fig


def clip_diagram() -> np.ndarray:
    """The book's sketch of CLIP's training (the N x N matrix of I_i . T_j), as an RGB image in [0, 1].

    Returns
    -------
    (320, 320, 3) float32 array
    """
    plt = _plt()
    fig = plt.figure(figsize=(4, 4), dpi=80)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.axis("off")
    ax.add_patch(plt.Rectangle((3.2, 8.2), 6.4, 1.2, color="#b7d7f0"))
    ax.text(6.4, 8.8, "Text Encoder", ha="center", va="center", fontsize=12)
    ax.add_patch(plt.Rectangle((0.2, 0.5), 1.2, 6.4, color="#f6c9a8"))
    ax.text(0.8, 3.7, "Image Encoder", ha="center", va="center", rotation=90, fontsize=12)
    for i in range(5):
        for j in range(5):
            ax.add_patch(plt.Rectangle((3.2 + 1.28 * j, 6.0 - 1.28 * i), 1.2, 1.2,
                                       color="#7fb3e0" if i == j else "#e6e6e6"))
            ax.text(3.8 + 1.28 * j, 6.6 - 1.28 * i, f"I{i + 1}.T{j + 1}", ha="center", va="center", fontsize=7)
        ax.annotate("", xy=(3.1, 6.6 - 1.28 * i), xytext=(1.5, 6.6 - 1.28 * i), arrowprops={"arrowstyle": "->"})
        ax.text(2.3, 6.85 - 1.28 * i, f"I{i + 1}", ha="center", fontsize=8)
        ax.annotate("", xy=(3.8 + 1.28 * i, 7.3), xytext=(3.8 + 1.28 * i, 8.1), arrowprops={"arrowstyle": "->"})
        ax.text(4.15 + 1.28 * i, 7.6, f"T{i + 1}", fontsize=8)
    fig.canvas.draw()
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(np.float32) / 255
    plt.close(fig)
    return rgb


def photo_probabilities(photos, names, labels, probs):
    """Photographs (top row) and the zero-shot probabilities over ``labels`` under each (bottom row)."""
    plt = _plt()
    fig, axes = plt.subplots(2, len(photos), figsize=(13, 5.5), layout="constrained")
    for k, (name, photo) in enumerate(zip(names, photos)):
        axes[0, k].imshow(photo)
        axes[0, k].set_title(f"skimage.data.{name}")
        axes[0, k].axis("off")
        axes[1, k].barh(range(len(labels)), probs[k])
        axes[1, k].set_yticks(range(len(labels)), labels if k == 0 else [])
        axes[1, k].invert_yaxis()
        axes[1, k].set_xlabel("probability")
    fig.suptitle("Pretrained CLIP ViT-B/32, zero-shot on scikit-image's photographs")
    return fig
