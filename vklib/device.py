"""Choosing the torch device: the same cells run on a laptop CPU and on a GPU."""

from __future__ import annotations

import os

__all__ = ["default_device", "describe_device"]


def default_device(prefer: str | None = None):
    """The device the book's cells should use.

    Parameters
    ----------
    prefer : str, optional
        Force a device (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``). Without it the
        environment variable ``VKLIB_DEVICE`` is honoured, then CUDA if available, then
        the CPU. (Apple's MPS is used only when asked for: several ops the book uses
        are not implemented there.)

    Returns
    -------
    torch.device
    """
    import torch

    choice = prefer or os.environ.get("VKLIB_DEVICE")
    if choice:
        device = torch.device(choice)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device {choice!r} was asked for, but CUDA is not available here")
        return device
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def describe_device(device=None) -> str:
    """One line naming the device, e.g. ``'cpu (2 threads)'`` or ``'cuda: NVIDIA H100'``."""
    import torch

    device = default_device() if device is None else torch.device(device)
    if device.type == "cuda":
        return f"cuda: {torch.cuda.get_device_name(device)}"
    return f"{device.type} ({torch.get_num_threads()} threads)"
