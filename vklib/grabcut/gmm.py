"""Colour Gaussian mixture models for GrabCut: k-means++ start, hard-EM fit, per-pixel costs.

GrabCut (Rother et al. 2004, section 3.1) models the foreground and the background
colours each with a full-covariance Gaussian mixture of ``K = 5`` components. Every
pixel :math:`n` carries one component index :math:`k_n` of the mixture *of its own
current label* :math:`\\alpha_n` (0 background, 1 foreground): a pixel of the unknown
region is not explained by "a mixture of both models" but by exactly one component of
one of them. The data cost of pixel :math:`n` under component :math:`k` is

.. math::

    D(z_n, k) = -\\log \\pi_k + \\tfrac12 \\log\\det\\Sigma_k
                + \\tfrac12 (z_n - \\mu_k)^\\top \\Sigma_k^{-1} (z_n - \\mu_k)
                + \\tfrac32 \\log 2\\pi + \\tfrac12\\,\\varepsilon\\,\\operatorname{tr}\\Sigma_k^{-1},

the negative log of the component's weighted density plus a small regulariser. The
last term is what makes the regularised covariance :math:`\\Sigma_k = S_k + \\varepsilon I`
(:math:`S_k` the sample covariance) the *exact* minimiser of the summed costs, so
that every step of the iteration can only lower the energy (see ``fit_gmm``).

Colours are measured in 8-bit units (``z = 255 * image``), as in OpenCV, so that
``eps = 0.01`` means what OpenCV's singular-covariance fix means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..checks import check_array, check_positive

__all__ = ["GMM", "kmeans", "fit_gmm", "component_costs", "assign_components"]

#: Default covariance regulariser, in squared 8-bit colour units (OpenCV's value).
EPS = 0.01
_LOG_2PI = float(np.log(2.0 * np.pi))


@dataclass(frozen=True)
class GMM:
    """A Gaussian mixture of colours.

    Attributes
    ----------
    weights : (K,) float64
        Mixing weights :math:`\\pi_k`, summing to 1; 0 for an empty component.
    means : (K, 3) float64
        Component means :math:`\\mu_k` (8-bit colour units).
    covs : (K, 3, 3) float64
        Regularised covariances :math:`\\Sigma_k = S_k + \\varepsilon I`.
    eps : float
        The regulariser :math:`\\varepsilon` used to fit the model.

    The arrays are checked when the mixture is made: finite floats of the shapes above
    (``TypeError`` / ``ValueError`` otherwise).
    """

    weights: np.ndarray
    means: np.ndarray
    covs: np.ndarray
    eps: float = EPS

    def __post_init__(self) -> None:
        check_array(self.weights, "weights", ndim=1)
        k = self.weights.shape[0]
        check_array(self.means, "means", shape=(k, 3))
        check_array(self.covs, "covs", shape=(k, 3, 3))

    @property
    def n_components(self) -> int:
        return int(self.weights.shape[0])


def _colours(z, name: str = "z") -> np.ndarray:
    """``z`` as a float64 (N, 3) array: integer colours are converted exactly, not rescaled."""
    check_array(z, name, ndim=2, last_dim=3, dtype="numeric")
    return np.asarray(z).astype(np.float64, copy=False)


def kmeans(z: np.ndarray, k: int, *, rng: np.random.Generator, n_iter: int = 10) -> np.ndarray:
    """Cluster colours with k-means++ seeding and ``n_iter`` Lloyd steps.

    Parameters
    ----------
    z : (N, 3) float or integer
        Colours. Integer arrays (such as uint8) are converted to float64 with their
        values unchanged, so that squared distances cannot wrap around.
    k : int
        Number of clusters (fewer are used if ``z`` has fewer distinct colours).
    rng : numpy.random.Generator
        Source of the random seeding.
    n_iter : int
        Lloyd iterations (OpenCV uses 10).

    Returns
    -------
    labels : (N,) int64 in ``0 .. k-1``; a cluster may end up empty.

    Raises
    ------
    TypeError, ValueError
        ``z`` not a finite real (N, 3) array with N >= 1, ``k`` or ``n_iter`` not a
        positive integer, ``rng`` not a NumPy generator.

    References
    ----------
    Arthur, D. & Vassilvitskii, S. (2007). k-means++: the advantages of careful seeding.
    SODA 2007, 1027-1035.
    """
    z = _colours(z)
    check_positive(k, "k", integer=True)
    check_positive(n_iter, "n_iter", integer=True)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    n = z.shape[0]
    centers = [z[rng.integers(n)]]
    d2 = ((z - centers[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        total = d2.sum()
        if total <= 0:  # every point already sits on a centre: fewer distinct colours than k
            break
        c = z[rng.choice(n, p=d2 / total)]
        centers.append(c)
        d2 = np.minimum(d2, ((z - c) ** 2).sum(axis=1))
    centers = np.array(centers)

    zc = [np.ascontiguousarray(z[:, c]) for c in range(3)]

    def nearest(centers):  # argmin_j |z - c_j|^2, one colour channel at a time
        dist = np.stack([sum((zc[c] - cj[c]) ** 2 for c in range(3)) for cj in centers], axis=1)
        return dist.argmin(axis=1)

    for _ in range(n_iter):
        labels = nearest(centers)
        counts = np.bincount(labels, minlength=len(centers))
        sums = np.stack([np.bincount(labels, z[:, c], minlength=len(centers)) for c in range(3)], axis=1)
        keep = counts > 0  # an empty cluster keeps its old centre
        centers[keep] = sums[keep] / counts[keep, None]
    return nearest(centers)


def fit_gmm(z: np.ndarray, labels: np.ndarray, k: int, *, eps: float = EPS) -> GMM:
    """Fit each component to the colours assigned to it (the M-step of hard EM).

    With the assignment fixed, the parameters that minimise the summed costs
    :math:`\\sum_n D(z_n, k_n)` (see the module docstring) are, per component,

    .. math::

        \\pi_k = \\frac{N_k}{N}, \\qquad \\mu_k = \\frac{1}{N_k} \\sum_{k_n = k} z_n, \\qquad
        \\Sigma_k = \\frac{1}{N_k} \\sum_{k_n = k} (z_n - \\mu_k)(z_n - \\mu_k)^\\top + \\varepsilon I.

    A component with no pixel gets :math:`\\pi_k = 0` and is ignored from then on.

    Parameters
    ----------
    z : (N, 3) float or integer
        Colours (8-bit units), N >= 1.
    labels : (N,) int
        Component index of every colour, in ``0 .. k-1``.
    k : int
        Number of components.
    eps : float
        Covariance regulariser :math:`\\varepsilon` (>= 0).

    Raises
    ------
    TypeError, ValueError
        ``z`` not a finite real (N, 3) array (integer colours are converted unchanged),
        ``labels`` not N integers in ``0 .. k-1``, ``k`` not a positive integer, or
        ``eps`` negative or not finite.
    """
    z = _colours(z)
    check_positive(k, "k", integer=True)
    check_array(labels, "labels", ndim=1, dtype="integer")
    labels = np.asarray(labels)
    if labels.shape[0] != z.shape[0]:
        raise ValueError(f"labels must have one entry per colour ({z.shape[0]}), got {labels.shape[0]}")
    if labels.min() < 0 or labels.max() >= k:
        raise ValueError(f"labels must lie in 0 .. k-1 = {k - 1}, got values in [{labels.min()}, {labels.max()}]")
    if not (isinstance(eps, (int, float, np.floating, np.integer)) and np.isfinite(eps) and eps >= 0):
        raise ValueError(f"eps must be a finite number >= 0, got {eps!r}")
    return _fit_gmm(z, labels, k, eps=eps)


def _fit_gmm(z: np.ndarray, labels: np.ndarray, k: int, *, eps: float = EPS) -> GMM:
    """:func:`fit_gmm` without the input checks (for the inner loop of grabcut)."""
    n = z.shape[0]
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    safe = np.maximum(counts, 1.0)
    means = np.stack([np.bincount(labels, z[:, c], minlength=k) for c in range(3)], axis=1) / safe[:, None]
    d = z - means[labels]
    prods = np.empty((k, 3, 3))
    for i in range(3):
        for j in range(i, 3):
            prods[:, i, j] = prods[:, j, i] = np.bincount(labels, d[:, i] * d[:, j], minlength=k)
    covs = prods / safe[:, None, None] + eps * np.eye(3)
    empty = counts == 0
    means[empty] = 0.0
    covs[empty] = np.eye(3)
    return GMM(weights=counts / max(n, 1), means=means, covs=covs, eps=float(eps))


def component_costs(z: np.ndarray, gmm: GMM) -> np.ndarray:
    """The cost :math:`D(z_n, k)` of every colour under every component.

    Parameters
    ----------
    z : (N, 3) float or integer
        Colours (8-bit units); integer arrays are converted to float64 unchanged.
    gmm : GMM

    Returns
    -------
    (N, K) float64
        ``+inf`` for empty components.

    Raises
    ------
    TypeError, ValueError
        ``z`` not a finite real (N, 3) array (a fourth channel, such as alpha, is an
        error, not ignored), or ``gmm`` not a :class:`GMM`.
    """
    z = _colours(z)
    if not isinstance(gmm, GMM):
        raise TypeError(f"gmm must be a vklib.grabcut.GMM, got {type(gmm).__name__}")
    return _component_costs(z, gmm)


def _component_costs(z: np.ndarray, gmm: GMM) -> np.ndarray:
    """:func:`component_costs` without the input checks (for the inner loop of grabcut)."""
    costs = np.full((z.shape[0], gmm.n_components), np.inf)
    zc = [np.ascontiguousarray(z[:, c]) for c in range(3)]
    for k in range(gmm.n_components):  # a loop over the K components, not over pixels
        if gmm.weights[k] <= 0:
            continue
        inv = np.linalg.inv(gmm.covs[k])
        _, logdet = np.linalg.slogdet(gmm.covs[k])
        d = [zc[c] - gmm.means[k, c] for c in range(3)]
        # (z - mu)^T Sigma^-1 (z - mu), written out over the 6 distinct entries of the
        # symmetric Sigma^-1 (elementwise on whole columns: faster than a 3 x 3 matmul per row)
        maha = sum(inv[i, i] * d[i] * d[i] for i in range(3))
        maha += 2.0 * (inv[0, 1] * d[0] * d[1] + inv[0, 2] * d[0] * d[2] + inv[1, 2] * d[1] * d[2])
        const = -np.log(gmm.weights[k]) + 0.5 * logdet + 1.5 * _LOG_2PI + 0.5 * gmm.eps * np.trace(inv)
        costs[:, k] = const + 0.5 * maha
    return costs


def assign_components(z: np.ndarray, gmm: GMM) -> tuple[np.ndarray, np.ndarray]:
    """Give every colour its cheapest component (step 1 of GrabCut's iteration).

    Returns
    -------
    labels : (N,) int64
        :math:`k_n = \\arg\\min_k D(z_n, k)`.
    cost : (N,) float64
        :math:`\\min_k D(z_n, k)`.
    """
    costs = component_costs(z, gmm)
    if not np.isfinite(costs).any(axis=1).all():
        raise ValueError("gmm has no component with a positive weight")
    labels = costs.argmin(axis=1)
    return labels, np.take_along_axis(costs, labels[:, None], axis=1)[:, 0]
