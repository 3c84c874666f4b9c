"""CLIP's symmetric contrastive loss (Radford et al. 2021, Figure 3).

A batch holds ``N`` matching (image, text) pairs. With L2-normalised embeddings
:math:`I_i` and :math:`T_j` and the learnable temperature :math:`\\tau`, the logits are the
scaled cosine similarities

.. math::  z_{ij} = s \\, I_i \\cdot T_j, \\qquad s = e^{t} = 1 / \\tau ,

and the loss averages two cross-entropies over the ``N x N`` matrix: each image must
pick its own text among the ``N`` texts (rows) and each text its own image (columns),

.. math::

    \\mathcal{L} = \\frac{1}{2N} \\sum_{i=1}^{N} \\Big[
        -\\log \\frac{e^{z_{ii}}}{\\sum_j e^{z_{ij}}}
        -\\log \\frac{e^{z_{ii}}}{\\sum_j e^{z_{ji}}} \\Big].

It is SimCLR's NT-Xent with two modalities: the positives are the diagonal, every
other entry of the row (or column) is a negative, and there are no image-image or
text-text negatives.

The contract (the same as ``open_clip.loss.ClipLoss``):

* the features are **already L2-normalised** (``model(image, text)`` returns them so);
  pass ``normalize=True`` to normalise here instead;
* ``logit_scale`` is the **exponentiated** scale ``s = exp(t)`` (``out["logit_scale"]``
  of an open_clip model, initialised to ``1 / 0.07``), not the raw parameter ``t``.

Distributed training: when a ``torch.distributed`` process group with several processes
is initialised, the features of every process are gathered with
:func:`vklib.distributed.gather_with_grad` and each process computes the loss of the
*global* ``N x N`` matrix (its own rows keep their gradient). The loss value and the
gradient of each process's own features then equal those of one process holding the
whole batch. DDP *averages* parameter gradients over the ``W`` processes, so the
parameter update is ``1 / W`` of the single-process one (as with ``open_clip``'s default
``ClipLoss``); scale the learning rate (or the loss) by ``W`` if you need them equal.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..checks import as_checked_array, check_array, is_tensor
from ..distributed import gather_with_grad

__all__ = ["clip_logits", "clip_loss", "clip_loss_reference", "ClipLoss"]


def _check_features(image_features, text_features, logit_scale) -> None:
    """Two finite float tensors ``(N, D)`` and ``(M, D)`` of one dtype, and a positive scale."""
    check_array(image_features, "image_features", ndim=2)
    check_array(text_features, "text_features", ndim=2)
    if not (is_tensor(image_features) and is_tensor(text_features)):
        raise TypeError("image_features and text_features must be torch tensors, got "
                        f"{type(image_features).__name__} and {type(text_features).__name__}")
    if image_features.dtype != text_features.dtype:
        raise TypeError("image_features and text_features must have the same dtype, got "
                        f"{image_features.dtype} and {text_features.dtype}; convert one with .to()")
    if image_features.shape[1] != text_features.shape[1]:
        raise ValueError("image_features and text_features must have the same embedding width, got "
                         f"{image_features.shape[1]} and {text_features.shape[1]}")
    scale = logit_scale.detach() if is_tensor(logit_scale) else torch.as_tensor(float(logit_scale))
    if scale.numel() != 1:
        raise ValueError(f"logit_scale must be a scalar, got shape {tuple(scale.shape)}")
    if not bool(torch.isfinite(scale).all()) or float(scale) <= 0:
        raise ValueError(f"logit_scale must be the exponentiated scale exp(t) > 0, got {float(scale):.6g}")


def _check_pair(image_features, text_features, logit_scale) -> None:
    _check_features(image_features, text_features, logit_scale)
    if image_features.shape[0] != text_features.shape[0]:
        raise ValueError("image_features and text_features must hold the same number of pairs (rows), got "
                         f"{image_features.shape[0]} images and {text_features.shape[0]} texts")


def clip_logits(image_features: torch.Tensor, text_features: torch.Tensor, logit_scale) -> torch.Tensor:
    """The ``N x M`` logit matrix ``z = s * I @ T.T`` (rows: images, columns: texts).

    Parameters
    ----------
    image_features : torch.Tensor, shape ``(N, D)``
        L2-normalised image embeddings :math:`I`.
    text_features : torch.Tensor, shape ``(M, D)``
        L2-normalised text embeddings :math:`T`.
    logit_scale : float or 0-d torch.Tensor
        The exponentiated scale :math:`s = e^t = 1/\\tau` (> 0).

    Returns
    -------
    torch.Tensor, shape ``(N, M)``
        ``logits_per_image``; its transpose is ``logits_per_text``.

    Raises
    ------
    TypeError
        Features that are not floating-point torch tensors of one dtype.
    ValueError
        Not 2-D, different widths, empty, NaN/inf, or ``logit_scale <= 0``.
    """
    _check_features(image_features, text_features, logit_scale)
    return _logits(image_features, text_features, logit_scale)


def _logits(image_features: torch.Tensor, text_features: torch.Tensor, logit_scale) -> torch.Tensor:
    return logit_scale * image_features @ text_features.T


def clip_loss(image_features: torch.Tensor, text_features: torch.Tensor, logit_scale, *,
              normalize: bool = False) -> torch.Tensor:
    """Symmetric cross-entropy of CLIP over the (global) ``N x N`` logit matrix.

    Parameters
    ----------
    image_features : torch.Tensor, shape ``(N, D)``
        Image embeddings :math:`I_i`, L2-normalised (unless ``normalize=True``). Row ``i``
        matches row ``i`` of ``text_features``.
    text_features : torch.Tensor, shape ``(N, D)``
        Text embeddings :math:`T_i`, L2-normalised (unless ``normalize=True``).
    logit_scale : float or 0-d torch.Tensor
        The exponentiated scale :math:`s = e^t = 1/\\tau` (> 0), e.g. ``model.logit_scale.exp()``.
    normalize : bool, keyword-only
        L2-normalise both feature sets first.

    Returns
    -------
    torch.Tensor, 0-d
        :math:`\\mathcal{L}` (see the module docstring), with the features' dtype and device.
        Equals ``open_clip.loss.ClipLoss()(I, T, s)``; ``log N`` when all features are equal.

    Raises
    ------
    TypeError
        Features that are not floating-point torch tensors of one dtype.
    ValueError
        Not 2-D, different numbers of rows or widths, empty, NaN/inf, ``logit_scale <= 0``, or
        features so large that the logits overflow (the loss would be NaN).

    References
    ----------
    Radford et al., "Learning Transferable Visual Models From Natural Language Supervision",
    ICML 2021, arXiv:2103.00020, https://doi.org/10.48550/arXiv.2103.00020 (Figure 3).

    Examples
    --------
    >>> import torch
    >>> f = torch.nn.functional.normalize(torch.ones(4, 8), dim=1)
    >>> round(float(clip_loss(f, f, 10.0)), 4)  # all equal: log 4
    1.3863
    """
    _check_pair(image_features, text_features, logit_scale)
    if normalize:
        image_features = F.normalize(image_features, dim=-1)
        text_features = F.normalize(text_features, dim=-1)
    # Every process sees the whole batch; its own rows keep their gradient.
    all_images, offset_i = gather_with_grad(image_features)
    all_texts, offset_t = gather_with_grad(text_features)
    logits_per_image = _logits(all_images, all_texts, logit_scale)  # (N, N), z_ij = s I_i . T_j
    labels = torch.arange(logits_per_image.shape[0], device=logits_per_image.device)  # positives: diagonal
    loss = (F.cross_entropy(logits_per_image, labels) + F.cross_entropy(logits_per_image.T, labels)) / 2
    if not bool(torch.isfinite(loss)):
        raise ValueError("the loss is NaN: the logits overflowed (features far from unit length, up to "
                         f"{float(image_features.abs().max()):.3g} and {float(text_features.abs().max()):.3g}); "
                         "normalise them, or pass normalize=True")
    return loss


def clip_loss_reference(image_features, text_features, logit_scale: float) -> float:
    """The loss with explicit Python loops, straight from the equation (slow; for tests).

    Takes NumPy arrays or tensors of shape ``(N, D)`` (already normalised) and a float
    scale; computes in float64 with a max-shifted log-sum-exp. Finite float features of the
    same shape are required (lists are accepted): ``TypeError`` / ``ValueError`` otherwise.
    """
    import math

    I = _reference_features(image_features, "image_features")
    T = _reference_features(text_features, "text_features")
    if I.shape != T.shape:
        raise ValueError(f"image_features and text_features must have the same shape (N, D), got {I.shape} and "
                         f"{T.shape}")
    s = float(logit_scale)
    n = I.shape[0]
    z = [[s * sum(I[i, d] * T[j, d] for d in range(I.shape[1])) for j in range(n)] for i in range(n)]

    def log_softmax_at(values, k):
        top = max(values)
        return values[k] - top - math.log(sum(math.exp(v - top) for v in values))

    total = 0.0
    for i in range(n):
        row = z[i]
        column = [z[j][i] for j in range(n)]
        total += -log_softmax_at(row, i) - log_softmax_at(column, i)
    return total / (2 * n)


def _reference_features(x, name: str):
    if is_tensor(x):
        return check_array(x, name, ndim=2).detach().cpu().double().numpy()
    return as_checked_array(x, name, ndim=2)


class ClipLoss(nn.Module):
    """:func:`clip_loss` as a module: ``ClipLoss()(image_features, text_features, logit_scale)``.

    Parameters
    ----------
    normalize : bool, keyword-only
        L2-normalise the features first (default ``False``: they must be normalised already).
    """

    def __init__(self, *, normalize: bool = False):
        super().__init__()
        self.normalize = normalize

    def forward(self, image_features: torch.Tensor, text_features: torch.Tensor, logit_scale) -> torch.Tensor:
        return clip_loss(image_features, text_features, logit_scale, normalize=self.normalize)
