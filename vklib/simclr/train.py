"""Training loops: SimCLR pre-training (Algorithm 1 of Chen et al. 2020) and a supervised baseline.

Both take the images as NumPy ``(N, H, W, 3)`` floats in [0, 1] (as :func:`vklib.data.make_scenes`
returns them) or a torch ``(N, 3, H, W)`` tensor, draw every random choice (shuffling and
augmentation parameters) from one ``torch.Generator`` seeded by ``seed``, and return a
history of the loss. They run on any device; under ``torch.distributed`` (``torchrun``)
:func:`train_simclr` splits every global batch between the processes and wraps the model
in ``DistributedDataParallel`` (see :mod:`vklib.simclr.ddp`).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from vklib.checks import check_array, check_positive
from vklib.distributed import is_distributed
from vklib.images import to_tensor
from vklib.progress import progress_bar
from vklib.simclr.augment import simclr_augment
from vklib.simclr.loss import nt_xent

__all__ = ["as_image_tensor", "train_simclr", "train_supervised"]


def as_image_tensor(images, *, device=None):
    """NumPy ``(N, H, W, 3)`` or torch ``(N, 3, H, W)`` images -> float32 torch ``(N, 3, H, W)`` on ``device``.

    The images must be finite floats holding data (``TypeError`` for other dtypes and meta
    tensors, ``ValueError`` for other shapes and for NaN or inf).
    """
    if isinstance(images, torch.Tensor):
        x = images
    elif isinstance(images, np.ndarray):
        if images.ndim != 4 or images.shape[-1] != 3:
            raise ValueError(f"images must have shape (N, H, W, 3), got {images.shape}")
        x = to_tensor(images)
    else:
        raise TypeError(f"images must be a NumPy array (N, H, W, 3) or a torch.Tensor (N, 3, H, W), "
                        f"got {type(images).__name__}")
    if x.ndim != 4 or x.shape[1] != 3:
        raise ValueError(f"images must have shape (N, 3, H, W), got {tuple(x.shape)}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"images must be floating point in [0, 1], got dtype {x.dtype}")
    check_array(x, "images", nonempty=False)  # meta tensors, NaN and inf (one pass, before any training)
    return x.to(device=device, dtype=torch.float32)


def _resolve_device(device, model):
    """``device`` (a ``torch.device``, ``"cpu"``, ``"cuda"``, ``"cuda:1"`` ...) or the model's; the model is moved there."""
    if device is None:
        device = next(model.parameters()).device
    elif isinstance(device, str):
        device = torch.device(device)
    elif not isinstance(device, torch.device):
        raise TypeError(f"device must be a torch.device or a string such as 'cpu' or 'cuda', got {type(device).__name__}")
    model.to(device)
    return device


def train_simclr(model, images, *, epochs=10, batch_size=128, temperature=0.5, lr=2e-3, weight_decay=1e-6,
                 augment=None, seed=0, device=None, progress=True):
    """Pre-train ``model`` (a :class:`~vklib.simclr.model.SimCLR`) with NT-Xent on unlabelled images.

    Parameters
    ----------
    model : torch.nn.Module
        ``model(x)`` returns ``(h, z)``; it is trained in place.
    images : array (N, H, W, 3) or tensor (N, 3, H, W)
    epochs, batch_size : int
        ``batch_size`` is the *global* batch ``N`` of images (``2N`` views); the last
        incomplete batch of each epoch is dropped.
    temperature : float
        NT-Xent's ``τ``.
    lr, weight_decay : float
        Adam's settings (the paper uses LARS for batches of thousands; at this scale Adam
        is the simpler choice).
    augment : dict, optional
        Keyword options of :func:`~vklib.simclr.augment.simclr_augment` (``crop``, ``color``,
        ``strength``, ``size`` ...).
    seed : int
        Seeds the generator of the shuffles and augmentations (not the model's initial
        weights: seed torch before building the model).
    device : torch.device or str, optional
        ``"cpu"``, ``"cuda"``, ... (default: the model's device); the model is moved there.

    Returns
    -------
    dict
        ``"loss"``: the loss of every step; ``"epoch_loss"``: the mean per epoch.
    """
    check_positive(epochs, "epochs", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    if batch_size < 2:
        raise ValueError(f"batch_size must be >= 2 (NT-Xent needs negatives), got {batch_size}")
    device = _resolve_device(device, model)
    data = as_image_tensor(images, device=device)
    n = data.shape[0]
    if n < batch_size:
        raise ValueError(f"need at least batch_size = {batch_size} images, got {n}")
    world, rank = 1, 0
    net = model
    if is_distributed():
        import torch.distributed as dist

        world, rank = dist.get_world_size(), dist.get_rank()
        if batch_size % world:
            raise ValueError(f"batch_size ({batch_size}) must be divisible by the number of processes ({world})")
        if not isinstance(model, nn.parallel.DistributedDataParallel):
            net = nn.parallel.DistributedDataParallel(model, device_ids=[device] if device.type == "cuda" else None)
    local = batch_size // world
    generator = torch.Generator().manual_seed(seed)
    # Every process draws the same shuffles; the augmentation generator differs per rank.
    aug_generator = torch.Generator(device=device if device.type == "cuda" else "cpu").manual_seed(seed * 1000 + rank + 1)
    options = dict(augment or {})
    optimizer = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=weight_decay)
    steps = n // batch_size
    history = {"loss": [], "epoch_loss": []}
    net.train()
    bar = progress_bar(range(epochs * steps), enabled=progress and rank == 0, desc="SimCLR", unit="step")
    for step in bar:
        if step % steps == 0:
            order = torch.randperm(n, generator=generator)
        k = step % steps
        idx = order[k * batch_size + rank * local: k * batch_size + (rank + 1) * local].to(device)
        x1, x2 = (simclr_augment(data[idx], generator=aug_generator, **options) for _ in range(2))
        _, z1 = net(x1)
        _, z2 = net(x2)
        loss = nt_xent(z1, z2, temperature=temperature)
        optimizer.zero_grad(set_to_none=True)
        (loss * world).backward()  # DDP averages gradients over processes; x world restores the sum
        optimizer.step()
        history["loss"].append(float(loss.detach()))
        if k == steps - 1:
            history["epoch_loss"].append(float(np.mean(history["loss"][-steps:])))
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{history['epoch_loss'][-1]:.3f}")
    net.eval()
    return history


def train_supervised(encoder, images, labels, *, num_classes=None, epochs=10, batch_size=128, lr=2e-3,
                     weight_decay=1e-6, augment=None, seed=0, device=None, progress=True):
    """Train ``encoder`` plus a linear classifier with cross-entropy on labelled images (the baseline).

    ``augment`` defaults to crop and flip only (``{"color": False, "blur": False,
    "crop_scale": (0.5, 1.0)}``), the usual supervised recipe. Returns ``(classifier,
    history)``; the encoder is trained in place.
    """
    check_positive(epochs, "epochs", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    device = _resolve_device(device, encoder)
    data = as_image_tensor(images, device=device)
    y = torch.as_tensor(np.asarray(labels), dtype=torch.long, device=device)
    if y.shape != (data.shape[0],):
        raise ValueError(f"labels must have shape ({data.shape[0]},), got {tuple(y.shape)}")
    num_classes = int(num_classes or int(y.max()) + 1)
    classifier = nn.Linear(encoder.out_dim, num_classes).to(device)
    options = {"color": False, "blur": False, "crop_scale": (0.5, 1.0)} if augment is None else dict(augment)
    generator = torch.Generator().manual_seed(seed)
    params = list(encoder.parameters()) + list(classifier.parameters())
    optimizer = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    n = data.shape[0]
    steps = max(1, n // batch_size)
    history = {"loss": [], "epoch_loss": []}
    encoder.train()
    for step in progress_bar(range(epochs * steps), enabled=progress, desc="supervised", unit="step"):
        if step % steps == 0:
            order = torch.randperm(n, generator=generator)
        k = step % steps
        idx = order[k * batch_size:(k + 1) * batch_size].to(device)
        x = simclr_augment(data[idx], generator=generator, **options)
        loss = F.cross_entropy(classifier(encoder(x)), y[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        history["loss"].append(float(loss.detach()))
        if k == steps - 1:
            history["epoch_loss"].append(float(np.mean(history["loss"][-steps:])))
    encoder.eval()
    return classifier, history
