"""The networks of SimCLR: a small ResNet-style base encoder ``f`` and the projection head ``g``.

The paper uses ResNet-50 on 224-pixel images; the book trains on 32-64 pixel synthetic
scenes on a CPU, so ``f`` is a ResNet in miniature (He et al. 2016): a 3 x 3 stem (stride 2 by default) and three
stages of basic residual blocks (widths ``w, 2w, 4w``, the last two halving the
resolution), then global average pooling, giving the representation ``h = f(x)`` of size
``4w``. The head is the paper's two-layer MLP ``z = g(h) = W2 ReLU(BN(W1 h))``; the
representation kept for downstream tasks is ``h``, not ``z``.

References
----------
.. [1] K. He, X. Zhang, S. Ren, J. Sun, "Deep residual learning for image recognition",
   CVPR 2016. https://doi.org/10.1109/CVPR.2016.90
.. [2] T. Chen et al., "A simple framework for contrastive learning of visual
   representations", ICML 2020. https://doi.org/10.48550/arXiv.2002.05709
"""

from __future__ import annotations

import torch
from torch import nn

from vklib.checks import check_positive

__all__ = ["BasicBlock", "SmallResNet", "ProjectionHead", "SimCLR"]

def _check_input(x, weight: torch.Tensor, name: str, layout: str, ndim: int, size: int) -> None:
    """Check ``x`` for a layer with ``weight``: ``ndim`` axes, axis 1 of ``size``, the weight's dtype and device.

    Reads metadata only. Under ``torch.autocast`` the activations may have the autocast dtype, so
    the dtype is not compared there.
    """
    if isinstance(x, torch.fx.Proxy):  # symbolic tracing: nothing to check
        return
    if not torch.is_tensor(x):
        raise TypeError(f"{name} must be a torch.Tensor {layout}, got {type(x).__name__}")
    if x.device.type == "meta" and weight.device.type != "meta":
        raise TypeError(f"{name} must hold data, got a meta tensor of shape {tuple(x.shape)}")
    if x.dtype != weight.dtype and not torch.is_autocast_enabled(x.device.type):
        raise TypeError(f"{name} must have the weights' dtype {weight.dtype}, got {x.dtype}; "
                        f"convert with {name}.to({weight.dtype})")
    if x.ndim != ndim or x.shape[1] != size:
        raise ValueError(f"{name} must be {layout} with {layout[1:-1].split(', ')[1]} = {size}, "
                         f"got shape {tuple(x.shape)}")
    if x.device != weight.device:
        raise ValueError(f"{name} must be on the weights' device {weight.device}, got {x.device}")


class BasicBlock(nn.Module):
    """``y = ReLU(x' + BN(conv(ReLU(BN(conv(x))))))`` with a 1 x 1 projection ``x'`` when the shape changes.

    ``forward(x)`` takes ``(B, c_in, H, W)`` in the weights' dtype and on their device
    (``TypeError`` / ``ValueError`` otherwise). Only the input's shape, dtype and device are checked (no device
    sync): NaN or inf in the input propagate to NaN or inf outputs.
    """

    def __init__(self, c_in: int, c_out: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        _check_input(x, self.conv1.weight, "x", "(B, C, H, W)", 4, self.conv1.in_channels)
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + self.shortcut(x))


class SmallResNet(nn.Module):
    """Base encoder ``f``: ``(B, 3, H, W)`` -> ``h`` of shape ``(B, 4 * width)``.

    Parameters
    ----------
    width : int
        Channels of the first stage ``w`` (stages ``w, 2w, 4w``).
    blocks : int
        Basic blocks per stage.
    stem_stride : int
        Stride of the stem convolution; 2 halves the resolution before the first stage
        (4 x fewer operations, the default for the book's CPU runs on 32-pixel images).

    Notes
    -----
    ``forward(x)`` takes ``(B, 3, H, W)`` in the weights' dtype and on their device
    (``TypeError`` / ``ValueError`` otherwise). Only the input's shape, dtype and device are
    checked (no device sync, no pass over the data): NaN or inf in the input propagate to NaN
    or inf outputs, as in any torch module.
    """

    def __init__(self, width: int = 16, *, blocks: int = 1, stem_stride: int = 2):
        super().__init__()
        check_positive(width, "width", integer=True)
        check_positive(blocks, "blocks", integer=True)
        check_positive(stem_stride, "stem_stride", integer=True)
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, stem_stride, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        layers, c = [], width
        for stage, c_out in enumerate((width, 2 * width, 4 * width)):
            for k in range(blocks):
                layers.append(BasicBlock(c, c_out, stride=2 if (stage > 0 and k == 0) else 1))
                c = c_out
        self.layers = nn.Sequential(*layers)
        self.out_dim = c

    def forward(self, x):
        conv = self.stem[0]
        _check_input(x, conv.weight, "images", "(B, C, H, W)", 4, conv.in_channels)
        return self.layers(self.stem(x)).mean(dim=(2, 3))


class ProjectionHead(nn.Module):
    """Projection head ``g(h) = W2 ReLU(BN(W1 h))`` (a linear head if ``hidden`` is 0).

    ``forward(h)`` takes ``(B, in_dim)`` in the weights' dtype and on their device
    (``TypeError`` / ``ValueError`` otherwise). Only the input's shape, dtype and device are
    checked (no device sync): NaN or inf in the input propagate to NaN or inf outputs.
    """

    def __init__(self, in_dim: int, hidden: int = 128, out_dim: int = 64):
        super().__init__()
        if hidden:
            self.net = nn.Sequential(nn.Linear(in_dim, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(),
                                     nn.Linear(hidden, out_dim))
        else:
            self.net = nn.Linear(in_dim, out_dim)

    def forward(self, h):
        first = self.net[0] if isinstance(self.net, nn.Sequential) else self.net
        _check_input(h, first.weight, "h", "(B, D)", 2, first.in_features)
        return self.net(h)


class SimCLR(nn.Module):
    """Encoder ``f`` and head ``g``; ``forward(x)`` returns ``(h, z)`` with ``h = f(x)``, ``z = g(h)``.

    The encoder checks the images (the default :class:`SmallResNet`: ``(B, 3, H, W)`` in the
    weights' dtype and on their device) and the head checks ``h``. Only shapes, dtypes and
    devices are checked (no device sync): NaN or inf in the images propagate to NaN or inf
    in ``h`` and ``z``.
    """

    def __init__(self, encoder: nn.Module | None = None, *, width: int = 16, hidden: int = 128, out_dim: int = 64):
        super().__init__()
        self.encoder = encoder if encoder is not None else SmallResNet(width)
        self.head = ProjectionHead(self.encoder.out_dim, hidden, out_dim)

    def forward(self, x):
        h = self.encoder(x)
        return h, self.head(h)
