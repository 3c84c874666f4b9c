"""GrabCut from scratch (chapter 3 of the book): GMMs, graph, iterations, strokes, replay.

``vklib.grabcut.gmm``      colour mixtures: k-means++ start, hard-EM fit, per-pixel costs
``vklib.grabcut.graph``    beta, n-links, the smoothness energy, a tiny max-flow solver
``vklib.grabcut.masks``    OpenCV's mask codes, the start rectangle or mask and their checks
``vklib.grabcut.core``     :func:`grabcut` and its energy per iteration
``vklib.grabcut.strokes``  rasterising user strokes, sessions as JSON, :func:`replay`
``vklib.grabcut.compare``  ``cv2.grabCut`` on the same input, IoU and error rate
``vklib.grabcut.widget``   the ipycanvas drawing widget (imported on demand)
"""

from .compare import error_rate, iou, opencv_grabcut, scene_rect, to_uint8
from .core import GrabCutResult, grabcut, unary_costs
from .gmm import GMM, assign_components, component_costs, fit_gmm, kmeans
from .graph import compute_beta, dense_capacities, edmonds_karp, nlink_weights, smoothness_energy
from .masks import GC_BGD, GC_FGD, GC_PR_BGD, GC_PR_FGD, check_rect, rect_to_mask
from .strokes import apply_stroke, rasterize_stroke, replay, ReplayResult

__all__ = [
    "GC_BGD", "GC_FGD", "GC_PR_BGD", "GC_PR_FGD",
    "GrabCutResult", "grabcut", "check_rect", "rect_to_mask", "unary_costs",
    "GMM", "kmeans", "fit_gmm", "component_costs", "assign_components",
    "compute_beta", "nlink_weights", "smoothness_energy", "dense_capacities", "edmonds_karp",
    "rasterize_stroke", "apply_stroke", "replay", "ReplayResult",
    "opencv_grabcut", "to_uint8", "iou", "error_rate", "scene_rect",
]
