"""Training a CLIP model from scratch on (image, caption) pairs: the loop of Figure 3.

Each step draws a batch of ``B`` matching pairs, embeds both, and lowers the symmetric
contrastive loss (:func:`vklib.clip.loss.clip_loss`) with AdamW. As in the paper the
temperature is learned (the model's ``logit_scale`` parameter ``t``, with ``s = e^t``)
and clipped so that ``s`` never exceeds 100; the learning rate warms up linearly and
then follows a cosine schedule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from ..checks import check_array, check_model_images, check_positive, is_tensor, model_errors
from ..progress import progress_bar
from .loss import clip_loss

__all__ = ["TrainHistory", "train_clip"]


@dataclass
class TrainHistory:
    """What happened during :func:`train_clip`, one entry per step."""

    loss: list = field(default_factory=list)
    logit_scale: list = field(default_factory=list)
    lr: list = field(default_factory=list)


def train_clip(model, tokens: torch.Tensor, images: torch.Tensor, *, epochs: int = 1, batch_size: int = 128,
               lr: float = 2e-3, weight_decay: float = 0.1, warmup: int = 30, max_logit_scale: float = 100.0,
               seed: int = 0, progress: bool = True) -> TrainHistory:
    """Train ``model`` in place with CLIP's contrastive loss; return the :class:`TrainHistory`.

    Parameters
    ----------
    model : open_clip model created with ``output_dict=True``
        ``model(images, tokens)`` returns normalised features and the exponentiated scale.
    tokens : torch.Tensor, shape ``(N, context_length)``, integer
        Tokenised captions; row ``i`` describes ``images[i]``.
    images : torch.Tensor, shape ``(N, 3, H, W)``
        Preprocessed images (see :func:`vklib.clip.tiny.scenes_to_tensor`), finite floats in the
        dtype of the model's weights, on any device: each batch is moved to the model's device.
        Other dtypes, non-integer tokens, and images the model cannot take (wrong channels or
        size) raise ``TypeError`` / ``ValueError`` before any step.
    epochs, batch_size : int, keyword-only
        Passes over the data, and pairs per step (the last incomplete batch is dropped,
        so every step has the same number of negatives).
    lr, weight_decay, warmup : keyword-only
        AdamW learning rate and weight decay (not applied to gains, biases, embeddings
        and the logit scale), and linear warm-up steps before the cosine decay.
    max_logit_scale : float, keyword-only
        Clip ``s = e^t`` to at most this (the paper uses 100).
    seed : int, keyword-only
        Seeds the batch order.
    progress : bool, keyword-only
        Show a tqdm progress bar (with the running loss and scale).
    """
    check_model_images(getattr(model, "visual", model), images, device=False)
    if not is_tensor(tokens):
        raise TypeError(f"tokens must be a torch.Tensor (N, context_length) of integers, got {type(tokens).__name__}")
    check_array(tokens, "tokens", ndim=2, dtype="integer")
    if images.shape[0] != tokens.shape[0]:
        raise ValueError(f"images and tokens must hold the same number of pairs, got {images.shape[0]} and "
                         f"{tokens.shape[0]}")
    check_positive(epochs, "epochs", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    n = images.shape[0]
    if batch_size > n:
        raise ValueError(f"batch_size must be at most the number of pairs {n}, got {batch_size}")
    device = next(model.parameters()).device
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim < 2 or "embedding" in name or "logit_scale" in name else decay).append(p)
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=lr)
    per_epoch = n // batch_size
    total = epochs * per_epoch

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    generator = torch.Generator().manual_seed(seed)
    history = TrainHistory()
    model.train()
    with progress_bar(total=total, enabled=progress, desc="training CLIP", unit="step") as bar:
        for _ in range(epochs):
            order = torch.randperm(n, generator=generator)
            for b in range(per_epoch):
                idx = order[b * batch_size:(b + 1) * batch_size]
                with model_errors(images):
                    out = model(images[idx].to(device), tokens[idx].to(device))
                loss = clip_loss(out["image_features"], out["text_features"], out["logit_scale"])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                scheduler.step()
                with torch.no_grad():  # the paper clips the scale at 100 to keep training stable
                    model.logit_scale.clamp_(max=math.log(max_logit_scale))
                history.loss.append(float(loss.detach()))
                history.logit_scale.append(float(model.logit_scale.detach().exp()))
                history.lr.append(optimizer.param_groups[0]["lr"])
                bar.update(1)
                if b % 10 == 0:
                    bar.set_postfix(loss=f"{history.loss[-1]:.3f}", scale=f"{history.logit_scale[-1]:.1f}", refresh=False)
    model.eval()
    return history
