"""CLIP (Radford et al. 2021) on open_clip_torch: chapter 6 of vklib-book.

``vklib.clip.loss``       the symmetric contrastive loss (function, loop reference, module)
``vklib.clip.zero_shot``  prompt-ensembled zero-shot classifiers, prediction, retrieval recall@k
``vklib.clip.tiny``       the tiny CLIP registered as the open_clip model ``vklib-tiny``
``vklib.clip.train``      the training loop (AdamW, warm-up + cosine, clipped logit scale)
``vklib.clip.pretrained`` OpenAI's ViT-B-32 through open_clip, behind the pretrained switch

This subpackage imports torch (it is torch-centric); ``import vklib`` does not import it.
"""

from .loss import ClipLoss, clip_logits, clip_loss, clip_loss_reference
from .pretrained import load_pretrained_clip
from .tiny import (
    TINY_CONFIG,
    TINY_NAME,
    create_tiny_clip,
    get_tokenizer,
    register_tiny_clip,
    scene_templates,
    scenes_to_tensor,
)
from .train import TrainHistory, train_clip
from .zero_shot import (
    build_zero_shot_classifier,
    encode_images,
    encode_texts,
    ensemble_text_embeddings,
    format_prompts,
    recall_at_k,
    retrieval_recall,
    zero_shot_logits,
    zero_shot_predict,
)

__all__ = [
    "ClipLoss", "clip_logits", "clip_loss", "clip_loss_reference",
    "load_pretrained_clip",
    "TINY_CONFIG", "TINY_NAME", "create_tiny_clip", "get_tokenizer", "register_tiny_clip", "scene_templates",
    "scenes_to_tensor",
    "TrainHistory", "train_clip",
    "build_zero_shot_classifier", "encode_images", "encode_texts", "ensemble_text_embeddings", "format_prompts",
    "recall_at_k", "retrieval_recall", "zero_shot_logits", "zero_shot_predict",
]
