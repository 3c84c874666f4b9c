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
from vklib.simclr.augment import _jitter_ops


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
    for method in ("direct", "seed"):
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
    for method in ("direct", "seed"):
        loss = nt_xent(z1, z2, temperature=0.3, method=method)
        grads.append(torch.autograd.grad(loss, (z1, z2)))
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    logits, targets = nt_xent_logits(z1, z2, temperature=0.3, method="seed")
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
    with pytest.raises(ValueError, match=r"\(B, 3, H, W\)"):
        simclr_augment(x[:, :2], generator=g)
    with pytest.raises(ValueError, match=r"\(B, 3, H, W\)"):
        simclr_augment(x[0], generator=g)
    with pytest.raises(TypeError, match="floating point"):
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
    images = np.random.default_rng(0).random((32, 16, 16, 3), dtype=np.float32)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = SimCLR(width=4, hidden=16, out_dim=8)
        runs.append(train_simclr(model, images, epochs=3, batch_size=16, progress=False, lr=1e-2))
    assert runs[0]["loss"] == runs[1]["loss"]
    assert len(runs[0]["loss"]) == 6 and len(runs[0]["epoch_loss"]) == 3
    assert all(math.isfinite(v) and 0 < v < math.log(31) + 1 for v in runs[0]["loss"])
    feats = extract_features(model.encoder, images)
    assert feats.shape == (32, 16)
    enc = SmallResNet(4)
    clf, hist = train_supervised(enc, images, np.arange(32) % 2, epochs=2, batch_size=16, progress=False)
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


def test_committed_ablation_is_complete_and_supports_the_text():
    """data/simclr/ablation.json holds every row of the ablation, from the current settings."""
    import json
    from pathlib import Path

    from vklib.experiments.simclr_ablation import BASELINE, COLUMNS, PROFILES, RUNS

    result = json.loads((Path(__file__).resolve().parents[1] / "data" / "simclr" / "ablation.json").read_text())
    assert result["settings"] == PROFILES[result["profile"]] and result["baseline"] == BASELINE
    rows = {r["run"]: r for r in result["rows"]}
    expected = {"random encoder", "supervised encoder", "baseline, after head", *RUNS}
    assert set(rows) == expected, f"missing rows: {expected - set(rows)}; extra: {set(rows) - expected}"
    for name, (_, changes) in RUNS.items():
        for key, value in {**BASELINE, **changes}.items():
            assert rows[name][key] == value, (name, key)
    for r in result["rows"]:
        assert 0 <= r["linear_probe"] <= 1 and 0 <= r["knn"] <= 1 and 0 <= r["colour_probe"] <= 1
        assert set(COLUMNS) - {"crop", "color", "strength", "temperature", "batch_size", "final_loss", "steps",
                               "seconds"} <= set(r)
    # the chapter's claims: SimCLR features beat the random encoder on shape by at least 20 points (the
    # measured gap is stated in the text), the supervised encoder is better still, and h beats z = g(h)
    assert rows["baseline"]["linear_probe"] >= rows["random encoder"]["linear_probe"] + 0.20
    assert rows["supervised encoder"]["linear_probe"] > rows["baseline"]["linear_probe"]
    assert rows["baseline"]["linear_probe"] > rows["baseline, after head"]["linear_probe"]


def test_baseline_strength_was_chosen_on_the_validation_split():
    """data/simclr/selection.json compares every candidate strength on the validation split, and the
    baseline uses the winner; the validation scenes are not the test scenes."""
    import json
    from pathlib import Path

    from vklib.experiments.simclr_ablation import BASELINE, CANDIDATES, PROFILES, load_data, load_validation

    sel = json.loads((Path(__file__).resolve().parents[1] / "data" / "simclr" / "selection.json").read_text())
    assert sel["settings"] == PROFILES[sel["profile"]] and "seed 4" in sel["evaluated_on"]
    rows = {r["run"]: r for r in sel["rows"]}
    assert set(rows) == set(CANDIDATES)
    assert sel["fixed"] == {k: v for k, v in BASELINE.items() if k != "strength"}
    for name, changes in CANDIDATES.items():
        assert {**BASELINE, **changes}.items() <= rows[name].items(), name
    best = max(rows.values(), key=lambda r: r["linear_probe"])
    assert sel["best"] == best["run"] and best["strength"] == BASELINE["strength"]
    # disjoint splits: no validation image equals a test image (the generator is seeded per split)
    p = dict(PROFILES["cpu"], n_test=50)
    PROFILES["tiny"] = p
    try:
        test, val = load_data.__wrapped__("tiny")[2], load_validation("tiny")
    finally:
        del PROFILES["tiny"]
    assert val.images.shape == test.images.shape
    assert not any(np.array_equal(v, t) for v in val.images for t in test.images)


def test_chapter_quotes_the_committed_ablation():
    """The chapter's prose states the committed numbers: re-running the ablation without rewriting the
    text fails here."""
    import json
    from pathlib import Path

    import nbformat

    root = Path(__file__).resolve().parents[1]
    rows = {r["run"]: r for r in json.loads((root / "data" / "simclr" / "ablation.json").read_text())["rows"]}
    nb = nbformat.read(root / "chapters" / "05_simclr.ipynb", as_version=4)
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    gain = rows["baseline"]["linear_probe"] - rows["random encoder"]["linear_probe"]
    for value in [f"{100 * gain:+.1f} points"] + [f"{rows[name][key]:.3f}" for name, key in [
            ("baseline", "linear_probe"), ("random encoder", "linear_probe"), ("supervised encoder", "linear_probe"),
            ("baseline, after head", "linear_probe"), ("crop + colour", "linear_probe"), ("crop only", "linear_probe"),
            ("tau = 0.5", "linear_probe"), ("batch 512", "linear_probe"), ("baseline", "colour_probe"),
            ("crop + colour", "colour_probe")]]:
        assert value in prose, f"the chapter does not quote {value}; rebuild its text from data/simclr/ablation.json"
