"""Tests of vklib.simclr: NT-Xent against a loop written from the paper, the closed form and
the distributed gather (two gloo processes); augmentations against torchvision's functional
ops, determinism and per-image randomness; the models, the probes and a tiny training run."""

import math
import os
import socket

import numpy as np
import pytest
import torch

from vklib.simclr import (NTXentLoss, SimCLR, SmallResNet, TwoViews, color_distortion, color_jitter,
                          extract_features, gaussian_blur, knn_accuracy, linear_probe, nt_xent, nt_xent_logits,
                          nt_xent_reference, random_flip, random_grayscale, random_resized_crop, rgb_to_grayscale,
                          simclr_augment, train_simclr, train_supervised, two_views)
import vklib.simclr as vs
from vklib.simclr import adjust_brightness, adjust_contrast, adjust_saturation
from vklib.simclr.distortion import _jitter_ops
import vklib.simclr.model as simclr_model
import vklib.simclr.results as simclr_results
import vklib.simclr.stats as simclr_stats
import vklib.simclr.train as simclr_train


# ---------------------------------------------------------------- NT-Xent


def loop_nt_xent(z1, z2, tau):
    """Algorithm 1 of Chen et al. (2020), literally: interleave the views, s_ij cosine, l(i, j), mean over 2N."""
    z1, z2 = np.asarray(z1, np.float64), np.asarray(z2, np.float64)
    n = len(z1)
    z = [v for k in range(n) for v in (z1[k], z2[k])]  # z_{2k-1}, z_{2k}
    s = np.array([[a @ b / (np.linalg.norm(a) * np.linalg.norm(b)) for b in z] for a in z])
    total = 0.0
    for k in range(n):
        for i, j in ((2 * k, 2 * k + 1), (2 * k + 1, 2 * k)):
            den = sum(math.exp(s[i, m] / tau) for m in range(2 * n) if m != i)
            total += -math.log(math.exp(s[i, j] / tau) / den)
    return total / (2 * n)


@pytest.mark.parametrize("n, d, tau", [(2, 3, 0.5), (5, 8, 0.1), (7, 4, 1.0), (16, 32, 0.07)])
def test_nt_xent_equals_loop_reference(n, d, tau):
    g = torch.Generator().manual_seed(n * d)
    z1, z2 = torch.randn(n, d, generator=g, dtype=torch.float64), torch.randn(n, d, generator=g, dtype=torch.float64)
    expected = loop_nt_xent(z1, z2, tau)
    for method in ("direct", "positive_first"):
        assert nt_xent(z1, z2, temperature=tau, method=method).item() == pytest.approx(expected, abs=1e-6, rel=1e-6)
    assert nt_xent_reference(z1.numpy(), z2.numpy(), tau) == pytest.approx(expected, rel=1e-12)
    # float32 too, to 1e-6 relative
    assert nt_xent(z1.float(), z2.float(), temperature=tau).item() == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("n", [2, 3, 10])
@pytest.mark.parametrize("tau", [0.1, 0.5, 2.0])
def test_nt_xent_closed_form_equal_embeddings(n, tau):
    z = torch.ones(n, 4, dtype=torch.float64) * 3.0
    assert nt_xent(z, z.clone(), temperature=tau).item() == pytest.approx(math.log(2 * n - 1), abs=1e-12)


def test_nt_xent_perfect_pairs_approach_zero():
    z = torch.eye(4, dtype=torch.float64)  # positives identical, negatives orthogonal
    loss = nt_xent(z, z.clone(), temperature=0.01).item()
    assert loss < 1e-30 + 7 * math.exp(-100) * 2  # ~ 6 exp(-1/τ)


def test_formulations_agree_in_logits_and_gradients():
    g = torch.Generator().manual_seed(1)
    z1 = torch.randn(6, 5, generator=g, dtype=torch.float64, requires_grad=True)
    z2 = torch.randn(6, 5, generator=g, dtype=torch.float64, requires_grad=True)
    grads = []
    for method in ("direct", "positive_first"):
        loss = nt_xent(z1, z2, temperature=0.3, method=method)
        grads.append(torch.autograd.grad(loss, (z1, z2)))
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    logits, targets = nt_xent_logits(z1, z2, temperature=0.3, method="positive_first")
    assert logits.shape == (12, 11) and targets.eq(0).all()
    logits, targets = nt_xent_logits(z1, z2, temperature=0.3, method="direct")
    assert logits.shape == (12, 12) and torch.isinf(logits.diagonal()).all()
    assert targets.tolist() == [6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5]


def test_nt_xent_gradcheck_and_module():
    g = torch.Generator().manual_seed(2)
    z1 = torch.randn(4, 3, generator=g, dtype=torch.float64, requires_grad=True)
    z2 = torch.randn(4, 3, generator=g, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: nt_xent(a, b, temperature=0.2), (z1, z2))
    module = NTXentLoss(0.2)
    assert module(z1, z2).item() == nt_xent(z1, z2, temperature=0.2).item()
    assert "temperature=0.2" in repr(module)
    assert nt_xent(z1, z2).dtype == torch.float64


def test_nt_xent_is_scale_invariant():
    """The normalisation contract: raw projections are normalised inside."""
    g = torch.Generator().manual_seed(3)
    z1, z2 = torch.randn(5, 4, generator=g), torch.randn(5, 4, generator=g)
    assert nt_xent(z1 * 7.0, z2 * 0.1).item() == pytest.approx(nt_xent(z1, z2).item(), rel=1e-6)


def test_nt_xent_bad_input():
    z = torch.randn(4, 3)
    with pytest.raises(ValueError, match="same shape"):
        nt_xent(z, torch.randn(5, 3))
    with pytest.raises(ValueError, match="N >= 2"):
        nt_xent(z[:1], z[:1])
    for tau in (0, -0.5, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="temperature must be a finite number > 0"):
            nt_xent(z, z, temperature=tau)
    with pytest.raises(TypeError, match="temperature must be a real number"):
        nt_xent(z, z, temperature="0.5")
    bad = z.clone()
    bad[1, 2] = float("nan")
    with pytest.raises(ValueError, match="finite"):
        nt_xent(bad, z)
    with pytest.raises(ValueError, match=r"shape \(N, D\)"):
        nt_xent(z.view(-1), z.view(-1))
    with pytest.raises(TypeError, match="torch.Tensor"):
        nt_xent(z.numpy(), z)
    with pytest.raises(TypeError, match="floating point"):
        nt_xent(z.long(), z.long())
    with pytest.raises(ValueError, match="method"):
        nt_xent(z, z, method="fast")
    for method in ("seed", "positive first"):          # the old name and a near miss: the message names both options
        with pytest.raises(ValueError, match="'direct' or 'positive_first'"):
            nt_xent(z, z, method=method)
        with pytest.raises(ValueError, match="'direct' or 'positive_first'"):
            nt_xent_logits(z, z, method=method)
    with pytest.raises(ValueError, match="temperature"):
        NTXentLoss(0.0)


# ---------------------------------------------------------------- distributed (gloo, 2 CPU processes)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank, world, port, z1, z2, tau, out_dir):
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        n = z1.shape[0] // world
        a = z1[rank * n:(rank + 1) * n].clone().requires_grad_(True)
        b = z2[rank * n:(rank + 1) * n].clone().requires_grad_(True)
        loss = nt_xent(a, b, temperature=tau)
        loss.backward()
        torch.save({"loss": loss.detach(), "g1": a.grad, "g2": b.grad}, os.path.join(out_dir, f"rank{rank}.pt"))
    finally:
        dist.destroy_process_group()


def test_distributed_gather_equals_single_process(tmp_path):
    import torch.multiprocessing as mp

    world, n, d, tau = 2, 4, 5, 0.3
    g = torch.Generator().manual_seed(4)
    z1 = torch.randn(world * n, d, generator=g, dtype=torch.float64)
    z2 = torch.randn(world * n, d, generator=g, dtype=torch.float64)
    mp.spawn(_worker, args=(world, _free_port(), z1, z2, tau, str(tmp_path)), nprocs=world, join=True)

    a, b = z1.clone().requires_grad_(True), z2.clone().requires_grad_(True)
    loss = nt_xent(a, b, temperature=tau)
    loss.backward()
    assert loss.item() == pytest.approx(loop_nt_xent(z1, z2, tau), rel=1e-10)
    for rank in range(world):
        got = torch.load(tmp_path / f"rank{rank}.pt")
        rows = slice(rank * n, (rank + 1) * n)
        assert got["loss"].item() == pytest.approx(loss.item(), rel=1e-12)
        torch.testing.assert_close(got["g1"], a.grad[rows], rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(got["g2"], b.grad[rows], rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- augmentations


def _images(b=4, h=16, w=20, seed=0):
    return torch.rand(b, 3, h, w, generator=torch.Generator().manual_seed(seed))


def test_augment_deterministic_per_generator_and_different_per_image():
    x = _images(1).expand(6, -1, -1, -1).contiguous()  # the same image six times
    v1 = simclr_augment(x, generator=torch.Generator().manual_seed(5))
    v2 = simclr_augment(x, generator=torch.Generator().manual_seed(5))
    v3 = simclr_augment(x, generator=torch.Generator().manual_seed(6))
    assert torch.equal(v1, v2)
    assert not torch.equal(v1, v3)
    for i in range(6):
        for j in range(i + 1, 6):
            assert not torch.allclose(v1[i], v1[j]), f"views {i} and {j} of one image are equal"
    assert v1.shape == x.shape and v1.dtype == x.dtype
    assert v1.min() >= 0 and v1.max() <= 1
    a, b = two_views(x, generator=torch.Generator().manual_seed(0))
    assert not torch.equal(a, b)
    a2, _ = TwoViews()(x, generator=torch.Generator().manual_seed(0))
    assert torch.equal(a, a2)


@pytest.mark.parametrize("fn, kwargs", [
    (random_resized_crop, {}), (random_flip, {}), (color_jitter, {}), (random_grayscale, {"p": 0.5}),
    (gaussian_blur, {}), (color_distortion, {}),
])
def test_each_augmentation_deterministic_and_per_image(fn, kwargs):
    x = _images(1, 12, 12).expand(16, -1, -1, -1).contiguous()
    a = fn(x, generator=torch.Generator().manual_seed(1), **kwargs)
    b = fn(x, generator=torch.Generator().manual_seed(1), **kwargs)
    assert torch.equal(a, b)
    distinct = {tuple(v.flatten()[:50].tolist()) for v in a}
    assert len(distinct) > 1


def test_crop_identity_flip_and_size():
    x = _images()
    g = torch.Generator().manual_seed(0)
    same = random_resized_crop(x, generator=g, scale=(1, 1), ratio=(1, 1))
    torch.testing.assert_close(same, x, rtol=0, atol=1e-5)
    flipped = random_resized_crop(x, generator=g, scale=(1, 1), ratio=(1, 1), flip_p=1.0)
    torch.testing.assert_close(flipped, x.flip(-1), rtol=0, atol=1e-5)
    assert random_resized_crop(x, generator=g, size=8).shape == (4, 3, 8, 8)
    torch.testing.assert_close(random_flip(x, generator=g, p=1.0), x.flip(-1))
    torch.testing.assert_close(random_flip(x, generator=g, p=0.0), x)
    # a constant image stays constant under any crop
    c = torch.full((3, 3, 10, 10), 0.25)
    torch.testing.assert_close(random_resized_crop(c, generator=g), c)


def test_crop_box_matches_a_manual_crop():
    """Area 1/4, ratio 1, centre drawn: the view is the bilinear resample of a half-size box."""
    x = torch.arange(64.0).view(1, 1, 8, 8).expand(1, 3, 8, 8).contiguous() / 64
    g = torch.Generator().manual_seed(3)
    v = random_resized_crop(x, generator=g, scale=(0.25, 0.25), ratio=(1, 1), size=4)
    # every output pixel samples the input at a pixel centre spaced 1 px apart -> exact values on the grid
    # when the centre offset is integral; in general each row/column of the view must be a 4-px window:
    assert torch.allclose(v[0, 0, :, 1:] - v[0, 0, :, :-1], torch.full((4, 3), 1 / 64), atol=1e-5)
    assert torch.allclose(v[0, 0, 1:, :] - v[0, 0, :-1, :], torch.full((3, 4), 8 / 64), atol=1e-5)


def test_color_ops_match_torchvision():
    tf = pytest.importorskip("torchvision.transforms.functional")
    x = _images(3, 9, 11)
    b = torch.tensor([0.4, 1.0, 1.7])
    c = torch.tensor([0.3, 1.2, 1.8])
    s = torch.tensor([0.0, 0.5, 1.6])
    h = torch.tensor([-0.2, 0.05, 0.33])
    bright, contrast, saturation, hue = _jitter_ops(x, b, c, s, h)
    # torchvision's luma rounds BT.601's 0.299 to 0.2989: gray differs by <= 1e-4 * R, hence atol 2e-4
    # wherever the luma enters (contrast, saturation, grayscale).
    for i in range(3):
        torch.testing.assert_close(bright[i], tf.adjust_brightness(x[i], b[i].item()), rtol=0, atol=1e-6)
        torch.testing.assert_close(contrast[i], tf.adjust_contrast(x[i], c[i].item()), rtol=0, atol=2e-4)
        torch.testing.assert_close(saturation[i], tf.adjust_saturation(x[i], s[i].item()), rtol=0, atol=2e-4)
        torch.testing.assert_close(hue[i], tf.adjust_hue(x[i], h[i].item()), rtol=0, atol=1e-5)
    torch.testing.assert_close(rgb_to_grayscale(x), tf.rgb_to_grayscale(x), rtol=0, atol=2e-4)
    g = torch.Generator().manual_seed(0)
    gray = random_grayscale(x, generator=g, p=1.0)
    torch.testing.assert_close(gray, tf.rgb_to_grayscale(x, num_output_channels=3), rtol=0, atol=2e-4)


def test_blur_matches_torchvision():
    tf = pytest.importorskip("torchvision.transforms.functional")
    x = _images(2, 30, 30)
    g = torch.Generator().manual_seed(0)
    out = gaussian_blur(x, generator=g, sigma=(1.3, 1.3), p=1.0)
    k = 3  # 10 % of 30 px -> 3 taps
    torch.testing.assert_close(out, tf.gaussian_blur(x, [k, k], [1.3, 1.3]), rtol=0, atol=1e-5)
    out = gaussian_blur(x, generator=g, sigma=(0.7, 0.7), p=1.0, kernel_size=7)
    torch.testing.assert_close(out, tf.gaussian_blur(x, [7, 7], [0.7, 0.7]), rtol=0, atol=1e-5)
    torch.testing.assert_close(gaussian_blur(x, generator=g, p=0.0), x)


def test_color_distortion_strength_zero_keeps_colours_but_grayscale():
    x = _images(8)
    g = torch.Generator().manual_seed(0)
    y = color_distortion(x, generator=g, strength=0.0, grayscale_p=0.0)
    torch.testing.assert_close(y, x, rtol=0, atol=1e-5)


def test_augment_bad_input():
    g = torch.Generator().manual_seed(0)
    x = _images()
    with pytest.raises(ValueError, match=r"\(B, C, H, W\) with C = 3"):
        simclr_augment(x[:, :2], generator=g)
    with pytest.raises(ValueError, match=r"4 dimensions|\(B, C, H, W\)"):
        simclr_augment(x[0], generator=g)
    with pytest.raises(TypeError, match="floating"):
        simclr_augment((x * 255).to(torch.uint8), generator=g)
    with pytest.raises(TypeError, match="torch.Tensor"):
        simclr_augment(x.numpy(), generator=g)
    bad = x.clone()
    bad[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="finite"):
        simclr_augment(bad, generator=g)
    with pytest.raises(ValueError, match="empty"):
        simclr_augment(x[:0], generator=g)
    with pytest.raises(TypeError, match="torch.Generator"):
        simclr_augment(x, generator=0)
    with pytest.raises(ValueError, match="strength"):
        color_distortion(x, generator=g, strength=3.0)
    with pytest.raises(ValueError, match="probability"):
        random_grayscale(x, generator=g, p=1.5)
    with pytest.raises(ValueError, match="scale"):
        random_resized_crop(x, generator=g, scale=(0.0, 1.0))
    with pytest.raises(ValueError, match="hue"):
        color_jitter(x, generator=g, hue=0.7)


# ---------------------------------------------------------------- models, probes, training


def test_models_shapes():
    enc = SmallResNet(4)
    assert enc(torch.rand(2, 3, 32, 32)).shape == (2, 16)
    model = SimCLR(width=4, hidden=8, out_dim=5)
    h, z = model(torch.rand(3, 3, 24, 24))
    assert h.shape == (3, 16) and z.shape == (3, 5)
    with pytest.raises(ValueError, match="width"):
        SmallResNet(0)


def test_linear_probe_and_knn():
    sklearn_neighbors = pytest.importorskip("sklearn.neighbors")
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 8)) * 3
    y = rng.integers(0, 3, 300)
    x = centres[y] + rng.normal(size=(300, 8))
    xt, yt = torch.tensor(x, dtype=torch.float32), y
    acc = linear_probe(xt[:200], yt[:200], xt[200:], yt[200:])
    assert acc > 0.95
    noise = torch.randn(300, 8, generator=torch.Generator().manual_seed(0))
    assert linear_probe(noise[:200], yt[:200], noise[200:], yt[200:]) < 0.6
    knn = knn_accuracy(xt[:200], yt[:200], xt[200:], yt[200:], k=5)
    ref = sklearn_neighbors.KNeighborsClassifier(5, metric="cosine").fit(x[:200], y[:200]).score(x[200:], y[200:])
    assert knn == pytest.approx(ref)
    with pytest.raises(ValueError, match="labels must have shape"):
        linear_probe(xt[:200], yt[:10], xt[200:], yt[200:])
    with pytest.raises(ValueError, match="same dimension"):
        linear_probe(xt[:200], yt[:200], xt[200:, :3], yt[200:])
    with pytest.raises(ValueError, match="k must be"):
        knn_accuracy(xt[:5], yt[:5], xt[200:], yt[200:], k=6)
    bad = xt.clone()
    bad[0, 0] = float("nan")
    with pytest.raises(ValueError, match="finite"):
        knn_accuracy(bad[:200], yt[:200], xt[200:], yt[200:])


def test_training_runs_is_seeded_and_lowers_loss():
    from vklib.data import make_centred_scenes

    images = make_centred_scenes(64, size=16, seed=0).images
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = SimCLR(width=4, hidden=16, out_dim=8)
        runs.append(train_simclr(model, images, epochs=6, batch_size=32, progress=False, lr=1e-2, device="cpu",
                                 augment={"crop_scale": (0.2, 1.0), "color": False, "blur": False}))
    assert runs[0]["loss"] == runs[1]["loss"]
    assert len(runs[0]["loss"]) == 12 and len(runs[0]["epoch_loss"]) == 6
    assert all(math.isfinite(v) and 0 < v < math.log(63) + 1 for v in runs[0]["loss"])
    loss = runs[0]["epoch_loss"]
    assert np.mean(loss[-2:]) < np.mean(loss[:2]) - 0.1, f"the loss should fall: {loss}"
    feats = extract_features(model.encoder, images)
    assert feats.shape == (64, 16)
    enc = SmallResNet(4)
    clf, hist = train_supervised(enc, images[:32], np.arange(32) % 2, epochs=2, batch_size=16, progress=False)
    assert clf.out_features == 2 and len(hist["loss"]) == 4
    with pytest.raises(ValueError, match="batch_size must be >= 2"):
        train_simclr(model, images, batch_size=1, progress=False)
    with pytest.raises(ValueError, match=r"\(N, H, W, 3\)"):
        train_simclr(model, images[..., :2], progress=False)


@pytest.mark.gpu
def test_gpu_paths_keep_device():
    x = _images().cuda()
    g = torch.Generator(device="cuda").manual_seed(0)
    v = simclr_augment(x, generator=g)
    assert v.device == x.device
    cpu_gen = torch.Generator().manual_seed(0)
    assert simclr_augment(x, generator=cpu_gen).device == x.device
    z = torch.randn(8, 4, device="cuda")
    assert nt_xent(z, z.flip(0)).device == x.device


def test_training_accepts_device_strings_and_moves_the_model():
    images = np.random.default_rng(0).random((8, 16, 16, 3), dtype=np.float32)
    model = SimCLR(width=4, hidden=8, out_dim=4).double()  # parameters float64: moved to the device, not recast
    history = train_simclr(model.float(), images, epochs=1, batch_size=4, progress=False, device="cpu")
    assert len(history["loss"]) == 2
    enc = SmallResNet(4)
    train_supervised(enc, images, np.arange(8) % 2, epochs=1, batch_size=4, progress=False, device="cpu")
    with pytest.raises(TypeError, match="device must be"):
        train_simclr(model, images, batch_size=4, progress=False, device=3)


def test_colour_ops_reject_integer_images_and_keep_a_single_image_shape():
    x = _images()[:1].float()
    one = x[0]
    for fn, arg in [(adjust_brightness, 0.5), (adjust_contrast, 0.5), (adjust_saturation, 0.5),
                    (vs.adjust_hue, 0.1)]:
        out = fn(one, arg)
        assert out.shape == one.shape, fn.__name__
        torch.testing.assert_close(out, fn(x, arg)[0])
        with pytest.raises(TypeError, match="convert integer images explicitly"):
            fn((one * 255).to(torch.uint8), arg)
        with pytest.raises(ValueError, match="one per image"):
            fn(x, torch.ones(3))
    assert rgb_to_grayscale(one).shape == (1,) + one.shape[1:]
    with pytest.raises(TypeError, match="convert integer images explicitly"):
        rgb_to_grayscale((x * 255).to(torch.uint8))
    with pytest.raises(ValueError, match=r"\(B, 3, H, W\) or \(3, H, W\)"):
        adjust_brightness(torch.rand(2, 4, 5, 5), 0.5)


# ---------------------------------------------------------------- probes, label efficiency, statistics


def test_probe_scores_measure_shape_and_colours():
    from vklib.data import make_centred_scenes

    probe, test = make_centred_scenes(240, seed=2), make_centred_scenes(120, seed=3)

    class Oracle(torch.nn.Module):  # features that encode the mean colour of the image only
        def forward(self, x):
            return torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], 1)

    scores = vs.probe_scores(Oracle(), probe, test)
    assert set(scores) == {"shape_probe", "knn", "colour_probe", "background_probe", "background_knn"}
    assert all(0 <= v <= 1 for v in scores.values())
    # colour statistics read the background's hue well and hardly the shape, by probe and by neighbours
    assert scores["background_probe"] > 0.6 and scores["background_knn"] > 0.35 and scores["shape_probe"] < 0.45
    head = torch.nn.Linear(6, 3)
    assert set(vs.probe_scores(Oracle(), probe, test, head=head)) == set(scores)

    class Model(torch.nn.Module):  # a SimCLR-shaped model: h = colour statistics, z = a colour-blind head
        encoder = Oracle()
        head = torch.nn.Linear(6, 3)

    model = Model()
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.weight[:, 0] = 1.0   # z has the same direction for every scene: its neighbours are arbitrary
        model.head.bias.zero_()
    both = vs.simclr_scores(model, probe, test)
    assert set(both) == set(scores) | {"background_knn_z"}
    assert {k: both[k] for k in scores} == scores
    assert both["background_knn_z"] < 0.25 < 0.35 < scores["background_knn"]   # chance is 1/6


def test_few_labels_draws_per_class_and_is_seeded():
    labels = np.repeat(np.arange(6), 30)[np.random.default_rng(0).permutation(180)]
    idx = vs.few_labels(labels, 5, seed=1)
    assert idx.dtype == np.int64 and len(idx) == 30 and len(set(idx)) == 30
    assert (np.bincount(labels[idx]) == 5).all()
    np.testing.assert_array_equal(idx, vs.few_labels(labels, 5, seed=1))
    assert not np.array_equal(idx, vs.few_labels(labels, 5, seed=2))
    with pytest.raises(ValueError, match="fewer than per_class"):
        vs.few_labels(labels, 31)
    with pytest.raises(TypeError, match="1-D integer array"):
        vs.few_labels(labels.astype(float), 2)
    with pytest.raises(ValueError, match="per_class"):
        vs.few_labels(labels, 0)


def test_paired_statistics_and_verdicts():
    from vklib.simclr.stats import mean_sd, paired_difference, verdict

    m, sd = mean_sd([0.5, 0.6, 0.7])
    assert m == pytest.approx(0.6) and sd == pytest.approx(0.1)
    d, se = paired_difference([0.6, 0.7, 0.8], [0.5, 0.55, 0.75])
    assert d == pytest.approx(0.1) and se == pytest.approx(np.std([0.1, 0.15, 0.05], ddof=1) / np.sqrt(3))
    assert verdict(0.1, 0.02) == "reproduced" and verdict(-0.1, 0.02) == "not reproduced"
    assert verdict(0.03, 0.02) == "within noise" and verdict(0.0, 0.0) == "within noise"
    with pytest.raises(ValueError, match="one value per seed"):
        paired_difference([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="at least two seeds"):
        paired_difference([1], [2])
    with pytest.raises(ValueError, match="finite"):
        mean_sd([1, float("nan")])


# ---------------------------------------------------------------- the committed ablation and the chapter


def _committed():
    from vklib.simclr.results import load_ablation

    return load_ablation()


def test_committed_ablation_has_the_documented_layout():
    """data/simclr/ablation.json: every row, >= 3 seeds each, four probes, label efficiency for both methods."""
    from vklib.experiments.simclr_ablation import LABELS_PER_CLASS, PROFILES, RECIPE, ROWS

    table = _committed()
    assert table["settings"] == PROFILES[table["profile"]]
    assert table["recipe"] == {k: list(v) if isinstance(v, tuple) else v for k, v in RECIPE.items()}
    names = [r["name"] for r in table["rows"]]
    assert set(names) == {"random encoder", "recipe, z = g(h)", *ROWS}
    for r in table["rows"]:
        assert isinstance(r["name"], str) and len(r["seeds"]) >= 3
        for key in ("shape_probe", "knn", "colour_probe", "background_probe", "background_knn"):
            assert len(r[key]) == len(r["seeds"]) and all(0 <= v <= 1 for v in r[key]), (r["name"], key)
        if r["name"] != "recipe, z = g(h)":  # measured in z = g(h) for every row with a head
            assert len(r["background_knn_z"]) == len(r["seeds"]), r["name"]
    from vklib.experiments.simclr_ablation import EFFICIENCY_ROWS, SCRATCH

    for k in LABELS_PER_CLASS:
        methods = {e["method"] for e in table["label_efficiency"] if e["labels_per_class"] == k}
        assert methods == {*EFFICIENCY_ROWS.values(), SCRATCH}, k
    for e in table["label_efficiency"]:
        assert len(e["seeds"]) >= 3 and len(e["accuracy"]) == len(e["seeds"])


def test_committed_small_budget_section_has_the_documented_layout():
    """data/simclr/ablation.json's "small_budget": half the width, a quarter of the epochs, crops of 20-100 %,
    the recipe, colour only and the random encoder of that width, >= 3 seeds, every probe."""
    from vklib.experiments.simclr_ablation import PROFILES
    from vklib.experiments.simclr_budget import (SMALL_BUDGET_ROWS, encoder_parameters, small_budget_recipe,
                                                 small_budget_settings)
    from vklib.simclr.results import SMALL_BUDGET_CLAIMS, claims, small_budget

    table = _committed()
    section = small_budget(table)
    full = PROFILES[table["profile"]]
    assert section["profile"] == table["profile"] == "cpu"
    assert section["settings"] == small_budget_settings(section["profile"])
    assert section["settings"]["width"] == full["width"] // 2 == 8
    assert section["settings"]["epochs"] == full["epochs"] // 4 == 10
    assert {k: v for k, v in section["settings"].items() if k not in ("width", "epochs")} == {
        k: v for k, v in full.items() if k not in ("width", "epochs")}
    assert section["recipe"] == {k: list(v) if isinstance(v, tuple) else v for k, v in small_budget_recipe().items()}
    assert section["recipe"]["crop_scale"] == [0.2, 1.0]
    assert 0.24 < encoder_parameters(8) / encoder_parameters(16) < 0.26     # "a quarter of the parameters"
    assert section["command"] == "python -m vklib.experiments.simclr_ablation --small-budget-only"
    assert [r["name"] for r in section["rows"]] == ["random encoder", *SMALL_BUDGET_ROWS]
    for r in section["rows"]:
        assert r["seeds"] == table["seeds"] and len(r["seeds"]) >= 3, r["name"]
        for key in ("shape_probe", "knn", "colour_probe", "background_probe", "background_knn", "background_knn_z"):
            assert len(r[key]) == len(r["seeds"]) and all(0 <= v <= 1 for v in r[key]), (r["name"], key)
        assert ("final_loss" in r) == (r["name"] != "random encoder"), r["name"]
    assert len(claims(section, SMALL_BUDGET_CLAIMS)) == len(SMALL_BUDGET_CLAIMS) == 4
    with pytest.raises(KeyError, match="small-budget-only"):
        small_budget({k: v for k, v in table.items() if k != "small_budget"})


def test_claims_are_computed_from_paired_seeds():
    from vklib.simclr.results import claims, efficiency, row
    from vklib.simclr.stats import paired_difference

    table = _committed()
    from vklib.simclr.results import CLAIMS

    found = claims(table)
    assert len(found) == len(CLAIMS) == 11
    first = found[1]  # recipe vs crop only, shape probe
    a, b = row(table, first["a"]), row(table, first["b"])
    d, se = paired_difference(a["shape_probe"], b["shape_probe"])
    assert first["difference"] == pytest.approx(d) and first["se"] == pytest.approx(se)
    assert all(c["verdict"] in ("reproduced", "not reproduced", "within noise") for c in found)
    found = efficiency(table)
    assert [e["labels_per_class"] for e in found] == [5, 5, 20, 20, 100, 100]
    e = found[0]
    simclr = next(x for x in table["label_efficiency"] if x["method"] == e["method"] and x["labels_per_class"] == 5)
    scratch = next(x for x in table["label_efficiency"] if x["method"].startswith("from scratch")
                   and x["labels_per_class"] == 5)
    d, se = paired_difference(simclr["accuracy"], scratch["accuracy"])
    assert e["difference"] == pytest.approx(d) and e["se"] == pytest.approx(se)


def test_label_efficiency_plot_draws_both_methods():
    import matplotlib

    matplotlib.use("Agg")
    from vklib.simclr.results import plot_label_efficiency

    ax = plot_label_efficiency(_committed())
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    from vklib.experiments.simclr_ablation import EFFICIENCY_ROWS, SCRATCH

    assert {*EFFICIENCY_ROWS.values(), SCRATCH} <= set(labels)


def test_chapter_prose_matches_the_committed_ablation():
    """Every verdict and number the chapter's prose states is the one computed from ablation.json."""
    from pathlib import Path

    import nbformat

    from vklib.simclr.results import claims, efficiency, fmt, row

    table = _committed()
    root = Path(__file__).resolve().parents[1]
    nb = nbformat.read(root / "chapters" / "05_simclr.ipynb", as_version=4)
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    flat = " ".join(prose.split())   # line breaks of the prose do not matter
    for marker, value in _prose_values(table, claims, efficiency, fmt, row):
        assert " ".join(value.split()) in flat, \
            f"the chapter should state {marker} as {value!r} (from data/simclr/ablation.json)"
    from vklib.simclr.results import SMALL_BUDGET_CLAIMS, small_budget

    for c in claims(table) + claims(small_budget(table), SMALL_BUDGET_CLAIMS):
        assert f"{c['claim']}: **{c['verdict']}**" in prose, f"the chapter's verdict for {c['claim']!r}"


def _prose_values(table, claims, efficiency, fmt, row):
    from vklib.simclr.stats import mean_sd

    out = []
    for name in ("crop + colour (recipe)", "crop only", "colour only", "random encoder"):
        for key in ("shape_probe", "background_probe"):
            out.append((f"{name} {key}", fmt(*mean_sd(row(table, name)[key]))))
    for name, key in (("crop + colour (recipe)", "colour_probe"), ("recipe, z = g(h)", "shape_probe"),
                      ("recipe, z = g(h)", "colour_probe"), ("crop only", "colour_probe"),
                      ("colour only", "colour_probe"), ("crop + colour, s = 0.5", "shape_probe")):
        out.append((f"{name} {key}", fmt(*mean_sd(row(table, name)[key]))))
    for name in ("crop + colour (recipe)", "crop only", "colour only", "random encoder"):
        out.append((f"{name} background_knn_z", fmt(*mean_sd(row(table, name)["background_knn_z"]))))
    for name in ("crop + colour (recipe)", "recipe, z = g(h)"):
        out.append((f"{name} background_knn", fmt(*mean_sd(row(table, name)["background_knn"]))))
    out.append(("recipe, tau = 1 shape_probe", fmt(*mean_sd(row(table, "recipe, tau = 1")["shape_probe"]))))
    for name in ("crop + colour (recipe)", "crop only", "colour only", "crop + colour, s = 0.5", "recipe, tau = 1"):
        out.append((f"{name} final loss", fmt(*mean_sd(row(table, name)["final_loss"]), digits=2)))
    gaps = [100 * (a - b) for a, b in zip(row(table, "crop + colour (recipe)")["shape_probe"],
                                          row(table, "colour only")["shape_probe"])]
    out.append(("recipe - colour only, per seed", f"in every seed, by\n{min(gaps):.1f} to {max(gaps):.1f} points"))
    for c in claims(table):
        out.append((c["claim"], fmt(100 * c["difference"], 100 * c["se"], digits=1, sign=True)))
    from vklib.simclr.results import SMALL_BUDGET_CLAIMS, small_budget

    small = small_budget(table)
    for name in ("random encoder", "crop + colour (recipe)", "colour only"):
        out.append((f"small budget, {name} shape_probe", fmt(*mean_sd(row(small, name)["shape_probe"]))))
    for name in ("random encoder", "crop + colour (recipe)"):
        out.append((f"small budget, {name} background_knn_z", fmt(*mean_sd(row(small, name)["background_knn_z"]))))
    for c in claims(small, SMALL_BUDGET_CLAIMS):
        diff = fmt(100 * c["difference"], 100 * c["se"], digits=1, sign=True)
        out.append((f"small budget, {c['claim']}", f"{c['claim']}: **{c['verdict']}** (paired difference {diff} points)"))
    gain = claims(small, SMALL_BUDGET_CLAIMS)[0]
    out.append(("small budget, recipe - random encoder",
                f"its gain, {fmt(100 * gain['difference'], 100 * gain['se'], digits=1, sign=True)} points, "
                "cannot be told from the noise"))
    composition = claims(small, SMALL_BUDGET_CLAIMS)[2]
    assert composition["verdict"] == "not reproduced", "the prose says the composition is reversed at the small budget"
    out.append(("small budget, recipe - colour only", "(recipe minus colour only: "
                + fmt(100 * composition["difference"], 100 * composition["se"], digits=1, sign=True)))
    n = table["settings"]["batch_size"]
    for tau in (0.2, 1.0):     # the loss's floor at each temperature, printed under the first table
        out.append((f"loss floor at tau = {tau}", f"{_loss_floor(n, tau):.2f}"))
    from vklib.simclr.results import EFFICIENCY_VERDICTS

    for e in efficiency(table):
        out.append((f"{e['labels_per_class']} labels, {e['method']}", fmt(*e["simclr"])))
        out.append((f"{e['labels_per_class']} labels, scratch", fmt(*e["scratch"])))
        d = fmt(100 * e["difference"], 100 * e["se"], digits=1, sign=True)
        out.append((f"{e['labels_per_class']} labels, verdict",
                    f"difference {d} points: **{EFFICIENCY_VERDICTS[e['verdict']]}**"))
    return out


def _loss_floor(n, tau):
    """The lowest NT-Xent of N images: every partner identical, the N images at the corners of a regular simplex."""
    return math.log(1 + (2 * n - 2) * math.exp(-(1 + 1 / (n - 1)) / tau))


@pytest.mark.parametrize("n, tau", [(4, 1.0), (64, 1.0), (64, 0.2)])
def test_loss_floor_is_reached_by_a_simplex(n, tau):
    """The floor the chapter quotes is NT-Xent's value at the simplex, and random projections stay above it."""
    z = torch.eye(n, dtype=torch.float64) - 1 / n            # the N corners of a regular simplex (centred)
    assert nt_xent(z, z.clone(), temperature=tau).item() == pytest.approx(_loss_floor(n, tau), rel=1e-12)
    g = torch.Generator().manual_seed(n)
    for _ in range(5):
        z1, z2 = torch.randn(n, n, generator=g, dtype=torch.float64), torch.randn(n, n, generator=g, dtype=torch.float64)
        assert nt_xent(z1, z2, temperature=tau).item() > _loss_floor(n, tau)


def test_chapter_statements_hold_in_the_committed_ablation():
    """Comparisons the prose makes on average (not as claims) hold in ablation.json's means."""
    from vklib.simclr.results import efficiency, row
    from vklib.simclr.stats import mean_sd

    table = _committed()
    mean = lambda name, key: mean_sd(row(table, name)[key])[0]   # noqa: E731
    # "the crop-only loss ends the lowest of the rows trained at tau = 0.2"
    at_recipe_tau = [r["name"] for r in table["rows"] if "final_loss" in r and r["name"] != "recipe, tau = 1"]
    assert min(at_recipe_tau, key=lambda name: mean(name, "final_loss")) == "crop only"
    # "its shape probe is lower than the random encoder's on average"
    assert mean("crop only", "shape_probe") < mean("random encoder", "shape_probe")
    # "colour only ... behind the recipe's on average at 5, 20 and 100 labels per class"
    found = {(e["labels_per_class"], e["method"]): e["simclr"][0] for e in efficiency(table)}
    assert sorted({k for k, _ in found}) == [5, 20, 100]
    for k in (5, 20, 100):
        assert found[k, "SimCLR (colour only) + linear probe"] < found[k, "SimCLR (recipe) + linear probe"], k


def test_chapter_has_no_development_history_and_no_visible_nbval_comments():
    import re
    from pathlib import Path

    import nbformat

    nb = nbformat.read(Path(__file__).resolve().parents[1] / "chapters" / "05_simclr.ipynb", as_version=4)
    for c in nb.cells:
        assert "NBVAL_IGNORE_OUTPUT" not in c.source, "use the nbval-ignore-output cell tag"
        if c.cell_type == "markdown":
            assert not re.search(r"\bthe seed's|seed's (form|formulation|\")", c.source), \
                "say 'the positive-first formulation', not 'the seed's'"
            for pattern in (r"\bcommit\b", r"\b[0-9a-f]{7,40}\b", r"\bgoal\b", r"\btarget\b", r"\bissue\b",
                            r"\bmet\b"):
                assert not re.search(pattern, c.source, flags=re.I), (pattern, c.source[:200])


def test_ablation_pipeline_runs_end_to_end_on_the_smoke_profile(tmp_path):
    """The committed experiment's code path: every row, the references, label efficiency, the JSON layout."""
    from vklib.experiments.simclr_ablation import LABELS_PER_CLASS, ROWS, main
    from vklib.simclr.results import claims, efficiency, format_claims, format_efficiency, format_table, load_ablation

    assert main(["--profile", "smoke", "--seeds", "0", "1", "--jobs", "1", "--out", str(tmp_path)]) == 0
    table = load_ablation(tmp_path / "ablation.json")
    assert table["profile"] == "smoke" and table["seeds"] == [0, 1]
    assert {r["name"] for r in table["rows"]} == {"random encoder", "recipe, z = g(h)", *ROWS}
    for r in table["rows"]:
        assert r["seeds"] == [0, 1] and len(r["background_probe"]) == 2
    from vklib.experiments.simclr_ablation import EFFICIENCY_ROWS, SCRATCH

    assert {(e["labels_per_class"], e["method"]) for e in table["label_efficiency"]} == {
        (k, m) for k in LABELS_PER_CLASS for m in (*EFFICIENCY_ROWS.values(), SCRATCH)}
    assert len(claims(table)) == 11 and len(efficiency(table)) == 2 * len(LABELS_PER_CLASS)
    assert "crop only" in format_table(table) and "->" in format_claims(table)
    from vklib.simclr.results import COLOUR_METRICS

    colour = format_table(table, metrics=COLOUR_METRICS, loss=False)
    assert "bg hue: 20-NN z" in colour and "final loss" not in colour
    assert format_efficiency(table).count("\n") == 2 * len(LABELS_PER_CLASS)
    with pytest.raises(ValueError, match="not an ablation file"):
        (tmp_path / "bad.json").write_text("{}")
        load_ablation(tmp_path / "bad.json")

    # the small budget: run by the whole command, and alone it merges its section, leaving the others as they are
    import json

    from vklib.experiments.simclr_budget import SMALL_BUDGET_ROWS
    from vklib.simclr.results import SMALL_BUDGET_CLAIMS, small_budget

    section = small_budget(table)
    assert [r["name"] for r in section["rows"]] == ["random encoder", *SMALL_BUDGET_ROWS]
    assert section["settings"]["width"] == 2 and section["recipe"]["crop_scale"] == [0.2, 1.0]
    assert all(r["seeds"] == [0, 1] for r in section["rows"])
    assert len(claims(section, SMALL_BUDGET_CLAIMS)) == len(SMALL_BUDGET_CLAIMS)
    path = tmp_path / "ablation.json"
    rest = {k: v for k, v in table.items() if k != "small_budget"}
    rest["rows"][0]["shape_probe"] = [0.25, 0.75]       # a marker: the merge must not recompute the other rows
    path.write_text(json.dumps(rest, indent=1) + "\n")
    assert main(["--profile", "smoke", "--seeds", "0", "1", "--jobs", "1", "--out", str(tmp_path),
                 "--small-budget-only"]) == 0
    merged = json.loads(path.read_text())
    assert {k: v for k, v in merged.items() if k != "small_budget"} == rest
    timing = ("seconds", "task_seconds")
    assert [{k: v for k, v in r.items() if k not in timing} for r in merged["small_budget"]["rows"]] == \
        [{k: v for k, v in r.items() if k not in timing} for r in section["rows"]]     # seeded: the same runs
    assert merged["small_budget"]["command"].endswith("--small-budget-only --profile smoke")
    for argv, message in ((["--out", str(tmp_path / "none")], "does not exist"),
                          (["--out", str(tmp_path), "--profile", "cpu"], "holds the 'smoke' profile"),
                          (["--out", str(tmp_path), "--only", "crop only"], "cannot be combined with --only"),
                          (["--out", str(tmp_path), "--seeds", "0"], "at least two seeds")):
        with pytest.raises(SystemExit):
            main(["--profile", "smoke", "--jobs", "1", "--small-budget-only", *argv])


def test_colour_table_says_which_space_each_number_comes_from():
    """The row probed in z shows its 20-NN vote in the z column, not under the h column, and a note says so."""
    from vklib.simclr.results import COLOUR_METRICS, NAMES, fmt, format_table, row
    from vklib.simclr.stats import mean_sd

    table = _committed()
    lines = format_table(table, metrics=COLOUR_METRICS, loss=False).splitlines()
    header = lines[0]
    start_h = header.index(NAMES["background_knn"]) + len(NAMES["background_knn"]) - 17
    start_z = header.index(NAMES["background_knn_z"]) + len(NAMES["background_knn_z"]) - 17
    assert NAMES["background_knn"].endswith(" h") and NAMES["background_knn_z"].endswith(" z")
    z_line = next(line for line in lines if line.startswith("recipe, z = g(h)"))
    assert z_line[start_h:start_h + 17].strip() == ""
    assert z_line[start_z:].strip() == fmt(*mean_sd(row(table, "recipe, z = g(h)")["background_knn"]))
    recipe_line = next(line for line in lines if line.startswith("crop + colour (recipe)"))
    assert recipe_line[start_h:start_h + 17].strip() == fmt(*mean_sd(row(table, "crop + colour (recipe)")["background_knn"]))
    assert "note: numbers in h = f(x), except the row 'recipe, z = g(h)' (probed in z = g(h))" in lines
    assert any("'bg hue: 20-NN z' (in z = g(h) for every row)" in line for line in lines)
    shape = format_table(table).splitlines()
    assert shape[-1].startswith("note:") and "20-NN z" not in shape[-1]


def test_band_of_committed_seeds():
    from vklib.simclr.results import band

    low, high = band([0.30, 0.32, 0.34])
    assert low == pytest.approx(0.32 - 0.06) and high == pytest.approx(0.32 + 0.06)   # 3 sd, sd = 0.02
    assert band([0.3, 0.3, 0.3], floor=0.01) == pytest.approx((0.29, 0.31))
    assert band([0.5, 0.5, 0.5]) == pytest.approx((0.45, 0.55))                      # the floor
    with pytest.raises(ValueError, match="finite"):
        band([0.5, float("inf")])


def test_lowest_background_prediction_explains_every_answer():
    """The predict exercise: the right row is the committed one, each wrong answer names its misconception."""
    from vklib.simclr.questions import (LOWEST_BACKGROUND_ANSWER, LOWEST_BACKGROUND_OPTIONS,
                                        check_lowest_background_prediction)
    from vklib.simclr.results import row
    from vklib.simclr.stats import mean_sd

    table = _committed()
    means = {k: mean_sd(row(table, name)["background_probe"])[0] for k, name in LOWEST_BACKGROUND_OPTIONS.items()}
    assert LOWEST_BACKGROUND_ANSWER == min(means, key=means.get)
    right = check_lowest_background_prediction(" C ")
    assert right and f"({means['c']:.2f} against about" in str(right)
    assert f"about {means['b']:.2f}" in str(right) and f"about {means['d']:.2f}" in str(right)
    a = check_lowest_background_prediction("a")
    assert not a and "not blind to colour" in str(a) and "'Untrained' does not mean" in str(a)
    b = check_lowest_background_prediction("b")
    assert not b and "among the *highest*" in str(b) and "asks for the lowest" in str(b)
    d = check_lowest_background_prediction("d")
    assert not d and "the paper's argument" in str(d) and f"as well as crop only does (about {means['d']:.2f})" in str(d)
    assert f"about {means['b']:.2f} for crop only and about {means['d']:.2f} for the recipe" in str(right)
    assert not check_lowest_background_prediction(...) and "not answered" in str(check_lowest_background_prediction(None))
    assert "not an option" in str(check_lowest_background_prediction("e"))


def test_similarity_heatmap_spans_the_observed_range_and_boxes_the_partners():
    import matplotlib

    matplotlib.use("Agg")
    from vklib.simclr.plot import similarity_heatmap

    rng = np.random.default_rng(0)
    z = torch.nn.functional.normalize(torch.from_numpy(rng.normal(size=(6, 5))), dim=1)
    S = z @ z.T
    ax = similarity_heatmap(S, title="t")
    off = S[~torch.eye(6, dtype=torch.bool)]
    assert ax.images[0].get_clim() == pytest.approx((float(off.min()), float(off.max())))
    assert len(ax.patches) == 6 and ax.get_xticklabels()[3].get_text() == "0b"
    assert similarity_heatmap(S.numpy(), vmin=-1, vmax=1).images[0].get_clim() == (-1, 1)
    with pytest.raises(ValueError, match="square"):
        similarity_heatmap(S[:5])
    import matplotlib.pyplot as plt

    plt.close("all")


# ---------------------------------------------------------------- bad input


def test_modules_check_shape_dtype_and_device_without_reading_values():
    net = SimCLR(width=2, hidden=4, out_dim=3).eval()
    x = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match=r"C = 3, got shape \(2, 4, 8, 8\)"):
        net(torch.rand(2, 4, 8, 8))
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        net(x[0])
    with pytest.raises(TypeError, match="weights' dtype torch.float32, got torch.float64"):
        net(x.double())
    with pytest.raises(TypeError, match="weights' dtype"):
        net((x * 255).to(torch.uint8))
    with pytest.raises(TypeError, match="meta tensor"):
        net(x.to("meta"))
    with pytest.raises(TypeError, match="torch.Tensor"):
        net(x.tolist())
    with pytest.raises(ValueError, match=r"D = 8, got shape \(2, 9\)"):
        net.head(torch.rand(2, 9))
    with pytest.raises(ValueError, match=r"C = 3, got shape \(2, 4, 8, 8\)"):
        simclr_model.BasicBlock(3, 4).eval()(torch.rand(2, 4, 8, 8))
    # documented: values are not inspected, NaN in -> NaN out (no error, no device sync)
    bad = x.clone()
    bad[0, 0, 0, 0] = float("nan")
    h, z = net(bad)
    assert torch.isnan(h[0]).all() and torch.isfinite(h[1]).all() and z.shape == (2, 3)
    # the checks read metadata only: a model and input on the meta device run through (no .item())
    h, z = SimCLR(width=2, hidden=4, out_dim=3).to("meta")(x.to("meta"))
    assert h.device.type == "meta" and z.shape == (2, 3)
    # under autocast the blocks see the autocast dtype
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert net(x)[1].shape == (2, 3)


def test_loss_functions_check_their_inputs():
    z1, z2 = torch.randn(4, 8), torch.randn(4, 8)
    with pytest.raises(ValueError, match="same shape"):
        vs.similarity_matrix(z1, z2[:3])
    with pytest.raises(ValueError, match="finite"):
        nt_xent_logits(z1, torch.full((4, 8), float("nan")))
    with pytest.raises(TypeError, match="floating point"):
        vs.similarity_matrix(z1.to(torch.complex64), z2)
    for fn in (nt_xent, NTXentLoss(), nt_xent_logits):
        with pytest.raises(TypeError, match="meta tensor"):
            fn(z1.to("meta"), z2.to("meta"))
    zero = z1.clone()
    zero[1] = 0
    with pytest.raises(ValueError, match="all-zero row"):
        nt_xent_reference(zero, z2)
    with pytest.raises(TypeError, match="real numbers"):
        nt_xent_reference(z1.numpy() + 1j, z2)
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        nt_xent_reference(z1[:0], z2[:0])
    assert nt_xent_reference(z1.clone().requires_grad_(True), z2) == nt_xent_reference(z1, z2)


def test_probes_and_stats_reject_complex_values_and_non_integer_labels():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((8, 5)), np.array([0, 0, 0, 0, 1, 1, 1, 1])
    for fn, kw in ((knn_accuracy, {"k": 3}), (linear_probe, {})):
        with pytest.raises(TypeError, match="real numbers"):
            fn(x + 1j, y, x, y, **kw)
        for labels in (y.astype(float), np.where(y == 1, np.nan, 0.0), y + 0j):
            with pytest.raises(TypeError, match="integer array"):
                fn(x, labels, x, y, **kw)
    with pytest.raises(ValueError, match=">= 0"):
        knn_accuracy(x, y - 1, x, y, k=3)
    assert knn_accuracy(x, torch.from_numpy(y), x, torch.from_numpy(y), k=1) == 1.0
    with pytest.raises(TypeError, match="real numbers"):
        simclr_stats.mean_sd(np.array([0.6, 0.7]) + 1j)
    with pytest.raises(TypeError, match="real numbers"):
        simclr_stats.paired_difference([0.6, 0.7], np.array([0.5, 0.6]) + 1j)
    with pytest.raises(TypeError, match="real numbers"):
        simclr_results.band(np.array([0.6, 0.7]) + 1j)


def test_image_tensors_must_be_finite_and_hold_data():
    x = torch.rand(4, 3, 8, 8)
    bad = x.clone()
    bad[1, 2, 3, 4] = float("inf")
    with pytest.raises(ValueError, match="finite"):
        simclr_train.as_image_tensor(bad)
    with pytest.raises(ValueError, match="finite"):
        extract_features(SmallResNet(width=2), bad)
    with pytest.raises(TypeError, match="meta tensor"):
        train_simclr(SimCLR(width=2, hidden=4, out_dim=3), x.to("meta"), epochs=1, batch_size=2, progress=False)
    assert torch.equal(simclr_train.as_image_tensor(x), x)
