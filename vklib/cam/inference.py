"""An inference copy of a network for many forward passes: batch norm folded, channels-last.

Score-CAM runs the network once per channel of the explained layer, and the deletion and
insertion curves once per step, always in eval mode and without gradients. There a batch norm
after a convolution is an affine map with fixed numbers, and it can be folded into the
convolution's weights and bias (Ioffe and Szegedy, 2015, sec. 3.1: in inference the
normalisation is a fixed linear transform). :func:`inference_copy` does that on a copy, never on
the caller's model, stores the copy's convolution weights channels-last, lets a ReLU run in
place where it follows a convolution's fresh output in the same ``nn.Sequential`` and
computes 2 x 2 max pooling as two elementwise maxima of strided views. Used by
:mod:`vklib.cam.score_cam` and :mod:`vklib.cam.metrics`.
"""

from __future__ import annotations

import collections
import copy

import torch
import torch.fx as fx
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

__all__ = ["fold_batchnorm", "inference_copy"]


def _foldable(module: nn.Module) -> list[int]:
    """Indices ``i`` of an ``nn.Sequential`` whose ``Conv2d`` at ``i`` feeds the ``BatchNorm2d`` at ``i + 1``."""
    if not isinstance(module, nn.Sequential):
        return []
    return [i for i in range(len(module) - 1) if _fusable(module[i], module[i + 1])]


def _fusable(conv: nn.Module, bn: nn.Module) -> bool:
    """A plain ``Conv2d`` and an eval-mode ``BatchNorm2d`` with running statistics, neither hooked."""
    return (type(conv) is nn.Conv2d and type(bn) is nn.BatchNorm2d and not conv.training and not bn.training
            and bn.running_mean is not None and bn.num_features == conv.out_channels
            and not _hooked(conv) and not _hooked(bn))


class _Tracer(fx.Tracer):
    """``torch.fx`` tracer that enters submodules through ``forward``, so no module hook runs."""

    def call_module(self, m, forward, args, kwargs):
        path = self.path_of_module(m)
        if self.is_leaf_module(m, path):
            return self.create_proxy("call_module", path, args, kwargs)
        return m.forward(*args, **kwargs)


def _traced_pairs(model: nn.Module) -> list[tuple[str, str]] | None:
    """``(conv, bn)`` module names where a convolution's output goes only into a batch norm.

    Found by tracing ``model.forward`` symbolically with ``torch.fx`` (no tensor is computed,
    no hook runs), so this also sees the pairs that a ``forward`` wires by attribute, e.g.
    ``conv1``/``bn1`` inside torchvision's residual blocks. A module called more than once
    is left alone (folding it would change its other calls too). ``None`` when the model
    cannot be traced (data-dependent control flow, for example).
    """
    try:
        graph = _Tracer().trace(model)
    except Exception:  # noqa: BLE001 - any tracing failure: fall back to the Sequential rule
        return None
    modules = dict(model.named_modules())
    calls = collections.Counter(node.target for node in graph.nodes if node.op == "call_module")
    pairs = []
    for node in graph.nodes:
        if node.op != "call_module" or not node.args:
            continue
        source = node.args[0]
        if not (isinstance(source, fx.Node) and source.op == "call_module"):
            continue
        if len(source.users) != 1 or calls[source.target] != 1 or calls[node.target] != 1:
            continue
        if _fusable(modules[source.target], modules[node.target]):
            pairs.append((source.target, node.target))
    return pairs


def _conv_bn_pairs(model: nn.Module) -> list[tuple[str, str]]:
    """The ``(conv, bn)`` pairs to fold: traced with ``torch.fx``, else those inside ``nn.Sequential``."""
    pairs = _traced_pairs(model)
    if pairs is not None:
        return pairs
    return [(f"{name}.{i}" if name else str(i), f"{name}.{i + 1}" if name else str(i + 1))
            for name, seq in model.named_modules() for i in _foldable(seq)]


def _replace(model: nn.Module, name: str, new: nn.Module) -> None:
    parent, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, child, new)


def _hooked(module: nn.Module) -> bool:
    return bool(module._forward_hooks or module._forward_pre_hooks)


def _relus_to_run_in_place(module: nn.Module) -> list[int]:
    """Indices of the ``nn.ReLU`` in a Sequential whose input is a fresh output no one else sees.

    That input comes straight from a ``Conv2d``, ``BatchNorm2d`` or ``Linear`` (possibly
    through ``Identity``), and none of these modules, nor the ReLU, has a hook that could
    have kept the tensor: overwriting it in place then changes nothing but the memory used.
    """
    if not isinstance(module, nn.Sequential):
        return []
    found = []
    for i in range(1, len(module)):
        if type(module[i]) is not nn.ReLU or module[i].inplace or _hooked(module[i]):
            continue
        j = i - 1
        while j >= 0 and type(module[j]) is nn.Identity and not _hooked(module[j]):
            j -= 1
        if j >= 0 and type(module[j]) in (nn.Conv2d, nn.BatchNorm2d, nn.Linear) and not _hooked(module[j]):
            found.append(i)
    return found


class _MaxPool2x2(nn.Module):
    r"""``nn.MaxPool2d(2)`` as two elementwise maxima of strided views: the same numbers, faster.

    .. math:: y_{ij} = \max(x_{2i,2j},\, x_{2i+1,2j},\, x_{2i,2j+1},\, x_{2i+1,2j+1})

    computed as the maximum of the even and odd rows, then of the even and odd columns of that
    (an odd last row or column is dropped, as ``MaxPool2d`` does without ``ceil_mode``; NaN
    propagates as there). On a CPU this took a quarter of ``max_pool2d``'s time on the chapter's
    channels-last activations, and a tenth on channels-first ones (torch 2.14, one core).
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2] // 2 * 2, x.shape[-1] // 2 * 2
        if h == 0 or w == 0 or x.ndim not in (3, 4):  # no 2 x 2 window: max_pool2d says what it expected
            return nn.functional.max_pool2d(x, 2)
        x = torch.maximum(x[..., 0:h:2, :], x[..., 1:h:2, :])
        return torch.maximum(x[..., 0:w:2], x[..., 1:w:2])


def _pools_2x2(model: nn.Module) -> list[str]:
    """Names of the un-hooked ``nn.MaxPool2d`` with a 2 x 2 window and stride, no padding, dilation or indices."""

    def pair(v):
        return tuple(v) if isinstance(v, (tuple, list)) else (v, v)

    return [name for name, m in model.named_modules()
            if type(m) is nn.MaxPool2d and not _hooked(m) and pair(m.kernel_size) == (2, 2)
            and pair(m.stride or m.kernel_size) == (2, 2) and pair(m.padding) == (0, 0)
            and pair(m.dilation) == (1, 1) and not m.return_indices and not m.ceil_mode]


def _fold_in_place(model: nn.Module, pairs: list[tuple[str, str]]) -> None:
    for conv, bn in pairs:
        _replace(model, conv, fuse_conv_bn_eval(model.get_submodule(conv), model.get_submodule(bn)))
        _replace(model, bn, nn.Identity())


def _copy(model: nn.Module) -> nn.Module | None:
    try:
        return copy.deepcopy(model)
    except Exception:  # a model holding something that cannot be copied: score it as it is
        return None


def fold_batchnorm(model: nn.Module) -> nn.Module:
    r"""An inference copy of ``model`` with batch norm folded into the convolution before it.

    In eval mode ``BatchNorm2d`` is the per-channel affine map
    :math:`\gamma (z - \mu) / \sqrt{\sigma^2 + \epsilon} + \beta` of the convolution's output
    :math:`z = W * x + b`, so it can be merged into the convolution's weights and bias
    (``torch.nn.utils.fusion.fuse_conv_bn_eval``): the same function up to float rounding,
    one pass over the activations fewer. The pairs are found by tracing the model's
    ``forward`` with ``torch.fx``: a ``Conv2d`` whose output goes only into a
    ``BatchNorm2d``, wherever the ``forward`` wires them (inside an ``nn.Sequential`` or by
    attribute, as ``conv1``/``bn1`` in torchvision's ResNet blocks); a model that cannot be
    traced has its ``nn.Sequential`` pairs folded. Modules with hooks and modules called
    more than once are left alone. The batch norm's slot gets an ``nn.Identity``.
    ``model`` itself is not changed; it is returned as is when there is nothing to fold (or
    it cannot be copied). The copy keeps the model's forward (pre-)hooks, so
    :func:`~vklib.cam.metrics.count_forward_passes` still counts its passes.
    """
    pairs = _conv_bn_pairs(model)
    if not pairs:
        return model
    folded = _copy(model)
    if folded is None:
        return model
    _fold_in_place(folded, pairs)
    return folded


def inference_copy(model: nn.Module, *, channels_last: bool = True) -> nn.Module:
    r"""A copy of ``model`` that computes the same function with less memory traffic.

    What Score-CAM (and :func:`~vklib.cam.metrics.deletion_insertion_curves`) score their
    images with: :func:`fold_batchnorm`'s folding; then every ``nn.ReLU`` whose input is the
    fresh output of the convolution (or batch norm or linear layer) before it, in the same
    ``nn.Sequential``, runs in place (a ReLU that writes a new tensor costs a memory
    allocation and a pass over it, a quarter of the chapter's CNN's time on a CPU); every
    un-hooked ``nn.MaxPool2d(2)`` becomes two elementwise maxima of strided views (the same
    numbers); and with ``channels_last`` (default) the convolution weights are stored
    channels-last, the layout of the batches Score-CAM builds and of oneDNN's fast CPU
    convolutions. Modules
    with hooks are left as they are (a hook may keep the tensor), as is ``model`` itself; it
    is returned as is when there is nothing to change (or it cannot be copied). The numbers
    are those of the model up to float rounding.
    """
    pairs = _conv_bn_pairs(model)
    relus = any(_relus_to_run_in_place(m) for m in model.modules() if isinstance(m, nn.Sequential))
    pools = _pools_2x2(model)
    layout = channels_last and any(p.ndim == 4 for p in model.parameters())
    if not (pairs or relus or pools or layout):
        return model
    fast = _copy(model)
    if fast is None:
        return model
    _fold_in_place(fast, pairs)
    for name in pools:
        _replace(fast, name, _MaxPool2x2())
    for seq in [m for m in fast.modules() if isinstance(m, nn.Sequential)]:
        for i in _relus_to_run_in_place(seq):
            seq[i] = nn.ReLU(inplace=True)
    if layout:
        fast = fast.to(memory_format=torch.channels_last)
    return fast
