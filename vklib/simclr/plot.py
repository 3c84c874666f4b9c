"""Figures of chapter 5 that would clutter the notebook."""

from __future__ import annotations

import numpy as np

__all__ = ["similarity_heatmap"]


def similarity_heatmap(S, *, ax=None, title="", vmin=None, vmax=None):
    """Draw a ``(2N, 2N)`` cosine-similarity matrix of stacked views, with a colour bar.

    Parameters
    ----------
    S : array or tensor, shape ``(2N, 2N)``
        Rows ``0 .. N-1``: first views (``0a, 1a, ...``), rows ``N .. 2N-1``: second views
        (``0b, 1b, ...``); the partner of row ``i`` is row ``(i + N) mod 2N``.
    ax : matplotlib Axes, optional
    title : str
    vmin, vmax : float, optional
        Colour range; by default the observed range of the off-diagonal entries (the diagonal,
        always 1, would otherwise set the top of the scale), so that small differences show.

    Returns
    -------
    matplotlib Axes
        The diagonal is grey (not on the scale); the partner cells are outlined in black.
    """
    import matplotlib.pyplot as plt

    S = np.asarray(S.detach().cpu() if hasattr(S, "detach") else S, dtype=float)
    if S.ndim != 2 or S.shape[0] != S.shape[1] or S.shape[0] % 2:
        raise ValueError(f"S must be a square (2N, 2N) matrix, got shape {S.shape}")
    m = S.shape[0]
    n = m // 2
    off = S[~np.eye(m, dtype=bool)]
    vmin = float(off.min()) if vmin is None else vmin
    vmax = float(off.max()) if vmax is None else vmax
    if ax is None:
        _, ax = plt.subplots(figsize=(4.4, 3.6))
    cmap = plt.get_cmap("viridis").with_extremes(bad="lightgrey")   # bad: the diagonal (a view with itself)
    im = ax.imshow(np.ma.masked_where(np.eye(m, dtype=bool), S), cmap=cmap, vmin=vmin, vmax=vmax)
    names = [f"{k % n}{'ab'[k // n]}" for k in range(m)]
    ax.set_xticks(range(m), names)
    ax.set_yticks(range(m), names)
    for i in range(m):
        j = (i + n) % m
        ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="black", lw=1.5))
    ax.set_title(title, fontsize=9)
    ax.figure.colorbar(im, ax=ax, label="cosine similarity")
    return ax
