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

__all__ = ["extract_features", "linear_probe", "knn_accuracy"]


@torch.no_grad()
def extract_features(encoder, images, *, batch_size=512, device=None):
    """``encoder(x)`` for every image, in eval mode, as a float32 CPU tensor ``(N, d)``."""
    device = device or next(encoder.parameters()).device
    data = as_image_tensor(images, device="cpu")
    was_training = encoder.training
    encoder.eval()
    out = [encoder(data[k:k + batch_size].to(device)).float().cpu() for k in range(0, len(data), batch_size)]
    encoder.train(was_training)
    return torch.cat(out, 0)


def _check_split(x, y, name):
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
    sim = F.normalize(test_x, dim=1) @ F.normalize(train_x, dim=1).T
    nearest = sim.topk(k, dim=1).indices
    votes = F.one_hot(train_y[nearest], int(train_y.max()) + 1).sum(1)
    return float((votes.argmax(1) == test_y).double().mean())
