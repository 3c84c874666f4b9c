"""CAM: class activation mapping from the weights of the last linear layer (Zhou et al., 2016)."""

from __future__ import annotations

import torch
from torch import nn

from .base import BaseCAM
from .recorder import resolve_layer

__all__ = ["CAM"]


class CAM(BaseCAM):
    r"""Class activation mapping (Zhou et al., 2016) for a network that ends in GAP + one linear layer.

    If the logits are :math:`y^c = \sum_k w_k^c \frac{1}{Z}\sum_{i,j} A^k_{ij} + b^c`, the
    weight of channel :math:`k` for class :math:`c` is the linear layer's :math:`w_k^c`
    (Zhou et al., Eq. 2: :math:`M_c(x, y) = \sum_k w_k^c f_k(x, y)`). It needs one forward
    pass and no gradient; ``layer`` must be the one whose output is pooled.
    The original paper has no ReLU; the book applies the shared ReLU so that all methods
    show only positive evidence (CAM's negative parts are then cut to 0).

    Parameters
    ----------
    model, layer : see :class:`~vklib.cam.base.BaseCAM`.
    fc : torch.nn.Linear or str, optional
        The linear layer after the GAP; by default the model's last ``nn.Linear``.

    References
    ----------
    Zhou, B., Khosla, A., Lapedriza, A., Oliva, A., Torralba, A. (2016). Learning deep
    features for discriminative localization. CVPR. https://doi.org/10.1109/CVPR.2016.319
    """

    uses_gradients = False

    def __init__(self, model: nn.Module, layer: nn.Module | str, *, fc: nn.Module | str | None = None):
        super().__init__(model, layer)
        if fc is None:
            linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
            if not linears:
                raise ValueError(f"CAM needs a final nn.Linear layer after global average pooling; "
                                 f"{type(model).__name__} has none (use GradCAM instead)")
            fc = linears[-1]
        self.fc = resolve_layer(model, fc)
        if not isinstance(self.fc, nn.Linear):
            raise TypeError(f"fc must be an nn.Linear, got {type(self.fc).__name__}")

    def channel_weights(self, images, activations, logits, targets, grads) -> torch.Tensor:
        if self.fc.in_features != activations.shape[1]:
            raise ValueError(f"CAM needs the layer that is pooled into fc: fc takes {self.fc.in_features} "
                             f"features, the layer has {activations.shape[1]} channels")
        # Zhou et al. Eq. 2: the class's row of the linear layer, w_k^c.
        return self.fc.weight[targets].to(activations.dtype)
