"""Recording a layer's activations with a forward hook that is always removed."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["ActivationRecorder", "resolve_layer"]


def resolve_layer(model: nn.Module, layer: nn.Module | str) -> nn.Module:
    """The submodule ``layer`` of ``model``, given as a module or a dotted name (``"features.5"``).

    Raises ``TypeError`` for anything else and ``ValueError`` when it is not part of ``model``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if isinstance(layer, str):
        names = dict(model.named_modules())
        if layer not in names or layer == "":
            some = ", ".join(repr(n) for n in list(names)[1:8])
            raise ValueError(f"layer {layer!r} is not a submodule of {type(model).__name__}; "
                             f"its submodules include {some}, ...")
        return names[layer]
    if not isinstance(layer, nn.Module):
        raise TypeError(f"layer must be a torch.nn.Module or a dotted name, got {type(layer).__name__}")
    if not any(m is layer for m in model.modules()):
        raise ValueError(f"layer {type(layer).__name__} is not a submodule of {type(model).__name__}")
    return layer


class ActivationRecorder:
    """Context manager that keeps the output of ``layer`` from the last forward pass.

    The activation is kept *in the autograd graph* (not detached), so gradients of any
    score with respect to it come from ``torch.autograd.grad(score, recorder.activation)``
    without backward hooks. With ``require_grad=True`` an activation that would not record
    gradients (frozen weights) is replaced by a leaf that does. The hook handle is removed on
    exit, also after an exception.

    Examples
    --------
    >>> with ActivationRecorder(model, model.features[-1]) as rec:   # doctest: +SKIP
    ...     logits = model(x)
    >>> rec.activation.shape                                          # doctest: +SKIP
    torch.Size([B, 256, 8, 8])
    """

    def __init__(self, model: nn.Module, layer: nn.Module | str, *, require_grad: bool = False):
        self.layer = resolve_layer(model, layer)
        self.require_grad = require_grad
        self.activation: torch.Tensor | None = None
        self._handle = None

    def _hook(self, module, inputs, output):
        if not torch.is_tensor(output):
            raise TypeError(f"the recorded layer must output a tensor, got {type(output).__name__}")
        if self.require_grad and torch.is_grad_enabled() and not output.requires_grad:
            # A frozen model (or an input that needs no grad): make the activation a leaf
            # that records gradients, and let the rest of the forward pass use it.
            output = output.detach().requires_grad_(True)
            self.activation = output
            return output
        self.activation = output
        return None

    def __enter__(self) -> "ActivationRecorder":
        self._handle = self.layer.register_forward_hook(self._hook)
        return self

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None
