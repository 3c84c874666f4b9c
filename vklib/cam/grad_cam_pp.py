"""Grad-CAM++ (Chattopadhay et al., 2018): pixel-wise weighting of positive gradients."""

from __future__ import annotations

import torch

from vklib.checks import check_array

from .base import BaseCAM

__all__ = ["GradCAMPlusPlus", "grad_cam_pp_weights"]


def grad_cam_pp_weights(activations: torch.Tensor, grads: torch.Tensor, *, eps: float = 0.0) -> torch.Tensor:
    r"""Chattopadhay et al., Eqs. 7 and 19: :math:`w_k^c = \sum_{ij} \alpha^{kc}_{ij} \mathrm{ReLU}(g_{ij})`.

    ``activations`` and ``grads`` (of the class logit) are finite float tensors ``(B, K, h, w)`` of
    the same shape; returns ``(B, K)``. ``TypeError`` / ``ValueError`` otherwise, and
    ``ValueError`` when gradients so large that their cube overflows make a weight NaN.
    """
    for name, x in (("activations", activations), ("grads", grads)):
        if not torch.is_tensor(x):
            raise TypeError(f"{name} must be a torch.Tensor (B, K, h, w), got {type(x).__name__}")
        check_array(x, name, ndim=4, dtype="floating")
    if activations.shape != grads.shape:
        raise ValueError(f"activations and grads must have the same shape, got {tuple(activations.shape)} "
                         f"and {tuple(grads.shape)}")
    weights = _weights(activations, grads, eps)
    if not bool(torch.isfinite(weights).all()):
        raise ValueError(f"grads too large: Grad-CAM++'s g**3 overflowed {grads.dtype} (|g| up to "
                         f"{float(grads.abs().max()):.3g}) and made a weight NaN")
    return weights


def _weights(activations: torch.Tensor, grads: torch.Tensor, eps: float) -> torch.Tensor:
    g2 = grads * grads
    g3 = g2 * grads
    sum_a = activations.sum(dim=(2, 3), keepdim=True)
    denominator = 2 * g2 + sum_a * g3 + eps  # Eq. 19
    valid = (denominator != 0) & (grads != 0)
    alpha = torch.where(valid, g2 / torch.where(valid, denominator, torch.ones_like(denominator)),
                        torch.zeros_like(g2))
    return (alpha * torch.relu(grads)).sum(dim=(2, 3))  # Eq. 7 (exp(S^c) dropped: a positive scale)


class GradCAMPlusPlus(BaseCAM):
    r"""Grad-CAM++.

    .. math:: w_k^c = \sum_{i,j} \alpha_{ij}^{kc}\, \mathrm{ReLU}\Big(\frac{\partial Y^c}{\partial A^k_{ij}}\Big)
              \qquad (\text{Chattopadhay et al., Eq. 7})

    With :math:`Y^c = \exp(S^c)` for the logit :math:`S^c`, the higher derivatives reduce
    to powers of the first one, :math:`g = \partial S^c / \partial A^k_{ij}` (Eq. 19):

    .. math:: \alpha_{ij}^{kc} = \frac{g^2}{2 g^2 + \sum_{a,b} A^k_{ab}\, g^3},

    and :math:`\alpha = 0` where the denominator is 0 (no gradient). Since
    :math:`\partial Y^c/\partial A = \exp(S^c)\, g` and :math:`\exp(S^c) > 0` only scales
    the map, the weights use :math:`\mathrm{ReLU}(g)`. One forward and one backward pass.

    Parameters
    ----------
    model, layer : see :class:`~vklib.cam.base.BaseCAM`.
    eps : float, keyword-only
        Added to the denominator of Eq. 19 (default 0: the paper's formula, with
        :math:`\alpha = 0` where the denominator vanishes). pytorch-grad-cam adds
        ``1e-6``; when the gradients are small (:math:`g \sim 10^{-3}`, so
        :math:`2g^2 \sim 10^{-6}`, typical of a GAP network where
        :math:`g = w/Z`) that visibly changes :math:`\alpha`: pass ``eps=1e-6`` to reproduce it.

    References
    ----------
    Chattopadhay, A., Sarkar, A., Howlader, P., Balasubramanian, V. N. (2018). Grad-CAM++:
    generalized gradient-based visual explanations for deep convolutional networks. WACV.
    https://doi.org/10.1109/WACV.2018.00097
    """

    def __init__(self, model, layer, *, eps: float = 0.0):
        super().__init__(model, layer)
        if not eps >= 0:
            raise ValueError(f"eps must be >= 0, got {eps}")
        self.eps = float(eps)

    def channel_weights(self, images, activations, logits, targets, grads) -> torch.Tensor:
        return grad_cam_pp_weights(activations, grads, eps=self.eps)
