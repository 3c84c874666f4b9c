"""NT-Xent, the normalised temperature-scaled cross-entropy loss of SimCLR.

For a batch of ``N`` images, two views each, the projections ``z_1 .. z_2N`` are
L2-normalised and compared by cosine similarity ``s_ij = z_i·z_j / (|z_i| |z_j|)``.
With temperature ``τ`` the loss of the positive pair ``(i, j)`` is (Chen et al. 2020, eq. 1)

.. math::

    \\ell(i, j) = -\\log \\frac{\\exp(s_{ij}/τ)}{\\sum_{k \\ne i} \\exp(s_{ik}/τ)}

and the batch loss is the mean of ``ℓ`` over all ``2N`` ordered positive pairs.

Layout used here: rows ``0 .. N-1`` hold the first views ``z1`` and rows ``N .. 2N-1`` the
second views ``z2``, so the positive of row ``i`` is row ``(i + N) mod 2N``. (The paper's
Algorithm 1 interleaves the views as ``2k-1, 2k``; the sum is the same.)

**Normalisation contract**: pass raw projections; the loss normalises them itself
(cosine similarity), so a caller that already normalised loses nothing.

**Distributed**: when a ``torch.distributed`` process group with more than one process
is initialised, both views are gathered with :func:`vklib.distributed.gather_with_grad`
and the loss is computed over the *global* batch (every row of every process). Only this
process's rows carry gradient, but since every process evaluates the whole global loss,
the gradient with respect to its own projections is exactly that of the single-process
loss on the concatenated batch; the loss value is the same on every process. (Computing
only this process's rows, with labels offset by ``rank * N``, would drop the terms in
which this process's samples serve as negatives of the other processes' rows.) DDP then
*averages* parameter gradients over the ``W`` processes, so a training loop multiplies
the loss by ``W`` before ``backward`` to recover the single-process gradient.

References
----------
.. [1] T. Chen, S. Kornblith, M. Norouzi, G. Hinton, "A simple framework for contrastive
   learning of visual representations", ICML 2020. https://doi.org/10.48550/arXiv.2002.05709
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from vklib.distributed import gather_with_grad, is_distributed

__all__ = ["similarity_matrix", "nt_xent_logits", "nt_xent", "nt_xent_reference", "NTXentLoss"]


def _check_pair(z1, z2):
    for name, z in (("z1", z1), ("z2", z2)):
        if not isinstance(z, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor of shape (N, D), got {type(z).__name__}")
        if z.device.type == "meta":
            raise TypeError(f"{name} must hold data, got a meta tensor of shape {tuple(z.shape)}")
        if not z.dtype.is_floating_point:
            raise TypeError(f"{name} must be floating point, got dtype {z.dtype}")
        if z.ndim != 2:
            raise ValueError(f"{name} must have shape (N, D), got {tuple(z.shape)}")
    if z1.shape != z2.shape:
        raise ValueError(f"z1 and z2 must have the same shape (N, D), got {tuple(z1.shape)} and {tuple(z2.shape)}")
    if z1.shape[1] == 0:
        raise ValueError("z1 and z2 must have at least one feature (D >= 1), got D = 0")
    if not (torch.isfinite(z1).all() and torch.isfinite(z2).all()):
        raise ValueError("z1 and z2 must be finite, got NaN or inf values")


def _check_temperature(temperature):
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.floating, np.integer)):
        raise TypeError(f"temperature must be a real number, got {type(temperature).__name__}")
    if not (math.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be a finite number > 0, got {temperature}")


def _similarity_unchecked(z1, z2):
    z = F.normalize(torch.cat([z1, z2], 0), dim=1)
    return z @ z.T


def similarity_matrix(z1, z2):
    """Cosine similarities ``s`` of the ``2N`` stacked projections ``[z1; z2]``, shape ``(2N, 2N)``.

    ``z1, z2``: float tensors of the same shape ``(N, D)``, finite (``TypeError`` /
    ``ValueError`` otherwise).
    """
    _check_pair(z1, z2)
    return _similarity_unchecked(z1, z2)


def nt_xent_logits(z1, z2, *, temperature=0.5, method="direct"):
    """Logits and targets whose cross-entropy is NT-Xent (inputs checked as :func:`nt_xent`'s, no gather).

    ``method="direct"``: the ``(2N, 2N)`` matrix ``s / τ`` with the diagonal set to ``-inf``
    (``exp(-inf) = 0`` drops ``k = i`` from the denominator); target of row ``i`` is
    ``(i + N) mod 2N``.

    ``method="positive_first"``: the diagonal is *removed*, leaving ``(2N, 2N - 1)``; the
    positive is moved to column 0, followed by the ``2N - 2`` negatives; every target is 0
    (the formulation common in SimCLR code).
    """
    _check_pair(z1, z2)
    _check_temperature(temperature)
    return _nt_xent_logits_unchecked(z1, z2, temperature=temperature, method=method)


def _nt_xent_logits_unchecked(z1, z2, *, temperature, method):
    n = z1.shape[0]
    s = _similarity_unchecked(z1, z2) / temperature
    two_n = 2 * n
    idx = torch.arange(two_n, device=s.device)
    positive = (idx + n) % two_n
    if method == "direct":
        eye = torch.eye(two_n, dtype=torch.bool, device=s.device)
        return s.masked_fill(eye, float("-inf")), positive
    if method == "positive_first":
        off_diagonal = ~torch.eye(two_n, dtype=torch.bool, device=s.device)
        s_off = s[off_diagonal].view(two_n, two_n - 1)  # step 1: row i without column i
        pos_col = positive - (positive > idx).long()  # where the positive landed in s_off
        pos = s_off.gather(1, pos_col.unsqueeze(1))  # step 2: the positive, (2N, 1)
        keep = torch.ones_like(s_off, dtype=torch.bool)
        keep[idx, pos_col] = False
        neg = s_off[keep].view(two_n, two_n - 2)  # step 3: the 2N - 2 negatives
        return torch.cat([pos, neg], 1), torch.zeros(two_n, dtype=torch.long, device=s.device)
    raise ValueError(f"method must be 'direct' or 'positive_first', got {method!r}")


def nt_xent(z1, z2, *, temperature=0.5, method="direct"):
    """NT-Xent loss of two views' projections (SimCLR, eq. 1), averaged over the ``2N`` positives.

    Parameters
    ----------
    z1, z2 : torch.Tensor, shape (N, D)
        Projections of the first and second views; row ``k`` of ``z1`` and of ``z2`` come
        from the same image. Raw (not necessarily normalised): the loss normalises them.
        ``N >= 2`` on each process (with one image there are no negatives).
    temperature : float
        ``τ > 0``.
    method : {"direct", "positive_first"}
        Two equal formulations (see :func:`nt_xent_logits`).

    Returns
    -------
    torch.Tensor, scalar, same dtype and device as ``z1``.

    Notes
    -----
    If all ``2N`` projections are equal, every logit is ``1/τ`` and the loss is
    ``log(2N - 1)``. Under ``torch.distributed`` the global batch is gathered (see the
    module docstring).
    """
    _check_pair(z1, z2)
    _check_temperature(temperature)
    if z1.shape[0] < 2:
        raise ValueError(f"NT-Xent needs N >= 2 images (negatives), got N = {z1.shape[0]}")
    if method not in ("direct", "positive_first"):
        raise ValueError(f"method must be 'direct' or 'positive_first', got {method!r}")
    if is_distributed():
        z1, _ = gather_with_grad(z1)
        z2, _ = gather_with_grad(z2)
    logits, targets = _nt_xent_logits_unchecked(z1, z2, temperature=float(temperature), method=method)
    return F.cross_entropy(logits, targets)


def nt_xent_reference(z1, z2, temperature=0.5):
    """Slow NumPy loop straight from the paper's Algorithm 1 (interleaved views), float64.

    ``z1, z2``: real array-likes (NumPy arrays, tensors, lists) of the same shape (N, D),
    N >= 1, finite, with no all-zero row (its cosine similarity is undefined); integers are
    used as the numbers they are. Returns a Python float.
    """
    z1, z2 = _reference_array(z1, "z1"), _reference_array(z2, "z2")
    if z1.shape != z2.shape:
        raise ValueError(f"z1 and z2 must have the same shape (N, D), got {z1.shape} and {z2.shape}")
    _check_temperature(temperature)
    n = len(z1)
    z = []
    for k in range(n):  # z_{2k-1} = first view, z_{2k} = second view (0-based: 2k, 2k+1)
        z.append(z1[k])
        z.append(z2[k])

    def sim(u, v):
        return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))

    def ell(i, j):
        num = math.exp(sim(z[i], z[j]) / temperature)
        den = sum(math.exp(sim(z[i], z[k]) / temperature) for k in range(2 * n) if k != i)
        return -math.log(num / den)

    return sum(ell(2 * k, 2 * k + 1) + ell(2 * k + 1, 2 * k) for k in range(n)) / (2 * n)


def _reference_array(z, name):
    """``z`` as a float64 (N, D) NumPy array of finite values with non-zero rows, N, D >= 1."""
    if isinstance(z, torch.Tensor):
        if z.device.type == "meta":
            raise TypeError(f"{name} must hold data, got a meta tensor of shape {tuple(z.shape)}")
        z = z.detach().cpu().numpy()
    a = np.asarray(z)
    if a.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers (N, D), got dtype {a.dtype}")
    if a.ndim != 2 or 0 in a.shape:
        raise ValueError(f"{name} must have shape (N, D) with N, D >= 1, got {a.shape}")
    a = a.astype(np.float64)
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must be finite, got NaN or inf values")
    if not np.any(a, axis=1).all():
        raise ValueError(f"{name} must have no all-zero row (its cosine similarity is undefined)")
    return a


class NTXentLoss(torch.nn.Module):
    """Module form of :func:`nt_xent`: ``NTXentLoss(temperature=0.5)(z1, z2)``."""

    def __init__(self, temperature=0.5, *, method="direct"):
        super().__init__()
        _check_temperature(temperature)
        self.temperature = float(temperature)
        self.method = method

    def forward(self, z1, z2):
        return nt_xent(z1, z2, temperature=self.temperature, method=self.method)

    def extra_repr(self) -> str:
        return f"temperature={self.temperature}, method={self.method!r}"
