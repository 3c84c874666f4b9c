"""Zero-shot classification and retrieval with a CLIP model (Radford et al. 2021, section 3.1).

A CLIP model classifies images into classes it was never trained on by *writing the
classifier in words*: each class name is put into prompt templates ("a photo of a
{}."), the texts are embedded, and an image is assigned to the class whose text
embedding has the largest cosine similarity with the image embedding.

Prompt ensembling (section 3.1.4): with ``T`` templates per class, the ``T`` normalised
text embeddings of class ``c`` are averaged and the mean renormalised,

.. math::  w_c = \\frac{\\bar t_c}{\\lVert \\bar t_c \\rVert}, \\qquad
           \\bar t_c = \\frac{1}{T} \\sum_{k=1}^{T} \\frac{t_{ck}}{\\lVert t_{ck} \\rVert},

so the ``(C, D)`` matrix :math:`W` is a linear classifier whose logits for an image
embedding :math:`I` are :math:`s \\, W I` (``s`` the model's logit scale).

Everything here works with any open_clip-style model (``encode_image``, ``encode_text``)
and tokenizer (a callable from a list of strings to a ``(n, context_length)`` tensor),
runs under ``torch.inference_mode`` and keeps the model's device.
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch
import torch.nn.functional as F

from ..checks import check_array, check_model_images, check_positive, is_tensor, model_errors

__all__ = [
    "format_prompts",
    "ensemble_text_embeddings",
    "build_zero_shot_classifier",
    "encode_images",
    "encode_texts",
    "zero_shot_logits",
    "zero_shot_predict",
    "recall_at_k",
    "retrieval_recall",
]


def _model_device(model) -> torch.device:
    try:
        return next(model.parameters()).device
    except StopIteration:  # a parameter-free stand-in model
        return torch.device("cpu")


def _check_two(a, name_a: str, b, name_b: str) -> None:
    """Two finite float ``(N, D)`` arrays or tensors of one kind and one dtype."""
    check_array(a, name_a, ndim=2)
    check_array(b, name_b, ndim=2)
    if is_tensor(a) != is_tensor(b) or a.dtype != b.dtype:
        raise TypeError(f"{name_a} and {name_b} must be of one kind and dtype, got {type(a).__name__} of "
                        f"{a.dtype} and {type(b).__name__} of {b.dtype}; convert one")


def format_prompts(classnames: Sequence[str], templates: Sequence[str]) -> list[str]:
    """All ``C * T`` prompts, class by class: ``[t.format(c) for c in classnames for t in templates]``.

    Raises
    ------
    TypeError
        ``classnames`` or ``templates`` is a bare string, or holds something that is not a string.
    ValueError
        An empty list, or a template without exactly one ``{}`` placeholder.
    """
    for name, values in (("classnames", classnames), ("templates", templates)):
        if isinstance(values, str):
            raise TypeError(f"{name} must be a list of strings, got the string {values!r}")
        if len(values) == 0:
            raise ValueError(f"{name} must hold at least one string, got an empty {type(values).__name__}")
        for v in values:
            if not isinstance(v, str):
                raise TypeError(f"{name} must hold strings, got {type(v).__name__} {v!r}")
    for t in templates:
        if t.count("{}") != 1:
            raise ValueError(f"each template must contain exactly one '{{}}' where the class name goes, got {t!r}")
    return [t.format(c) for c in classnames for t in templates]


def ensemble_text_embeddings(embeddings: torch.Tensor) -> torch.Tensor:
    """Prompt ensembling: ``(C, T, D)`` text embeddings -> ``(C, D)`` unit class vectors :math:`w_c`.

    Each embedding is normalised, the ``T`` templates of a class are averaged, and the
    mean is normalised again (the equation in the module docstring).
    """
    check_array(embeddings, "embeddings", ndim=3)
    return F.normalize(F.normalize(embeddings, dim=-1).mean(dim=1), dim=-1)


def encode_texts(model, tokenizer: Callable, texts: Sequence[str], *, batch_size: int = 256) -> torch.Tensor:
    """Normalised text embeddings ``(len(texts), D)`` in batches, under ``torch.inference_mode``."""
    check_positive(batch_size, "batch_size", integer=True)
    device = _model_device(model)
    out = []
    with torch.inference_mode():
        for lo in range(0, len(texts), batch_size):
            tokens = tokenizer(list(texts[lo:lo + batch_size])).to(device)
            out.append(F.normalize(model.encode_text(tokens), dim=-1))
    return torch.cat(out)


def build_zero_shot_classifier(model, tokenizer: Callable, classnames: Sequence[str], templates: Sequence[str],
                               *, batch_size: int = 256) -> torch.Tensor:
    """The zero-shot classifier :math:`W`, shape ``(C, D)``, one unit row per class.

    Parameters
    ----------
    model : open_clip model
        Anything with ``encode_text(tokens)``; evaluated as is (call ``model.eval()`` first).
    tokenizer : callable
        ``tokenizer(list_of_str) -> (n, context_length)`` integer tensor (open_clip's).
    classnames : sequence of str, length ``C``
        Class names in the order of the returned rows.
    templates : sequence of str, length ``T``
        Prompt templates, each with one ``{}`` for the class name. One template is plain
        prompting; several are averaged (prompt ensembling).
    batch_size : int, keyword-only
        Prompts encoded per forward pass.

    Returns
    -------
    torch.Tensor, shape ``(C, D)``, on the model's device
        Row ``c`` is :math:`w_c`. (``open_clip.zero_shot_classifier.build_zero_shot_classifier``
        returns the transpose.)
    """
    prompts = format_prompts(classnames, templates)
    embeddings = encode_texts(model, tokenizer, prompts, batch_size=batch_size)
    return ensemble_text_embeddings(embeddings.reshape(len(classnames), len(templates), -1))


def encode_images(model, images: torch.Tensor, *, batch_size: int = 256) -> torch.Tensor:
    """Normalised image embeddings ``(N, D)`` of preprocessed images ``(N, 3, H, W)``, in batches.

    The images must be finite floats in the dtype of the model's weights (on any device: each
    batch is moved to the model's); other dtypes and images the model cannot take (wrong
    channels or size) raise ``TypeError`` / ``ValueError``.
    """
    check_model_images(getattr(model, "visual", model), images, device=False)
    check_positive(batch_size, "batch_size", integer=True)
    device = _model_device(model)
    out = []
    with torch.inference_mode(), model_errors(images):
        for lo in range(0, images.shape[0], batch_size):
            out.append(F.normalize(model.encode_image(images[lo:lo + batch_size].to(device)), dim=-1))
    return torch.cat(out)


def zero_shot_logits(image_features: torch.Tensor, classifier: torch.Tensor, logit_scale=100.0) -> torch.Tensor:
    """Logits ``s * I @ W.T``, shape ``(N, C)``; their softmax gives the class probabilities.

    ``image_features`` ``(N, D)`` and ``classifier`` ``(C, D)`` must be L2-normalised;
    ``logit_scale`` is the exponentiated scale (100 for the trained OpenAI models). Both are
    finite float tensors of one dtype (``TypeError`` / ``ValueError`` otherwise).
    """
    _check_two(image_features, "image_features", classifier, "classifier")
    if image_features.shape[1] != classifier.shape[1]:
        raise ValueError(f"image_features have width {image_features.shape[1]} but the classifier has width "
                         f"{classifier.shape[1]}")
    return logit_scale * image_features @ classifier.T


def zero_shot_predict(image_features: torch.Tensor, classifier: torch.Tensor) -> torch.Tensor:
    """Predicted class index ``(N,)``: the row of ``classifier`` most similar to each image."""
    return zero_shot_logits(image_features, classifier, 1.0).argmax(dim=1)


def recall_at_k(similarity, k: int) -> float:
    """Fraction of queries (rows) whose correct item (the diagonal) is among the ``k`` most similar.

    Parameters
    ----------
    similarity : (Q, Q) array or tensor, float or integer
        ``similarity[q, j]``: score of item ``j`` for query ``q``; the match of query ``q`` is
        item ``q``. Ties count against the query: an item scoring exactly as high as the
        correct one is ranked above it.
    k : int
        1 <= k <= Q.

    Returns
    -------
    float in [0, 1]
    """
    check_array(similarity, "similarity", ndim=2, dtype="numeric")
    if similarity.shape[0] != similarity.shape[1]:
        raise ValueError(f"similarity must be square (query q matches item q), got shape {tuple(similarity.shape)}")
    check_positive(k, "k", integer=True)
    if k > similarity.shape[0]:
        raise ValueError(f"k must be at most the number of items {similarity.shape[0]}, got {k}")
    s = similarity if is_tensor(similarity) else torch.as_tensor(similarity)
    correct = s.diagonal().unsqueeze(1)
    rank = (s >= correct).sum(dim=1) - 1  # how many other items score at least as high
    return float((rank < k).double().mean())


def retrieval_recall(image_features: torch.Tensor, text_features: torch.Tensor,
                     ks: Sequence[int] = (1, 5)) -> dict[str, float]:
    """Image->text and text->image recall@k for matching rows of two normalised feature sets.

    Returns ``{"image_to_text@1": ..., "text_to_image@1": ..., ...}`` for each ``k`` in ``ks``.
    """
    _check_two(image_features, "image_features", text_features, "text_features")
    if image_features.shape != text_features.shape:
        raise ValueError("image_features and text_features must have the same shape (row i of one matches row i "
                         f"of the other), got {tuple(image_features.shape)} and {tuple(text_features.shape)}")
    sim = image_features @ text_features.T
    out = {}
    for k in ks:
        out[f"image_to_text@{k}"] = recall_at_k(sim, k)
        out[f"text_to_image@{k}"] = recall_at_k(sim.T, k)
    return out
