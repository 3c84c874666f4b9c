"""The book's tiny CLIP: a registered open_clip model config trained from scratch offline.

``vklib-tiny`` is an ordinary open_clip architecture, described by the config file
``data/clip/vklib-tiny.json`` (:data:`TINY_CONFIG`) and registered with
``open_clip.add_model_config``, so every open_clip tool works on it:

* image tower: CLIP's own ResNet variant (open_clip's ``ModifiedResNet``, the tower of the
  paper's RN50), shrunk to CPU size: a stem of three 3 x 3 convolutions (8, 8 and 16
  channels, the first with stride 2) and a 2 x 2 average pool, then one bottleneck block in
  each of four stages (outputs 64, 128, 256 and 512 channels; stages 2-4 halve the grid by
  average pooling), then attention pooling: the 512-d mean of the last grid is the query,
  and its output projection maps to the joint space. On 32 x 32 images the last grid is a
  single cell, which sees the whole image. 1.33 M parameters, 0.82 M of them in the
  attention pooling; its features before the projection (512-d) are what
  :func:`vklib.clip.metrics.tower_features` returns for linear probes;
* text tower: a causal transformer over open_clip's BPE tokens (49,408 ids, so
  open_clip's own tokenizer works unchanged), width 64, 2 layers of 4 heads, pooled at
  the end-of-text token. Its context is 32 tokens instead of CLIP's 77: the longest
  caption or prompt of :mod:`vklib.clip.captions` is 13 tokens with the start and end markers.
  ``open_clip.get_tokenizer("vklib-tiny")`` reads the context length from the config
  and pads (or truncates) to 32;
* a joint 64-dimensional embedding and the learnable logit scale, initialised to 1 / 0.07.

About 4.56 M parameters, 3.16 M of them the token-embedding table. Nothing is downloaded:
the weights start random (``pretrained=None``) and the tokenizer's vocabulary ships
inside open_clip.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path

import numpy as np
import torch

from ..checks import check_image
from ..images import to_tensor

__all__ = ["TINY_NAME", "TINY_CONFIG", "register_tiny_clip", "create_tiny_clip", "get_tokenizer", "scenes_to_tensor"]

TINY_NAME = "vklib-tiny"

#: The open_clip model config of the tiny CLIP (identical to ``data/clip/vklib-tiny.json``).
TINY_CONFIG = {
    "embed_dim": 64,
    "vision_cfg": {"image_size": 32, "layers": [1, 1, 1, 1], "width": 16, "head_width": 64},
    "text_cfg": {"context_length": 32, "vocab_size": 49408, "width": 64, "heads": 4, "layers": 2, "mlp_ratio": 2.0},
}


def register_tiny_clip(name: str = TINY_NAME, config: dict | None = None) -> str:
    """Register a model config with open_clip (``open_clip.add_model_config``); return ``name``.

    Without ``config`` the shipped file ``data/clip/vklib-tiny.json`` is registered (its
    name is the file's stem, ``vklib-tiny``). With ``config`` (a dict with ``embed_dim``,
    ``vision_cfg`` and ``text_cfg``) the dict is written to ``<name>.json`` in a temporary
    folder and that file is registered. Registering again replaces the entry, so this is
    safe to call many times.

    Raises
    ------
    TypeError
        ``config`` is not a dict.
    ValueError
        ``config`` lacks one of the three keys open_clip needs, or no config is given for a
        name other than ``vklib-tiny``.
    """
    import open_clip

    from ..resources import data_path

    if config is None:
        if name != TINY_NAME:
            raise ValueError(f"give a config to register under a name other than {TINY_NAME!r}, got name {name!r}")
        open_clip.add_model_config(data_path("clip", f"{TINY_NAME}.json"))
        return name
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict, got {type(config).__name__}")
    missing = [k for k in ("embed_dim", "vision_cfg", "text_cfg") if k not in config]
    if missing:
        raise ValueError(f"config must have the keys embed_dim, vision_cfg and text_cfg; missing {missing}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.json"
        path.write_text(json.dumps(config))
        open_clip.add_model_config(path)  # reads the file now; the registry keeps the config
    return name


def create_tiny_clip(*, seed=0, device=None, name: str = TINY_NAME, config: dict | None = None):
    """A freshly initialised tiny CLIP from ``open_clip.create_model(name, pretrained=None)``.

    Parameters
    ----------
    seed : int or torch.Generator, keyword-only
        The weights are drawn by torch's generator seeded with this integer (the same seed
        gives the same model); a ``torch.Generator`` gives the seed as one integer drawn from
        it. The global random state is left as it was (the draw happens inside
        ``torch.random.fork_rng``).
    device : torch.device or str, optional
        Where to put the model (default CPU).
    name, config : optional
        Register a variant under another name (e.g. a wider model for the GPU profile).

    Returns
    -------
    open_clip.CLIP
        With ``output_dict=True``: ``model(images, tokens)`` returns a dict with the
        normalised ``image_features``, ``text_features`` and the exponentiated ``logit_scale``.

    Raises
    ------
    TypeError
        ``seed`` is neither an integer nor a ``torch.Generator``.
    """
    import open_clip

    if isinstance(seed, torch.Generator):
        seed = int(torch.randint(0, 2**62, (1,), generator=seed))
    elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int or a torch.Generator, got {type(seed).__name__}")
    register_tiny_clip(name, config)
    # open_clip logs a warning that no pretrained weights were loaded: that is the point here.
    logger = logging.getLogger()
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.random.manual_seed(int(seed))
            model = open_clip.create_model(name, pretrained=None, output_dict=True)
    finally:
        logger.setLevel(level)
    return model.to(device if device is not None else "cpu")


def get_tokenizer(name: str = TINY_NAME):
    """open_clip's tokenizer for the registered model (the BPE ``SimpleTokenizer``, offline)."""
    import open_clip

    if name == TINY_NAME:
        register_tiny_clip()
    return open_clip.get_tokenizer(name)


def scenes_to_tensor(images, model=None, *, mean=None, std=None) -> torch.Tensor:
    """NumPy scenes ``(N, H, W, 3)`` in [0, 1] -> normalised torch ``(N, 3, H, W)`` float32.

    Uses the model's ``preprocess_cfg`` mean and standard deviation (OpenAI's CLIP values
    for open_clip models) unless ``mean`` / ``std`` are given. No resizing: the scenes must
    already have the model's image size. The tensor keeps the NumPy array's pixel order in
    memory (``torch.channels_last``): the tiny CLIP's convolutions round differently on the
    two layouts, and training on this one reproduces the chapter's numbers exactly.
    """
    if not isinstance(images, np.ndarray):
        raise TypeError(f"images must be a NumPy array (N, H, W, 3), got {type(images).__name__}")
    check_image(images, "images", batch=True)
    if model is not None:
        cfg = model.visual.preprocess_cfg
        mean = cfg["mean"] if mean is None else mean
        std = cfg["std"] if std is None else std
        size = model.visual.image_size
        size = tuple(size) if isinstance(size, (tuple, list)) else (size, size)
        if tuple(images.shape[1:3]) != size:
            raise ValueError(f"images must be {size[0]} x {size[1]} pixels for this model, got {tuple(images.shape[1:3])}")
    mean = torch.tensor((0.0, 0.0, 0.0) if mean is None else mean, dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor((1.0, 1.0, 1.0) if std is None else std, dtype=torch.float32).view(1, 3, 1, 1)
    x = to_tensor(images).contiguous(memory_format=torch.channels_last)
    return (x - mean) / std
