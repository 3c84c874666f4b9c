"""CLIP (Radford et al. 2021) on open_clip_torch: chapter 6 of vklib-book.

``vklib.clip.loss``       the symmetric contrastive loss (function, loop reference, module)
``vklib.clip.zero_shot``  prompt-ensembled zero-shot classifiers, prediction, retrieval recall@k
``vklib.clip.tiny``       the tiny CLIP registered as the open_clip model ``vklib-tiny``
``vklib.clip.captions``   caption phrasings and the zero-shot templates shaped like them
``vklib.clip.scenes``     captioned scenes with one large shape (the tiny CLIP's training data)
``vklib.clip.train``      the training loop (AdamW, warm-up + cosine, clipped logit scale)
``vklib.clip.metrics``    colour / shape / pair accuracies, shape confusion, linear probes
``vklib.clip.plot``       the chapter's figures
``vklib.clip.pretrained`` OpenAI's ViT-B-32 through open_clip, behind the pretrained switch

This subpackage imports torch (it is torch-centric); ``import vklib`` does not import it.
"""

from .captions import PHRASINGS, SHORT_TEMPLATES, caption_templates, phrase
from .loss import ClipLoss, clip_logits, clip_loss, clip_loss_reference
from .metrics import attribute_accuracies, linear_probe, shape_confusion, tower_features
from .pretrained import load_pretrained_clip
from .scenes import CAPTION_SIZES, CaptionScenes, make_caption_scenes
from .tiny import TINY_CONFIG, TINY_NAME, create_tiny_clip, get_tokenizer, register_tiny_clip, scenes_to_tensor
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
    "PHRASINGS", "SHORT_TEMPLATES", "caption_templates", "phrase",
    "ClipLoss", "clip_logits", "clip_loss", "clip_loss_reference",
    "attribute_accuracies", "linear_probe", "shape_confusion", "tower_features",
    "load_pretrained_clip",
    "CAPTION_SIZES", "CaptionScenes", "make_caption_scenes",
    "TINY_CONFIG", "TINY_NAME", "create_tiny_clip", "get_tokenizer", "register_tiny_clip", "scenes_to_tensor",
    "TrainHistory", "train_clip",
    "build_zero_shot_classifier", "encode_images", "encode_texts", "ensemble_text_embeddings", "format_prompts",
    "recall_at_k", "retrieval_recall", "zero_shot_logits", "zero_shot_predict",
]
