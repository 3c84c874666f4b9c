"""Evaluating a frozen representation: features, the linear probe and k-NN.

The linear probe (Chen et al. 2020, sec. 2.3 / app. B.6) fits a multinomial logistic
regression on frozen features of a labelled training split and reports accuracy on a test
split; k-NN classifies each test feature by the majority label of its ``k`` most
cosine-similar training features. Both measure how linearly / locally the classes are
arranged in the representation, without changing the encoder.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from vklib.checks import check_positive
from vklib.simclr.train import as_image_tensor

__all__ = ["extract_features", "linear_probe", "knn_accuracy", "probe_scores", "simclr_scores", "few_labels"]


@torch.no_grad()
def extract_features(encoder, images, *, batch_size=512, device=None):
    """``encoder(x)`` for every image, in eval mode, as a float32 CPU tensor ``(N, d)``."""
    if device is None:
        device = next((p.device for p in encoder.parameters()), torch.device("cpu"))
    data = as_image_tensor(images, device="cpu")
    was_training = encoder.training
    encoder.eval()
    out = [encoder(data[k:k + batch_size].to(device)).float().cpu() for k in range(0, len(data), batch_size)]
    encoder.train(was_training)
    return torch.cat(out, 0)


def _check_split(x, y, name):
    if isinstance(x, torch.Tensor):
        if x.device.type == "meta":
            raise TypeError(f"{name} features must hold data, got a meta tensor of shape {tuple(x.shape)}")
        if x.is_complex():
            raise TypeError(f"{name} features must be real numbers (n, d), got dtype {x.dtype}")
    elif np.asarray(x).dtype.kind not in "biuf":
        raise TypeError(f"{name} features must be real numbers (n, d), got dtype {np.asarray(x).dtype}")
    if isinstance(y, torch.Tensor) and y.device.type == "meta":
        raise TypeError(f"{name} labels must hold data, got a meta tensor of shape {tuple(y.shape)}")
    labels = y.cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{name} labels must be a 1-D integer array (class indices), got dtype {labels.dtype}")
    x = torch.as_tensor(x, dtype=torch.float32) if not isinstance(x, torch.Tensor) else x.float()
    y = torch.as_tensor(np.asarray(y), dtype=torch.long)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"{name} features must have shape (n, d) with n >= 1, got {tuple(x.shape)}")
    if y.shape != (x.shape[0],):
        raise ValueError(f"{name} labels must have shape ({x.shape[0]},), got {tuple(y.shape)}")
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} features must be finite, got NaN or inf values")
    return x.cpu(), y.cpu()


def linear_probe(train_x, train_y, test_x, test_y, *, C=1.0, max_iter=2000):
    """Accuracy of a multinomial logistic regression on frozen features.

    Features are standardised with the training split's mean and standard deviation
    (``x' = (x - μ) / σ``); scikit-learn's ``LogisticRegression`` (L-BFGS, L2 penalty
    ``|W|² / (2C)``) is fitted on the training split and scored on the test split.

    Returns
    -------
    float
        Fraction of test samples classified correctly, in [0, 1].
    """
    from sklearn.linear_model import LogisticRegression

    train_x, train_y = _check_split(train_x, train_y, "train")
    test_x, test_y = _check_split(test_x, test_y, "test")
    if train_x.shape[1] != test_x.shape[1]:
        raise ValueError(f"train and test features must have the same dimension, got {train_x.shape[1]} and "
                         f"{test_x.shape[1]}")
    check_positive(C, "C")
    a, t = train_x.double().numpy(), test_x.double().numpy()
    mean, std = a.mean(0), np.maximum(a.std(0), 1e-6)
    clf = LogisticRegression(C=C, max_iter=max_iter)
    clf.fit((a - mean) / std, train_y.numpy())
    return float(np.mean(clf.predict((t - mean) / std) == test_y.numpy()))


def knn_accuracy(train_x, train_y, test_x, test_y, *, k=20):
    """Accuracy of a k-nearest-neighbour vote under cosine similarity (ties: the smaller label)."""
    check_positive(k, "k", integer=True)
    train_x, train_y = _check_split(train_x, train_y, "train")
    test_x, test_y = _check_split(test_x, test_y, "test")
    if k > len(train_x):
        raise ValueError(f"k must be <= the number of training samples ({len(train_x)}), got {k}")
    if int(train_y.min()) < 0:
        raise ValueError(f"train labels must be class indices >= 0, got {int(train_y.min())}")
    sim = F.normalize(test_x, dim=1) @ F.normalize(train_x, dim=1).T
    nearest = sim.topk(k, dim=1).indices
    votes = F.one_hot(train_y[nearest], int(train_y.max()) + 1).sum(1)
    return float((votes.argmax(1) == test_y).double().mean())


def probe_scores(encoder, probe, test, *, head=None, k=20):
    """The five measurements of a frozen representation on labelled centred scenes.

    Parameters
    ----------
    encoder : torch.nn.Module
        Maps ``(B, 3, H, W)`` to ``h`` of shape ``(B, d)``.
    probe, test : :class:`vklib.data.centred.CentredScenes` (or any object with ``images``,
        ``labels``, ``colors`` and ``background_colors``)
        The probes are fitted on ``probe`` and scored on ``test``.
    head : torch.nn.Module, optional
        If given, the representation is ``head(encoder(x))`` (e.g. ``z = g(h)``).
    k : int
        Neighbours of the k-NN vote.

    Returns
    -------
    dict of float in [0, 1]
        ``shape_probe`` (linear probe of the shape class, 6 classes), ``knn`` (k-NN on the
        shape), ``colour_probe`` (linear probe of the shape's hue class, 6 classes),
        ``background_probe`` (linear probe of the background's hue class, 6 classes) and
        ``background_knn`` (k-NN on the background's hue class).

    Notes
    -----
    The two background measurements ask different questions. The linear probe asks whether
    the background's hue can be *read* from the representation along some direction, however
    minor; the k-NN vote asks whether the representation's cosine similarity, the quantity
    NT-Xent compares, *groups* scenes by their background's hue.
    """
    net = encoder if head is None else torch.nn.Sequential(encoder, head)
    a = extract_features(net, probe.images)
    b = extract_features(net, test.images)
    return {"shape_probe": linear_probe(a, probe.labels, b, test.labels),
            "knn": knn_accuracy(a, probe.labels, b, test.labels, k=k),
            "colour_probe": linear_probe(a, probe.colors, b, test.colors),
            "background_probe": linear_probe(a, probe.background_colors, b, test.background_colors),
            "background_knn": knn_accuracy(a, probe.background_colors, b, test.background_colors, k=k)}


def simclr_scores(model, probe, test, *, k=20):
    """:func:`probe_scores` of a SimCLR model's ``h = f(x)``, plus ``background_knn_z``.

    ``background_knn_z`` is the k-NN vote on the background's hue class in ``z = g(h)``, the
    space where NT-Xent compares the two views: how much the similarity the loss sees groups
    scenes by the colour of their background (the colour shortcut, where the loss would use it).

    Parameters
    ----------
    model : :class:`vklib.simclr.SimCLR`
        Its ``encoder`` gives ``h`` and its ``head`` gives ``z``.
    probe, test, k : as :func:`probe_scores`.

    Returns
    -------
    dict of float in [0, 1]
        The five scores of :func:`probe_scores` on ``h`` and ``background_knn_z``.
    """
    z = torch.nn.Sequential(model.encoder, model.head)
    a, b = extract_features(z, probe.images), extract_features(z, test.images)
    return {**probe_scores(model.encoder, probe, test, k=k),
            "background_knn_z": knn_accuracy(a, probe.background_colors, b, test.background_colors, k=k)}


def few_labels(labels, per_class, *, seed=0):
    """Indices of ``per_class`` examples of every class, drawn without replacement.

    Parameters
    ----------
    labels : (N,) integer array
    per_class : int
        How many examples of each class to keep (every class must have that many).
    seed : int
        Seeds the draw (``numpy.random.default_rng(seed)``).

    Returns
    -------
    (per_class * n_classes,) int64, sorted
    """
    check_positive(per_class, "per_class", integer=True)
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"labels must be a 1-D integer array, got {labels.dtype} of shape {labels.shape}")
    rng = np.random.default_rng(seed)
    chosen = []
    for c in np.unique(labels):
        pool = np.flatnonzero(labels == c)
        if len(pool) < per_class:
            raise ValueError(f"class {int(c)} has {len(pool)} examples, fewer than per_class = {per_class}")
        chosen.append(rng.choice(pool, per_class, replace=False))
    return np.sort(np.concatenate(chosen)).astype(np.int64)
