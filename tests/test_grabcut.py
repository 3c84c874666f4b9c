"""Tests of vklib.grabcut: GMMs, n-links, max flow, the iteration, strokes and replay."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from vklib.data import load_photo, make_scenes
from vklib.grabcut import (
    GC_BGD,
    GC_FGD,
    GC_PR_BGD,
    GC_PR_FGD,
    apply_stroke,
    assign_components,
    component_costs,
    compute_beta,
    dense_capacities,
    edmonds_karp,
    error_rate,
    fit_gmm,
    grabcut,
    iou,
    kmeans,
    nlink_weights,
    opencv_grabcut,
    rasterize_stroke,
    rect_to_mask,
    replay,
    scene_rect,
    smoothness_energy,
)
from vklib.grabcut.core import _GridCut
from vklib.grabcut.strokes import load_session

DATA = Path(__file__).resolve().parents[1] / "data" / "grabcut"


@pytest.fixture(scope="module")
def scenes():
    s = make_scenes(24, size=64, seed=3)
    return s, np.round(s.images * 255) / 255  # 8-bit values, the same input cv2 gets


# ----------------------------------------------------------------------------------------
# Slow references written from the paper
# ----------------------------------------------------------------------------------------
NEIGHBOURS = [(0, 1), (1, 0), (1, 1), (1, -1)]


def pairs_reference(h, w):
    for y in range(h):
        for x in range(w):
            for dy, dx in NEIGHBOURS:
                if 0 <= y + dy < h and 0 <= x + dx < w:
                    yield (y, x), (y + dy, x + dx)


def beta_reference(z):
    diffs = [float(((z[p] - z[q]) ** 2).sum()) for p, q in pairs_reference(*z.shape[:2])]
    return 1.0 / (2.0 * np.mean(diffs))


def smoothness_reference(z, labels, beta, gamma):
    total = 0.0
    for p, q in pairs_reference(*z.shape[:2]):
        if labels[p] != labels[q]:
            dist = np.hypot(p[0] - q[0], p[1] - q[1])
            total += gamma / dist * np.exp(-beta * ((z[p] - z[q]) ** 2).sum())
    return total


def cost_reference(x, gmm):
    """-log(pi_k N(x; mu_k, Sigma_k)) + eps/2 tr(Sigma_k^-1), with scipy's Gaussian."""
    from scipy.stats import multivariate_normal

    out = np.full((len(x), gmm.n_components), np.inf)
    for k in range(gmm.n_components):
        if gmm.weights[k] > 0:
            logpdf = multivariate_normal(gmm.means[k], gmm.covs[k]).logpdf(x)
            out[:, k] = -np.log(gmm.weights[k]) - logpdf + 0.5 * gmm.eps * np.trace(np.linalg.inv(gmm.covs[k]))
    return out


# ----------------------------------------------------------------------------------------
# GMM
# ----------------------------------------------------------------------------------------
def test_fit_gmm_matches_sample_statistics_and_handles_empty_components():
    rng = np.random.default_rng(0)
    z = rng.normal(100, 20, size=(300, 3))
    labels = rng.integers(0, 3, size=300)  # component 3 of 4 stays empty
    gmm = fit_gmm(z, labels, 4, eps=0.5)
    for k in range(3):
        sel = z[labels == k]
        np.testing.assert_allclose(gmm.weights[k], len(sel) / 300)
        np.testing.assert_allclose(gmm.means[k], sel.mean(axis=0))
        np.testing.assert_allclose(gmm.covs[k], np.cov(sel.T, bias=True) + 0.5 * np.eye(3), rtol=1e-10)
    assert gmm.weights[3] == 0
    costs = component_costs(z, gmm)
    assert np.isinf(costs[:, 3]).all()
    np.testing.assert_allclose(costs[:, :3], cost_reference(z, gmm)[:, :3], rtol=1e-10)
    labels2, best = assign_components(z, gmm)
    np.testing.assert_array_equal(labels2, costs.argmin(axis=1))
    np.testing.assert_allclose(best, costs.min(axis=1))


def test_fit_gmm_is_the_minimiser_of_the_regularised_costs():
    """Moving any parameter away from the fit can only raise sum_n D(z_n, k_n)."""
    from vklib.grabcut.gmm import GMM

    rng = np.random.default_rng(1)
    z = rng.normal(50, 10, size=(200, 3))
    labels = rng.integers(0, 2, size=200)
    gmm = fit_gmm(z, labels, 2, eps=2.0)

    def total(g):
        return float(np.take_along_axis(component_costs(z, g), labels[:, None], 1).sum())

    best = total(gmm)
    for _ in range(20):
        covs = gmm.covs + 0.5 * np.einsum("kij,klj->kil", *(2 * [rng.normal(0, 1, (2, 3, 3))]))
        means = gmm.means + rng.normal(0, 1, (2, 3))
        assert total(GMM(gmm.weights, means, gmm.covs, gmm.eps)) > best
        assert total(GMM(gmm.weights, gmm.means, covs, gmm.eps)) > best


def test_kmeans_separates_clusters_and_copes_with_few_colours():
    rng = np.random.default_rng(2)
    centres = np.array([[0, 0, 0], [200, 0, 0], [0, 200, 0]], float)
    z = np.concatenate([c + rng.normal(0, 3, (50, 3)) for c in centres])
    labels = kmeans(z, 3, rng=np.random.default_rng(0))
    assert len(set(labels[:50])) == len(set(labels[50:100])) == len(set(labels[100:])) == 1
    assert len(set(labels)) == 3
    flat = np.ones((20, 3)) * 7.0  # one colour, five clusters asked: no crash, one cluster used
    assert len(set(kmeans(flat, 5, rng=np.random.default_rng(0)))) == 1


# ----------------------------------------------------------------------------------------
# n-links, smoothness, max flow
# ----------------------------------------------------------------------------------------
def test_beta_nlinks_and_smoothness_match_loop_references():
    rng = np.random.default_rng(4)
    z = rng.uniform(0, 255, (5, 7, 3))
    beta = compute_beta(z)
    np.testing.assert_allclose(beta, beta_reference(z), rtol=1e-12)
    weights = nlink_weights(z, beta, 50.0)
    labels = rng.random((5, 7)) > 0.5
    np.testing.assert_allclose(smoothness_energy(labels, weights),
                               smoothness_reference(z, labels, beta, 50.0), rtol=1e-12)
    # known values: horizontal neighbours of equal colour cost gamma, diagonal gamma / sqrt(2)
    flat = np.zeros((3, 3, 3))
    w = nlink_weights(flat, 0.0, 50.0)
    assert w[0, 0, 0] == 50.0 and w[2, 0, 0] == pytest.approx(50 / np.sqrt(2))
    assert w[0, :, -1].sum() == 0 and w[3, :, 0].sum() == 0  # no neighbour outside the image
    assert compute_beta(flat) == 0.0


def test_edmonds_karp_matches_pymaxflow_and_the_cut_capacity():
    maxflow = pytest.importorskip("maxflow")
    rng = np.random.default_rng(5)
    for trial in range(10):
        cost_fg, cost_bg = rng.uniform(0, 5, (2, 2, 3))
        weights = nlink_weights(rng.uniform(0, 255, (2, 3, 3)), 1e-4, 3.0)
        cap = dense_capacities(cost_fg, cost_bg, weights)
        flow, side = edmonds_karp(cap, 6, 7)
        assert side[6] and not side[7]
        np.testing.assert_allclose(flow, cap[side][:, ~side].sum(), rtol=1e-9)  # max flow = cut
        g = maxflow.Graph[float]()
        nodes = g.add_nodes(6)
        for u, v in zip(*np.nonzero(cap[:6, :6])):
            g.add_edge(nodes[u], nodes[v], cap[u, v], 0.0)
        for i in range(6):
            g.add_tedge(nodes[i], cap[6, i], cap[i, 7])
        np.testing.assert_allclose(flow, g.maxflow(), rtol=1e-9)


def test_graph_functions_reject_bad_input():
    with pytest.raises(ValueError, match="square"):
        edmonds_karp(np.zeros((2, 3)), 0, 1)
    with pytest.raises(ValueError, match="capacities must be >= 0"):
        edmonds_karp(-np.ones((2, 2)), 0, 1)
    with pytest.raises(ValueError, match="NaN"):
        edmonds_karp(np.array([[0.0, np.nan], [0.0, 0.0]]), 0, 1)
    with pytest.raises(ValueError, match="sink must be a node index in 0..1"):
        edmonds_karp(np.ones((2, 2)), 0, 2)
    with pytest.raises(ValueError, match="must differ"):
        edmonds_karp(np.ones((2, 2)), 1, 1)
    with pytest.raises(ValueError, match="3 dimensions"):
        compute_beta(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="beta must be >= 0"):
        nlink_weights(np.zeros((3, 3, 3)), -1.0)
    with pytest.raises(ValueError, match="cost_bg must be >= 0"):
        dense_capacities(np.ones((2, 2)), -np.ones((2, 2)), np.zeros((4, 2, 2)))
    with pytest.raises(ValueError, match=r"weights must have shape \(4, 2, 2\)"):
        dense_capacities(np.ones((2, 2)), np.ones((2, 2)), np.zeros((4, 2, 3)))


def test_grid_cut_is_the_brute_force_minimum_also_when_reused():
    rng = np.random.default_rng(6)
    h, w = 3, 4
    weights = nlink_weights(rng.uniform(0, 255, (h, w, 3)), 3e-4, 2.0)
    cut = _GridCut(weights)
    for _ in range(3):  # the second and third calls reuse the flow and search trees
        src, snk = rng.uniform(0, 6, (2, h, w))
        got = cut(src, snk)

        def energy(fg):
            return float(np.where(fg, snk, src).sum()) + smoothness_energy(fg, weights)

        best = min(energy(np.array(bits, bool).reshape(h, w)) for bits in itertools.product([0, 1], repeat=h * w))
        assert energy(got) == pytest.approx(best, rel=1e-9)


# ----------------------------------------------------------------------------------------
# GrabCut
# ----------------------------------------------------------------------------------------
def test_energy_never_increases_on_24_scenes(scenes):
    s, images = scenes
    for i in range(len(s)):
        rect = scene_rect(s.boxes[i], images.shape[1:3], margin=4)
        e = grabcut(images[i], rect=rect, n_iter=6).energies
        assert np.all(np.diff(e) <= 1e-9 * np.abs(e[:-1])), (i, e)


def test_reported_energy_equals_the_slow_reference(scenes):
    s, images = scenes
    image = images[0]
    result = grabcut(image, rect=scene_rect(s.boxes[0], image.shape[:2]), n_iter=3)
    z = 255.0 * image.astype(np.float64)
    fg = result.foreground
    unary = (cost_reference(z[fg], result.fg_gmm).min(axis=1).sum()
             + cost_reference(z[~fg], result.bg_gmm).min(axis=1).sum())
    v = smoothness_reference(z, fg, beta_reference(z), 50.0)
    np.testing.assert_allclose(result.energies[-1], unary + v, rtol=1e-9)
    np.testing.assert_array_equal(result.history[-1], fg)


def test_mask_codes_follow_opencv(scenes):
    s, images = scenes
    image = images[1]
    rect = scene_rect(s.boxes[1], image.shape[:2])
    x, y, w, h = rect
    result = grabcut(image, rect=rect, n_iter=2)
    assert set(np.unique(result.mask)) <= {GC_BGD, GC_PR_BGD, GC_PR_FGD}
    outside = np.ones(image.shape[:2], bool)
    outside[y:y + h, x:x + w] = False
    assert (result.mask[outside] == GC_BGD).all()
    assert set(np.unique(result.mask[~outside])) <= {GC_PR_BGD, GC_PR_FGD}
    same = grabcut(image, mask=rect_to_mask(image.shape[:2], rect), n_iter=2)  # GC_INIT_WITH_MASK
    np.testing.assert_array_equal(same.mask, result.mask)
    # sure labels inside the rectangle are kept, whatever the colours say
    mask = rect_to_mask(image.shape[:2], rect)
    mask[y + 1, x + 1], mask[y + h // 2, x + w // 2] = GC_FGD, GC_BGD
    fixed = grabcut(image, mask=mask, n_iter=2).mask
    assert fixed[y + 1, x + 1] == GC_FGD and fixed[y + h // 2, x + w // 2] == GC_BGD


def test_synthetic_error_close_to_opencv_and_high_agreement(scenes):
    pytest.importorskip("cv2")
    s, images = scenes
    ours, theirs, agree = [], [], []
    for i in range(12):
        rect = scene_rect(s.boxes[i], images.shape[1:3], margin=4)
        mine = grabcut(images[i], rect=rect, n_iter=5).mask
        cv = opencv_grabcut(images[i], rect=rect, n_iter=5)
        ours.append(error_rate(mine, s.masks[i], rect))
        theirs.append(error_rate(cv, s.masks[i], rect))
        agree.append(iou(mine, cv))
    assert np.mean(ours) <= np.mean(theirs) + 1.0
    assert np.median(agree) >= 0.9


def test_photo_agrees_with_opencv():
    pytest.importorskip("cv2")
    image = np.round(load_photo("coffee")[::2, ::2] * 255) / 255
    rect = (65, 10, 140, 118)  # the cup, at half resolution
    mine = grabcut(image, rect=rect, n_iter=5)
    assert iou(mine.mask, opencv_grabcut(image, rect=rect, n_iter=5)) > 0.9


def test_resume_with_strokes_fixes_pixels_and_keeps_lowering_the_energy(scenes):
    s, images = scenes
    image = images[2]
    rect = scene_rect(s.boxes[2], image.shape[:2])
    first = grabcut(image, rect=rect, n_iter=3)
    x, y, w, h = rect
    stroke = {"label": "bg", "radius": 2.0, "points": [[x + 2, y + 2], [x + w - 3, y + 2]]}
    mask = apply_stroke(first.mask, stroke)
    again = grabcut(image, mask=mask, n_iter=3, models=first.models)
    covered = rasterize_stroke(image.shape[:2], stroke["points"], 2.0)
    assert (again.mask[covered] == GC_BGD).all()
    e = again.energies
    assert np.all(np.diff(e) <= 1e-9 * np.abs(e[:-1]))


def test_results_repeat_with_the_same_seed(scenes):
    s, images = scenes
    rect = scene_rect(s.boxes[3], images.shape[1:3])
    a = grabcut(images[3], rect=rect, n_iter=2, rng=7)
    b = grabcut(images[3], rect=rect, n_iter=2, rng=7)
    np.testing.assert_array_equal(a.mask, b.mask)
    np.testing.assert_array_equal(a.energies, b.energies)


# ----------------------------------------------------------------------------------------
# Bad input
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("rect, match", [
    ((50, 10, 20, 20), "outside the image"),
    ((-1, 0, 10, 10), "outside the image"),
    ((5, 5, 0, 10), "empty"),
    ((5, 5, 1, 1), "single row or column"),
    ((5, 5, 1, 8), "single row or column"),
    ((0, 0, 64, 64), "no background pixel"),
])
def test_bad_rectangles(rect, match):
    image = np.full((64, 64, 3), 0.5)
    with pytest.raises(ValueError, match=match):
        grabcut(image, rect=rect)


def test_bad_images_and_masks():
    image = np.random.default_rng(0).random((16, 16, 3))
    with pytest.raises(ValueError, match=r"\(H, W, C\) with C = 3"):
        grabcut(image[..., 0], rect=(2, 2, 8, 8))
    with pytest.raises(ValueError, match=r"\(H, W, C\) with C = 3"):
        grabcut(np.concatenate([image, image[..., :1]], axis=2), rect=(2, 2, 8, 8))
    nan = image.copy()
    nan[3, 3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        grabcut(nan, rect=(2, 2, 8, 8))
    with pytest.raises(TypeError, match="floating dtype"):
        grabcut((image * 255).astype(np.uint8), rect=(2, 2, 8, 8))
    with pytest.raises(TypeError, match="four integers"):
        grabcut(image, rect=(2.0, 2, 8, 8))
    with pytest.raises(ValueError, match="exactly one"):
        grabcut(image)
    mask = np.full((16, 16), GC_PR_FGD, np.uint8)
    mask[0] = GC_BGD
    with pytest.raises(ValueError, match="exactly one"):
        grabcut(image, rect=(2, 2, 8, 8), mask=mask)
    bad = mask.copy()
    bad[5, 5] = 4
    with pytest.raises(ValueError, match=r"codes must be 0 \(BGD\).*got \[4\]"):
        grabcut(image, mask=bad)
    with pytest.raises(ValueError, match=r"shape \(16, 16\)"):
        grabcut(image, mask=mask[:8])
    with pytest.raises(TypeError, match="integer dtype"):
        grabcut(image, mask=mask.astype(float))
    with pytest.raises(ValueError, match="no foreground pixel"):
        grabcut(image, mask=np.zeros((16, 16), np.uint8))
    with pytest.raises(ValueError, match="n_iter"):
        grabcut(image, rect=(2, 2, 8, 8), n_iter=0)


# ----------------------------------------------------------------------------------------
# Strokes, sessions, replay
# ----------------------------------------------------------------------------------------
def stroke_reference(shape, points, radius):
    """Loop over pixels: distance from the centre to the nearest segment <= radius."""
    pts = np.asarray(points, float)
    segs = list(zip(pts[:-1], pts[1:])) if len(pts) > 1 else [(pts[0], pts[0])]
    out = np.zeros(shape, bool)
    for y in range(shape[0]):
        for x in range(shape[1]):
            p = np.array([x, y], float)
            for a, b in segs:
                ab = b - a
                t = 0.0 if not ab.any() else np.clip((p - a) @ ab / (ab @ ab), 0, 1)
                if np.linalg.norm(p - (a + t * ab)) <= radius:
                    out[y, x] = True
    return out


@pytest.mark.parametrize("points, radius", [
    ([[10, 10]], 4.0),
    ([[2, 3], [20, 15]], 2.5),
    ([[0, 0], [29, 0], [29, 19], [5.5, 12.25]], 1.0),
    ([[7, 7], [7, 7]], 3.0),
])
def test_rasterize_stroke_matches_loop_reference(points, radius):
    got = rasterize_stroke((20, 30), points, radius)
    np.testing.assert_array_equal(got, stroke_reference((20, 30), points, radius))


def test_disc_area_and_bad_strokes():
    disc = rasterize_stroke((101, 101), [[50, 50]], 20.0)
    assert abs(disc.sum() - np.pi * 400) < 0.02 * np.pi * 400
    with pytest.raises(ValueError, match="outside the image"):
        rasterize_stroke((20, 30), [[5, 5], [30, 5]], 2.0)
    with pytest.raises(ValueError, match="outside the image"):
        rasterize_stroke((20, 30), [[5, -0.5]], 2.0)
    with pytest.raises(ValueError, match="radius must be > 0"):
        rasterize_stroke((20, 30), [[5, 5]], 0.0)
    with pytest.raises(ValueError, match="must not be empty"):
        rasterize_stroke((20, 30), np.zeros((0, 2)), 2.0)
    with pytest.raises(ValueError, match="'fg' or 'bg'"):
        apply_stroke(np.zeros((20, 30), np.uint8), {"label": "pr_fgd", "radius": 1.0, "points": [[1, 1]]})


def session_for(rect, stroke):
    return {"version": 1, "n_iter": 3, "gamma": 50.0, "seed": 0, "events": [
        {"type": "rect", "rect": list(rect)}, {"type": "run"}, dict(type="stroke", **stroke), {"type": "run", "n_iter": 2}]}


def test_replay_is_a_pure_function_and_equals_the_manual_steps(scenes):
    s, images = scenes
    image = images[4]
    rect = scene_rect(s.boxes[4], image.shape[:2])
    x, y, w, h = rect
    stroke = {"label": "fg", "radius": 1.5, "points": [[x + w / 2, y + h / 2], [x + w / 2 + 1, y + h / 2]]}
    session = session_for(rect, stroke)
    a, b = replay(image, session), replay(image, json.loads(json.dumps(session)))
    np.testing.assert_array_equal(a.mask, b.mask)
    first = grabcut(image, rect=rect, n_iter=3)
    second = grabcut(image, mask=apply_stroke(first.mask, stroke), n_iter=2, models=first.models)
    np.testing.assert_array_equal(a.mask, second.mask)
    assert len(a.runs) == 2 and len(a.runs[1].energies) == 2
    bad = session_for(rect, {"label": "bg", "radius": 2.0, "points": [[x, y], [image.shape[1] + 3, y]]})
    with pytest.raises(ValueError, match="outside the image"):
        replay(image, bad)
    with pytest.raises(ValueError, match="rectangle first"):
        replay(image, {"events": [{"type": "run"}]})
    with pytest.raises(ValueError, match="type 'rect', 'stroke' or 'run'"):
        replay(image, {"events": [{"type": "lasso"}]})


def test_widget_events_replay_to_the_same_mask(scenes):
    pytest.importorskip("ipycanvas")
    from vklib.grabcut.widget import GrabCutWidget

    s, images = scenes
    image = images[5]
    x, y, w, h = scene_rect(s.boxes[5], image.shape[:2])
    widget = GrabCutWidget(image, n_iter=2, scale=2.0)
    widget.mouse_down(2 * x, 2 * y)
    widget.mouse_move(2 * (x + 3), 2 * (y + 3))
    widget.mouse_up(2 * (x + w - 1), 2 * (y + h - 1))
    assert widget.session["events"][0] == {"type": "rect", "rect": [x, y, w, h]}
    widget.run()
    widget.mode.value = "bg"
    widget.mouse_down(2 * (x + 1), 2 * (y + 1))
    widget.mouse_move(2 * (x + w - 2), 2 * (y + 1))
    widget.mouse_up(2 * (x + w - 2), 2 * (y + 1))
    widget.run()
    assert [e["type"] for e in widget.session["events"]] == ["rect", "run", "stroke", "run"]
    np.testing.assert_array_equal(replay(image, widget.session).mask, widget.state.mask)
    widget.reset()
    assert widget.session["events"] == [] and widget.state.mask is None


def test_recorded_session_replays_to_the_recorded_mask():
    import cv2

    session = load_session(DATA / "recorded_session.json")
    image = np.round(load_photo(session["image"]) * 255) / 255
    result = replay(image, session)
    expected = cv2.imread(str(DATA / "recorded_mask.png"), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(result.mask, expected)


# ----------------------------------------------------------------------------------------
# Scores
# ----------------------------------------------------------------------------------------
def test_scores_known_values():
    a = np.zeros((4, 4), bool)
    a[:2, :2] = True
    b = np.zeros((4, 4), bool)
    b[:2, :] = True
    assert iou(a, b) == 0.5
    assert iou(np.zeros((3, 3), bool), np.zeros((3, 3), bool)) == 1.0
    codes = np.where(a, GC_PR_FGD, GC_PR_BGD).astype(np.uint8)
    assert iou(codes, a) == 1.0
    assert error_rate(a, b, (0, 0, 4, 2)) == 50.0
    assert scene_rect((2, 3, 10, 12), (12, 11), margin=4) == (0, 0, 11, 12)
    with pytest.raises(ValueError, match="same shape"):
        iou(a, b[:3])
