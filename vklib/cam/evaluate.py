"""The bookkeeping of chapter 4's evaluation: score many maps, tabulate, compare scene by scene.

:func:`evaluate_maps` runs the metrics of :mod:`vklib.cam.metrics` for several saliency maps
of the same scenes; :func:`evaluation_table` and :func:`paired_table` format the results as
the chapter prints them; :func:`time_methods` measures the time per image;
:func:`gradient_along_path` measures the logit and its gradient as an image fades in from
black (the saturation argument of the Score-CAM paper).
"""

from __future__ import annotations

import time

import numpy as np
import torch

from vklib.checks import check_array, check_positive

from .base import check_images, check_model_images, model_errors
from .grad_cam import GradCAM
from .score_cam import channel_increase_of_confidence, channel_masks
from .metrics import auc, deletion_insertion_curves, energy_pointing_game, pointing_game
from .recorder import ActivationRecorder, resolve_layer

__all__ = ["evaluate_maps", "evaluation_table", "paired_table", "time_methods", "gradient_along_path",
           "gradient_weights_and_cic", "correlation"]

METRICS = ("del_auc", "ins_auc", "pg", "epg")


def evaluate_maps(model, images: torch.Tensor, saliency: dict, masks: torch.Tensor, targets: torch.Tensor, *,
                  steps: int = 64, chunk_size: int = 256) -> tuple[dict, dict]:
    """Deletion / insertion AUC and the pointing games of every map, per scene and on average.

    Parameters
    ----------
    model : torch.nn.Module
        The classifier, in eval mode.
    images : torch.Tensor
        ``(B, C, H, W)`` scenes.
    saliency : dict of str to torch.Tensor
        ``(B, H, W)`` maps, one entry per method (or reference row).
    masks : torch.Tensor
        ``(B, H, W)`` bool ground-truth object masks.
    targets : torch.Tensor
        ``(B,)`` classes to explain.
    steps : int, keyword-only
        Steps of the deletion and insertion curves (each changes ``H W / steps`` pixels).

    Returns
    -------
    rows : dict
        ``rows[name]`` holds the mean ``"deletion"`` and ``"insertion"`` curves
        (``(steps + 1,)`` CPU tensors) and the means of the per-scene values.
    per_scene : dict
        ``per_scene[name][metric]`` is ``(B,)`` for metric in ``("del_auc", "ins_auc", "pg", "epg")``.
    """
    steps = check_positive(steps, "steps", integer=True)
    rows, per_scene = {}, {}
    for name, s in saliency.items():
        curves = {mode: deletion_insertion_curves(model, images, s, targets, mode=mode, steps=steps,
                                                  chunk_size=chunk_size) for mode in ("deletion", "insertion")}
        per_scene[name] = {"del_auc": auc(curves["deletion"]), "ins_auc": auc(curves["insertion"]),
                           "pg": pointing_game(s, masks).float(), "epg": energy_pointing_game(s, masks)}
        rows[name] = {"deletion": curves["deletion"].mean(0).cpu(), "insertion": curves["insertion"].mean(0).cpu(),
                      **{key: float(v.mean()) for key, v in per_scene[name].items()}}
    return rows, per_scene


def evaluation_table(rows: dict, passes: dict, ms: dict | None = None) -> str:
    """The chapter's table: one line per row of :func:`evaluate_maps`, optionally with ms/image."""
    head = (f"{'method':22s}{'deletion AUC ↓':>16s}{'insertion AUC ↑':>17s}{'pointing ↑':>12s}"
            f"{'energy PG ↑':>13s}{'passes/image':>14s}" + (f"{'ms/image':>10s}" if ms is not None else ""))
    lines = [head]
    for name, r in rows.items():
        p = f"{passes[name]:.1f}" if name in passes else "-"  # Score-CAM: a little under 1 + K
        line = f"{name:22s}{r['del_auc']:16.3f}{r['ins_auc']:17.3f}{r['pg']:12.3f}{r['epg']:13.3f}{p:>14s}"
        if ms is not None:
            line += f"{ms[name]:10.2f}" if name in ms else f"{'-':>10s}"
        lines.append(line)
    return "\n".join(lines)


def paired_table(per_scene: dict, pairs) -> str:
    """Mean ± standard error of the scene-by-scene differences ``a - b`` for each pair of rows.

    Every method is scored on the same scenes, so the differences are paired; the standard
    error of their mean is ``std / sqrt(N)`` (sample standard deviation, ``N`` scenes).
    """
    lines = [f"{'':24s}{'deletion AUC':>17s}{'insertion AUC':>17s}{'pointing':>17s}{'energy PG':>17s}"]
    for a, b in pairs:
        cells = []
        for key in METRICS:
            d = (per_scene[a][key] - per_scene[b][key]).double()
            cells.append(f"{float(d.mean()):+.3f} ± {float(d.std() / len(d) ** 0.5):.3f}")
        lines.append(f"{a + ' - ' + b:24s}" + "".join(f"{cell:>17s}" for cell in cells))
    return "\n".join(lines)


def time_methods(methods: dict, images: torch.Tensor) -> dict:
    """Milliseconds per image of each method on ``images`` (one warm-up call, then one timed call)."""
    check_images(images)

    def sync():
        if images.device.type == "cuda":
            torch.cuda.synchronize(images.device)

    ms = {}
    for name, method in methods.items():
        method(images)  # warm-up
        sync()
        start = time.perf_counter()
        method(images)
        sync()
        ms[name] = 1e3 * (time.perf_counter() - start) / len(images)
    return ms


def gradient_along_path(model, images: torch.Tensor, targets: torch.Tensor, layers: dict, scales) -> tuple:
    r"""The class logit and the size of its gradient at several layers along the path :math:`sX`.

    For each scale :math:`s` the images :math:`sX` (black at :math:`s = 0`, the image at
    :math:`s = 1`) go through the model; :math:`y^c(sX)` and
    :math:`\|\partial y^c / \partial A\|` (Frobenius norm over the layer's output
    :math:`A`, per image) are recorded. ``layers`` maps a display name to a module, a dotted
    module name, or ``None`` for the input itself.

    Returns
    -------
    logits : numpy.ndarray
        ``(S,)`` median over images of :math:`y^c(sX)`.
    sizes : dict of str to numpy.ndarray
        ``(S,)`` median over images of :math:`\|\partial y^c/\partial A(sX)\| /
        \|\partial y^c/\partial A(X)\|`, per layer (1 at :math:`s = 1`).
    """
    check_model_images(model, images)
    scales = [float(s) for s in scales]
    if not scales or scales[-1] != 1.0:
        raise ValueError(f"scales must end with 1.0 (the image itself, the reference), got {scales}")
    logit_rows, norms = [], {name: [] for name in layers}
    for s in scales:
        for name, layer in layers.items():
            xs = (images.detach() * s).requires_grad_(layer is None)
            with torch.enable_grad(), model_errors(images):
                if layer is None:
                    out, a = model(xs), xs
                else:
                    with ActivationRecorder(model, resolve_layer(model, layer), require_grad=True) as rec:
                        out = model(xs)
                    a = rec.activation
                y = out.gather(1, targets.view(-1, 1)).squeeze(1)
                (g,) = torch.autograd.grad(y.sum(), a)  # images are independent in eval mode
            norms[name].append(g.flatten(1).norm(dim=1).detach().cpu().numpy())
        logit_rows.append(y.detach().cpu().numpy())
    logits = np.median(np.array(logit_rows), axis=1)
    sizes = {name: np.median(np.array(v) / np.array(v)[-1], axis=1) for name, v in norms.items()}
    return logits, sizes


def gradient_weights_and_cic(model, layer, images: torch.Tensor, targets=None, *, batch: int = 10,
                             chunk_size: int = 256) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    r"""Two scores per channel: Grad-CAM's weight and Score-CAM's channel-wise increase of confidence.

    For images ``(B, C, H, W)``: the ``(B, K)`` Grad-CAM weights :math:`\alpha_k^c` (mean
    gradient of the logit), the ``(B, K)`` CICs :math:`y^c(X \circ H^k) - y^c(X_b)` (logit,
    black baseline) and the ``(B,)`` classes used (``None``: the predicted ones). The masks of
    ``batch`` images at a time are held in memory (``batch * K * H * W`` floats).
    """
    check_images(images)
    batch = check_positive(batch, "batch", integer=True)
    alphas, cics, classes = [], [], []
    for start in range(0, len(images), batch):
        xb = images[start:start + batch]
        tb = None if targets is None else targets[start:start + batch]
        method = GradCAM(model, layer)
        method.low_resolution(xb, tb)
        masks = channel_masks(method.activations, tuple(xb.shape[-2:]))
        cics.append(channel_increase_of_confidence(model, xb, masks, method.targets, chunk_size=chunk_size))
        alphas.append(method.weights)
        classes.append(method.targets)
    return torch.cat(alphas), torch.cat(cics), torch.cat(classes)


def correlation(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    r"""Pearson correlation of ``a[i]`` and ``b[i]`` for each ``i``: ``(B, ...)`` and ``(B, ...)`` -> ``(B,)``.

    .. math:: r = \frac{\sum (a - \bar a)(b - \bar b)}{\sqrt{\sum (a - \bar a)^2 \sum (b - \bar b)^2}}

    computed in float64; NaN where ``a[i]`` or ``b[i]`` is constant (no correlation is defined).
    ``a`` and ``b`` are real (float, integer or bool) finite tensors; ``TypeError`` / ``ValueError``
    otherwise.
    """
    if not (torch.is_tensor(a) and torch.is_tensor(b)):
        raise TypeError("a and b must be torch tensors")
    check_array(a, "a", dtype="real")  # complex, meta, NaN and inf rejected
    check_array(b, "b", dtype="real")
    if a.shape != b.shape or a.ndim < 2:
        raise ValueError(f"a and b must have the same shape (B, ...), got {tuple(a.shape)} and {tuple(b.shape)}")
    a = a.detach().flatten(1).double()
    b = b.detach().flatten(1).double()
    a = a - a.mean(1, keepdim=True)
    b = b - b.mean(1, keepdim=True)
    den = (a.square().sum(1) * b.square().sum(1)).sqrt()
    return torch.where(den > 0, (a * b).sum(1) / torch.where(den > 0, den, torch.ones_like(den)),
                       torch.full_like(den, float("nan")))
