"""Tests of vklib.cam: hand-computed values, CAM == Grad-CAM on GAP + linear, Score-CAM chunking,
pytorch-grad-cam as the oracle, loop references for deletion / insertion, and bad input."""

import numpy as np
import pytest
import torch
from torch import nn

from vklib.cam import (CAM, METHODS, ActivationRecorder, GradCAM, GradCAMPlusPlus, ScoreCAM, auc,
                       channel_increase_of_confidence, channel_masks, count_forward_passes,
                       deletion_insertion_curves, energy_pointing_game, minmax_normalize, overlay,
                       pointing_game, upsample)
from vklib.cam.model import SceneCNN


class TinyGAP(nn.Module):
    """conv(3->K) -> ReLU -> GAP -> linear: CAM applies."""

    def __init__(self, k=5, classes=3, seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.conv = nn.Conv2d(3, k, 3, padding=1)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(k, classes)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=g) * 0.5)

    def forward(self, x):
        a = self.relu(self.conv(x))
        return self.fc(a.mean(dim=(2, 3)))


class TinyNonlinear(nn.Module):
    """Two convs, 2x downsampling, then a nonlinear head (gradients vary over space)."""

    def __init__(self, k=8, classes=4, seed=0):
        super().__init__()
        torch.manual_seed(seed)
        self.body = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Conv2d(6, k, 3, padding=1), nn.ReLU())
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(k * 8 * 8, 16), nn.Tanh(), nn.Linear(16, classes))

    def forward(self, x):
        return self.head(self.body(x))


@pytest.fixture(scope="module")
def images():
    return torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(1))


# ---------------------------------------------------------------- hand-computed values

def test_grad_cam_weights_by_hand():
    # y^0 = sum_{ij} (A^0_ij)^2 * 1 + 3 * mean(A^1): dy/dA^0 = 2 A^0, dy/dA^1 = 3 / Z.
    class Hand(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = nn.Identity()

        def forward(self, x):
            a = self.layer(x)
            y0 = (a[:, 0] ** 2).sum(dim=(1, 2)) + 3 * a[:, 1].mean(dim=(1, 2))
            return torch.stack([y0, -y0], dim=1)

    a = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]], [[0.5, 0.5], [1.0, 2.0]]]])
    method = GradCAM(Hand().eval(), "layer")
    low = method.low_resolution(a, targets=0)
    # alpha_0 = mean(2 * [1, 2, 3, 4]) = 5; alpha_1 = mean(3 / 4) = 0.75 (Selvaraju Eq. 1).
    torch.testing.assert_close(method.weights, torch.tensor([[5.0, 0.75]]))
    torch.testing.assert_close(low, torch.relu(5 * a[0, 0] + 0.75 * a[0, 1])[None])
    # Class 1 has the opposite gradient, so the ReLU keeps nothing.
    assert float(method.low_resolution(a, targets=1).abs().max()) == 0.0


def test_grad_cam_pp_weights_loop_reference(images):
    model = TinyNonlinear().eval()
    method = GradCAMPlusPlus(model, model.body[4])
    method.low_resolution(images, targets=[0, 1, 2])
    # Recompute alpha (Chattopadhay Eq. 19) and w (Eq. 7) pixel by pixel.
    with ActivationRecorder(model, model.body[4]) as rec:
        logits = model(images)
    a = rec.activation
    g = torch.autograd.grad(logits[torch.arange(3), torch.tensor([0, 1, 2])].sum(), a)[0]
    a, g = a.detach().double(), g.double()
    expected = torch.zeros(a.shape[:2], dtype=torch.float64)
    for b in range(a.shape[0]):
        for k in range(a.shape[1]):
            s = float(a[b, k].sum())
            for i in range(a.shape[2]):
                for j in range(a.shape[3]):
                    gij = float(g[b, k, i, j])
                    den = 2 * gij**2 + s * gij**3
                    alpha = gij**2 / den if den != 0 else 0.0
                    expected[b, k] += alpha * max(gij, 0.0)
    torch.testing.assert_close(method.weights.double(), expected, rtol=1e-4, atol=1e-7)


def test_cam_weights_are_fc_rows(images):
    model = TinyGAP().eval()
    method = CAM(model, "relu")
    method(images, targets=[2, 0, 1])
    torch.testing.assert_close(method.weights, model.fc.weight[[2, 0, 1]])


def test_grad_cam_equals_cam_for_gap_linear(images):
    model = TinyGAP().eval()
    for target in range(3):
        cam = CAM(model, model.relu)(images, targets=target)
        grad = GradCAM(model, model.relu)(images, targets=target)
        torch.testing.assert_close(cam, grad, atol=1e-5, rtol=0)


def test_score_cam_cic_by_hand():
    # A linear "model" f(x) = sum(x * v): f(X o H^k) - f(0) = sum(X * H^k * v).
    class Lin(nn.Module):
        def __init__(self, v):
            super().__init__()
            self.v = v
            self.layer = nn.Identity()

        def forward(self, x):
            self.layer(x[:, :2])
            return torch.stack([(x * self.v).sum(dim=(1, 2, 3)), torch.zeros(len(x))], dim=1)

    g = torch.Generator().manual_seed(0)
    x = torch.rand(2, 3, 4, 4, generator=g)
    v = torch.randn(1, 3, 4, 4, generator=g)
    masks = torch.rand(2, 5, 4, 4, generator=g)
    cic = channel_increase_of_confidence(Lin(v), x, masks, torch.tensor([0, 0]), chunk_size=3)
    expected = (x[:, None] * masks[:, :, None] * v[:, None]).sum(dim=(2, 3, 4))
    torch.testing.assert_close(cic, expected)


# ---------------------------------------------------------------- shared behaviour

@pytest.mark.parametrize("name", list(METHODS))
def test_methods_shape_range_dtype(name, images):
    model = TinyGAP().eval()
    maps = METHODS[name](model, model.relu)(images)
    assert maps.shape == (3, 16, 16) and maps.dtype == images.dtype
    assert float(maps.min()) >= 0.0 and float(maps.max()) <= 1.0
    assert all(float(m.max()) in (0.0, 1.0) for m in maps)
    maps64 = METHODS[name](model.double(), model.relu)(images.double())
    assert maps64.dtype == torch.float64
    model.float()


def test_score_cam_chunk_sizes_identical(images):
    model = TinyNonlinear(k=20).eval()
    maps = [ScoreCAM(model, model.body[4], chunk_size=c)(images, targets=1) for c in (1, 16, 20, 3 * 20)]
    for m in maps[1:]:
        torch.testing.assert_close(m, maps[0], rtol=0, atol=1e-6)


def test_score_cam_forward_pass_count(images):
    model = TinyNonlinear(k=20).eval()
    method = ScoreCAM(model, model.body[4], chunk_size=7)
    with count_forward_passes(model) as n:
        method(images)
    constant = int((method.activations.flatten(2).amax(-1) == method.activations.flatten(2).amin(-1)).sum())
    # 1 pass for the activations, 1 per non-constant channel, and 1 black image shared by the rest.
    assert n.images == 3 * 1 + (3 * 20 - constant) + 1
    with count_forward_passes(model) as n:
        GradCAM(model, model.body[4])(images)
    assert (n.calls, n.images) == (1, 3)


def test_score_cam_reference_loop(images):
    """The batched Score-CAM equals a per-channel loop written from Algorithm 1."""
    model = TinyNonlinear(k=6).eval()
    method = ScoreCAM(model, model.body[4], chunk_size=4)
    got = method(images, targets=3)
    for b in range(3):
        with torch.no_grad(), ActivationRecorder(model, model.body[4]) as rec:
            model(images[b : b + 1])
            a = rec.activation[0]
            s = []
            for k in range(a.shape[0]):
                m = torch.nn.functional.interpolate(a[None, None, k], size=(16, 16), mode="bilinear")[0, 0]
                m = (m - m.min()) / (m.max() - m.min()) if m.max() > m.min() else torch.zeros_like(m)
                s.append(model(images[b : b + 1] * m)[0, 3] - model(torch.zeros_like(images[:1]))[0, 3])
            alpha = torch.softmax(torch.stack(s), 0)
            cam = torch.relu((alpha[:, None, None] * a).sum(0))
            cam = torch.nn.functional.interpolate(cam[None, None], size=(16, 16), mode="bilinear")[0, 0]
            cam = (cam - cam.min()) / (cam.max() - cam.min())
        torch.testing.assert_close(got[b], cam, atol=1e-5, rtol=0)


def test_recorder_removes_hook_on_error():
    model = TinyGAP().eval()
    with pytest.raises(RuntimeError):
        with ActivationRecorder(model, model.relu):
            assert len(model.relu._forward_hooks) == 1
            raise RuntimeError("boom")
    assert len(model.relu._forward_hooks) == 0


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(64, 64), (16, 40), (5, 3), (8, 8)])
def test_upsample_equals_interpolate(size, align_corners):
    """The separable (matrix) bilinear resizing gives F.interpolate's numbers, up and down."""
    maps = torch.rand(2, 7, 8, 6, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    expected = torch.nn.functional.interpolate(maps, size=size, mode="bilinear", align_corners=align_corners)
    torch.testing.assert_close(upsample(maps, size, align_corners=align_corners), expected, rtol=0, atol=1e-12)
    torch.testing.assert_close(upsample(maps[0], size, align_corners=align_corners), expected[0], rtol=0, atol=1e-12)


def test_minmax_and_upsample():
    m = torch.tensor([[[1.0, 3.0], [5.0, 9.0]], [[2.0, 2.0], [2.0, 2.0]]])
    n = minmax_normalize(m)
    torch.testing.assert_close(n[0], torch.tensor([[0.0, 0.25], [0.5, 1.0]]))
    assert float(n[1].abs().max()) == 0.0
    assert upsample(m, (4, 6)).shape == (2, 4, 6)
    masks = channel_masks(torch.rand(1, 4, 2, 2), (8, 8))
    assert masks.shape == (1, 4, 8, 8) and float(masks.amax()) == 1.0


# ---------------------------------------------------------------- pytorch-grad-cam as the oracle

def _corr(a, b):
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    return float(np.corrcoef(a, b)[0, 1])


@pytest.fixture(scope="module")
def scene_setup():
    """The shipped model when it is there (a realistic case), else a randomised SceneCNN."""
    from vklib.cam.model import load_scene_cnn
    from vklib.data import make_scenes

    scenes = make_scenes(6, seed=5)
    x = torch.from_numpy(scenes.images.transpose(0, 3, 1, 2).copy())
    try:
        return load_scene_cnn(), x
    except FileNotFoundError:
        pass
    torch.manual_seed(0)
    model = SceneCNN().eval()
    # Untrained weights would give near-uniform maps; give batch norm non-trivial statistics.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.3, 0.3)
    return model, x


ORACLE_CASES = [
    ("Grad-CAM", "GradCAM", {}),
    # pytorch-grad-cam adds 1e-6 to Eq. 19's denominator (see GradCAMPlusPlus's docstring).
    ("Grad-CAM++", "GradCAMPlusPlus", {"eps": 1e-6}),
    # Its masks use nn.UpsamplingBilinear2d, i.e. align_corners=True ...
    ("Score-CAM", "ScoreCAM", {"chunk_size": 64, "align_corners": True}),
    # ... the reference code's F.interpolate default is align_corners=False: other masks, so
    # other maps (correlation about 0.93 on the trained model), checked with a looser bound.
    ("Score-CAM", "ScoreCAM", {"chunk_size": 64, "align_corners": False}),
]


@pytest.mark.parametrize("ours, theirs, kwargs", ORACLE_CASES)
def test_against_pytorch_grad_cam(ours, theirs, kwargs, scene_setup):
    pgc = pytest.importorskip("pytorch_grad_cam")
    import contextlib
    import os

    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    model, x = scene_setup
    layer = model.features[-1]
    targets = [1, 4, 0, 5, 2, 3]
    mine = METHODS[ours](model, layer, **kwargs)(x, targets=targets).numpy()
    with getattr(pgc, theirs)(model=model, target_layers=[layer]) as ref:
        if theirs == "ScoreCAM":
            ref.batch_size = 64
        with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull):  # its tqdm bars
            theirs_maps = ref(input_tensor=x, targets=[ClassifierOutputTarget(t) for t in targets])
    compared = 0
    for m, t in zip(mine, theirs_maps):
        if m.max() == 0 and t.max() < 1e-6:  # no positive evidence: both give an all-zero map
            continue
        # Both: ReLU, bilinear upsampling with half-pixel centres (F.interpolate / cv2.resize),
        # min-max; pytorch-grad-cam's extra 1e-7 in the divisor and second min-max change nothing.
        if kwargs.get("align_corners", True):
            assert _corr(m, t) >= 0.999, (ours, _corr(m, t))
            np.testing.assert_allclose(m, t, atol=2e-3)
        else:  # the documented difference of upsampling conventions
            assert _corr(m, t) >= 0.8, (ours, _corr(m, t))
        compared += 1
    assert compared >= 3


def test_grad_cam_pp_eps_matters(scene_setup):
    """Without pytorch-grad-cam's eps, the paper's Eq. 19 gives visibly different weights here."""
    model, x = scene_setup
    a = GradCAMPlusPlus(model, model.features[-1])
    b = GradCAMPlusPlus(model, model.features[-1], eps=1e-6)
    a(x, targets=0)
    b(x, targets=0)
    assert not torch.allclose(a.weights, b.weights, rtol=1e-2)


# ---------------------------------------------------------------- metrics against loop references

def _curve_reference(model, images, saliency, targets, mode, steps, baseline):
    b, c, h, w = images.shape
    out = np.zeros((b, steps + 1))
    for i in range(b):
        order = sorted(range(h * w), key=lambda p: (-float(saliency[i].reshape(-1)[p]), p))
        for t in range(steps + 1):
            n = int(round(t * h * w / steps))
            x = images[i].clone() if mode == "deletion" else baseline[i].clone()
            src = baseline[i] if mode == "deletion" else images[i]
            for p in order[:n]:
                x[:, p // w, p % w] = src[:, p // w, p % w]
            with torch.no_grad():
                out[i, t] = float(torch.softmax(model(x[None]), 1)[0, targets[i]])
    return out


@pytest.mark.parametrize("mode", ["deletion", "insertion"])
def test_deletion_insertion_equal_loop_reference(mode, images):
    model = TinyNonlinear().eval()
    g = torch.Generator().manual_seed(3)
    saliency = torch.rand(3, 16, 16, generator=g)
    saliency[0, :4] = 0.5  # ties are broken by pixel index in both
    baseline = torch.rand(3, 3, 16, 16, generator=g)
    got = deletion_insertion_curves(model, images, saliency, [0, 2, 3], mode=mode, steps=7, baseline=baseline,
                                    chunk_size=5)
    ref = _curve_reference(model, images, saliency, [0, 2, 3], mode, 7, baseline)
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-5, atol=1e-6)
    assert got.shape == (3, 8)


def test_deletion_default_baselines(images):
    model = TinyNonlinear().eval()
    s = torch.rand(3, 16, 16)
    d = deletion_insertion_curves(model, images, s, mode="deletion", steps=4)
    with torch.no_grad():
        p = torch.softmax(model(images), 1)
        black = torch.softmax(model(torch.zeros_like(images)), 1)
    t = p.argmax(1)
    torch.testing.assert_close(d[:, 0], p[torch.arange(3), t])
    torch.testing.assert_close(d[:, -1], black[torch.arange(3), t])
    ins = deletion_insertion_curves(model, images, s, mode="insertion", steps=4)
    torch.testing.assert_close(ins[:, -1], p[torch.arange(3), t])


def test_auc_known_values():
    torch.testing.assert_close(auc(torch.tensor([1.0, 1.0, 1.0])), torch.tensor(1.0))
    torch.testing.assert_close(auc(torch.tensor([1.0, 0.0])), torch.tensor(0.5))
    torch.testing.assert_close(auc(torch.tensor([[0.0, 1.0, 0.0, 1.0]])), torch.tensor([0.5]))
    x = torch.rand(9)
    torch.testing.assert_close(auc(x), torch.tensor(np.trapezoid(x.numpy(), dx=1 / 8), dtype=torch.float32))


def test_pointing_games():
    s = torch.zeros(3, 5, 5)
    s[0, 1, 1] = 1.0  # peak on the object
    s[1, 4, 4] = 1.0  # peak off the object, one pixel away
    masks = torch.zeros(3, 5, 5, dtype=torch.bool)
    masks[:, 1:4, 1:4] = True
    assert pointing_game(s, masks).tolist() == [True, False, False]  # constant map: a miss
    assert pointing_game(s, masks, tolerance=1).tolist() == [True, True, False]
    s[1, 2, 2] = 1.0
    torch.testing.assert_close(energy_pointing_game(s, masks), torch.tensor([1.0, 0.5, 0.0]))


def test_pointing_game_ignores_rounding_level_ties():
    # A plateau of two maxima: (1, 1) on the object, (3, 3) off it. Rounding noise of either
    # sign must not move the peak: it is the first pixel of the plateau in raster order.
    masks = torch.zeros(1, 5, 5, dtype=torch.bool)
    masks[0, 1, 1] = True
    for noise in (0.0, 1e-7, -1e-7):
        s = torch.zeros(1, 5, 5)
        s[0, 1, 1] = 1.0
        s[0, 3, 3] = 1.0 + noise
        assert pointing_game(s, masks).tolist() == [True]
        assert pointing_game(s, masks, rtol=0.0).tolist() == [noise <= 0]  # exact argmax: rounding decides
    with pytest.raises(ValueError, match="rtol"):
        pointing_game(s, masks, rtol=1.0)


def test_overlay():
    img = np.full((4, 4, 3), 0.5, np.float32)
    out = overlay(img, np.zeros((4, 4), np.float32), alpha=0.0)
    np.testing.assert_allclose(out, img)
    assert overlay(img, torch.ones(4, 4), alpha=1.0).shape == (4, 4, 3)
    with pytest.raises(ValueError, match="alpha"):
        overlay(img, np.zeros((4, 4), np.float32), alpha=2.0)
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        overlay(img, np.zeros((3, 4), np.float32))


# ---------------------------------------------------------------- bad input

def test_bad_input(images):
    model = TinyGAP().eval()
    method = GradCAM(model, model.relu)
    with pytest.raises(ValueError, match="ndim|dimensions|shape"):
        method(images[0])
    with pytest.raises(TypeError, match="torch.Tensor"):
        method(images.numpy())
    with pytest.raises(TypeError, match="float"):
        method((images * 255).to(torch.uint8))
    bad = images.clone()
    bad[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN|finite"):
        method(bad)
    with pytest.raises(ValueError, match="out of range"):
        method(images, targets=3)
    with pytest.raises(ValueError, match="out of range"):
        method(images, targets=[0, -1, 1])
    with pytest.raises(ValueError, match="one class per image"):
        method(images, targets=[0, 1])
    with pytest.raises(TypeError, match="integers"):
        method(images, targets=torch.tensor([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="not a submodule"):
        GradCAM(model, "features.99")
    with pytest.raises(ValueError, match="not a submodule"):
        GradCAM(model, nn.ReLU())
    with pytest.raises(TypeError, match="nn.Module"):
        GradCAM(model, 3)
    with pytest.raises(ValueError, match="chunk_size"):
        ScoreCAM(model, model.relu, chunk_size=0)
    with pytest.raises(ValueError, match="eval"):
        GradCAM(TinyGAP().train(), "relu")(images)
    with pytest.raises(ValueError, match="saliency must be"):
        deletion_insertion_curves(model, images, torch.rand(3, 8, 8))
    with pytest.raises(ValueError, match="mode"):
        deletion_insertion_curves(model, images, torch.rand(3, 16, 16), mode="both")
    with pytest.raises(TypeError, match="bool"):
        pointing_game(torch.rand(2, 4, 4), torch.ones(2, 4, 4))
    with pytest.raises(ValueError, match="non-negative"):
        energy_pointing_game(-torch.ones(2, 4, 4), torch.ones(2, 4, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="Linear"):
        CAM(nn.Sequential(nn.Conv2d(3, 2, 1)), "0")


def test_cam_needs_pooled_layer(images):
    model = TinyNonlinear().eval()
    with pytest.raises(ValueError, match="pooled"):
        CAM(model, model.body[4])(images)


def test_shipped_model_loads_and_is_accurate():
    from vklib.cam.model import load_scene_cnn, scene_cnn_meta
    from vklib.data import make_scenes

    meta = scene_cnn_meta()  # the shipped record, found by vklib.resources.data_path
    model = load_scene_cnn()
    assert meta["held_out_accuracy"] >= 0.90
    s = make_scenes(300, seed=2)  # the first 300 of the held-out scenes
    x = torch.from_numpy(s.images.transpose(0, 3, 1, 2).copy())
    with torch.no_grad():
        acc = float((model(x).argmax(1).numpy() == s.labels).mean())
    assert acc >= 0.88
    assert model.features[-1][0].out_channels >= 256


@pytest.mark.gpu
def test_cuda_maps_and_metrics_match_cpu(images):
    """Every method and the deletion curve on CUDA: same device out, same numbers as on the CPU."""
    model = TinyNonlinear(k=20).eval()
    layer = model.body[4]
    cpu = {name: METHODS[name](model, layer)(images, targets=1) for name in ("Grad-CAM", "Grad-CAM++", "Score-CAM")}
    curve_cpu = deletion_insertion_curves(model, images, cpu["Grad-CAM"], [0, 1, 2], steps=5)
    model.cuda()
    x = images.cuda()
    for name, expected in cpu.items():
        got = METHODS[name](model, model.body[4])(x, targets=1)
        assert got.device.type == "cuda" and got.dtype == torch.float32
        torch.testing.assert_close(got.cpu(), expected, atol=1e-4, rtol=0)
    curve = deletion_insertion_curves(model, x, cpu["Grad-CAM"].cuda(), [0, 1, 2], steps=5)
    assert curve.device.type == "cuda"
    torch.testing.assert_close(curve.cpu(), curve_cpu, atol=1e-4, rtol=0)


def test_fold_batchnorm_same_scores_and_model_untouched(scene_setup):
    from vklib.cam import fold_batchnorm

    model, x = scene_setup
    before = {k: v.clone() for k, v in model.state_dict().items()}
    folded = fold_batchnorm(model)
    assert folded is not model
    assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules())
    assert sum(isinstance(m, nn.BatchNorm2d) for m in model.modules()) == 4  # the original keeps its BN
    with torch.no_grad():
        torch.testing.assert_close(folded(x), model(x), atol=1e-4, rtol=1e-5)
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k
    plain = TinyNonlinear()
    assert fold_batchnorm(plain.eval()) is plain  # nothing to fold: the model itself
    layer = model.features[-1]
    a = ScoreCAM(model, layer, fuse=True)(x[:3], targets=[0, 1, 2])
    b = ScoreCAM(model, layer, fuse=False)(x[:3], targets=[0, 1, 2])
    torch.testing.assert_close(a, b, atol=1e-4, rtol=0)
    with count_forward_passes(model) as n:  # the folded copy keeps the counting hook
        ScoreCAM(model, layer)(x[:1])
    assert n.images > 200  # 1 + up to 256 masked passes (+ 1 black image) per image


def test_inference_copy_same_function_relus_in_place_only_where_safe(scene_setup):
    from vklib.cam import inference_copy

    model, x = scene_setup
    fast = inference_copy(model)
    relus = [m for m in fast.modules() if isinstance(m, nn.ReLU)]
    assert len(relus) == 4 and all(m.inplace for m in relus)  # each follows a (folded) convolution
    assert not any(m.inplace for m in model.modules() if isinstance(m, nn.ReLU))  # the model is untouched
    assert not any(isinstance(m, nn.BatchNorm2d) for m in fast.modules())
    with torch.no_grad():
        torch.testing.assert_close(fast(x), model(x), atol=1e-4, rtol=1e-5)

    # Where the ReLU's input may be seen by someone else, it keeps writing a new tensor.
    kept = []
    net = nn.Sequential(nn.ReLU(), nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.ReLU(),
                        nn.Conv2d(4, 4, 1), nn.Identity(), nn.ReLU(), nn.Conv2d(4, 4, 1), nn.ReLU()).eval()
    net[8].register_forward_hook(lambda mod, inp, out: kept.append(out))  # a hook keeps conv 8's output
    fast = inference_copy(net)
    assert [i for i, m in enumerate(fast) if isinstance(m, nn.ReLU) and m.inplace] == [2, 7]
    y = torch.randn(2, 3, 12, 12)
    with torch.no_grad():
        got = fast(y)
        assert len(kept) == 1 and (kept[0] < 0).any()  # the copy's hook saw conv 8's output unchanged
        torch.testing.assert_close(got, net(y))
    nothing = nn.Sequential(nn.Tanh(), nn.ReLU())
    assert inference_copy(nothing) is nothing  # nothing to change: the model itself


def test_inference_copy_pools_2x2_by_strided_maxima_with_the_same_numbers():
    from vklib.cam import inference_copy
    from vklib.cam.inference import _MaxPool2x2

    gen = torch.Generator().manual_seed(0)
    pool = nn.MaxPool2d(2)
    for shape in [(2, 3, 8, 8), (2, 3, 9, 7), (3, 2, 2, 2), (3, 2, 3)]:
        x = torch.randn(shape, generator=gen)
        x.view(-1)[:2] = float("nan")  # NaN propagates, as in max_pool2d
        layouts = (x, x.contiguous(memory_format=torch.channels_last)) if x.ndim == 4 else (x,)
        for y in layouts:
            got, want = _MaxPool2x2()(y), pool(y)
            assert got.shape == want.shape
            torch.testing.assert_close(got, want, rtol=0, atol=0, equal_nan=True)
    with pytest.raises(RuntimeError, match="too small"):  # no 2 x 2 window: max_pool2d's own error
        _MaxPool2x2()(torch.randn(1, 1, 1, 5))
    assert _MaxPool2x2()(torch.randn(2, 3, 8, 8).contiguous(memory_format=torch.channels_last)).is_contiguous(
        memory_format=torch.channels_last)
    # Replaced only where it is the same function, and never when hooked.
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.MaxPool2d(2), nn.MaxPool2d(2, stride=1), nn.MaxPool2d(2, ceil_mode=True),
                        nn.MaxPool2d((2, 2), padding=0), nn.MaxPool2d(2)).eval()
    net[5].register_forward_hook(lambda *a: None)
    fast = inference_copy(net)
    assert [type(m).__name__ for m in fast] == ["Conv2d", "_MaxPool2x2", "MaxPool2d", "MaxPool2d", "_MaxPool2x2",
                                                "MaxPool2d"]
    assert all(type(m) is nn.MaxPool2d for m in net[1:])  # the model itself is untouched
    y = torch.randn(2, 3, 40, 38, generator=gen)
    with torch.no_grad():
        torch.testing.assert_close(fast(y), net(y), rtol=0, atol=1e-6)


def test_resnet50_switch_fails_fast_offline(monkeypatch):
    """The CAM chapter's pretrained path: offline, a clear error within 2 s and no download attempt."""
    import time

    from vklib.cam.model import load_resnet50

    monkeypatch.setenv("VKLIB_OFFLINE", "1")
    start = time.perf_counter()
    with pytest.raises(ConnectionError, match="ResNet-50.*offline.*USE_PRETRAINED = False"):
        load_resnet50()
    assert time.perf_counter() - start < 2.0


def test_chapter_quotes_its_evaluation():
    """The conclusion under the evaluation table states the numbers the committed cell printed
    (nbval keeps those outputs true to the code; this keeps the prose true to the outputs)."""
    from pathlib import Path

    import nbformat

    nb = nbformat.read(Path(__file__).resolve().parents[1] / "chapters" / "04_cam.ipynb", as_version=4)
    printed = next("".join(o.get("text", "") for o in c.outputs) for c in nb.cells
                   if c.cell_type == "code" and "Paired differences" in "".join(o.get("text", "") for o in c.outputs))
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown").replace("−", "-")
    lines = {line[:24].strip(): line[24:].split() for line in printed.splitlines()}

    def paired(row, column):  # "+0.160 ± 0.034" from the printed row and column (0 = deletion AUC)
        return " ".join(lines[row][3 * column: 3 * column + 3])

    for row, column in [("Grad-CAM - random map", 1), ("Grad-CAM - random map", 0), ("Score-CAM - Grad-CAM", 1),
                        ("Score-CAM - Grad-CAM", 2)]:
        assert paired(row, column) in prose, f"the chapter does not quote {row}: {paired(row, column)}"
    table = {line[:22].strip(): line[22:].split() for line in printed.splitlines()}
    assert f"{100 * float(table['Score-CAM'][2]):.1f} %" in prose  # the pointing game


# ---------------------------------------------------------------- bad input the metrics once mishandled

def test_blur_baseline_half_precision_cpu_is_fast_and_keeps_dtype():
    """float16 CPU convolutions can take minutes: blur_baseline upcasts instead of hanging."""
    import time

    from vklib.cam import blur_baseline

    x = torch.rand(4, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    start = time.perf_counter()
    for dtype in (torch.float16, torch.bfloat16):
        got = blur_baseline(x.to(dtype))
        assert got.dtype == dtype and got.shape == x.shape
        torch.testing.assert_close(got.float(), blur_baseline(x), atol=1e-2, rtol=0)
    assert time.perf_counter() - start < 10.0
    with pytest.raises(TypeError, match="float"):
        blur_baseline((x * 255).to(torch.uint8))
    with pytest.raises(ValueError, match="sigma"):
        blur_baseline(x, sigma=0.0)


def test_auc_integer_curves_do_not_wrap():
    """uint8 sums would wrap at 256; integer curves are summed in float64."""
    curve = torch.full((200,), 200, dtype=torch.uint8)
    assert float(auc(curve)) == 200.0
    torch.testing.assert_close(auc(torch.tensor([[True, False]])), torch.tensor([0.5], dtype=torch.float64))
    with pytest.raises(TypeError, match="real"):
        auc(torch.ones(3, dtype=torch.complex64))
    with pytest.raises(ValueError, match="at least 2 points"):
        auc(torch.tensor(1.0))


def test_minmax_normalize_rejects_nan_and_inf():
    maps = torch.rand(2, 4, 4, generator=torch.Generator().manual_seed(0))
    for bad in (float("nan"), float("inf")):
        m = maps.clone()
        m[1, 2, 3] = bad
        with pytest.raises(ValueError, match="NaN|infinite"):
            minmax_normalize(m)
    out = minmax_normalize(maps)  # finite maps: each in [0, 1], min 0 and max 1
    assert torch.isfinite(out).all() and float(out.amin()) == 0.0 and float(out.amax()) == 1.0


def test_grad_cam_weights_rejects_empty_maps_and_bad_types():
    from vklib.cam import grad_cam_weights

    with pytest.raises(ValueError, match="at least one position"):
        grad_cam_weights(torch.zeros(1, 3, 0, 0))
    with pytest.raises(ValueError, match="at least one position"):
        grad_cam_weights(torch.zeros(1, 3, 4, 0))
    with pytest.raises(ValueError, match=r"\(B, K, h, w\)"):
        grad_cam_weights(torch.zeros(3, 4, 4))
    with pytest.raises(TypeError, match="floating-point"):
        grad_cam_weights(torch.zeros(1, 3, 4, 4, dtype=torch.int64))
    with pytest.raises(TypeError, match="torch.Tensor"):
        grad_cam_weights(np.zeros((1, 3, 4, 4)))


# ---------------------------------------------------------------- the chapter's equations and exercises

def _chapter():
    from pathlib import Path

    import nbformat

    return nbformat.read(Path(__file__).resolve().parents[1] / "chapters" / "04_cam.ipynb", as_version=4)


def _latex_to_python(tex: str) -> str:
    """Translate the few LaTeX constructs of the Grad-CAM++ equations into a Python expression."""
    import re

    names = {r"\mathrm{ReLU}": "relu", r"\bar A^k": "abar", "w_k^c": "w", "g^k_{ij}": "g",
             r"\sum_{a,b} A^k_{ab}": "S", r"\,": " * ", "^": "**"}
    for tex_name, py in names.items():
        tex = tex.replace(tex_name, py)
    while r"\frac" in tex:  # innermost-first is not needed: the arguments hold no \frac
        tex = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"((\1) / (\2))", tex)
    tex = re.sub(r"(\d)\s*\(", r"\1 * (", tex)          # "2 (g)**2" -> "2 * (g)**2"
    tex = re.sub(r"\)\s*\(", r") * (", tex)
    tex = re.sub(r"(\w)\s+(?=[A-Za-z(])", r"\1 * ", tex)  # "S * g" where LaTeX juxtaposes
    return tex


def test_grad_cam_pp_equations_in_the_chapter_match_the_code():
    """Evaluate the two Grad-CAM++ equations exactly as the chapter prints them, and compare with
    grad_cam_pp_weights: the general a_ij of Eq. 19, and the closed form for a GAP + linear network."""
    import re

    from vklib.cam import grad_cam_pp_weights

    prose = "\n".join(c.source for c in _chapter().cells if c.cell_type == "markdown")
    general = re.search(r"a\^\{kc\}_\{ij\} = (\\frac\{\(g\^k_\{ij\}\)\^2\}\{[^\n]*?\})\s*\n", prose)
    closed = re.search(r"\\alpha_k\^c = (\\frac\{\\mathrm\{ReLU\}\(w_k\^c\)\}\{[^}]*\})", prose)
    assert general and closed, "the chapter no longer prints the Grad-CAM++ equations in the tested form"
    a_of = eval("lambda g, S: " + _latex_to_python(general.group(1)))  # noqa: S307 - our own text
    alpha_of = eval("lambda w, abar, relu: " + _latex_to_python(closed.group(1)))  # noqa: S307

    gen = torch.Generator().manual_seed(0)
    acts = torch.rand(2, 7, 5, 6, generator=gen, dtype=torch.float64) * 3
    grads = torch.randn(2, 7, 5, 6, generator=gen, dtype=torch.float64)
    s = acts.sum((2, 3), keepdim=True)
    by_text = (a_of(grads, s) * torch.relu(grads)).sum((2, 3))
    torch.testing.assert_close(by_text, grad_cam_pp_weights(acts, grads))

    w = torch.randn(2, 7, generator=gen, dtype=torch.float64)  # GAP + linear: g = w / (hw) everywhere
    gap_grads = (w / 30)[..., None, None].expand(2, 7, 5, 6)
    by_text = alpha_of(w, acts.mean((2, 3)), torch.relu)
    torch.testing.assert_close(by_text, grad_cam_pp_weights(acts, gap_grads))
    assert not torch.allclose(30 * by_text, grad_cam_pp_weights(acts, gap_grads))  # hw times too large fails


def test_max_pool_prediction_feedback_names_the_misconception():
    from vklib.cam.questions import MAX_POOL_OPTIONS, check_max_pool_prediction

    assert check_max_pool_prediction("a")
    assert check_max_pool_prediction(" A ")
    wrong = {"b": "confuses the gradient at one position with the channel's weight",
             "c": "w_k^c / (hw), not w_k^c", "d": "does not enter the weight"}
    for option, phrase in wrong.items():
        result = check_max_pool_prediction(option)
        assert not result and phrase in result.message, (option, result.message)
    assert set(MAX_POOL_OPTIONS) == {"a", "b", "c", "d"}
    assert not check_max_pool_prediction(...) and not check_max_pool_prediction("e")


def test_chapter_lists_the_max_pool_options_as_the_check_knows_them():
    from vklib.cam.questions import MAX_POOL_OPTIONS

    prose = "\n".join(c.source for c in _chapter().cells if c.cell_type == "markdown")
    for key, text in MAX_POOL_OPTIONS.items():
        assert f'`"{key}"`: {text.split(":")[0]}' in prose, key


def test_max_pool_answer_is_what_the_network_does():
    """Option "a" is right: with global max pooling Grad-CAM's weights are CAM's divided by hw."""
    import copy

    model = TinyGAP(k=6).eval()
    model_max = copy.deepcopy(model)

    class MaxPooled(nn.Module):
        def __init__(self, base):
            super().__init__()
            self.conv, self.relu, self.fc = base.conv, base.relu, base.fc

        def forward(self, x):
            return self.fc(self.relu(self.conv(x)).amax(dim=(2, 3)))

    net = MaxPooled(model_max).eval()
    x = torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(2))
    cam, grad = CAM(net, net.relu, fc=net.fc), GradCAM(net, net.relu)
    torch.testing.assert_close(cam(x, targets=1), grad(x, targets=1), atol=1e-6, rtol=0)
    torch.testing.assert_close(grad.weights * 256, cam.weights, atol=1e-6, rtol=1e-5)


def _check_cells():
    return [c for c in _chapter().cells if c.cell_type == "code" and "check" in c.metadata.get("tags", [])
            and "interpret" not in c.metadata.get("tags", [])]


def test_every_case_of_every_check_rejects_zero_and_identity_answers():
    """Run each check cell with check() recorded, then feed each case alone to an all-zero answer and
    to an identity answer: every single case must fail both."""
    import copy
    import re

    import vklib.cam as vc
    from vklib import exercises
    from vklib.cam.model import load_scene_cnn

    recorded = []
    namespace = {"torch": torch, "np": np, "vc": vc, "device": torch.device("cpu"), "model": load_scene_cnn()}
    real_check = exercises.check
    try:
        exercises.check = lambda learner, reference, cases, **kw: recorded.append((reference, list(cases), kw))
        for cell in _check_cells():
            for learner in re.findall(r"check\((\w+),", cell.source):
                namespace.setdefault(learner, None)  # the learner is replaced below
            exec(cell.source, namespace)  # noqa: S102 - the chapter's own cells
    finally:
        exercises.check = real_check
    assert len(recorded) == len(_check_cells()) >= 4

    for reference, cases, kw in recorded:
        def zero(*args, reference=reference):  # the reference's shape and dtype, all zeros
            out = reference(*copy.deepcopy(args))
            return torch.zeros_like(out) if torch.is_tensor(out) else np.zeros_like(out)

        def identity(*args):
            return args[0]

        for case in cases:
            args = case if isinstance(case, tuple) else (case,)
            for answer in (zero, identity):
                result = real_check(answer, reference, [args if len(args) > 1 else args[0]], **kw)
                assert not result, (reference.__name__, answer.__name__, case)


def _printed(marker: str) -> str:
    """The printed output of the chapter's code cell whose output contains ``marker``."""
    for cell in _chapter().cells:
        if cell.cell_type == "code":
            text = "".join(o.get("text", "") for o in cell.get("outputs", []))
            if marker in text:
                return text
    raise AssertionError(f"no cell printed {marker!r}")


def test_chapter_quotes_what_its_cells_print():
    """Every number the prose states about the layers, the channels and the fading path is the one
    the cell above it printed."""
    import re

    prose = "\n".join(c.source for c in _chapter().cells if c.cell_type == "markdown").replace("−", "-")

    layer4 = _printed("Grad-CAM at features.4")
    line = next(ln for ln in layer4.splitlines() if "features.4" in ln)
    median, largest, corr = re.search(r"median ([\d.]+), largest ([\d.]+); median correlation ([\d.]+)", line).groups()
    assert f"differs by {median} of\nthe map's range" in prose and f"worst scene by {largest}" in prose
    assert f"median correlation {corr}" in prose

    fc = _printed("overrated by the gradient")
    k_rank, k_cic = re.search(r"overrated by the gradient\s+channel\s+\d+: gradient weight rank\s+(\d+)/256, "
                              r"CIC ([-+][\d.]+)", fc).groups()
    best = re.search(r"largest CIC\s+channel\s+\d+: .*CIC ([-+][\d.]+)", fc).group(1)
    r_med, r_low = re.search(r"median over 50 scenes ([-\d.]+), lowest ([-\d.]+)", fc).groups()
    n_bad, n_all, n_scenes = re.search(r"CIC <= 0: (\d+) of (\d+), on (\d+) of 50", fc).groups()
    assert f"the {k_rank}th largest gradient weight" in prose and f"scores {k_cic} against" in prose
    assert f"raises the logit by {best}" in prose
    assert f"median of {r_med} across the 50 scenes (lowest {r_low})" in prose
    assert f"{n_bad} of {n_all} belong" in prose and f"on {n_scenes} of the 50" in prose

    path = _printed("median logit")
    rows = [ln.split() for ln in path.splitlines()[1:] if ln.strip()]
    first, last = rows[0], rows[-1]
    assert first[0] == "0.0" and last[0] == "1.0"
    assert f"({first[3]} and {first[4]} of its final size" in prose
    assert f"rises from {first[1]} to {last[1]}" in prose
    assert all(r[2] == "1.000" for r in rows)  # "the same at every s" at features[-1]

    table = _printed("Paired differences")
    rows = {ln[:22].strip(): ln[22:].split() for ln in table.splitlines()}
    ins = sorted(rows[m][1] for m in ("Grad-CAM", "Grad-CAM++", "Score-CAM"))
    assert f"AUCs of {ins[0]} to {ins[-1]}" in prose
    assert f"against\n{rows['random map'][1]} for a random map" in prose
    assert f"blurred true mask ({rows['true mask (blurred)'][1]})" in prose
    assert f"{rows['random map'][0]} for a random map and {rows['true mask (blurred)'][0]} for the mask" in prose
    assert f"against {rows['true mask (blurred)'][3]} for the" in prose
    steps = re.search(r"(\d+) steps of (\d+) pixels", table)
    assert f"steps of {steps.group(2)} pixels" in prose


# ---------------------------------------------------------------- inference copies of standard networks

def _seeded_resnet18():
    torchvision = pytest.importorskip("torchvision")
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None, num_classes=10)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.rand(m.num_features, generator=gen) * 0.4 - 0.2)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) * 1.5 + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.bias.copy_(torch.rand(m.num_features, generator=gen) * 0.6 - 0.3)
    return model.eval()


def test_inference_copy_folds_the_batch_norms_inside_resnet_blocks():
    """torchvision's blocks wire conv1/bn1 by attribute: the fx-traced folding finds all 20 pairs."""
    from vklib.cam import fold_batchnorm, inference_copy

    model = _seeded_resnet18()
    seen = []
    model.layer4.register_forward_hook(lambda mod, inp, out: seen.append(out))  # tracing must not call it
    model.layer3[1].bn2.register_forward_hook(lambda mod, inp, out: seen.append(out))  # a hooked batch norm
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = model(x)
    seen.clear()
    for make in (fold_batchnorm, inference_copy):
        fast = make(model)
        assert fast is not model and not seen
        # Every pair is folded but the hooked one (its hook must keep seeing the batch norm's output).
        bns = [n for n, m in fast.named_modules() if isinstance(m, nn.BatchNorm2d)]
        assert bns == ["layer3.1.bn2"]
        with torch.no_grad():
            torch.testing.assert_close(fast(x), expected, atol=1e-4, rtol=1e-4)
        assert len(seen) == 2  # the copy keeps both hooks
        seen.clear()
    assert sum(isinstance(m, nn.BatchNorm2d) for m in model.modules()) == 20  # the model is untouched
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert inference_copy(model).conv1.weight.is_contiguous(memory_format=torch.channels_last)


def test_folding_leaves_shared_and_untraceable_modules_alone():
    from vklib.cam import fold_batchnorm

    class Shared(nn.Module):  # one conv/bn pair called twice: folding it would change both calls
        def __init__(self):
            super().__init__()
            self.conv, self.bn, self.conv2, self.bn2 = nn.Conv2d(3, 3, 3, padding=1), nn.BatchNorm2d(3), \
                nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4)

        def forward(self, x):
            return self.bn2(self.conv2(self.bn(self.conv(self.bn(self.conv(x))))))

    shared = Shared().eval()
    folded = fold_batchnorm(shared)
    assert isinstance(folded.bn, nn.BatchNorm2d) and isinstance(folded.bn2, nn.Identity)

    class Branchy(nn.Module):  # data-dependent control flow: fx cannot trace it
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU())
            self.conv, self.bn = nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4)

        def forward(self, x):
            y = self.body(x)
            return self.bn(self.conv(y)) if y.sum() > 0 else y

    branchy = Branchy().eval()
    folded = fold_batchnorm(branchy)  # the Sequential pair only
    assert isinstance(folded.body[1], nn.Identity) and isinstance(folded.bn, nn.BatchNorm2d)
    x = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(folded(x), branchy(x), atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(fold_batchnorm(shared)(x), shared(x), atol=1e-5, rtol=1e-5)


def test_score_cam_on_resnet18_fused_equals_unfused():
    model = _seeded_resnet18()
    x = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    fused = ScoreCAM(model, model.layer4, chunk_size=128)(x, targets=3)
    plain = ScoreCAM(model, model.layer4, chunk_size=128, fuse=False)(x, targets=3)
    assert _corr(fused, plain) >= 0.9999
    torch.testing.assert_close(fused, plain, atol=2e-3, rtol=0)


def test_score_cam_default_chunk_follows_the_input_size_and_bfloat16_is_close():
    from vklib.cam import auto_chunk_size

    assert auto_chunk_size(64, 64) == 32 and auto_chunk_size(224, 224) == 10
    assert auto_chunk_size(4000, 4000) == 1 and auto_chunk_size(8, 8, most=5) == 5
    model = _seeded_resnet18()
    x = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    auto = ScoreCAM(model, model.layer4)(x, targets=3)
    fixed = ScoreCAM(model, model.layer4, chunk_size=7)(x, targets=3)
    torch.testing.assert_close(auto, fixed, atol=1e-5, rtol=0)
    bf16 = ScoreCAM(model, model.layer4, autocast_dtype=torch.bfloat16)(x, targets=3)
    assert bf16.dtype == torch.float32 and _corr(bf16, auto) >= 0.999
    with pytest.raises(TypeError, match="autocast_dtype"):
        ScoreCAM(model, model.layer4, autocast_dtype="bfloat16")
    with pytest.raises(TypeError, match="autocast_dtype"):
        ScoreCAM(model, model.layer4, autocast_dtype=torch.int8)


# ---------------------------------------------------------------- the chapter's figures and pass counts

def test_chapter_quotes_the_forward_pass_count():
    """Cell 'Counting the passes' prints the exact count; the prose under it quotes it."""
    import re

    printed = _printed("images through the model")
    total, scenes, per_image = re.search(r"Score-CAM\s+(\d+) images through the model for (\d+) scenes:\s+([\d.]+) "
                                         r"forward passes per image", printed).groups()
    assert abs(int(total) / int(scenes) - float(per_image)) < 0.05
    prose = "\n".join(c.source for c in _chapter().cells if c.cell_type == "markdown")
    assert f"{total} passes for {scenes} images, {per_image} per image" in prose
    assert f"with {per_image} forward passes per image" in prose
    assert "lies under Grad-CAM" not in prose  # the figure draws CAM dashed on top


def _agg():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def test_show_curves_draws_an_equal_method_dashed_on_top():
    plt = _agg()
    from vklib.cam.plot import show_curves

    curve = (np.linspace(1, 0, 9), np.linspace(0, 1, 9))
    curves = {"CAM": curve, "Grad-CAM": curve, "random map": (np.full(9, 0.5), np.full(9, 0.5))}
    fig = show_curves(curves, same_as={"CAM": "Grad-CAM"})
    ax = fig.axes[1]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["CAM (= Grad-CAM here)", "Grad-CAM", "random map"]
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    cam, grad = lines["CAM (= Grad-CAM here)"], lines["Grad-CAM"]
    assert cam.get_zorder() > grad.get_zorder() and cam.get_linestyle() == "--"
    assert cam.get_color() != grad.get_color()
    assert ax.get_lines()[-1] is cam  # drawn last
    with pytest.raises(ValueError, match="not those of"):
        show_curves({**curves, "CAM": (curve[0] * 0.5, curve[1])}, same_as={"CAM": "Grad-CAM"})
    plt.close("all")


def test_show_channel_scores_legend_names_the_marked_channels():
    plt = _agg()
    from vklib.cam.plot import show_channel_scores

    rng = np.random.default_rng(0)
    alpha, cic = rng.normal(size=16), rng.normal(size=16)
    image, masks = rng.random((8, 8, 3)), rng.random((16, 8, 8))
    fig = show_channel_scores(alpha, cic, image, masks, {"overrated": (3, "tab:red"), "best": (7, "tab:green")},
                              title="scene")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "channel 3: overrated" in labels and "channel 7: best" in labels
    titles = [ax.get_title() for ax in fig.axes[2:4]]
    assert all("\\circ" in t and "*" not in t for t in titles)
    plt.close("all")


def test_show_explorer_has_a_colour_key():
    plt = _agg()
    from vklib.cam.plot import show_explorer

    rng = np.random.default_rng(0)
    fig = show_explorer(rng.random((8, 8, 3)), rng.random((8, 8)), rng.random((8, 8)) > 0.5,
                        caption="a cross", title="Grad-CAM")
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 1 and "0 blue to 1 red" in bars[0].get_ylabel()
    assert bars[0].get_ylim() == (0.0, 1.0)
    plt.close("all")


def test_masked_scores_check_images_against_the_model_and_the_masks_against_the_images():
    from vklib.cam import masked_scores

    model = TinyGAP().eval()
    g = torch.Generator().manual_seed(0)
    x, masks, t = torch.rand(2, 3, 8, 9, generator=g), torch.rand(2, 4, 8, 9, generator=g), torch.tensor([0, 2])
    good = masked_scores(model, x, masks, t)
    assert good.shape == (2, 4) and torch.isfinite(good).all()
    for fn in (masked_scores, channel_increase_of_confidence):
        with pytest.raises(TypeError, match="model's dtype torch.float32, got torch.float64"):
            fn(model, x.double(), masks, t)
        with pytest.raises(ValueError, match=r"cannot take images of shape \(2, 4, 8, 9\)"):
            fn(model, torch.rand(2, 4, 8, 9), masks, t)
        with pytest.raises(TypeError, match="meta tensor"):
            fn(model, x.to("meta"), masks, t)
        with pytest.raises(ValueError, match=r"\(2, K, 8, 9\) to match the images, got shape \(2, 4, 8, 8\)"):
            fn(model, x, masks[..., :8], t)
        with pytest.raises(ValueError, match="4 dimensions"):
            fn(model, x, masks[0], t)
        nan_masks = masks.clone()
        nan_masks[1, 2, 3, 4] = float("nan")
        with pytest.raises(ValueError, match="finite"):
            fn(model, x, nan_masks, t)
        with pytest.raises(TypeError, match="floating"):
            fn(model, x, masks > 0.5, t)
        with pytest.raises(TypeError, match="torch.Tensor"):
            fn(model, x, masks.tolist(), t)
    with pytest.raises(ValueError, match="baseline must have the images' shape"):
        channel_increase_of_confidence(model, x, masks, t, baseline=x[:1])
    # the checks change no number
    torch.testing.assert_close(channel_increase_of_confidence(model, x, masks, t),
                               good - model(torch.zeros_like(x)).gather(1, t[:, None]), rtol=0, atol=0)
