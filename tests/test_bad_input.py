"""The input contract, over the public API: bad input is accepted as documented or rejected clearly.

For each public function whose main argument is an array, an image, a batch, features, a
mask or a model's input, the argument is replaced by each kind of bad input: ``None``, a
list, a 0-d value, an extra or a missing axis, one channel too many, complex, NaN, infinity,
a huge finite value (1e300, or 3e38 in float32), an empty batch, a reversed-stride view,
uint8, bool, float16, the other float precision (float32 <-> float64, while the call's other
arguments keep theirs), a meta tensor and a tensor that requires grad (masks and labels get
float and other-integer versions instead of the dtype kinds). The call must either

* raise ``TypeError`` or ``ValueError`` (never a deeper exception, never a hang), or
* accept it as documented: functions documented to work on any leading shape (colour
  conversions over ``(..., 3)``, elementwise transfer functions, dtype conversions) give the
  same values with extra or fewer leading axes or on a single value; integer and boolean
  images are converted to [0, 1] by their dtype's range (the result equals the float
  input's), a reversed-stride view gives the same result as a contiguous copy, float16 gives
  the float32 result to float16 precision, the other precision the same result to float32
  precision; other documented readings are listed in ``DOCUMENTED``. A finite input never
  yields NaN (a huge one may overflow to infinity, never to NaN), and no acceptance changes
  the result's shape.

Nothing may hang: every call runs under a time limit. Cases that still fail because of the
function are listed in ``KNOWN_FAILURES`` (strict xfail, so a fix shows up as XPASS), and
``test_every_public_function_is_in_the_battery_or_exempt_with_a_reason`` keeps the battery
complete: every callable in a public module's ``__all__`` is in ``FUNCTIONS`` or in ``EXEMPT``.
"""
from __future__ import annotations

import copy
import functools
import signal
from contextlib import contextmanager

import colour
import numpy as np
import pytest
import torch

import vklib.cam as cam
import vklib.checks as checks
import vklib.cam.base as cam_base
import vklib.cam.evaluate as cam_evaluate
import vklib.cam.model as cam_model
import vklib.cam.questions as cam_questions
import vklib.clip as clip
import vklib.color as color
import vklib.color.compare as color_compare
import vklib.color.difference  # noqa: F401 - color.difference.delta_e_2000_reference
import vklib.color.plot as color_plot
import vklib.color.plot_perception as color_perception
import vklib.data as data
import vklib.distributed as distributed
import vklib.edges as edges
import vklib.edges.experiment as edges_experiment
import vklib.grabcut as grabcut
import vklib.grabcut.core as grabcut_core
import vklib.grabcut.experiment as grabcut_experiment
import vklib.grabcut.plot as grabcut_plot
import vklib.grabcut.widget as grabcut_widget
import vklib.images as images
import vklib.simclr as simclr
import vklib.simclr.model as simclr_model
import vklib.simclr.results as simclr_results
import vklib.simclr.stats as simclr_stats
import vklib.simclr.train as simclr_train

RNG = np.random.default_rng(0)
NP_IMAGE = RNG.random((8, 9, 3))            # (H, W, 3) float64 in [0, 1]
NP_GRAY = RNG.random((8, 9))                # (H, W)
NP_TRIPLES = RNG.random((5, 3)) * 0.8 + 0.1  # colours as rows
TORCH_BATCH = torch.rand(2, 3, 8, 9, generator=torch.Generator().manual_seed(0))
TORCH_MAPS = torch.rand(2, 4, 5, 6, generator=torch.Generator().manual_seed(1))


NP_GRAY_2 = RNG.random((8, 9))
SMOOTH_1D = np.array([1.0, 2.0, 1.0]) / 4
DIFF_1D = np.array([-1.0, 0.0, 1.0]) / 2
EDGE_MASK = np.zeros((8, 9), dtype=bool)   # a square object
EDGE_MASK[2:6, 3:7] = True
EDGE_STACK = np.stack([EDGE_MASK * 0.8 + 0.1, np.roll(EDGE_MASK, 1, axis=1) * 0.6 + 0.2])
EDGE_TRUTH = np.stack([edges.mask_boundary(EDGE_MASK), edges.mask_boundary(np.roll(EDGE_MASK, 1, axis=1))])
GC_RECT = (2, 2, 7, 6)                                  # GrabCut scenes: a bright square on a dark ground
GC_TRUTH = np.zeros((10, 12), dtype=bool)
GC_TRUTH[3:7, 4:8] = True
GC_IMAGE = np.clip(np.where(GC_TRUTH[..., None], 0.8, 0.2) + 0.05 * RNG.standard_normal((10, 12, 3)), 0, 1)
GC_IMAGES = np.stack([GC_IMAGE, GC_IMAGE[::-1].copy()])
GC_TRUTHS = np.stack([GC_TRUTH, GC_TRUTH[::-1].copy()])
GC_MASK = grabcut.rect_to_mask((10, 12), GC_RECT)
Z_COLOURS = NP_IMAGE.reshape(-1, 3) * 255                 # colours in 8-bit units
Z_LABELS = (Z_COLOURS[:, 0] > 127).astype(np.int64)
GMM_FIT = grabcut.fit_gmm(Z_COLOURS, Z_LABELS, 2)
NLINKS = grabcut.nlink_weights(NP_IMAGE, grabcut.compute_beta(NP_IMAGE))
TINY_COSTS = RNG.random((2, 2)) * 5
TINY_LINKS = grabcut.nlink_weights(RNG.random((2, 2, 3)), 10.0)
TINY_CAPACITY = grabcut.dense_capacities(TINY_COSTS, TINY_COSTS[::-1], TINY_LINKS)
STROKE_POINTS = np.array([[1.0, 1.0], [5.0, 4.0]])
STROKE = {"type": "stroke", "label": "bg", "radius": 1.5, "points": [[1.0, 1.0], [5.0, 4.0]]}
SESSION = {"version": 1, "n_iter": 1, "gamma": 50.0, "seed": 0,
           "events": [{"type": "rect", "rect": list(GC_RECT)}, {"type": "run"}]}
SRGB_PRIMARIES = np.array([[0.64, 0.33], [0.30, 0.60], [0.15, 0.06]])
D65_XY = np.array([0.3127, 0.3290])
LAB_GREY = np.array([50.0, 0.0, 0.0])
SPECTRA = RNG.random((2, 471))                          # reflectances on color.wavelengths()
WAVELENGTHS = np.linspace(420.0, 680.0, 6)              # nm
_RGB_CMFS = colour.MSDS_CMFS["Wright & Guild 1931 2 Degree RGB CMFs"]
RGB_BAR = np.asarray(_RGB_CMFS.values[20:25], dtype=np.float64)   # r, g, b bars at 5 wavelengths
V_LAMBDA = color.luminous_efficiency(_RGB_CMFS.wavelengths[20:25])[1]


class _TinyGAP(torch.nn.Module):
    """conv (3 -> 4) -> ReLU -> global average pooling -> linear (4 -> 3): every CAM method applies."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.fc = torch.nn.Linear(4, 3)
        g = torch.Generator().manual_seed(2)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=g) * 0.5)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).mean(dim=(2, 3)))


TINY_GAP = _TinyGAP().eval()
SCENE_CNN = cam_model.SceneCNN(widths=(4, 4, 4, 8)).eval()
LOGITS = torch.randn(2, 3, generator=torch.Generator().manual_seed(3))
TARGETS = torch.tensor([0, 2])
SALIENCY = torch.rand(2, 8, 9, generator=torch.Generator().manual_seed(4))
OBJECT_MASKS = torch.zeros(2, 8, 9, dtype=torch.bool)
OBJECT_MASKS[:, 2:6, 3:7] = True
CHANNEL_MASKS = torch.rand(2, 4, 8, 9, generator=torch.Generator().manual_seed(5))
CHANNEL_SUMS = torch.tensor([3.0, 1.0, 0.5, 2.0])


SCENES = data.make_scenes(2, size=16)
CENTRED = data.make_centred_scenes(2, size=16)
CAPTIONED = clip.make_caption_scenes(2, size=16)
GC_SCENES = grabcut_experiment.SceneSet(GC_IMAGES, GC_TRUTHS, [GC_RECT] * 2, ["a", "b"])
GC_RESULT = grabcut.grabcut(GC_IMAGE, rect=GC_RECT, n_iter=1)


FEATS_I = torch.nn.functional.normalize(torch.randn(4, 8, generator=torch.Generator().manual_seed(6)), dim=1)
FEATS_T = torch.nn.functional.normalize(torch.randn(4, 8, generator=torch.Generator().manual_seed(7)), dim=1)
TEXT_EMBEDDINGS = torch.randn(3, 2, 8, generator=torch.Generator().manual_seed(8))   # (classes, templates, D)
PRED_CLASSES = np.array([0, 7, 13, 5, 6, 20, 1, 9])       # colour * 6 + shape
TRUE_CLASSES = np.array([0, 7, 12, 5, 0, 21, 1, 9])
PROBE_TRAIN = RNG.standard_normal((8, 5))
PROBE_TEST = PROBE_TRAIN[::-1].copy()
PROBE_LABELS = np.array([0, 0, 0, 0, 1, 1, 1, 1])
CLIP_SCENES = RNG.random((2, 32, 32, 3))                  # the tiny CLIP's image size
CLIP_IMAGES = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(9))


@functools.lru_cache(maxsize=1)
def _tiny_clip():
    return clip.create_tiny_clip(seed=0)


@functools.lru_cache(maxsize=1)
def _clip_tokens():
    return clip.get_tokenizer()(["a red circle", "a blue square"])


SMALL_RESNET = simclr.SmallResNet(width=2).eval()
SIMCLR_MODEL = simclr.SimCLR(width=2, hidden=4, out_dim=3).eval()
PROJECTION_HEAD = simclr.ProjectionHead(8, hidden=4, out_dim=3).eval()
BASIC_BLOCK = simclr_model.BasicBlock(3, 4).eval()
SEED_VALUES = np.array([0.61, 0.64, 0.58])                # one accuracy per seed


def _finite_diagonal(result):
    """nt_xent_logits' (logits, labels) with the masked self-similarities (-inf by design) set to 0."""
    logits, labels = result
    if logits.is_complex() or logits.device.type == "meta":
        return logits, labels
    return torch.where(torch.isneginf(logits), torch.zeros_like(logits), logits), labels


def _seeded(fn):
    """``fn`` run after ``torch.manual_seed(0)`` (train_supervised draws its classifier from the global generator)."""
    def run(*args, **kwargs):
        torch.manual_seed(0)
        return fn(*args, **kwargs)
    return run


TORCH_XYZ = TORCH_BATCH * 0.8 + 0.1                       # (2, 3, 8, 9) XYZ, channels first
TORCH_LAB = torch.cat([TORCH_BATCH[:, :1] * 100, TORCH_BATCH[:, 1:] * 60 - 30], dim=1)   # L* a* b*


def _gen():
    return torch.Generator().manual_seed(0)


#: Functions documented to accept any leading shape (``(..., 3)`` colours, elementwise maps).
ANY_SHAPE = {"color.srgb_to_linear", "color.linear_to_srgb", "color.srgb_to_xyz", "color.xyz_to_srgb",
             "color.srgb_to_lab", "color.xyz_to_lab", "color.lab_to_xyz", "color.xyz_to_xyy",
             "color.srgb_to_hsv", "color.hsv_to_srgb", "color.srgb_to_hsl", "color.delta_e_2000",
             "images.as_float_image", "grabcut.to_uint8", "cam.minmax_normalize", "cam.upsample",
             "color.delta_e_1976", "color.linear_srgb_to_xyz", "color.xyz_to_linear_srgb", "color.cie_rgb_to_xyz",
             "color.xyz_to_cie_rgb", "color.xyy_to_xyz", "color.lab_to_srgb", "color.hsl_to_srgb",
             "color.spectrum_to_xyz", "color.spectrum_to_xyz[surface]", "color.metameric_black",
             "color.wavelength_to_xyz", "color.wavelength_to_xy", "color.plot.chromaticity_colours",
             "cam.auc", "cam.channel_masks", "grabcut.experiment.quantise",
             "color.srgb_to_linear[torch]", "color.linear_to_srgb[torch]", "color.spectrum_to_xyz[torch]",
             "color.metameric_black[torch]", "color.wavelength_to_xyz[torch]"}
#: ... of which these are elementwise (a single value is a valid input).
ELEMENTWISE = {"color.srgb_to_linear", "color.linear_to_srgb", "images.as_float_image", "grabcut.to_uint8",
               "grabcut.experiment.quantise", "color.srgb_to_linear[torch]", "color.linear_to_srgb[torch]",
               "color.wavelength_to_xyz[torch]",
               "color.wavelength_to_xyz", "color.wavelength_to_xy"}
#: Functions documented to take one image without its batch axis (the result is the batch result's first).
ONE_IMAGE = {"data.bounding_boxes", "simclr.adjust_brightness", "simclr.adjust_contrast", "simclr.adjust_saturation", "simclr.adjust_hue",
             "simclr.rgb_to_grayscale"}
#: Functions documented to take any number of channels (feature maps, per-channel filters).
ANY_CHANNELS = {"cam.grad_cam_weights", "cam.upsample", "cam.minmax_normalize", "cam.blur_baseline",
                "images.to_tensor", "cam.auc", "cam.base.check_images", "cam.channel_masks", "cam.class_scores",
                "cam.resolve_targets", "cam.grad_cam_weights", "images.to_numpy", "grabcut.experiment.summarise",
                "distributed.gather_with_grad", "cam.masked_scores[masks]"}
#: name -> {kind: the documented reading}: accepted inputs whose result only has to be finite.
DOCUMENTED = {
    "images.to_tensor": {"missing axis": "(H, W) is a grey image"},
    "cam.auc": {"uint8": "integer curves (counts) are summed in float64, not rescaled"},
    "cam.resolve_targets[targets]": {"None": "the predicted classes"},
    "cam.model.SceneCNN": {"NaN": "values are not inspected (no device sync in a forward pass): NaN logits",
                           "inf": "values are not inspected (no device sync in a forward pass): NaN logits"},
    # torch modules: forward checks shape, dtype and device only; non-finite input gives non-finite output
    **{name: {kind: "values are not inspected (no device sync in a forward pass): NaN or inf in, NaN or inf out"
              for kind in ("NaN", "inf")}
       for name in ("simclr.SimCLR", "simclr.SmallResNet", "simclr.model.BasicBlock", "simclr.ProjectionHead")},
    "edges.correlate2d[kernel]": {"uint8": "an integer kernel is used as its values (weights, not an image)"},
    "edges.correlate_separable[kernel]": {"uint8": "an integer kernel is used as its values (weights, not an image)"},
    "edges.frequency_response": {"uint8": "an integer kernel is used as its values (weights, not an image)",
                                 "missing axis": "a 1-D kernel runs along x"},
    "images.to_numpy": {kind: "a layout conversion: values and dtype are kept as they are"
                        for kind in ("NaN", "inf", "uint8", "bool", "float16")},
    **{name: {"uint8": "integer colours are converted to float64 unchanged (8-bit units)"}
       for name in ("grabcut.kmeans", "grabcut.fit_gmm", "grabcut.component_costs", "grabcut.assign_components")},
    "grabcut.edmonds_karp": {"uint8": "integer capacities are used as they are"},
    "grabcut.experiment.error_rates": {"None": "the foregrounds are computed by GrabCut"},
    **{name: {"uint8": "integer values are used as the numbers they are"}
       for name in ("simclr.results.band", "simclr.stats.mean_sd", "simclr.stats.paired_difference",
                    "simclr.knn_accuracy", "simclr.linear_probe", "simclr.nt_xent_reference")},
    "distributed.gather_with_grad": {kind: "any tensor is passed on as it is (the losses check the values)"
                                     for kind in ("complex", "NaN", "inf", "uint8", "bool", "float16",
                                                  "extra axis", "missing axis", "meta tensor")},
    "clip.recall_at_k": {"uint8": "integer scores are ranked as they are"},
    "color.luminous_efficiency": {"None": "the default: colour-science's own 1 nm table",
                                  "uint8": "integer wavelengths in nm"},
}

#: name -> (good input, call). Each call takes the (possibly bad) input as its only argument.
FUNCTIONS = {
    # colour (NumPy)
    "color.srgb_to_linear": (NP_IMAGE, color.srgb_to_linear),
    "color.linear_to_srgb": (NP_IMAGE, color.linear_to_srgb),
    "color.srgb_to_xyz": (NP_IMAGE, color.srgb_to_xyz),
    "color.xyz_to_srgb": (NP_TRIPLES, color.xyz_to_srgb),
    "color.srgb_to_lab": (NP_IMAGE, color.srgb_to_lab),
    "color.xyz_to_lab": (NP_TRIPLES, color.xyz_to_lab),
    "color.lab_to_xyz": (NP_TRIPLES * 50, color.lab_to_xyz),
    "color.xyz_to_xyy": (NP_TRIPLES, color.xyz_to_xyy),
    "color.srgb_to_hsv": (NP_IMAGE, color.srgb_to_hsv),
    "color.hsv_to_srgb": (NP_IMAGE, color.hsv_to_srgb),
    "color.srgb_to_hsl": (NP_IMAGE, color.srgb_to_hsl),
    "color.delta_e_2000": (NP_TRIPLES * 50, lambda x: color.delta_e_2000(x, np.full((5, 3), 30.0))),
    "color.delta_e_1976": (NP_TRIPLES * 50, lambda x: color.delta_e_1976(x, np.full((5, 3), 30.0))),
    "color.difference.delta_e_2000_reference": (NP_TRIPLES[0] * 50,
                                                lambda x: color.difference.delta_e_2000_reference(x, LAB_GREY)),
    "color.linear_srgb_to_xyz": (NP_IMAGE, color.linear_srgb_to_xyz),
    "color.xyz_to_linear_srgb": (NP_TRIPLES, color.xyz_to_linear_srgb),
    "color.cie_rgb_to_xyz": (NP_IMAGE, color.cie_rgb_to_xyz),
    "color.xyz_to_cie_rgb": (NP_TRIPLES, color.xyz_to_cie_rgb),
    "color.xyy_to_xyz": (NP_TRIPLES, color.xyy_to_xyz),
    "color.lab_to_srgb": (NP_TRIPLES * 50, color.lab_to_srgb),
    "color.hsl_to_srgb": (NP_IMAGE, color.hsl_to_srgb),
    "color.rgb_to_xyz_matrix": (SRGB_PRIMARIES, lambda x: color.rgb_to_xyz_matrix(x, D65_XY)),
    "color.white_xyz": (D65_XY, color.white_xyz),
    "color.luminous_efficiency": (np.linspace(400.0, 700.0, 7), color.luminous_efficiency),
    "color.spectrum_to_xyz": (SPECTRA, color.spectrum_to_xyz),
    "color.spectrum_to_xyz[surface]": (SPECTRA, lambda x: color.spectrum_to_xyz(x, illuminant="D65")),
    "color.metameric_black": (SPECTRA, color.metameric_black),
    "color.wavelength_to_xyz": (WAVELENGTHS, color.wavelength_to_xyz),
    "color.wavelength_to_xy": (WAVELENGTHS, color.wavelength_to_xy),
    "color.rgb_cmfs_to_xyz_cmfs": (RGB_BAR, lambda x: color.rgb_cmfs_to_xyz_cmfs(x, V_LAMBDA)),
    "color.compare.against_opencv": (NP_TRIPLES, color_compare.against_opencv),
    "color.compare.against_colour_science": (NP_TRIPLES,
                                             lambda x: color_compare.against_colour_science(x, n_colorsys=3)),
    "color.plot.chromaticity_colours": (NP_TRIPLES[:, :2] * 0.5 + 0.1, color_plot.chromaticity_colours),
    "color.plot_perception.tints_shades_tones": (NP_TRIPLES[0], color_perception.tints_shades_tones),
    # colour (torch)
    "color.srgb_to_lab[torch]": (TORCH_BATCH, lambda x: color.srgb_to_lab(x, channel_axis=1)),
    "color.srgb_to_hsv[torch]": (TORCH_BATCH, lambda x: color.srgb_to_hsv(x, channel_axis=1)),
    "color.srgb_to_linear[torch]": (TORCH_BATCH, color.srgb_to_linear),
    "color.linear_to_srgb[torch]": (TORCH_BATCH, color.linear_to_srgb),
    "color.srgb_to_xyz[torch]": (TORCH_BATCH, lambda x: color.srgb_to_xyz(x, channel_axis=1)),
    "color.linear_srgb_to_xyz[torch]": (TORCH_BATCH, lambda x: color.linear_srgb_to_xyz(x, channel_axis=1)),
    "color.srgb_to_hsl[torch]": (TORCH_BATCH, lambda x: color.srgb_to_hsl(x, channel_axis=1)),
    "color.hsv_to_srgb[torch]": (TORCH_BATCH, lambda x: color.hsv_to_srgb(x, channel_axis=1)),
    "color.hsl_to_srgb[torch]": (TORCH_BATCH, lambda x: color.hsl_to_srgb(x, channel_axis=1)),
    "color.xyz_to_srgb[torch]": (TORCH_XYZ, lambda x: color.xyz_to_srgb(x, channel_axis=1)),
    "color.xyz_to_lab[torch]": (TORCH_XYZ, lambda x: color.xyz_to_lab(x, channel_axis=1)),
    "color.xyz_to_xyy[torch]": (TORCH_XYZ, lambda x: color.xyz_to_xyy(x, channel_axis=1)),
    "color.xyy_to_xyz[torch]": (TORCH_XYZ, lambda x: color.xyy_to_xyz(x, channel_axis=1)),
    "color.xyz_to_linear_srgb[torch]": (TORCH_XYZ, lambda x: color.xyz_to_linear_srgb(x, channel_axis=1)),
    "color.lab_to_xyz[torch]": (TORCH_LAB, lambda x: color.lab_to_xyz(x, channel_axis=1)),
    "color.lab_to_srgb[torch]": (TORCH_LAB, lambda x: color.lab_to_srgb(x, channel_axis=1)),
    "color.delta_e_1976[torch]": (TORCH_LAB, lambda x: color.delta_e_1976(x, TORCH_LAB.flip(0), channel_axis=1)),
    "color.delta_e_2000[torch]": (TORCH_LAB, lambda x: color.delta_e_2000(x, TORCH_LAB.flip(0), channel_axis=1)),
    "color.spectrum_to_xyz[torch]": (torch.from_numpy(SPECTRA), color.spectrum_to_xyz),
    "color.metameric_black[torch]": (torch.from_numpy(SPECTRA), color.metameric_black),
    "color.wavelength_to_xyz[torch]": (torch.from_numpy(WAVELENGTHS), color.wavelength_to_xyz),
    # edges
    "edges.sobel": (NP_GRAY, edges.sobel),
    "edges.gaussian_smooth": (NP_GRAY, lambda x: edges.gaussian_smooth(x, 1.0)),
    "edges.laplacian": (NP_GRAY, edges.laplacian),
    "edges.laplacian_of_gaussian": (NP_GRAY, lambda x: edges.laplacian_of_gaussian(x, 1.0)),
    "edges.canny": (NP_GRAY, edges.canny),
    "edges.correlate2d": (NP_GRAY, lambda x: edges.correlate2d(x, edges.SOBEL_X)),
    "edges.sobel[torch]": (TORCH_BATCH[:, :1], edges.sobel),
    "edges.gaussian_smooth[torch]": (TORCH_BATCH[:, :1], lambda x: edges.gaussian_smooth(x, 1.0)),
    "edges.laplacian[torch]": (TORCH_BATCH[:, :1], edges.laplacian),
    "edges.laplacian_of_gaussian[torch]": (TORCH_BATCH[:, :1], lambda x: edges.laplacian_of_gaussian(x, 1.0)),
    "edges.correlate2d[torch]": (TORCH_BATCH[:, :1], lambda x: edges.correlate2d(x, edges.SOBEL_X)),
    "edges.finite_differences[torch]": (TORCH_BATCH[:, :1], edges.finite_differences),
    "edges.gradient_magnitude[torch]": (TORCH_MAPS[:, :1] - 0.5,
                                        lambda x: edges.gradient_magnitude(x, TORCH_MAPS[:, 1:2] - 0.5)),
    "edges.gradient_orientation[torch]": (TORCH_MAPS[:, :1] - 0.5,
                                          lambda x: edges.gradient_orientation(x, TORCH_MAPS[:, 1:2] - 0.5)),
    "edges.correlate2d_reference": (NP_GRAY, lambda x: edges.correlate2d_reference(x, edges.SOBEL_X)),
    "edges.correlate2d[kernel]": (np.asarray(edges.SOBEL_X, dtype=np.float64),
                                  lambda k: edges.correlate2d(NP_GRAY, k)),
    "edges.convolve2d": (NP_GRAY, lambda x: edges.convolve2d(x, edges.SOBEL_X)),
    "edges.correlate_separable": (NP_GRAY, lambda x: edges.correlate_separable(x, SMOOTH_1D, DIFF_1D)),
    "edges.correlate_separable[kernel]": (SMOOTH_1D, lambda k: edges.correlate_separable(NP_GRAY, k, DIFF_1D)),
    "edges.frequency_response": (np.asarray(edges.SOBEL_X, dtype=np.float64),
                                 lambda k: edges.frequency_response(k, n=8)),
    "edges.finite_differences": (NP_GRAY, edges.finite_differences),
    "edges.prewitt": (NP_GRAY, edges.prewitt),
    "edges.scharr": (NP_GRAY, edges.scharr),
    "edges.gradient": (NP_GRAY, edges.gradient),
    "edges.gradient_magnitude": (NP_GRAY - 0.5, lambda x: edges.gradient_magnitude(x, NP_GRAY_2 - 0.5)),
    "edges.gradient_orientation": (NP_GRAY - 0.5, lambda x: edges.gradient_orientation(x, NP_GRAY_2 - 0.5)),
    "edges.orientation_to_rgb": (NP_GRAY - 0.5, lambda x: edges.orientation_to_rgb(x, NP_GRAY_2 - 0.5)),
    "edges.zero_crossings": (NP_GRAY - 0.5, edges.zero_crossings),
    "edges.non_maximum_suppression": (NP_GRAY, lambda m: edges.non_maximum_suppression(
        m, NP_GRAY - 0.5, NP_GRAY_2 - 0.5)),
    "edges.non_maximum_suppression[gx]": (NP_GRAY - 0.5, lambda gx: edges.non_maximum_suppression(
        NP_GRAY, gx, NP_GRAY_2 - 0.5)),
    "edges.hysteresis_threshold": (NP_GRAY, lambda m: edges.hysteresis_threshold(m, 0.3, 0.6)),
    "edges.mask_boundary": (EDGE_MASK, edges.mask_boundary),
    "edges.edge_f1": (EDGE_MASK, lambda d: edges.edge_f1(d, edges.mask_boundary(EDGE_MASK))),
    "edges.edge_f1[truth]": (EDGE_MASK, lambda t: edges.edge_f1(EDGE_MASK, t)),
    "edges.experiment.slope_strength": (NP_GRAY - 0.5, edges_experiment.slope_strength),
    "edges.experiment.edge_strength": (NP_GRAY, lambda x: edges_experiment.edge_strength("sobel", x)),
    "edges.experiment.best_f1": (EDGE_STACK, lambda s: edges_experiment.best_f1(s, EDGE_TRUTH)),
    "edges.experiment.best_f1[truth]": (EDGE_TRUTH, lambda t: edges_experiment.best_f1(EDGE_STACK, t)),
    "edges.experiment.score_operator": (EDGE_STACK, lambda s: edges_experiment.score_operator(
        "Canny 1", s, EDGE_TRUTH)),
    "edges.experiment.noise_experiment": (EDGE_STACK, lambda c: edges_experiment.noise_experiment(
        c, EDGE_TRUTH, [0.0, 0.1], operators=("sobel", "LoG 1"), seeds=(0,))),
    # simclr augmentations (torch batches)
    "simclr.adjust_brightness": (TORCH_BATCH, lambda x: simclr.adjust_brightness(x, 0.5)),
    "simclr.adjust_contrast": (TORCH_BATCH, lambda x: simclr.adjust_contrast(x, 0.5)),
    "simclr.adjust_saturation": (TORCH_BATCH, lambda x: simclr.adjust_saturation(x, 0.5)),
    "simclr.adjust_hue": (TORCH_BATCH, lambda x: simclr.adjust_hue(x, 0.1)),
    "simclr.rgb_to_grayscale": (TORCH_BATCH, simclr.rgb_to_grayscale),
    "simclr.color_distortion": (TORCH_BATCH, lambda x: simclr.color_distortion(x, generator=_gen())),
    "simclr.random_resized_crop": (TORCH_BATCH, lambda x: simclr.random_resized_crop(x, generator=_gen())),
    "simclr.gaussian_blur": (TORCH_BATCH, lambda x: simclr.gaussian_blur(x, generator=_gen(), p=1.0)),
    "simclr.color_jitter": (TORCH_BATCH, lambda x: simclr.color_jitter(x, generator=_gen())),
    "simclr.random_flip": (TORCH_BATCH, lambda x: simclr.random_flip(x, generator=_gen(), p=1.0)),
    "simclr.random_grayscale": (TORCH_BATCH, lambda x: simclr.random_grayscale(x, generator=_gen(), p=1.0)),
    "simclr.simclr_augment": (TORCH_BATCH, lambda x: simclr.simclr_augment(x, generator=_gen())),
    "simclr.two_views": (TORCH_BATCH, lambda x: simclr.two_views(x, generator=_gen())),
    "simclr.TwoViews": (TORCH_BATCH, lambda x: simclr.TwoViews(strength=0.5)(x, generator=_gen())),
    "simclr.extract_features": (TORCH_BATCH, lambda x: simclr.extract_features(SMALL_RESNET, x)),
    "simclr.few_labels": (PROBE_LABELS, lambda y: simclr.few_labels(y, 2)),
    "simclr.knn_accuracy": (PROBE_TRAIN, lambda x: simclr.knn_accuracy(x, PROBE_LABELS, PROBE_TEST, PROBE_LABELS,
                                                                        k=3)),
    "simclr.knn_accuracy[labels]": (PROBE_LABELS, lambda y: simclr.knn_accuracy(PROBE_TRAIN, y, PROBE_TRAIN, y, k=3)),
    "simclr.linear_probe": (PROBE_TRAIN, lambda x: simclr.linear_probe(x, PROBE_LABELS, PROBE_TEST, PROBE_LABELS)),
    "simclr.linear_probe[labels]": (PROBE_LABELS, lambda y: simclr.linear_probe(PROBE_TRAIN, y, PROBE_TRAIN, y)),
    "simclr.nt_xent": (FEATS_I, lambda z: simclr.nt_xent(z, FEATS_T)),
    "simclr.nt_xent[z2]": (FEATS_T, lambda z: simclr.nt_xent(FEATS_I, z)),
    "simclr.NTXentLoss": (FEATS_I, lambda z: simclr.NTXentLoss()(z, FEATS_T)),
    "simclr.nt_xent_logits": (FEATS_I, lambda z: _finite_diagonal(simclr.nt_xent_logits(z, FEATS_T))),
    "simclr.nt_xent_reference": (FEATS_I, lambda z: simclr.nt_xent_reference(z, FEATS_T)),
    "simclr.similarity_matrix": (FEATS_I, lambda z: simclr.similarity_matrix(z, FEATS_T)),
    "simclr.ProjectionHead": (FEATS_I, lambda h: PROJECTION_HEAD(h)),
    "simclr.SimCLR": (TORCH_BATCH, lambda x: SIMCLR_MODEL(x)),
    "simclr.SmallResNet": (TORCH_BATCH, lambda x: SMALL_RESNET(x)),
    "simclr.model.BasicBlock": (TORCH_BATCH, lambda x: BASIC_BLOCK(x)),
    "simclr.train_simclr": (TORCH_BATCH, lambda x: simclr.train_simclr(
        copy.deepcopy(SIMCLR_MODEL), x, epochs=1, batch_size=2, progress=False)),
    "simclr.train_supervised": (TORCH_BATCH, lambda x: _seeded(simclr.train_supervised)(
        copy.deepcopy(SMALL_RESNET), x, TARGETS[:2] % 2, epochs=1, batch_size=2, progress=False)[0].weight),
    "simclr.train.as_image_tensor": (TORCH_BATCH, simclr_train.as_image_tensor),
    "simclr.train.as_image_tensor[numpy]": (NP_IMAGE[None].repeat(2, axis=0), simclr_train.as_image_tensor),
    "simclr.results.band": (SEED_VALUES, simclr_results.band),
    "simclr.stats.mean_sd": (SEED_VALUES, simclr_stats.mean_sd),
    "simclr.stats.paired_difference": (SEED_VALUES, lambda a: simclr_stats.paired_difference(a, SEED_VALUES[::-1])),
    # CAM helpers (torch)
    "cam.grad_cam_weights": (TORCH_MAPS, cam.grad_cam_weights),
    "cam.minmax_normalize": (TORCH_MAPS[:, 0], cam.minmax_normalize),
    "cam.upsample": (TORCH_MAPS, lambda x: cam.upsample(x, (10, 12))),
    "cam.blur_baseline": (TORCH_BATCH, cam.blur_baseline),
    "cam.CAM": (TORCH_BATCH, lambda x: cam.CAM(TINY_GAP, "conv", fc="fc")(x)),
    "cam.GradCAM": (TORCH_BATCH, lambda x: cam.GradCAM(TINY_GAP, "conv")(x)),
    "cam.GradCAMPlusPlus": (TORCH_BATCH, lambda x: cam.GradCAMPlusPlus(TINY_GAP, "conv")(x)),
    "cam.ScoreCAM": (TORCH_BATCH, lambda x: cam.ScoreCAM(TINY_GAP, "conv")(x)),
    "cam.grad_cam_pp_weights": (TORCH_MAPS, lambda x: cam.grad_cam_pp_weights(x, TORCH_MAPS)),
    "cam.grad_cam_pp_weights[grads]": (TORCH_MAPS, lambda x: cam.grad_cam_pp_weights(TORCH_MAPS, x)),
    "cam.resolve_targets": (LOGITS, lambda x: cam.resolve_targets(None, x)),
    "cam.resolve_targets[targets]": (TARGETS, lambda x: cam.resolve_targets(x, LOGITS)),
    "cam.class_scores": (LOGITS, lambda x: cam.class_scores(x, TARGETS)),
    "cam.class_scores[targets]": (TARGETS, lambda x: cam.class_scores(LOGITS, x)),
    "cam.channel_masks": (TORCH_MAPS, lambda x: cam.channel_masks(x, (8, 9))),
    "cam.masked_scores": (TORCH_BATCH, lambda x: cam.masked_scores(TINY_GAP, x, CHANNEL_MASKS, TARGETS)),
    "cam.masked_scores[masks]": (CHANNEL_MASKS, lambda x: cam.masked_scores(TINY_GAP, TORCH_BATCH, x, TARGETS)),
    "cam.channel_increase_of_confidence": (TORCH_BATCH, lambda x: cam.channel_increase_of_confidence(
        TINY_GAP, x, CHANNEL_MASKS, TARGETS)),
    "cam.deletion_insertion_curves": (TORCH_BATCH, lambda x: cam.deletion_insertion_curves(
        TINY_GAP, x, SALIENCY, steps=4)),
    "cam.deletion_insertion_curves[saliency]": (SALIENCY, lambda x: cam.deletion_insertion_curves(
        TINY_GAP, TORCH_BATCH, x, steps=4, mode="insertion")),
    "cam.auc": (SALIENCY[:, 0], cam.auc),
    "cam.pointing_game": (SALIENCY, lambda x: cam.pointing_game(x, OBJECT_MASKS)),
    "cam.pointing_game[masks]": (OBJECT_MASKS, lambda x: cam.pointing_game(SALIENCY, x)),
    "cam.energy_pointing_game": (SALIENCY, lambda x: cam.energy_pointing_game(x, OBJECT_MASKS)),
    "cam.energy_pointing_game[masks]": (OBJECT_MASKS, lambda x: cam.energy_pointing_game(SALIENCY, x)),
    "cam.overlay": (NP_IMAGE, lambda x: cam.overlay(x, SALIENCY[0].numpy())),
    "cam.overlay[saliency]": (SALIENCY[0], lambda x: cam.overlay(NP_IMAGE, x)),
    "cam.base.check_images": (TORCH_BATCH, cam_base.check_images),
    "cam.evaluate.evaluate_maps": (TORCH_BATCH, lambda x: cam_evaluate.evaluate_maps(
        TINY_GAP, x, {"map": SALIENCY}, OBJECT_MASKS, TARGETS, steps=4)),
    "cam.evaluate.gradient_along_path": (TORCH_BATCH, lambda x: cam_evaluate.gradient_along_path(
        TINY_GAP, x, TARGETS, {"input": None, "conv": "conv"}, [0.5, 1.0])),
    "cam.evaluate.gradient_weights_and_cic": (TORCH_BATCH, lambda x: cam_evaluate.gradient_weights_and_cic(
        TINY_GAP, "conv", x)),
    "cam.evaluate.correlation": (SALIENCY, lambda x: cam_evaluate.correlation(x, SALIENCY.flip(1))),
    "cam.model.SceneCNN": (TORCH_BATCH, lambda x: SCENE_CNN(x)),
    "cam.model.preprocess_imagenet": (TORCH_BATCH, cam_model.preprocess_imagenet),
    "cam.questions.max_pool_grad_cam_pp_weight": (TORCH_MAPS[0, :, 0, 0] - 0.5,
                                                  lambda x: cam_questions.max_pool_grad_cam_pp_weight(x, CHANNEL_SUMS)),
    # GrabCut (NumPy)
    "grabcut.compute_beta": (NP_IMAGE, grabcut.compute_beta),
    "grabcut.nlink_weights": (NP_IMAGE, lambda x: grabcut.nlink_weights(x, 10.0)),
    "grabcut.to_uint8": (NP_IMAGE, grabcut.to_uint8),
    "grabcut.grabcut": (GC_IMAGE, lambda x: grabcut.grabcut(x, rect=GC_RECT, n_iter=1).mask),
    "grabcut.grabcut[mask]": (GC_MASK, lambda m: grabcut.grabcut(GC_IMAGE, mask=m, n_iter=1).mask),
    "grabcut.check_rect": (np.array(GC_RECT), lambda r: grabcut.check_rect(r, 10, 12)),
    "grabcut.rect_to_mask": (np.array(GC_RECT), lambda r: grabcut.rect_to_mask((10, 12), r)),
    "grabcut.core.check_mask": (GC_MASK, lambda m: grabcut_core.check_mask(m, 10, 12)),
    "grabcut.unary_costs": (GC_IMAGE, lambda x: grabcut.unary_costs(x, (GMM_FIT, GMM_FIT))),
    "grabcut.GMM": (GMM_FIT.means, lambda m: grabcut.component_costs(
        Z_COLOURS, grabcut.GMM(GMM_FIT.weights, m, GMM_FIT.covs))),
    "grabcut.GMM[covs]": (GMM_FIT.covs, lambda c: grabcut.component_costs(
        Z_COLOURS, grabcut.GMM(GMM_FIT.weights, GMM_FIT.means, c))),
    "grabcut.kmeans": (Z_COLOURS, lambda z: grabcut.kmeans(z, 2, rng=np.random.default_rng(0))),
    "grabcut.fit_gmm": (Z_COLOURS, lambda z: grabcut.fit_gmm(z, Z_LABELS, 2).means),
    "grabcut.fit_gmm[labels]": (Z_LABELS, lambda k: grabcut.fit_gmm(Z_COLOURS, k, 2).means),
    "grabcut.component_costs": (Z_COLOURS, lambda z: grabcut.component_costs(z, GMM_FIT)),
    "grabcut.assign_components": (Z_COLOURS, lambda z: grabcut.assign_components(z, GMM_FIT)),
    "grabcut.smoothness_energy": (NP_GRAY > 0.5, lambda a: grabcut.smoothness_energy(a, NLINKS)),
    "grabcut.smoothness_energy[weights]": (NLINKS, lambda w: grabcut.smoothness_energy(NP_GRAY > 0.5, w)),
    "grabcut.dense_capacities": (TINY_COSTS, lambda c: grabcut.dense_capacities(c, TINY_COSTS[::-1], TINY_LINKS)),
    "grabcut.edmonds_karp": (TINY_CAPACITY, lambda c: grabcut.edmonds_karp(c, 4, 5)),
    "grabcut.rasterize_stroke": (STROKE_POINTS, lambda p: grabcut.rasterize_stroke((8, 9), p, 2.0)),
    "grabcut.apply_stroke": (GC_MASK, lambda m: grabcut.apply_stroke(m, STROKE)),
    "grabcut.replay": (GC_IMAGE, lambda x: grabcut.replay(x, SESSION).mask),
    "grabcut.opencv_grabcut": (GC_IMAGE, lambda x: grabcut.opencv_grabcut(x, rect=GC_RECT, n_iter=1)),
    "grabcut.opencv_grabcut[mask]": (GC_MASK, lambda m: grabcut.opencv_grabcut(GC_IMAGE, mask=m, n_iter=1)),
    "grabcut.iou": (GC_TRUTH, lambda a: grabcut.iou(a, np.roll(GC_TRUTH, 1, axis=1))),
    "grabcut.error_rate": (GC_TRUTH, lambda a: grabcut.error_rate(a, np.roll(GC_TRUTH, 1, axis=1), GC_RECT)),
    "grabcut.scene_rect": (np.array([3, 3, 8, 7]), lambda b: grabcut.scene_rect(b, (10, 12), margin=1)),
    "grabcut.experiment.quantise": (NP_IMAGE, grabcut_experiment.quantise),
    "grabcut.experiment.SceneSet": (GC_IMAGES, lambda x: grabcut_experiment.foregrounds(
        grabcut_experiment.SceneSet(x, GC_TRUTHS, [GC_RECT] * 2, ["a", "b"]), n_iter=1)),
    "grabcut.experiment.foregrounds": (GC_IMAGES, lambda x: grabcut_experiment.foregrounds(
        grabcut_experiment.SceneSet(x, GC_TRUTHS, [GC_RECT] * 2, ["a", "b"]), n_iter=1)),
    "grabcut.experiment.error_rates": (GC_TRUTHS, lambda f: grabcut_experiment.error_rates(
        GC_SCENES, foreground=f)),
    "grabcut.experiment.found_fractions": (GC_TRUTHS, lambda f: grabcut_experiment.found_fractions(GC_SCENES, f)),
    "grabcut.experiment.benchmark": (GC_IMAGES, lambda x: grabcut_experiment.benchmark(
        grabcut_experiment.SceneSet(x, GC_TRUTHS, [GC_RECT] * 2, ["a", "b"]), n_iter=1)),
    "grabcut.experiment.summarise": (RNG.random((3, 4)) * 4, grabcut_experiment.summarise),
    "grabcut.plot.component_map": (GC_IMAGE, lambda x: grabcut_plot.component_map(x, GC_RESULT)),
    "grabcut.widget.GrabCutWidget": (GC_IMAGE, lambda x: grabcut_widget.GrabCutWidget(x, n_iter=1).image),
    "grabcut.plot.weakest_link": (NLINKS, lambda w: grabcut_plot.weakest_link(w, 50.0)),
    # images
    # CLIP
    "clip.clip_logits": (FEATS_I, lambda x: clip.clip_logits(x, FEATS_T, 10.0)),
    "clip.clip_logits[text]": (FEATS_T, lambda t: clip.clip_logits(FEATS_I, t, 10.0)),
    "clip.clip_loss": (FEATS_I, lambda x: clip.clip_loss(x, FEATS_T, 10.0)),
    "clip.clip_loss[text]": (FEATS_T, lambda t: clip.clip_loss(FEATS_I, t, 10.0)),
    "clip.ClipLoss": (FEATS_I, lambda x: clip.ClipLoss(normalize=True)(x, FEATS_T, 10.0)),
    "clip.clip_loss_reference": (FEATS_I, lambda x: clip.clip_loss_reference(x, FEATS_T, 10.0)),
    "clip.attribute_accuracies": (PRED_CLASSES, lambda p: clip.attribute_accuracies(p, TRUE_CLASSES)),
    "clip.shape_confusion": (PRED_CLASSES, lambda p: clip.shape_confusion(p, TRUE_CLASSES)),
    "clip.linear_probe": (PROBE_TRAIN, lambda f: clip.linear_probe(f, PROBE_LABELS, PROBE_TEST, PROBE_LABELS,
                                                                    shots=(2,))),
    "clip.linear_probe[labels]": (PROBE_LABELS, lambda y: clip.linear_probe(PROBE_TRAIN, y, PROBE_TRAIN, y,
                                                                             shots=(2,))),
    "clip.tower_features": (CLIP_IMAGES, lambda x: clip.tower_features(_tiny_clip(), x)),
    "clip.encode_images": (CLIP_IMAGES, lambda x: clip.encode_images(_tiny_clip(), x)),
    "clip.ensemble_text_embeddings": (TEXT_EMBEDDINGS, clip.ensemble_text_embeddings),
    "clip.recall_at_k": (FEATS_I @ FEATS_T.T, lambda s: clip.recall_at_k(s, 2)),
    "clip.retrieval_recall": (FEATS_I, lambda x: clip.retrieval_recall(x, FEATS_T, ks=(1, 2))),
    "clip.zero_shot_logits": (FEATS_I, lambda x: clip.zero_shot_logits(x, FEATS_T[:3])),
    "clip.zero_shot_logits[classifier]": (FEATS_T[:3], lambda w: clip.zero_shot_logits(FEATS_I, w)),
    "clip.zero_shot_predict": (FEATS_I, lambda x: clip.zero_shot_predict(x, FEATS_T[:3])),
    "clip.scenes_to_tensor": (CLIP_SCENES, lambda x: clip.scenes_to_tensor(x, _tiny_clip())),
    "clip.train_clip": (CLIP_IMAGES, lambda x: clip.train_clip(copy.deepcopy(_tiny_clip()), _clip_tokens(), x,
                                                               batch_size=2, warmup=1, progress=False).loss),
    # scene data
    "data.bounding_boxes": (GC_TRUTHS, data.bounding_boxes),
    "data.Scenes": (SCENES.images, lambda x: data.Scenes(**{**vars(SCENES), "images": x}).images),
    "data.Scenes[masks]": (SCENES.masks, lambda m: data.Scenes(**{**vars(SCENES), "masks": m}).masks),
    "data.batch.SceneBatch": (SCENES.images, lambda x: data.batch.SceneBatch(
        images=x, masks=SCENES.masks, labels=SCENES.labels, colors=SCENES.colors).images),
    "data.batch.SceneBatch[labels]": (SCENES.labels, lambda y: data.batch.SceneBatch(
        images=SCENES.images, masks=SCENES.masks, labels=y, colors=SCENES.colors).labels),
    "data.CentredScenes": (CENTRED.images, lambda x: data.CentredScenes(**{**vars(CENTRED), "images": x}).images),
    "clip.CaptionScenes": (CAPTIONED.images, lambda x: clip.CaptionScenes(**{**vars(CAPTIONED), "images": x}).images),
    # distributed training
    "distributed.gather_with_grad": (FEATS_I, lambda x: distributed.gather_with_grad(x)[0]),
    # images
    "images.as_float_image": (NP_IMAGE, images.as_float_image),
    "images.to_tensor": (NP_IMAGE, images.to_tensor),
    "images.to_numpy": (TORCH_BATCH, images.to_numpy),
    "checks.check_image": (NP_IMAGE, checks.check_image),
    "checks.check_image[torch]": (TORCH_BATCH, checks.check_image),
}

TIME_LIMIT = 20  # seconds per call; every one of these takes milliseconds


class _Hang(Exception):
    pass


@contextmanager
def _time_limit(seconds):
    def _raise(signum, frame):
        raise _Hang(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _call(fn, x):
    """('ok', result) or ('raised', exception); a hang or another exception type fails the test."""
    with _time_limit(TIME_LIMIT):
        try:
            return "ok", fn(x)
        except (TypeError, ValueError) as err:
            assert str(err), "the exception must say what was expected"
            return "raised", err


def _arrays(result):
    """The arrays/tensors in a result (tuples and dataclass-like results flattened)."""
    if isinstance(result, (np.ndarray, torch.Tensor)):
        return [result]
    if isinstance(result, (tuple, list)):
        return [a for r in result for a in _arrays(r)]
    if isinstance(result, dict):
        return [a for r in result.values() for a in _arrays(r)]
    if isinstance(result, (float, int, np.generic)):
        return [np.asarray(result)]
    return []


def _as_numpy(a):
    return a.detach().cpu().double().numpy() if isinstance(a, torch.Tensor) else np.asarray(a, dtype=np.float64)


def _same(result, expected, *, atol, rtol=1e-5):
    got, want = _arrays(result), _arrays(expected)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert tuple(g.shape) == tuple(w.shape), f"shape changed: {tuple(g.shape)} vs {tuple(w.shape)}"
        np.testing.assert_allclose(_as_numpy(g), _as_numpy(w), atol=atol, rtol=rtol)


def _is_torch(x):
    return isinstance(x, torch.Tensor)


def _astype(x, dtype_np, dtype_torch):
    return x.to(dtype_torch) if _is_torch(x) else x.astype(dtype_np)


def _is_float(x):
    return x.dtype.is_floating_point if _is_torch(x) else x.dtype.kind == "f"


def _copy(x):
    return x.clone() if _is_torch(x) else x.copy()


def _with_first(x, value):
    """A float copy of ``x`` whose first element is ``value``."""
    out = _copy(x) if _is_float(x) else _astype(x, np.float64, torch.float32)
    out.reshape(-1)[0] = value
    return out


def _other_float(x):
    """float32 <-> float64 (the mixed-precision case: the call's other arguments keep their dtype)."""
    if _is_torch(x):
        return x.to(torch.float64 if x.dtype == torch.float32 else torch.float32)
    return x.astype(np.float32 if x.dtype == np.float64 else np.float64)


def _channel_axis(x):
    """The channel axis of a batch / image / colour array, or None (a grey image, a map)."""
    if _is_torch(x):
        return 1 if x.ndim == 4 else (-1 if x.ndim == 2 else None)
    return -1 if x.ndim >= 2 and x.shape[-1] in (1, 2, 3, 4) else None


def _more_channels(x, axis):
    first = x.narrow(axis, 0, 1) if _is_torch(x) else np.take(x, [0], axis=axis)
    return torch.cat([x, first], dim=axis) if _is_torch(x) else np.concatenate([x, first], axis=axis)


def _reversed(x):
    """A view with a negative stride (torch has none: a flipped copy)."""
    if _is_torch(x):
        return x.flip(-1)
    return x[..., ::-1, :] if x.ndim >= 3 else x[:, ::-1] if x.ndim == 2 else x[::-1]


def _bad_inputs(good):
    """(kind, bad input, what an acceptance must equal: None = must raise, or a keyword)."""
    is_t = _is_torch(good)
    floating = _is_float(good)
    empty = good[:0]
    huge = 3e38 if (is_t and good.dtype != torch.float64) or (not is_t and good.dtype == np.float32) else 1e300
    cases = [
        ("None", None, None),
        ("list", good.tolist(), "same"),
        ("0-d", good.reshape(-1)[0].clone() if is_t else np.asarray(good.reshape(-1)[0]), "first value"),
        ("extra axis", good[None, None], "extra axis"),
        ("complex", good.to(torch.complex64) if is_t else good.astype(np.complex128) + 5j, None),
        ("NaN", _with_first(good, float("nan")), None),
        ("inf", _with_first(good, float("inf")), None),
        ("huge", _with_first(good, huge), "no NaN"),
        ("empty", empty, "empty"),
        ("reversed strides", _reversed(good),
         "reversed"),
    ]
    if good.ndim >= 2:
        cases.append(("missing axis", good[0], "missing axis"))
    axis = _channel_axis(good)
    if axis is not None:
        cases.append(("wrong channels", _more_channels(good, axis), "channels"))
    if floating:
        scaled = (good * 255).round()
        cases += [
            ("uint8", _astype(scaled, np.uint8, torch.uint8), "uint8"),
            ("bool", good > 0.5, "bool"),
            ("float16", _astype(good, np.float16, torch.float16), "float16"),
            ("mixed float32/64", _other_float(good), "other float"),
        ]
    else:  # a mask or labels: the same values as floats, or another integer width
        cases += [
            ("as float", _astype(good, np.float64, torch.float32), "same or raise"),
            ("as uint8" if good.dtype not in (np.uint8, torch.uint8) else "as int64",
             _astype(good, np.uint8, torch.uint8) if good.dtype not in (np.uint8, torch.uint8)
             else _astype(good, np.int64, torch.int64), "same or raise"),
        ]
    if is_t:
        cases.append(("meta tensor", good.to("meta"), None))
        if floating:
            cases.append(("requires grad", good.clone().requires_grad_(True), "same"))
    return cases


#: Cases that fail because of the function, to be fixed in it: (name, kind) -> what happens.
KNOWN_FAILURES = {
}

CASES = [pytest.param(name, kind, id=f"{name}-{kind}",
                      marks=[pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[name, kind])]
                      if (name, kind) in KNOWN_FAILURES else [])
         for name, (good, _) in FUNCTIONS.items() for kind, _, _ in _bad_inputs(good)]


def _good_result(name):
    good, fn = FUNCTIONS[name]
    status, result = _call(fn, good)
    assert status == "ok", f"{name} rejected its good input: {result}"
    return result


@pytest.mark.parametrize("name,kind", CASES)
def test_bad_input_is_rejected_or_accepted_as_documented(name, kind):
    good, fn = FUNCTIONS[name]
    bad, accept = next((b, a) for k, b, a in _bad_inputs(good) if k == kind)
    status, result = _call(fn, bad)
    if status == "raised":
        return
    if accept == "empty":  # an empty batch may give an empty result, nothing else
        assert all(a.size == 0 if isinstance(a, np.ndarray) else a.numel() == 0 for a in _arrays(result)), \
            f"{name} returned a non-empty result for empty input"
        return
    if accept in ("first value", "extra axis", "missing axis"):
        ok = name in ELEMENTWISE or (accept != "first value" and name in ANY_SHAPE) \
            or (accept == "missing axis" and name in ONE_IMAGE)
        accept = accept if ok else None
    if accept == "channels":
        accept = accept if (name in ANY_CHANNELS or name in ELEMENTWISE) else None
    if kind in DOCUMENTED.get(name, {}) and accept != "no NaN":
        accept = "documented"  # a documented reading of the input: only a finite result is asked for
    assert accept is not None, f"{name} accepted {kind} input and returned {type(result).__name__}; it must raise"
    for a in _arrays(result):
        if _is_torch(a) and a.device.type == "meta":
            continue
        values = _as_numpy(a)
        if kind in ("NaN", "inf"):  # a documented acceptance of a non-finite input: any values
            continue
        if accept == "no NaN":  # a huge value may overflow to inf, but never to NaN
            assert not np.isnan(values).any(), f"{name} returned NaN for a finite huge input"
        else:
            assert np.isfinite(values).all(), f"{name} returned NaN or inf for finite {kind} input"
    if accept == "documented" and kind in ("NaN", "inf", "uint8", "bool", "float16", "complex", "mixed float32/64"):
        want = _arrays(_good_result(name))  # a dtype or a value changed, not the layout
        assert [tuple(a.shape) for a in _arrays(result)] == [tuple(w.shape) for w in want], "shape changed"
    if accept == "no NaN":
        want = _arrays(_good_result(name))
        assert [tuple(a.shape) for a in _arrays(result)] == [tuple(w.shape) for w in want], "shape changed"
    elif accept == "first value":
        # the result for the first input value: (..., k) outputs keep their last axis
        expected = _as_numpy(_arrays(_good_result(name))[0]).reshape(np.size(_as_numpy(good)), -1)[0]
        np.testing.assert_allclose(_as_numpy(_arrays(result)[0]).reshape(-1), expected, atol=1e-9)
    elif accept == "extra axis":
        _same(result, [a[None, None] for a in _arrays(_good_result(name))], atol=1e-9)
    elif accept == "missing axis":
        _same(result, [a[0] for a in _arrays(_good_result(name))], atol=1e-9)
    elif accept == "same":  # float32 paths may take another kernel (e.g. autograd's): float32 rounding
        _same(result, _good_result(name), atol=1e-4, rtol=1e-4)
    elif accept == "same or raise":
        _same(result, _good_result(name), atol=1e-6)
    elif accept == "other float":
        expected = _good_result(name)
        scale = max([float(np.abs(_as_numpy(a)).max()) for a in _arrays(expected) if np.size(_as_numpy(a))] or [1.0])
        _same(result, expected, atol=1e-4 * max(scale, 1.0), rtol=1e-3)
    elif accept == "uint8":
        reference = (good * 255).round() / 255
        _same(result, _call(fn, reference)[1], atol=1e-4)
    elif accept == "bool":
        reference = (good > 0.5).to(good.dtype) if _is_torch(good) else (good > 0.5).astype(good.dtype)
        _same(result, _call(fn, reference)[1], atol=1e-6)
    elif accept == "float16":
        reference = _astype(_astype(good, np.float16, torch.float16), np.float32, torch.float32)
        expected = _call(fn, reference)[1]
        scale = max(float(np.abs(_as_numpy(a)).max()) for a in _arrays(expected)) if _arrays(expected) else 1.0
        _same(result, expected, atol=2e-2 * max(scale, 1.0))
    elif accept == "reversed":
        contiguous = bad.contiguous() if _is_torch(bad) else np.ascontiguousarray(bad)
        _same(result, _call(fn, contiguous)[1], atol=1e-9)


# ---------------------------------------------------------------- every public function is covered

#: Public callables outside the battery, each with the reason. A function whose main argument
#: is an array, tensor, image, batch or model output belongs in FUNCTIONS instead.
PLOTTING = ("plotting: draws results already computed on a figure (or prints them); "
            "the numbers come from functions in the battery")
EXEMPT = {
    # plotting: draws (or prints) results already computed; the numbers come from functions in the battery
    **{name: PLOTTING for name in (
        "cam.plot.show_scenes", "cam.plot.show_maps", "cam.plot.show_channel_scores", "cam.plot.show_curves",
        "cam.plot.show_explorer", "cam.plot.show_path", "clip.plot.scene_grid", "clip.plot.pair_counts",
        "clip.plot.training_curves", "clip.plot.logit_matrices", "clip.plot.similarity_grid",
        "clip.plot.clip_diagram", "clip.plot.photo_probabilities", "clip.plot.composition_bars",
        "clip.plot.shape_confusion_plot", "clip.plot.template_groups", "clip.plot.probe_curve",
        "color.plot.plot_chromaticity_diagram", "color.plot.plot_cmf_derivation", "color.plot.plot_reflectances",
        "color.plot.plot_wavelength", "color.plot.plot_lab_ramps", "color.plot.plot_lab_pair",
        "color.plot_perception.plot_cone_fundamentals", "color.plot_perception.plot_metamers",
        "color.plot_perception.plot_hsv_solids", "color.plot_perception.plot_tints_shades_tones",
        "edges.plot.image_row", "edges.plot.step_and_ramp", "edges.plot.noisy_ramp", "edges.plot.frequency_gains",
        "edges.plot.orientation_key", "edges.plot.gradient_panels", "edges.plot.log_on_ramp",
        "edges.plot.nms_diagram", "edges.plot.f1_against_noise", "edges.plot.show_edges",
        "grabcut.plot.show_mask_codes", "grabcut.plot.show_components", "grabcut.plot.show_costs",
        "grabcut.plot.print_capacities", "grabcut.plot.draw_cut", "grabcut.plot.show_iterations",
        "grabcut.plot.show_result", "grabcut.plot.show_results", "grabcut.plot.plot_error_scatter",
        "grabcut.plot.show_session", "simclr.plot.similarity_heatmap", "simclr.results.plot_label_efficiency",
    )},
    "checks.RangeWarning": "a warning class, raised by checks.check_range",
    "checks.is_tensor": "a type test that accepts any object and returns a bool (tests/test_checks.py)",
    "checks.check_array": "the checker every battery entry goes through; its rules are tested case by case in "
                          "tests/test_checks.py",
    "checks.as_checked_array": "the array-like variant of check_array, exercised by the color, cam, clip and "
                               "grabcut entries that take lists",
    "checks.check_range": "warns on values outside [low, high] and returns nothing; tested in tests/test_checks.py",
    "checks.check_in": "checks an option (a string) against its allowed values; tested in tests/test_checks.py",
    "checks.check_positive": "checks a number option (sigma, steps, ...); tested in tests/test_checks.py",
    "progress.progress_bar": "a display helper that takes no data (an iterable or a count); its one option is "
                             "checked in tests/test_progress.py",
    "exercises.CheckResult": "the result record of an exercise check",
    "exercises.check": "exercise checker: takes a reader's function and cases; loopholes tested in "
                       "tests/test_exercises.py",
    "exercises.check_choice": "exercise checker: takes a reader's answer (a letter); tested in tests/test_exercises.py",
    "exercises.check_value": "exercise checker: takes a reader's number; tested in tests/test_exercises.py",
    "exercises.random_cases": "draws exercise cases from a reader-independent generator function and a count",
    "color.questions.check": "exercise checker: takes a reader's answer; tested in tests/test_color.py",
    "color.questions.half_light_code": "an exercise's reference answer (no argument)",
    "edges.questions.check": "exercise checker: takes a reader's answer; tested in tests/test_edges.py",
    "edges.questions.check_prewitt_noise": "exercise checker: takes a reader's answer; tested in "
                                           "tests/test_edges.py",
    "edges.questions.check_log_versus_sobel": "exercise checker: takes a reader's answer; tested in "
                                              "tests/test_edges.py",
    "edges.questions.prewitt_noise_factor": "an exercise's reference answer (no argument)",
    "grabcut.questions.check": "exercise checker: takes a reader's answer; tested in tests/test_grabcut.py",
    "grabcut.questions.six_pixel_costs": "an exercise's fixed data (no argument)",
    "grabcut.questions.flow_without_smoothness": "an exercise's reference answer (no argument)",
    "cam.questions.check_max_pool_prediction": "exercise checker: takes a reader's answer (a letter); tested in "
                                               "tests/test_cam.py",
    "cam.questions.max_pool_pp_cases": "an exercise's cases, from a count and a seed",
    "clip.questions.check_colour_only_pair_accuracy": "exercise checker: takes a reader's answer; tested in "
                                                      "tests/test_clip.py",
    "simclr.questions.check_lowest_background_prediction": "exercise checker: takes a reader's answer; tested in "
                                                           "tests/test_simclr.py",
    "color.cie_rgb_primaries_xy": "a data table (no argument)",
    "color.wavelengths": "a data table (no argument)",
    "color.cmfs": "a data table looked up by name (a string, checked by check_in)",
    "color.cone_fundamentals": "a data table looked up by name (a string)",
    "color.illuminant_spd": "a data table looked up by name (a string)",
    "color.illuminant_xy": "a data table looked up by name (a string)",
    "color.plot.spectral_locus": "samples the spectral locus from a wavelength step and range (numbers)",
    "color.plot_perception.hsv_solid_points": "builds the HSV solids from counts (numbers)",
    "edges.gaussian_kernel1d": "builds a kernel from sigma, order and truncation (numbers, checked by check_positive)",
    "cam.base.interpolation_matrix": "builds an interpolation matrix from two sizes (integers)",
    "cam.auto_chunk_size": "a chunk size from an image height and width (integers)",
    "data.make_scenes": "draws scenes from a count, a size and a seed (numbers)",
    "data.make_centred_scenes": "draws scenes from a count, a size and a seed (numbers)",
    "data.load_photo": "loads a shipped photograph by name (a string)",
    "clip.make_caption_scenes": "draws captioned scenes from a count, a size and a seed (numbers)",
    "grabcut.experiment.synthetic_set": "draws a scene set from a count and a seed (numbers)",
    "grabcut.experiment.two_colour_scenes": "draws a scene set from a count and a seed (numbers)",
    "clip.caption_templates": "lists caption templates from option names (strings)",
    "clip.phrase": "writes one caption from words (strings)",
    "clip.format_prompts": "formats prompts from class names and templates (strings, checked by name)",
    "clip.encode_texts": "encodes texts (strings) with a model and its tokenizer",
    "clip.build_zero_shot_classifier": "builds class vectors from class names and templates (strings); the "
                                       "embeddings go through clip.ensemble_text_embeddings, in the battery",
    "clip.create_tiny_clip": "a model factory (seed, device, config)",
    "clip.get_tokenizer": "a tokenizer factory (a model name)",
    "clip.register_tiny_clip": "registers a model configuration by name",
    "clip.load_pretrained_clip": "downloads a pretrained model by name",
    "cam.model.scene_cnn_meta": "reads the shipped model's metadata from a folder",
    "cam.model.load_scene_cnn": "loads the shipped model from a folder",
    "cam.model.load_resnet50": "loads torchvision's pretrained ResNet-50",
    "simclr.results.load_ablation": "loads the shipped ablation results (a path)",
    "grabcut.strokes.load_session": "reads a session file (a path); its content goes through check_session",
    "grabcut.strokes.save_session": "writes a session dict to a file (a path)",
    "grabcut.strokes.check_session": "checks a session dict (JSON structure, not an array); replay calls it, "
                                     "and grabcut.replay is in the battery",
    "distributed.is_distributed": "reports the process group (no argument)",
    "device.default_device": "picks a torch device from a preference (a string)",
    "device.describe_device": "describes a torch device in words",
    "resources.data_path": "a path to a shipped data file (strings)",
    "pretrained.offline_reason": "network check for downloads (a host name)",
    "pretrained.require_online": "network check for downloads (a host name)",
    "pretrained.fetch": "downloads a file (a URL and its checksum)",
    "pretrained.sha256sum": "the checksum of a file (a path)",
    "pretrained.load_state_dict": "loads a checkpoint file (a path)",
    "pretrained.cache_dir": "the download folder (no argument)",
    "notebooks.notebook_environment": "notebook tooling: environment variables (no argument)",
    "notebooks.execute": "notebook tooling: runs a notebook file (a path)",
    "notebooks.student_edition": "notebook tooling: writes student notebooks (paths)",
    "notebooks.nbgrader_edition": "notebook tooling: writes nbgrader notebooks (paths)",
    "notebooks.must_pass": "notebook tooling: asserts an exercise CheckResult passed",
    "notebooks.wrap_checks": "notebook tooling: rewrites cell source (a string)",
    "notebooks.main": "notebook tooling: the command line (argv strings)",
    "widgets.static_mode": "widget tooling: whether widgets render statically (no argument)",
    "widgets.build_explorer": "widget tooling: builds sliders for a render function and a dict of controls",
    "widgets.explore": "widget tooling: shows sliders for a render function and a dict of controls",
    "cam.BaseCAM": "abstract base class (channel_weights raises NotImplementedError); its __call__ is covered by "
                   "cam.CAM, cam.GradCAM, cam.GradCAMPlusPlus and cam.ScoreCAM",
    "cam.ActivationRecorder": "class: records a layer's output while a model runs; the images go through the model, "
                              "covered by the CAM entries",
    "cam.resolve_layer": "finds a module by name in a model (a string or module)",
    "cam.count_forward_passes": "context manager counting a model's forward passes (a model)",
    "cam.fold_batchnorm": "rewrites a model (its only argument)",
    "cam.inference_copy": "copies a model for inference (its only argument)",
    "cam.evaluate.time_methods": "times CAM methods; the images go to the methods (covered by the CAM entries) and "
                                 "the result is a timing",
    "cam.evaluate.evaluation_table": "formats result dicts as text",
    "cam.evaluate.paired_table": "formats result dicts as text",
    "clip.TrainHistory": "the record train_clip returns (lists of floats)",
    "grabcut.GrabCutResult": "the record grabcut returns",
    "grabcut.ReplayResult": "the record replay returns",
    "simclr.probe_scores": "takes an encoder and two scene sets; the images go through simclr.extract_features and "
                           "the features through simclr.knn_accuracy and simclr.linear_probe, in the battery",
    "simclr.simclr_scores": "simclr.probe_scores of a SimCLR model (see there)",
    "simclr.stats.verdict": "a verdict from a mean and a standard error (two numbers)",
    "simclr.results.fmt": "formats a mean and a standard deviation (two numbers) as text",
    "simclr.results.small_budget": "the small-budget section of the ablation's result table (a dict)",
    "simclr.results.row": "looks up a row of the ablation's result table (a dict)",
    "simclr.results.summary": "summarises the ablation's result table (a dict)",
    "simclr.results.claims": "the ablation's claims from its result table (a dict)",
    "simclr.results.efficiency": "the label-efficiency rows of the ablation's result table (a dict)",
    "simclr.results.format_table": "formats the ablation's result table (a dict) as text",
    "simclr.results.format_claims": "formats the ablation's claims (a dict) as text",
    "simclr.results.format_efficiency": "formats the label-efficiency rows (a dict) as text",
}


def _public_callables():
    """``{qualified name without 'vklib.': object}`` over every public module's ``__all__``."""
    import importlib
    import pkgutil

    import vklib

    names = {}
    for info in pkgutil.walk_packages(vklib.__path__, "vklib."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts) or "experiments" in parts:
            continue
        module = importlib.import_module(info.name)
        for attr in getattr(module, "__all__", ()):
            obj = getattr(module, attr, None)
            if callable(obj):
                names[f"{info.name[len('vklib.'):]}.{attr}"] = obj
    return names


def test_every_public_function_is_in_the_battery_or_exempt_with_a_reason():
    public = _public_callables()
    battery = {name.split("[")[0] for name in FUNCTIONS}
    covered = battery | set(EXEMPT)
    # one object has several public names (vklib.color.srgb_to_linear is vklib.color.srgb.srgb_to_linear)
    by_object = {}
    for name, obj in public.items():
        by_object.setdefault(id(obj), []).append(name)
    missing = sorted(min(names, key=len) for names in by_object.values() if not covered & set(names))
    assert not missing, f"public callables neither in FUNCTIONS nor in EXEMPT: {missing}"
    stale = sorted((battery | set(EXEMPT)) - set(public))
    assert not stale, f"FUNCTIONS / EXEMPT name no public callable (renamed or removed?): {stale}"
    both = sorted(battery & set(EXEMPT))
    assert not both, f"in the battery and exempt at once: {both}"
    assert all(isinstance(reason, str) and len(reason) > 10 for reason in EXEMPT.values())
