"""Scoring zero-shot predictions of colour-shape pairs attribute by attribute, and linear probes.

A class index ``k`` among the ``C * S`` colour-shape pairs stands for colour ``k // S`` and
shape ``k % S`` (``S`` shapes; for the book's scenes ``S = 6`` and ``C = 7``). A pair is
right only when both parts are; reporting the parts separately shows *which* attribute a
model gets right, each against its own chance level (colour ``1 / C``, shape ``1 / S``,
pair ``1 / (C S)``).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from ..checks import as_checked_array, check_array, check_model_images, check_positive, is_tensor, model_errors

__all__ = ["attribute_accuracies", "shape_confusion", "tower_features", "linear_probe"]


def _as_labels(x, name: str) -> np.ndarray:
    if is_tensor(x):
        x = x.detach().cpu().numpy()
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class indices, got shape {x.shape}")
    if x.size and not np.issubdtype(x.dtype, np.integer):
        raise TypeError(f"{name} must hold integer class indices, got dtype {x.dtype}")
    if x.size and x.min() < 0:
        raise ValueError(f"{name} must hold class indices >= 0, got {int(x.min())}")
    return x.astype(np.int64)


def attribute_accuracies(pred, true, *, n_shapes: int = 6) -> dict[str, float]:
    """Colour, shape and pair accuracy of predicted colour-shape classes.

    Parameters
    ----------
    pred, true : (N,) integer arrays or tensors
        Class indices ``colour * n_shapes + shape``.
    n_shapes : int, keyword-only
        Number of shapes ``S`` (6 for the book's scenes).

    Returns
    -------
    dict
        ``colour_acc``: fraction with the right colour, ``pred // S == true // S``;
        ``shape_acc``: fraction with the right shape, ``pred % S == true % S``;
        ``shape_acc_given_colour``: shape accuracy among the scenes whose colour is right
        (NaN when no colour is right); ``pair_acc``: fraction with both right.

    Raises
    ------
    TypeError, ValueError
        Non-integer labels, different lengths, an empty batch or negative indices.

    Examples
    --------
    >>> attribute_accuracies([0, 7, 13, 3], [0, 1, 13, 8], n_shapes=6)
    {'colour_acc': 0.5, 'shape_acc': 0.75, 'shape_acc_given_colour': 1.0, 'pair_acc': 0.5}
    """
    pred, true = _as_labels(pred, "pred"), _as_labels(true, "true")
    check_positive(n_shapes, "n_shapes", integer=True)
    if pred.shape != true.shape:
        raise ValueError(f"pred and true must have the same length, got {pred.size} and {true.size}")
    if pred.size == 0:
        raise ValueError("pred and true must hold at least one prediction, got empty arrays")
    colour = pred // n_shapes == true // n_shapes
    shape = pred % n_shapes == true % n_shapes
    return {"colour_acc": float(colour.mean()), "shape_acc": float(shape.mean()),
            "shape_acc_given_colour": float(shape[colour].mean()) if colour.any() else float("nan"),
            "pair_acc": float((colour & shape).mean())}


def shape_confusion(pred, true, *, n_shapes: int = 6) -> np.ndarray:
    """``(S, S)`` counts: row = true shape, column = predicted shape (of colour-shape class indices)."""
    pred, true = _as_labels(pred, "pred"), _as_labels(true, "true")
    check_positive(n_shapes, "n_shapes", integer=True)
    if pred.shape != true.shape:
        raise ValueError(f"pred and true must have the same length, got {pred.size} and {true.size}")
    out = np.zeros((n_shapes, n_shapes), np.int64)
    np.add.at(out, (true % n_shapes, pred % n_shapes), 1)
    return out


def tower_features(model, images: torch.Tensor, *, batch_size: int = 256) -> torch.Tensor:
    """The image tower's features *before* its projection to the joint space, ``(N, F)``.

    For a ModifiedResNet tower (``model.visual.attnpool``, CLIP's ResNet image encoder) this is
    the last residual stage's output averaged over its spatial grid, ``F = 32 * width``: the
    input of the attention pooling, whose output projection maps to the joint space. The
    paper's linear probes use the features before the projection (its section 3.2 and
    appendix A.3). Under ``torch.inference_mode``, on the model's device; returned on the CPU.

    Raises
    ------
    TypeError
        A tower without an ``attnpool`` module, or images that are not finite floats in the
        dtype of the model's weights.
    ValueError
        Images the model cannot take (wrong channels or size).
    """
    visual = model.visual
    if not hasattr(visual, "attnpool"):
        raise TypeError(f"tower_features needs a ModifiedResNet image tower (with .attnpool), got "
                        f"{type(visual).__name__}")
    check_model_images(getattr(model, "visual", model), images, device=False)
    check_positive(batch_size, "batch_size", integer=True)
    device = next(model.parameters()).device
    captured = []
    handle = visual.attnpool.register_forward_pre_hook(lambda module, args: captured.append(args[0].mean(dim=(2, 3))))
    try:
        with torch.inference_mode(), model_errors(images):
            for lo in range(0, images.shape[0], batch_size):
                visual(images[lo:lo + batch_size].to(device))
    finally:
        handle.remove()
    return torch.cat(captured).cpu()


def _as_features(x, name: str) -> np.ndarray:
    """Finite real ``(N, F)`` features (tensor, array or list) as float64 NumPy."""
    if is_tensor(x):
        return check_array(x, name, ndim=2, dtype="floating").detach().cpu().double().numpy()
    return as_checked_array(x, name, ndim=2)


def linear_probe(train_features, train_labels, test_features, test_labels, *, shots=(1, 4, 16), seed: int = 0,
                 C: float = 1.0) -> dict[str, float]:
    """Logistic-regression probes on frozen features with ``k`` labelled examples per class.

    For each ``k`` in ``shots`` (an int, or ``"all"`` for every training example), ``k``
    examples of each class in ``train_labels`` are drawn without replacement, the features
    are standardised with the training examples' mean and standard deviation, and a
    multinomial logistic regression (scikit-learn, L2 penalty ``1 / C``) is fitted and
    scored on the test set.

    Returns
    -------
    dict
        ``{str(k): test accuracy}`` for each ``k``.

    Raises
    ------
    TypeError
        Features that are not floats (a list is accepted), labels that are not integers.
    ValueError
        A class with fewer than ``k`` training examples, mismatched lengths, features that are
        not finite or not ``(N, F)``.
    """
    from sklearn.linear_model import LogisticRegression

    xtr, xte = _as_features(train_features, "train_features"), _as_features(test_features, "test_features")
    ytr, yte = _as_labels(train_labels, "train_labels"), _as_labels(test_labels, "test_labels")
    if xtr.shape[0] != ytr.size or xte.shape[0] != yte.size:
        raise ValueError(f"features and labels must have the same length, got {xtr.shape[0]} and {ytr.size} "
                         f"(train), {xte.shape[0]} and {yte.size} (test)")
    rng = np.random.default_rng(seed)
    classes = np.unique(ytr)
    out = {}
    for k in shots:
        if k == "all":
            idx = np.arange(ytr.size)
        else:
            check_positive(k, "shots", integer=True)
            counts = np.bincount(ytr)[classes]
            if counts.min() < k:
                raise ValueError(f"every class needs at least {k} training examples, the rarest has {counts.min()}")
            idx = np.concatenate([rng.choice(np.flatnonzero(ytr == c), k, replace=False) for c in classes])
        mean, std = xtr[idx].mean(0), xtr[idx].std(0) + 1e-6
        with warnings.catch_warnings():
            # one example per class: scikit-learn warns that y "could represent a regression problem"
            warnings.filterwarnings("ignore", message="The number of unique classes", category=UserWarning)
            probe = LogisticRegression(C=C, max_iter=1000).fit((xtr[idx] - mean) / std, ytr[idx])
        out[str(k)] = float((probe.predict((xte - mean) / std) == yte).mean())
    return out
