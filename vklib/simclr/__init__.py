"""SimCLR (Chen et al. 2020): contrastive self-supervised learning, chapter 5 of the book.

``augment``   batched augmentations with per-image random parameters, the two-view wrapper
``distortion`` the colour distortion (jitter and grayscale), used by ``augment``
``loss``      NT-Xent (direct and positive-first formulations, a loop reference), gathered under DDP
``model``     a small ResNet-style encoder ``f`` and the projection head ``g``
``train``     the SimCLR training loop and a supervised baseline
``evaluate``  features, linear probe and k-NN accuracy
``ddp``       ``torchrun`` entry point for data-parallel training
``results``   the recorded ablation: tables, claims with paired differences, label efficiency
``plot``      the chapter's similarity-matrix figure
``questions`` the chapter's predict-and-interpret question

References
----------
.. [1] T. Chen, S. Kornblith, M. Norouzi, G. Hinton, "A simple framework for contrastive
   learning of visual representations", ICML 2020. https://doi.org/10.48550/arXiv.2002.05709
"""

from vklib.simclr.augment import (TwoViews, adjust_brightness, adjust_contrast, adjust_hue, adjust_saturation, color_distortion, color_jitter, gaussian_blur, random_flip,
                                  random_grayscale, random_resized_crop, rgb_to_grayscale, simclr_augment, two_views)
from vklib.simclr.evaluate import extract_features, few_labels, knn_accuracy, linear_probe, probe_scores, simclr_scores
from vklib.simclr.loss import NTXentLoss, nt_xent, nt_xent_logits, nt_xent_reference, similarity_matrix
from vklib.simclr.model import ProjectionHead, SimCLR, SmallResNet
from vklib.simclr.train import train_simclr, train_supervised

__all__ = [
    "TwoViews", "adjust_brightness", "adjust_contrast", "adjust_hue", "adjust_saturation", "color_distortion", "color_jitter", "gaussian_blur", "random_flip", "random_grayscale",
    "random_resized_crop", "rgb_to_grayscale", "simclr_augment", "two_views",
    "extract_features", "few_labels", "knn_accuracy", "linear_probe", "probe_scores", "simclr_scores",
    "NTXentLoss", "nt_xent", "nt_xent_logits", "nt_xent_reference", "similarity_matrix",
    "ProjectionHead", "SimCLR", "SmallResNet",
    "train_simclr", "train_supervised",
]
