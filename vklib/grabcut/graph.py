"""The smoothness term of GrabCut and the s-t graph whose minimum cut minimises the energy.

The smoothness term (Rother et al. 2004, eq. 11; Boykov & Jolly 2001) charges every
pair of 8-connected neighbours :math:`(m, n)` that receive different labels

.. math::

    V(\\alpha, z) = \\gamma \\sum_{(m, n) \\in C} \\frac{[\\alpha_n \\ne \\alpha_m]}{\\operatorname{dist}(m, n)}
                    \\exp\\left(-\\beta \\lVert z_m - z_n \\rVert^2\\right),
    \\qquad \\beta = \\left(2 \\left\\langle \\lVert z_m - z_n \\rVert^2 \\right\\rangle\\right)^{-1},

where :math:`\\langle\\cdot\\rangle` averages over all neighbouring pairs of the image,
:math:`\\gamma = 50`, and :math:`\\operatorname{dist} = 1` for horizontal and vertical
neighbours, :math:`\\sqrt2` for diagonal ones. Cutting between similar colours is
expensive, cutting along an edge of the image is cheap.

This module also holds a readable augmenting-path max-flow solver
(:func:`edmonds_karp`) for graphs of a handful of nodes, used in the chapter to show
that the minimum cut is the maximum flow; images are cut with PyMaxflow.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ..checks import check_array, check_positive

__all__ = ["OFFSETS", "compute_beta", "nlink_weights", "smoothness_energy", "edmonds_karp",
           "dense_capacities"]

#: The four "forward" neighbour offsets (dy, dx) of the 8-neighbourhood: every unordered
#: pair of neighbours appears exactly once (right, down, down-right, down-left).
OFFSETS = ((0, 1), (1, 0), (1, 1), (1, -1))


def _pair_views(a: np.ndarray, dy: int, dx: int) -> tuple[np.ndarray, np.ndarray]:
    """Views ``(a[p], a[p + (dy, dx)])`` over every pixel p whose neighbour lies inside."""
    h, w = a.shape[:2]
    ys0, ys1 = slice(0, h - dy), slice(dy, h)
    if dx >= 0:
        xs0, xs1 = slice(0, w - dx), slice(dx, w)
    else:
        xs0, xs1 = slice(-dx, w), slice(0, w + dx)
    return a[ys0, xs0], a[ys1, xs1]


def compute_beta(z: np.ndarray) -> float:
    """:math:`\\beta = 1 / (2 \\langle \\lVert z_m - z_n \\rVert^2 \\rangle)` over 8-connected pairs.

    Parameters
    ----------
    z : (H, W, 3) float
        The image (any scale; OpenCV and vklib use 8-bit units).

    Returns
    -------
    float
        0 for a constant image (no contrast: every cut costs the full :math:`\\gamma`).

    Raises
    ------
    TypeError, ValueError
        Not a float array of shape (H, W, 3), or NaN / infinite values.
    """
    check_array(z, "z", ndim=3, last_dim=3)
    total, count = 0.0, 0
    for dy, dx in OFFSETS:
        a, b = _pair_views(z, dy, dx)
        total += float(((a - b) ** 2).sum())
        count += a.shape[0] * a.shape[1]
    if count == 0 or total <= np.finfo(float).eps:
        return 0.0
    return 1.0 / (2.0 * total / count)


def nlink_weights(z: np.ndarray, beta: float, gamma: float = 50.0) -> np.ndarray:
    """The n-link capacities of the four forward offsets.

    Parameters
    ----------
    z : (H, W, 3) float
        The image.
    beta, gamma : float
        Contrast and smoothness constants of eq. 11.

    Returns
    -------
    (4, H, W) float64
        ``w[d, y, x]`` is the weight of the edge from pixel ``(y, x)`` to
        ``(y, x) + OFFSETS[d]``: :math:`\\gamma / \\mathrm{dist} \\cdot \\exp(-\\beta \\lVert \\Delta z \\rVert^2)`,
        0 where that neighbour falls outside the image.

    Raises
    ------
    TypeError, ValueError
        ``z`` not a finite float (H, W, 3) array, or a negative ``beta`` or ``gamma``.
    """
    check_array(z, "z", ndim=3, last_dim=3)
    check_positive(beta, "beta", strict=False)
    check_positive(gamma, "gamma", strict=False)
    h, w = z.shape[:2]
    weights = np.zeros((len(OFFSETS), h, w))
    for d, (dy, dx) in enumerate(OFFSETS):
        a, b = _pair_views(z, dy, dx)
        out, _ = _pair_views(weights[d], dy, dx)
        out[...] = gamma / np.hypot(dy, dx) * np.exp(-beta * ((a - b) ** 2).sum(axis=-1))
    return weights


def smoothness_energy(labels: np.ndarray, weights: np.ndarray) -> float:
    """:math:`V`: the summed weights of the neighbour pairs whose labels differ.

    Parameters
    ----------
    labels : (H, W) bool or int
        :math:`\\alpha`.
    weights : (4, H, W) float
        From :func:`nlink_weights`.

    ``TypeError`` / ``ValueError`` for other shapes, complex labels, or weights that are not
    finite floats.
    """
    check_array(labels, "labels", ndim=2, dtype="real")
    check_array(weights, "weights", shape=(len(OFFSETS), *labels.shape))
    total = 0.0
    for d, (dy, dx) in enumerate(OFFSETS):
        a, b = _pair_views(labels, dy, dx)
        wd, _ = _pair_views(weights[d], dy, dx)
        total += float(wd[a != b].sum())
    return total


def dense_capacities(cost_fg: np.ndarray, cost_bg: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The whole s-t graph of a tiny image as a dense capacity matrix.

    Nodes ``0 .. H*W-1`` are the pixels in row-major order, node ``H*W`` is the source
    :math:`s` (foreground) and node ``H*W + 1`` the sink :math:`t` (background).
    Edge :math:`s \\to n` has capacity ``cost_bg[n]`` (paid when :math:`n` ends on the
    background side), :math:`n \\to t` has ``cost_fg[n]``, and each neighbour pair has
    the n-link weight in both directions.

    Parameters
    ----------
    cost_fg, cost_bg : (H, W) float, >= 0
        Data costs of labelling each pixel foreground / background.
    weights : (4, H, W) float
        From :func:`nlink_weights`.

    Returns
    -------
    (H*W + 2, H*W + 2) float64

    Raises
    ------
    TypeError, ValueError
        Costs that are not finite, non-negative float (H, W) arrays of one shape, or
        ``weights`` not of shape (4, H, W).
    """
    check_array(cost_fg, "cost_fg", ndim=2)
    h, w = cost_fg.shape
    check_array(cost_bg, "cost_bg", shape=(h, w))
    check_array(weights, "weights", shape=(len(OFFSETS), h, w))
    for name, c in (("cost_fg", cost_fg), ("cost_bg", cost_bg), ("weights", weights)):
        if (np.asarray(c) < 0).any():
            raise ValueError(f"{name} must be >= 0 (capacities), got a minimum of {float(np.min(c)):g}")
    n = h * w
    cap = np.zeros((n + 2, n + 2))
    cap[n, :n] = cost_bg.ravel()
    cap[:n, n + 1] = cost_fg.ravel()
    ids = np.arange(n).reshape(h, w)
    for d, (dy, dx) in enumerate(OFFSETS):
        a, b = _pair_views(ids, dy, dx)
        wd, _ = _pair_views(weights[d], dy, dx)
        cap[a.ravel(), b.ravel()] += wd.ravel()
        cap[b.ravel(), a.ravel()] += wd.ravel()
    return cap


def edmonds_karp(capacity: np.ndarray, source: int, sink: int) -> tuple[float, np.ndarray]:
    """Maximum flow by shortest augmenting paths (Edmonds & Karp), for tiny graphs.

    Repeatedly find the shortest path from ``source`` to ``sink`` in the residual
    graph (breadth-first search) and push as much flow along it as its weakest edge
    allows. When no path is left, the nodes still reachable from the source form the
    source side of a minimum cut, and the flow value equals that cut's capacity
    (max-flow min-cut theorem).

    Parameters
    ----------
    capacity : (V, V) float or integer, >= 0
        ``capacity[u, v]`` is the capacity of the directed edge u -> v (integer capacities
        are used as they are).
    source, sink : int

    Returns
    -------
    flow : float
        The maximum flow value = the minimum cut capacity.
    source_side : (V,) bool
        True for the nodes on the source side of the minimum cut.

    Raises
    ------
    TypeError, ValueError
        ``capacity`` not a finite, non-negative, square real matrix; ``source`` or
        ``sink`` not distinct node indices.
    """
    check_array(capacity, "capacity", ndim=2, dtype="numeric")
    capacity = np.asarray(capacity)
    n = capacity.shape[0]
    if capacity.shape != (n, n):
        raise ValueError(f"capacity must be a square (V, V) matrix, got shape {capacity.shape}")
    if (np.asarray(capacity) < 0).any():
        raise ValueError(f"capacities must be >= 0, got a minimum of {float(np.min(capacity)):g}")
    for name, node in (("source", source), ("sink", sink)):
        if not isinstance(node, (int, np.integer)) or isinstance(node, bool) or not 0 <= node < n:
            raise ValueError(f"{name} must be a node index in 0..{n - 1}, got {node!r}")
    if source == sink:
        raise ValueError(f"source and sink must differ, got {source} for both")
    residual = np.array(capacity, dtype=np.float64)
    flow = 0.0
    tol = 1e-12 * max(1.0, float(residual.max(initial=0.0)))
    while True:
        parent = np.full(n, -1)
        parent[source] = source
        queue = deque([source])
        while queue and parent[sink] < 0:
            u = queue.popleft()
            for v in np.flatnonzero((residual[u] > tol) & (parent < 0)):
                parent[v] = u
                queue.append(v)
        if parent[sink] < 0:
            return flow, parent >= 0
        path, v = [], sink  # walk back from the sink to find the bottleneck
        while v != source:
            path.append((parent[v], v))
            v = parent[v]
        push = min(residual[u, v] for u, v in path)
        for u, v in path:
            residual[u, v] -= push
            residual[v, u] += push
        flow += push
