"""The pretrained path: OpenAI's ViT-B/32 CLIP through open_clip, behind the book's switch.

Only :func:`load_pretrained_clip` may download anything, and it first calls
:func:`vklib.pretrained.require_online`, so that an offline machine (``HF_HUB_OFFLINE=1``,
``VKLIB_OFFLINE=1``, or no route to huggingface.co) fails within two seconds with a
message saying what to do, instead of hanging in a download. open_clip fetches the
weights from the Hugging Face Hub and checks them there; they are loaded with
``weights_only=True``.
"""

from __future__ import annotations

from ..pretrained import require_online

__all__ = ["PRETRAINED_ARCH", "PRETRAINED_TAG", "load_pretrained_clip"]

PRETRAINED_ARCH = "ViT-B-32"
#: OpenAI's original weights (the ones the paper and the seed's example use).
PRETRAINED_TAG = "openai"


def load_pretrained_clip(arch: str = PRETRAINED_ARCH, tag: str = PRETRAINED_TAG, *, device=None, timeout: float = 1.5):
    """Download (once) and return ``(model, preprocess, tokenizer)`` for a pretrained open_clip model.

    Parameters
    ----------
    arch, tag : str
        open_clip architecture and pretrained tag (default ViT-B-32 with OpenAI's weights).
    device : torch.device or str, optional
        Where to put the model (default CPU).
    timeout : float, keyword-only
        Seconds for the connectivity check.

    Returns
    -------
    model : open_clip.CLIP in eval mode
    preprocess : callable
        open_clip's evaluation transform for PIL images (resize the short side to 224 with
        bicubic interpolation, centre crop 224 x 224, to tensor, normalise with OpenAI's mean/std).
    tokenizer : callable
        open_clip's BPE tokenizer (context 77).

    Raises
    ------
    ConnectionError
        Offline, within ``timeout`` seconds, before anything is downloaded.
    """
    require_online(f"open_clip {arch} weights ({tag})", host="huggingface.co", timeout=timeout)
    import open_clip

    # OpenAI's weights were trained with QuickGELU, x * sigmoid(1.702 x); open_clip's plain "ViT-B-32" config
    # uses exact GELU and only warns about the mismatch, so the activation is taken from the tag's config.
    quick_gelu = bool(open_clip.get_pretrained_cfg(arch, tag).get("quick_gelu", False))
    model, _, preprocess = open_clip.create_model_and_transforms(arch, pretrained=tag, device=device or "cpu",
                                                                 weights_only=True, force_quick_gelu=quick_gelu)
    model.eval()
    return model, preprocess, open_clip.get_tokenizer(arch)
