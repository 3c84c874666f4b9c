"""GrabCut: iterated graph cuts with colour GMMs (Rother, Kolmogorov & Blake 2004).

The energy of a labelling :math:`\\alpha` (1 foreground, 0 background) with component
indices :math:`k` and mixture parameters :math:`\\theta` is (paper, eq. 7-11)

.. math::

    E(\\alpha, k, \\theta, z) = \\underbrace{\\sum_n D(z_n; \\alpha_n, k_n, \\theta)}_{U}
                               + \\underbrace{\\gamma \\sum_{(m, n) \\in C} \\frac{[\\alpha_m \\ne \\alpha_n]}
                                 {\\operatorname{dist}(m, n)} e^{-\\beta \\lVert z_m - z_n \\rVert^2}}_{V},

and each iteration lowers it by three exact minimisations, in turn over :math:`k`,
:math:`\\theta` and :math:`\\alpha` (paper, figure 3):

1. give every pixel the cheapest component of *its own label's* GMM,
   :math:`k_n = \\arg\\min_k D(z_n; \\alpha_n, k, \\theta)`;
2. refit both GMMs to the pixels assigned to each component (:func:`~vklib.grabcut.gmm.fit_gmm`);
3. relabel the unknown pixels by a minimum s-t cut whose t-links are
   :math:`\\min_k D(z_n; \\alpha, k, \\theta)` for :math:`\\alpha = 0, 1` and whose
   n-links are the weights of :math:`V`.

Since no step can raise :math:`E`, the energy after every iteration never increases;
:attr:`GrabCutResult.energies` records it.

Mask codes are OpenCV's: 0 ``GC_BGD`` (sure background), 1 ``GC_FGD`` (sure
foreground), 2 ``GC_PR_BGD`` (probably background), 3 ``GC_PR_FGD`` (probably
foreground), defined with the start's checks in :mod:`vklib.grabcut.masks`. Pixels with
codes 0 and 1 never change; the cut decides between 2 and 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..checks import _describe, check_image, check_positive
from .gmm import EPS, GMM, _component_costs, _fit_gmm, kmeans
from .graph import OFFSETS, _pair_views, compute_beta, nlink_weights, smoothness_energy
from .masks import GC_BGD, GC_FGD, GC_PR_BGD, GC_PR_FGD, check_mask, check_rect, rect_to_mask

# The mask codes and their checks live in .masks; they stay importable from here.
__all__ = [
    "GC_BGD",
    "GC_FGD",
    "GC_PR_BGD",
    "GC_PR_FGD",
    "GrabCutResult",
    "check_rect",
    "rect_to_mask",
    "check_mask",
    "grabcut",
    "unary_costs",
]


@dataclass(frozen=True)
class GrabCutResult:
    """What :func:`grabcut` returns.

    Attributes
    ----------
    mask : (H, W) uint8
        OpenCV mask codes after the last iteration.
    energies : (n_iter,) float64
        :math:`E = U + V` after every iteration (non-increasing).
    history : (n_iter, H, W) bool
        The foreground after every iteration.
    bg_gmm, fg_gmm : GMM
        The mixtures of the last iteration (pass them as ``models`` to resume).
    beta : float
        :math:`\\beta` of the image (8-bit colour units).
    gamma : float
    unary, smoothness : (n_iter,) float64
        The two parts :math:`U` and :math:`V` of every entry of ``energies``. Either
        part alone may go up from one iteration to the next; only their sum may not.
    """

    mask: np.ndarray
    energies: np.ndarray
    history: np.ndarray
    bg_gmm: GMM
    fg_gmm: GMM
    beta: float
    gamma: float
    unary: np.ndarray | None = None
    smoothness: np.ndarray | None = None

    @property
    def foreground(self) -> np.ndarray:
        """(H, W) bool: pixels with code 1 or 3."""
        return (self.mask == GC_FGD) | (self.mask == GC_PR_FGD)

    @property
    def models(self) -> tuple[GMM, GMM]:
        """``(bg_gmm, fg_gmm)``, to resume with ``grabcut(..., models=result.models)``."""
        return self.bg_gmm, self.fg_gmm


class _GridCut:
    """The minimum s-t cut of a pixel grid with PyMaxflow (Boykov-Kolmogorov), kept across iterations.

    The n-links never change between GrabCut iterations, only the t-links do. The
    graph is therefore built once; later cuts add the change of every t-link and let
    the solver restart from its previous flow and search trees (Kohli & Torr 2005),
    which gives the same minimum cut faster than a fresh graph.
    """

    def __init__(self, weights: np.ndarray):
        import maxflow

        self.graph = maxflow.Graph[float]()
        self.ids = self.graph.add_grid_nodes(weights.shape[1:])
        for d, (dy, dx) in enumerate(OFFSETS):
            structure = np.zeros((3, 3))
            structure[1 + dy, 1 + dx] = 1.0  # one edge per pixel: to (y + dy, x + dx)
            self.graph.add_grid_edges(self.ids, weights=weights[d], structure=structure, symmetric=True)
        self.caps = None

    def __call__(self, cap_source: np.ndarray, cap_sink: np.ndarray) -> np.ndarray:
        """True where a pixel ends on the source (foreground) side of the minimum cut."""
        if self.caps is None:
            self.graph.add_grid_tedges(self.ids, cap_source, cap_sink)
            self.graph.maxflow()
        else:
            self.graph.add_grid_tedges(self.ids, cap_source - self.caps[0], cap_sink - self.caps[1])
            self.graph.mark_grid_nodes(self.ids)
            self.graph.maxflow(reuse_trees=True)
        self.caps = (cap_source.copy(), cap_sink.copy())
        return ~self.graph.get_grid_segments(self.ids)  # True on the sink (background) side


def _crop_and_fold(codes: np.ndarray, weights: np.ndarray):
    """The bounding box of the unknown pixels, and the n-links that leave it.

    Returns
    -------
    crop : tuple of two slices, or None when no pixel is unknown
    to_fg, to_bg : (h, w) float
        For every pixel of the box, the summed weights of its n-links to fixed
        foreground / fixed background pixels outside the box: labelling the pixel
        background cuts the first (a source t-link), foreground the second (a sink t-link).
    """
    unknown = (codes == GC_PR_BGD) | (codes == GC_PR_FGD)
    if not unknown.any():
        return None, None, None
    rows, cols = np.flatnonzero(unknown.any(axis=1)), np.flatnonzero(unknown.any(axis=0))
    crop = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    inside = np.zeros(codes.shape, dtype=bool)
    inside[crop] = True
    to_fg, to_bg = np.zeros(codes.shape), np.zeros(codes.shape)
    for d, (dy, dx) in enumerate(OFFSETS):
        in_a, in_b = _pair_views(inside, dy, dx)
        code_a, code_b = _pair_views(codes, dy, dx)
        w, _ = _pair_views(weights[d], dy, dx)
        fg_a, fg_b = _pair_views(to_fg, dy, dx)
        bg_a, bg_b = _pair_views(to_bg, dy, dx)
        a_only, b_only = in_a & ~in_b, in_b & ~in_a
        fg_a += w * (a_only & (code_b == GC_FGD))
        fg_b += w * (b_only & (code_a == GC_FGD))
        bg_a += w * (a_only & (code_b == GC_BGD))
        bg_b += w * (b_only & (code_a == GC_BGD))
    return crop, to_fg[crop], to_bg[crop]


def grabcut(
    image: np.ndarray,
    *,
    rect: Any = None,
    mask: np.ndarray | None = None,
    n_iter: int = 5,
    gamma: float = 50.0,
    n_components: int = 5,
    eps: float = EPS,
    models: tuple[GMM, GMM] | None = None,
    rng: int | np.random.Generator = 0,
) -> GrabCutResult:
    """Segment the foreground of ``image`` with GrabCut.

    Parameters
    ----------
    image : (H, W, 3) float
        RGB image in [0, 1] (internally :math:`z = 255 \\cdot` image, OpenCV's units).
    rect : (x, y, w, h) ints, optional
        OpenCV's ``GC_INIT_WITH_RECT``: outside is sure background (0), inside is
        probably foreground (3). Give either ``rect`` or ``mask``.
    mask : (H, W) int, optional
        OpenCV's ``GC_INIT_WITH_MASK``: codes 0 BGD, 1 FGD, 2 PR_BGD, 3 PR_FGD.
    n_iter : int
        Number of iterations (each: assign components, refit GMMs, cut).
    gamma : float
        :math:`\\gamma`, the weight of the smoothness term (paper: 50).
    n_components : int
        :math:`K`, components per GMM (paper: 5).
    eps : float
        Covariance regulariser (8-bit colour units squared).
    models : (bg_gmm, fg_gmm), optional
        Start from these mixtures instead of k-means (OpenCV's ``GC_EVAL``): used to
        resume after the user fixed pixels with strokes. Needs ``mask``.
    rng : int or numpy.random.Generator
        Seed of the k-means++ initialisation (fixed by default, so results repeat).

    Returns
    -------
    GrabCutResult

    Raises
    ------
    TypeError, ValueError
        Bad image (not float RGB, NaN), bad rectangle (outside the image, empty, one
        pixel wide) or mask (shape, codes other than 0-3), or nothing to learn a model
        from (a rectangle covering the whole image leaves no background sample).

    References
    ----------
    Rother, C., Kolmogorov, V. & Blake, A. (2004). "GrabCut": interactive foreground
    extraction using iterated graph cuts. ACM TOG 23(3), 309-314.
    https://doi.org/10.1145/1015706.1015720

    Boykov, Y. & Kolmogorov, V. (2004). An experimental comparison of min-cut/max-flow
    algorithms for energy minimization in vision. IEEE TPAMI 26(9), 1124-1137.
    https://doi.org/10.1109/TPAMI.2004.60

    Examples
    --------
    >>> from vklib.data import make_scenes
    >>> scene = make_scenes(1, size=64, seed=0)
    >>> result = grabcut(scene.images[0], rect=(8, 8, 48, 48), n_iter=3)
    >>> bool(np.all(np.diff(result.energies) <= 1e-9 * np.abs(result.energies[:-1])))
    True
    """
    check_image(image, "image", channels=3)
    height, width = image.shape[:2]
    check_positive(n_iter, "n_iter", integer=True)
    check_positive(gamma, "gamma", strict=False)
    check_positive(n_components, "n_components", integer=True)
    check_positive(eps, "eps")
    if (rect is None) == (mask is None):
        raise ValueError("give exactly one of rect (x, y, w, h) and mask (H, W codes 0..3)")
    if rect is not None:
        if models is not None:
            raise ValueError("models (resuming) needs a mask, not a rect")
        codes = rect_to_mask((height, width), rect)
    else:
        codes = check_mask(mask, height, width)
    fixed_bg, fixed_fg = codes == GC_BGD, codes == GC_FGD
    alpha = (codes == GC_FGD) | (codes == GC_PR_FGD)
    where = "the rectangle covers the whole image" if rect is not None else "the mask has no code 0 or 2"
    if not (~alpha).any():
        raise ValueError(f"no background pixel to learn the background model from ({where})")
    if not alpha.any():
        raise ValueError("no foreground pixel to learn the foreground model from "
                         "(the mask has no code 1 or 3)")
    rng = np.random.default_rng(rng)

    z_img = 255.0 * np.asarray(image, dtype=np.float64)
    z = z_img.reshape(-1, 3)
    beta = compute_beta(z_img)
    weights = nlink_weights(z_img, beta, gamma)
    lam = 9.0 * gamma + 1.0  # > the summed n-links of any pixel: hard constraints always win

    if models is None:  # k-means start, as OpenCV's initGMMs
        bg_gmm = _fit_gmm(z[~alpha.ravel()], kmeans(z[~alpha.ravel()], n_components, rng=rng), n_components, eps=eps)
        fg_gmm = _fit_gmm(z[alpha.ravel()], kmeans(z[alpha.ravel()], n_components, rng=rng), n_components, eps=eps)
    else:
        bg_gmm, fg_gmm = models
        if not (isinstance(bg_gmm, GMM) and isinstance(fg_gmm, GMM)):
            raise TypeError(f"models must be (bg_gmm, fg_gmm) GMMs from a GrabCutResult, got {_describe(models)}")

    # Only the unknown pixels (codes 2, 3) can change: the graph covers their bounding
    # box, and the n-links from it to the fixed pixels around it become t-links.
    crop, to_fg, to_bg = _crop_and_fold(codes, weights)
    # Foreground costs are needed where a pixel is or may become foreground.
    need_fg = np.zeros((height, width), dtype=bool)
    need_fg[crop] = True
    need_fg = (need_fg | fixed_fg).ravel()

    def costs(bg_gmm, fg_gmm):
        """(N, K) costs D(z_n; alpha, k) of every pixel under both mixtures (inf where not needed)."""
        cost_fg = np.full((z.shape[0], n_components), np.inf)
        cost_fg[need_fg] = _component_costs(z[need_fg], fg_gmm)
        return _component_costs(z, bg_gmm), cost_fg

    cost_bg, cost_fg = costs(bg_gmm, fg_gmm)
    cut = None if crop is None else _GridCut(weights[(slice(None),) + crop])
    energies, unary, smooth, history = [], [], [], []
    for _ in range(n_iter):
        a = alpha.ravel()
        # Steps 1 and 2: every pixel takes the cheapest component of its own label's GMM
        # (costs under the current mixtures), then each GMM is refitted to its pixels.
        # A label with no pixel keeps its model (its part of U is 0 whatever the model).
        if (~a).any():
            bg_gmm = _fit_gmm(z[~a], cost_bg[~a].argmin(axis=1), n_components, eps=eps)
        if a.any():
            fg_gmm = _fit_gmm(z[a], cost_fg[a].argmin(axis=1), n_components, eps=eps)
        cost_bg, cost_fg = costs(bg_gmm, fg_gmm)
        d_bg = cost_bg.min(axis=1).reshape(height, width)  # min_k D(z_n; alpha = 0, k)
        d_fg = cost_fg.min(axis=1).reshape(height, width)  # min_k D(z_n; alpha = 1, k)
        # Step 3: t-links, hard constraints, then the minimum cut over the unknown box.
        if crop is not None:
            base = np.minimum(d_fg[crop], d_bg[crop])  # shifting both t-links of a pixel keeps the cut
            cap_source = d_bg[crop] - base + to_fg
            cap_sink = d_fg[crop] - base + to_bg
            cap_source[fixed_fg[crop]], cap_sink[fixed_fg[crop]] = lam, 0.0
            cap_source[fixed_bg[crop]], cap_sink[fixed_bg[crop]] = 0.0, lam
            alpha = alpha.copy()
            alpha[crop] = cut(cap_source, cap_sink)
            alpha[fixed_fg], alpha[fixed_bg] = True, False
        # The energy of the new labelling with its best components (exactly what the
        # next iteration's step 1 starts from).
        unary.append(float(np.where(alpha, d_fg, d_bg).sum()))
        smooth.append(smoothness_energy(alpha, weights))
        energies.append(unary[-1] + smooth[-1])
        history.append(alpha.copy())

    out = codes.copy()
    unknown = (codes == GC_PR_BGD) | (codes == GC_PR_FGD)
    out[unknown] = np.where(alpha[unknown], GC_PR_FGD, GC_PR_BGD)
    return GrabCutResult(mask=out, energies=np.array(energies), history=np.array(history),
                         bg_gmm=bg_gmm, fg_gmm=fg_gmm, beta=beta, gamma=float(gamma),
                         unary=np.array(unary), smoothness=np.array(smooth))


def unary_costs(image: np.ndarray, models: tuple[GMM, GMM]) -> tuple[np.ndarray, np.ndarray]:
    """The data costs :math:`D_n(0)` and :math:`D_n(1)` of every pixel: the t-links of the cut.

    .. math::

        D_n(\\alpha) = \\min_k D(z_n; \\alpha, k, \\theta),

    the cost of labelling pixel :math:`n` background (:math:`\\alpha = 0`) or foreground
    (:math:`\\alpha = 1`) with its cheapest component of that label's mixture: minus the log
    of that component's weighted density, plus the small regulariser of
    :func:`~vklib.grabcut.gmm.component_costs`. Low means "this colour is typical of the label".

    Parameters
    ----------
    image : (H, W, 3) float in [0, 1]
        The image (costs are computed on :math:`z = 255 \\cdot` image, as in :func:`grabcut`).
    models : (bg_gmm, fg_gmm)
        For example ``result.models`` of a :class:`GrabCutResult`.

    Returns
    -------
    d_bg, d_fg : (H, W) float64
        :math:`D_n(0)` and :math:`D_n(1)`, in nats.

    Raises
    ------
    TypeError, ValueError
        Bad image, or ``models`` not a pair of :class:`~vklib.grabcut.gmm.GMM`.
    """
    check_image(image, "image", channels=3)
    if not (isinstance(models, tuple) and len(models) == 2 and all(isinstance(m, GMM) for m in models)):
        raise TypeError(f"models must be (bg_gmm, fg_gmm) GMMs, e.g. result.models, got {_describe(models)}")
    height, width = image.shape[:2]
    z = 255.0 * np.asarray(image, dtype=np.float64).reshape(-1, 3)
    d_bg, d_fg = (_component_costs(z, m).min(axis=1).reshape(height, width) for m in models)
    return d_bg, d_fg
