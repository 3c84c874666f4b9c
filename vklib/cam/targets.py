"""Which class each image of a batch is explained for."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from vklib.checks import check_array

__all__ = ["resolve_targets", "class_scores"]


def resolve_targets(targets: int | Sequence[int] | torch.Tensor | None, logits: torch.Tensor) -> torch.Tensor:
    """``(B,)`` int64 class indices on ``logits``' device.

    ``None`` explains the predicted class (argmax of the logits); an ``int`` uses the same
    class for the whole batch; a sequence or tensor gives one class per image.
    Raises ``ValueError`` for a wrong length or a class outside ``0 .. num_classes - 1``,
    ``TypeError`` for non-integers; ``logits`` must be a finite float tensor ``(B, num_classes)``.
    """
    _check_logits(logits)
    batch, num_classes = logits.shape
    if targets is None:
        return logits.detach().argmax(dim=1)
    if isinstance(targets, bool):
        raise TypeError("targets must be None, an int or a sequence of ints, got bool")
    if isinstance(targets, int):
        t = torch.full((batch,), targets, dtype=torch.long, device=logits.device)
    else:
        if torch.is_tensor(targets):
            if targets.dtype.is_floating_point or targets.is_complex() or targets.dtype == torch.bool:
                raise TypeError(f"targets must hold integers, got a tensor of dtype {targets.dtype}")
            check_array(targets, "targets", dtype="integer", nonempty=False)  # meta tensors rejected
            if targets.ndim > 1:
                raise ValueError(f"targets must be one class per image, shape (B,), got {tuple(targets.shape)}")
            t = targets.to(device=logits.device, dtype=torch.long).reshape(-1)
        else:
            values = list(targets)
            if not all(isinstance(v, int) or (hasattr(v, "dtype") and getattr(v.dtype, "kind", "") in "iu")
                       for v in values):
                raise TypeError(f"targets must hold integers, got {values[:5]}")
            t = torch.tensor([int(v) for v in values], dtype=torch.long, device=logits.device)
        if t.numel() != batch:
            raise ValueError(f"targets must give one class per image ({batch}), got {t.numel()}")
    if bool(((t < 0) | (t >= num_classes)).any()):
        raise ValueError(f"target class out of range: expected 0 .. {num_classes - 1}, got {t.tolist()}")
    return t


def _check_logits(logits) -> None:
    if not torch.is_tensor(logits):
        raise TypeError(f"logits must be a torch.Tensor (B, num_classes), got {type(logits).__name__}")
    check_array(logits, "logits", ndim=2, dtype="floating")


def class_scores(logits: torch.Tensor, targets: torch.Tensor, *, score: str = "logit") -> torch.Tensor:
    """``(B,)`` score of each image's target class: the logit ``y^c`` or the softmax probability.

    ``logits`` is a finite float tensor ``(B, num_classes)`` and ``targets`` a ``(B,)`` integer
    tensor of classes in ``0 .. num_classes - 1`` (see :func:`resolve_targets`);
    ``TypeError`` / ``ValueError`` otherwise.
    """
    _check_logits(logits)
    if not torch.is_tensor(targets):
        raise TypeError(f"targets must be a (B,) integer tensor, got {type(targets).__name__}; "
                        "see resolve_targets for ints and lists")
    if targets.dtype.is_floating_point or targets.is_complex() or targets.dtype == torch.bool:
        raise TypeError(f"targets must hold integers, got a tensor of dtype {targets.dtype}")
    check_array(targets, "targets", shape=(logits.shape[0],), dtype="integer")
    if bool(((targets < 0) | (targets >= logits.shape[1])).any()):
        raise ValueError(f"target class out of range: expected 0 .. {logits.shape[1] - 1}, got {targets.tolist()}")
    return scores_unchecked(logits, targets.to(device=logits.device, dtype=torch.long), score=score)


def scores_unchecked(logits: torch.Tensor, targets: torch.Tensor, *, score: str = "logit") -> torch.Tensor:
    """:func:`class_scores` of inputs known to be valid (no host sync, for inner loops)."""
    if score == "logit":
        values = logits
    elif score == "probability":
        values = logits.softmax(dim=1)
    else:
        raise ValueError(f"score must be 'logit' or 'probability', got {score!r}")
    return values.gather(1, targets.view(-1, 1)).squeeze(1)
