"""Grad-CAM (Selvaraju et al., 2017): channel weights from the spatially averaged gradient."""

from __future__ import annotations

import torch

from vklib.checks import check_array

from .base import BaseCAM

__all__ = ["GradCAM", "grad_cam_weights"]


def grad_cam_weights(grads: torch.Tensor) -> torch.Tensor:
    r"""Selvaraju et al., Eq. 1: :math:`\alpha_k^c = \frac{1}{Z}\sum_{i,j} \partial y^c / \partial A^k_{ij}`.

    ``grads``: ``(B, K, h, w)`` floating-point gradients of the class logit w.r.t. the layer,
    with ``h, w >= 1``. Returns ``(B, K)``. Raises ``TypeError`` for a non-tensor, a meta
    tensor or a non-float dtype and ``ValueError`` for another number of dimensions, an empty
    map (whose mean would be NaN), NaN or infinite gradients.
    """
    if not torch.is_tensor(grads):
        raise TypeError(f"grads must be a torch.Tensor (B, K, h, w), got {type(grads).__name__}")
    if not grads.is_floating_point():
        raise TypeError(f"grads must be a floating-point tensor, got dtype {grads.dtype}")
    check_array(grads, "grads", nonempty=False)  # meta tensors, NaN, infinity
    if grads.ndim != 4:
        raise ValueError(f"grads must be (B, K, h, w), got shape {tuple(grads.shape)}")
    if grads.shape[2] == 0 or grads.shape[3] == 0:
        raise ValueError(f"grads must have at least one position (h, w >= 1) to average over, "
                         f"got shape {tuple(grads.shape)}")
    return grads.mean(dim=(2, 3))


class GradCAM(BaseCAM):
    r"""Gradient-weighted class activation mapping.

    .. math:: \alpha_k^c = \frac{1}{Z} \sum_i \sum_j \frac{\partial y^c}{\partial A^k_{ij}}
              \qquad (\text{Selvaraju et al., Eq. 1})

    with :math:`y^c` the logit of class :math:`c` (before the softmax) and :math:`Z = hw`;
    the map is :math:`\mathrm{ReLU}(\sum_k \alpha_k^c A^k)` (Eq. 2). One forward and one
    backward pass. For a GAP + linear network, :math:`\partial y^c / \partial A^k_{ij} =
    w_k^c / Z`, so :math:`\alpha_k^c = w_k^c / Z` and Grad-CAM equals CAM up to scale.

    References
    ----------
    Selvaraju, R. R., Cogswell, M., Das, A., Vedantam, R., Parikh, D., Batra, D. (2017).
    Grad-CAM: visual explanations from deep networks via gradient-based localization. ICCV.
    https://doi.org/10.1109/ICCV.2017.74
    """

    def channel_weights(self, images, activations, logits, targets, grads) -> torch.Tensor:
        return grad_cam_weights(grads)  # Eq. 1: global average pooling of the gradients
