"""The chapter's model: a small CNN that ends in global average pooling and one linear layer.

Class activation mapping (CAM) needs exactly this ending, so the book trains its own
network on the synthetic scenes of :func:`vklib.data.make_scenes` (label = the shape's
class, 6 classes) with ``python -m vklib.experiments.cam_model`` and ships the weights in
``data/cam/``. Behind the chapter's pretrained switch, :func:`load_resnet50` gives
torchvision's ImageNet ResNet-50, which ends the same way (``layer4`` -> GAP -> ``fc``).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.fx
from torch import nn

from .base import check_images

__all__ = ["SceneCNN", "scene_cnn_meta", "load_scene_cnn", "load_resnet50", "preprocess_imagenet"]


def _block(c_in: int, c_out: int, *, kernel: int = 3, stride: int = 1) -> nn.Sequential:
    conv = nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False)
    return nn.Sequential(conv, nn.BatchNorm2d(c_out), nn.ReLU())


class SceneCNN(nn.Module):
    """A small CNN for the book's 64 x 64 scenes: conv blocks, GAP, one linear layer.

    ``features`` is ``[conv3x3/2 (24), maxpool, conv3x3 (48), maxpool, conv3x3 (96),
    conv1x1 (256)]``, each conv followed by batch norm and ReLU, so a 64 x 64 input gives
    ``features[-1]`` (the layer the chapter explains) 256 channels on an 8 x 8 grid
    (one cell = 8 x 8 pixels). ``pool`` averages each channel (GAP) and ``fc`` maps the
    256 averages to the class logits. It is deliberately cheap (about 7.5 M
    multiply-adds per image) because Score-CAM runs it once per channel.

    Input: ``(B, 3, H, W)`` float RGB in [0, 1], in the dtype and on the device of the weights
    (``TypeError`` / ``ValueError`` otherwise). Output: ``(B, num_classes)`` logits. The check
    costs no device synchronisation, so values are not inspected: NaN or infinity in the input
    gives NaN logits.
    """

    def __init__(self, num_classes: int = 6, widths: tuple[int, ...] = (24, 48, 96, 256)):
        super().__init__()
        w1, w2, w3, w4 = widths
        self.features = nn.Sequential(
            _block(3, w1, stride=2),
            nn.MaxPool2d(2),
            _block(w1, w2),
            nn.MaxPool2d(2),
            _block(w2, w3),
            _block(w3, w4, kernel=1),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(w4, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_batch(x, self.fc.weight)
        # Centre the [0, 1] input; the network learns everything else.
        a = self.features(x - 0.5)
        return self.fc(self.pool(a).flatten(1))


def _check_batch(x, weight: torch.Tensor) -> None:
    """Shape, dtype and device of a batch for a network with first-layer weight ``weight`` (no sync)."""
    if isinstance(x, torch.fx.Proxy):  # symbolic tracing (vklib.cam.inference_copy): nothing to check
        return
    if not torch.is_tensor(x):
        raise TypeError(f"images must be a torch.Tensor (B, 3, H, W), got {type(x).__name__}")
    if x.device.type == "meta" and weight.device.type != "meta":
        raise TypeError("images must hold data, got a meta tensor")
    if x.dtype != weight.dtype:
        raise TypeError(f"images must have the weights' dtype {weight.dtype}, got {x.dtype}")
    if x.ndim != 4 or x.shape[1] != 3:
        raise ValueError(f"images must be (B, 3, H, W), got shape {tuple(x.shape)}")
    if x.device != weight.device:
        raise ValueError(f"images must be on the weights' device {weight.device}, got {x.device}")


def _weights_dir(directory: str | Path | None) -> Path:
    if directory is not None:
        return Path(directory)
    from vklib.resources import data_path

    try:
        return data_path("cam", "scene_cnn.json").parent
    except FileNotFoundError as error:
        raise FileNotFoundError(f"{error}; or run `python -m vklib.experiments.cam_model` "
                                "(a few minutes on a CPU) to train the weights") from None


def scene_cnn_meta(directory: str | Path | None = None) -> dict:
    """The training record ``scene_cnn.json`` of the shipped weights, as a dict.

    Keys include ``sha256``, ``widths``, ``num_classes``, ``held_out_accuracy`` and
    ``held_out`` (``{"n", "seed", "size"}`` of the held-out scenes). ``directory``
    defaults to the book's shipped ``data/cam`` (found by :func:`vklib.resources.data_path`).
    """
    directory = _weights_dir(directory)
    meta_path = directory / "scene_cnn.json"
    if not meta_path.exists():
        raise FileNotFoundError(
            f"no trained weights in {directory}: run `python -m vklib.experiments.cam_model` "
            "(a few minutes on a CPU) to train them"
        )
    return json.loads(meta_path.read_text())


def load_scene_cnn(directory: str | Path | None = None, *, device=None) -> SceneCNN:
    """The trained :class:`SceneCNN` in eval mode, its weights verified by SHA-256.

    Reads ``scene_cnn.json`` (SHA-256 and held-out accuracy written by the training
    script, see :func:`scene_cnn_meta`) and ``scene_cnn.pt`` from ``directory`` (default:
    the book's shipped ``data/cam``, found by :func:`vklib.resources.data_path`).
    """
    from vklib.pretrained import load_state_dict

    directory = _weights_dir(directory)
    meta = scene_cnn_meta(directory)
    model = SceneCNN(num_classes=meta["num_classes"], widths=tuple(meta["widths"]))
    model.load_state_dict(load_state_dict(directory / meta["weights"], sha256=meta["sha256"]))
    model.eval()
    if device is not None:
        model.to(device)
    return model


def load_resnet50(*, device=None) -> nn.Module:
    """torchvision's ImageNet ResNet-50 (V2 weights), downloaded: needs the internet.

    Call only behind the chapter's ``USE_PRETRAINED`` switch. Raises ``ConnectionError``
    within 2 s when offline. Its CAM layer is ``model.layer4`` (2048 channels).
    """
    from vklib.pretrained import require_online

    # checked before importing torchvision's model zoo, whose import alone can take seconds
    require_online("torchvision's ResNet-50 ImageNet weights", host="download.pytorch.org")
    from torchvision.models import ResNet50_Weights, resnet50

    model = resnet50(weights=ResNet50_Weights.IMAGENET1K_V2).eval()
    if device is not None:
        model.to(device)
    return model


def preprocess_imagenet(images: torch.Tensor) -> torch.Tensor:
    """ImageNet normalisation of ``(B, 3, H, W)`` RGB in [0, 1] (for :func:`load_resnet50`).

    ``images`` must be a finite float tensor ``(B, 3, H, W)``; integer images are rejected
    (``TypeError``: convert with ``images.float() / 255``), as are other shapes (``ValueError``).
    """
    check_images(images)
    if images.shape[1] != 3:
        raise ValueError(f"images must be (B, 3, H, W) RGB, got shape {tuple(images.shape)}")
    mean = images.new_tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = images.new_tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    return (images - mean) / std
