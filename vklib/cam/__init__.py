"""The CAM family: class activation maps and how to evaluate them (chapter 4).

``vklib.cam`` explains a CNN classifier's decision for class :math:`c` with a map
:math:`L^c = \\mathrm{ReLU}(\\sum_k \\alpha_k^c A^k)` over one layer's channels :math:`A^k`:

=====================  =======================================  ==========================
method                 channel weight :math:`\\alpha_k^c`        passes per image
=====================  =======================================  ==========================
:class:`CAM`           the linear layer's weight (GAP + fc)     1 forward
:class:`GradCAM`       mean gradient of the logit               1 forward + 1 backward
:class:`GradCAMPlusPlus` weighted positive gradients            1 forward + 1 backward
:class:`ScoreCAM`      softmax of masked-input scores            1 + K forward
=====================  =======================================  ==========================

All take ``(B, C, H, W)`` images and return ``(B, H, W)`` maps in [0, 1]. ``metrics`` has
deletion / insertion curves and the pointing games; ``model`` the chapter's small CNN.
"""

from .base import BaseCAM, minmax_normalize, upsample
from .cam import CAM
from .grad_cam import GradCAM, grad_cam_weights
from .grad_cam_pp import GradCAMPlusPlus, grad_cam_pp_weights
from .metrics import (auc, blur_baseline, count_forward_passes, deletion_insertion_curves,
                      energy_pointing_game, pointing_game)
from .overlay import overlay
from .recorder import ActivationRecorder, resolve_layer
from .score_cam import (ScoreCAM, auto_chunk_size, channel_increase_of_confidence, channel_masks, fold_batchnorm,
                        inference_copy, masked_scores)
from .targets import class_scores, resolve_targets

#: The methods by name, in the chapter's order.
METHODS = {"CAM": CAM, "Grad-CAM": GradCAM, "Grad-CAM++": GradCAMPlusPlus, "Score-CAM": ScoreCAM}

__all__ = ["BaseCAM", "CAM", "GradCAM", "GradCAMPlusPlus", "ScoreCAM", "METHODS", "grad_cam_weights",
           "grad_cam_pp_weights", "ActivationRecorder", "resolve_layer", "resolve_targets", "class_scores",
           "upsample", "minmax_normalize", "channel_masks", "masked_scores", "channel_increase_of_confidence",
           "fold_batchnorm", "inference_copy", "auto_chunk_size", "deletion_insertion_curves", "auc", "pointing_game",
           "energy_pointing_game", "count_forward_passes", "blur_baseline", "overlay"]
