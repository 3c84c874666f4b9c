"""Checks and per-image random draws shared by SimCLR's batched augmentations.

Every augmentation draws its per-image parameters from a ``torch.Generator`` on the
generator's device (so the same generator state gives the same views on any device) and
moves them to the images' device and dtype.
"""

from __future__ import annotations

import torch

from vklib.checks import check_array, check_image


def _check_batch(images, name="images"):
    """A float, finite, non-empty torch batch ``(B, 3, H, W)``: :func:`vklib.checks.check_image` behind a torch-only check."""
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape (B, 3, H, W), got {type(images).__name__}")
    check_image(images, name, warn_range=False)


def _check_probability(p, name="p"):
    if isinstance(p, bool) or not isinstance(p, (int, float)):
        raise TypeError(f"{name} must be a probability (a float in [0, 1]), got {type(p).__name__}")
    if not 0 <= p <= 1:
        raise ValueError(f"{name} must be a probability in [0, 1], got {p}")


def _check_generator(generator):
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")


def _uniform(generator, n, low, high, like):
    """``n`` draws from U(low, high) on the generator's device, moved to ``like``'s device and dtype."""
    u = torch.rand(n, generator=generator, device=generator.device)
    return (low + (high - low) * u).to(device=like.device, dtype=like.dtype)


def _bernoulli(generator, n, p, like):
    u = torch.rand(n, generator=generator, device=generator.device)
    return (u < p).to(device=like.device)


def _as_batch(images, name="images"):
    """``(B, 3, H, W)`` float view of a batch or of one ``(3, H, W)`` image, and whether it was one image.

    Integer images are rejected rather than reinterpreted: convert them explicitly, e.g.
    ``images.float() / 255``; so are meta tensors, empty batches, NaN and infinity.
    """
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape (B, 3, H, W) or (3, H, W), "
                        f"got {type(images).__name__}")
    if not images.dtype.is_floating_point:
        raise TypeError(f"{name} must be floating point with values in [0, 1], got dtype {images.dtype} "
                        f"(convert integer images explicitly, e.g. images.float() / 255)")
    if images.ndim == 3 and images.shape[0] == 3:
        return check_array(images, name).unsqueeze(0), True  # meta, empty, NaN and inf rejected by name
    if images.ndim == 4 and images.shape[1] == 3:
        return check_array(images, name), False
    raise ValueError(f"{name} must have shape (B, 3, H, W) or (3, H, W), got {tuple(images.shape)}")


def _single(out, single):
    return out[0] if single else out
