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
from vklib.resources import data_path

DATA = data_path("grabcut")
CHAPTER = Path(__file__).resolve().parents[1] / "chapters" / "03_grabcut.ipynb"


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


def test_widget_drag_leaving_the_canvas_ends_at_the_image_edge(scenes):
    pytest.importorskip("ipycanvas")
    from vklib.grabcut.widget import GrabCutWidget

    _, images = scenes
    image = images[5]
    height, width = image.shape[:2]
    widget = GrabCutWidget(image, n_iter=1, scale=2.0)

    def browser(event, x, y):  # the message ipycanvas's front end sends for a mouse event
        widget.canvas._handle_custom_msg({"event": event, "x": x, "y": y}, [])

    browser("mouse_out", 5, 5)  # no drag in progress: nothing happens
    assert widget.session["events"] == []
    browser("mouse_down", 2 * 4, 2 * 6)
    browser("mouse_move", 2 * 20, 2 * 21)
    browser("mouse_out", 2 * width + 9, 2 * height + 3)  # left past the lower right corner
    assert widget.session["events"] == [{"type": "rect", "rect": [4, 6, width - 4, height - 6]}]
    widget.mouse_move(2 * 10, 2 * 10)  # back over the canvas with the button up: no drag
    widget.mouse_up(2 * 12, 2 * 12)
    assert len(widget.session["events"]) == 1
    widget.run()
    widget.mode.value = "fg"
    widget.mouse_down(2 * 10, 2 * 10)
    widget.mouse_move(2 * 10, 2 * 15)
    widget.mouse_out(-7, 2 * 15)  # left through the left edge
    stroke = widget.session["events"][-1]
    assert stroke["type"] == "stroke" and stroke["points"] == [[10, 10], [10, 15], [0, 15]], stroke
    np.testing.assert_array_equal(replay(image, widget.session).mask, widget.state.mask)


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


# ----------------------------------------------------------------------------------------
# Bad input: no silent reinterpretation
# ----------------------------------------------------------------------------------------
def test_to_uint8_keeps_uint8_and_rejects_none_nan_and_other_integers():
    from vklib.grabcut import to_uint8

    eight = np.full((2, 3, 3), 128, np.uint8)
    out = to_uint8(eight)
    assert out.dtype == np.uint8 and (out == 128).all() and out is not eight
    np.testing.assert_array_equal(to_uint8(np.array([0.0, 0.5, 1.0])), [0, 128, 255])
    with pytest.raises(TypeError, match="numpy array"):
        to_uint8(None)
    with pytest.raises(ValueError, match="NaN"):
        to_uint8(np.array([0.5, np.nan]))
    with pytest.raises(TypeError, match="float in \\[0, 1\\] or uint8"):
        to_uint8(np.array([1, 200], dtype=np.int64))
    with pytest.raises(ValueError, match="lie in \\[0, 1\\]"):
        to_uint8(np.array([0.5, 2.0]))


def test_kmeans_on_uint8_does_not_wrap_around():
    z = np.array([[0, 0, 0], [10, 10, 10], [250, 250, 250], [255, 255, 255]] * 5, np.uint8)
    labels = kmeans(z, 2, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(labels, kmeans(z.astype(float), 2, rng=np.random.default_rng(0)))
    assert labels[0] == labels[1] != labels[2] == labels[3]  # uint8 arithmetic would wrap 0 - 255 to 1
    with pytest.raises(TypeError, match="numeric dtype"):
        kmeans(z.astype(bool), 2, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="Generator"):
        kmeans(z, 2, rng=0)


def test_component_costs_rejects_a_fourth_channel():
    z = np.random.default_rng(0).uniform(0, 255, (30, 3))
    gmm = fit_gmm(z, np.arange(30) % 2, 2)
    with pytest.raises(ValueError, match="last axis of size 3"):
        component_costs(np.concatenate([z, np.ones((30, 1))], axis=1), gmm)
    with pytest.raises(ValueError, match="last axis of size 3"):
        assign_components(z[:, :2], gmm)
    with pytest.raises(TypeError, match="GMM"):
        component_costs(z, None)
    np.testing.assert_allclose(component_costs(z.astype(np.uint8), gmm), component_costs(np.floor(z), gmm))


def test_unary_and_smoothness_parts_add_up_and_unary_costs_give_u(scenes):
    from vklib.grabcut import unary_costs

    s, images = scenes
    rect = scene_rect(s.boxes[0], images.shape[1:3], margin=5)
    result = grabcut(images[0], rect=rect, n_iter=4)
    np.testing.assert_allclose(result.unary + result.smoothness, result.energies)
    d_bg, d_fg = unary_costs(images[0], result.models)
    np.testing.assert_allclose(np.where(result.foreground, d_fg, d_bg).sum(), result.unary[-1], rtol=1e-12)
    weights = nlink_weights(255.0 * images[0], result.beta, 50.0)
    np.testing.assert_allclose(smoothness_energy(result.foreground, weights), result.smoothness[-1], rtol=1e-6, atol=1e-6)
    with pytest.raises(TypeError, match="models"):
        unary_costs(images[0], result.bg_gmm)


# ----------------------------------------------------------------------------------------
# The chapter's exercises and experiments
# ----------------------------------------------------------------------------------------
def _chapter_cells():
    import nbformat

    return nbformat.read(CHAPTER, as_version=4).cells


def _cell_defining(name):
    """The source of the chapter's code cell that contains ``name``."""
    hits = [c.source for c in _chapter_cells() if c.cell_type == "code" and name in c.source]
    assert hits, f"no cell of the chapter contains {name!r}"
    return hits[0]


def _exec_cell(source, **names):
    """Run a chapter cell's source with the chapter's imports and ``names`` defined; return its namespace."""
    import vklib.grabcut as gc
    from vklib.exercises import check, check_choice, random_cases

    namespace = {"np": np, "gc": gc, "check": check, "check_choice": check_choice,
                 "random_cases": random_cases, **names}
    exec(compile(source, "<chapter cell>", "exec"), namespace)
    return namespace


def test_nlink_exercise_every_case_can_fail():
    from vklib.exercises import check

    ns = _exec_cell(_cell_defining("nlink_cases = "), my_nlink_weights=nlink_weights)
    cases = ns["nlink_cases"]

    def zeros(z, beta, gamma):
        return np.zeros((4,) + z.shape[:2])

    def no_sqrt2(z, beta, gamma):
        return nlink_weights(z, beta, gamma) * np.array([1, 1, np.sqrt(2), np.sqrt(2)])[:, None, None]

    assert check(nlink_weights, nlink_weights, cases).passed
    for case in cases:  # each case on its own catches both mistakes
        assert not check(zeros, nlink_weights, [case]).passed
        assert not check(no_sqrt2, nlink_weights, [case]).passed


def test_min_energy_exercise_solution_passes_and_mistakes_fail():
    import itertools

    from vklib.exercises import check

    solution = _cell_defining("def min_energy(")
    ns = _exec_cell(solution)
    tiny = np.array([[[220, 40, 40], [200, 60, 70], [90, 60, 160]],
                     [[210, 50, 50], [120, 70, 150], [40, 50, 210]]], float)
    red, blue = np.array([220, 40, 40]), np.array([40, 50, 210])
    names = {"cost_fg": ((tiny - red) ** 2).sum(axis=2) / 7200, "cost_bg": ((tiny - blue) ** 2).sum(axis=2) / 7200,
             "tiny_w": nlink_weights(tiny, compute_beta(tiny), gamma=2.0)}
    checked = _exec_cell(_cell_defining("cut_cases = "), min_energy=ns["min_energy"], **names)
    cases, max_flow = checked["cut_cases"], checked["max_flow"]
    assert check(ns["min_energy"], max_flow, cases).passed

    def unary_only(cost_fg, cost_bg, weights):
        return float(np.minimum(cost_fg, cost_bg).sum())

    def every_labelling_energy(cost_fg, cost_bg, weights):  # the right minimum with V counted twice
        best = np.inf
        for bits in itertools.product([False, True], repeat=cost_fg.size):
            alpha = np.array(bits).reshape(cost_fg.shape)
            best = min(best, np.where(alpha, cost_fg, cost_bg).sum() + 2 * smoothness_energy(alpha, weights))
        return best

    for wrong in (unary_only, every_labelling_energy):
        assert not check(wrong, max_flow, cases).passed


@pytest.mark.parametrize("question, variable, wrong, phrase", [
    ("why these scenes fail", "failure_reason", "a", "the cut is exact"),
    ("why these scenes fail", "failure_reason", "c", "none lost, only background"),
    ("why these scenes fail", "failure_reason", "d", "twenty iterations leave the same error"),
    ("one Gaussian on two colours", "prediction", "a", "halfway between them"),
    ("one Gaussian on two colours", "prediction", "c", "claims the shape itself"),
    ("one Gaussian on two colours", "prediction", "d", "nothing to choose with K = 1"),
])
def test_interpret_exercises_name_the_misconception(question, variable, wrong, phrase):
    from vklib.grabcut import questions

    source = _cell_defining(f'questions.check("{question}", {variable})')
    cell = [c for c in _chapter_cells() if c.source == source][0]
    assert {"check", "interpret"} <= set(cell.metadata["tags"])
    answer = _exec_cell(_cell_defining(f"\n{variable} = "))[variable]  # the solution cell
    right = _exec_cell(f"result = {source.strip()}", questions=questions, **{variable: answer})["result"]
    assert right.passed and answer == "b"
    result = _exec_cell(f"result = {source.strip()}", questions=questions, **{variable: wrong})["result"]
    assert not result.passed and phrase in repr(result)
    assert not questions.check(question, None).passed
    with pytest.raises(ValueError, match="question must be one of"):
        questions.check("no such question", "b")


def test_failed_scenes_do_not_improve_with_more_iterations():
    """Exercise 6's feedback: more iterations do not remove the kept background."""
    from vklib.grabcut.experiment import error_rates, synthetic_set

    scenes = synthetic_set(12, seed=5)
    failed = np.flatnonzero(error_rates(scenes) > 2)
    assert len(failed) >= 2
    for i in failed:  # the failed scenes of the chapter's first seed
        five = grabcut(scenes.images[i], rect=scenes.rects[i], n_iter=5)
        twenty = grabcut(scenes.images[i], rect=scenes.rects[i], n_iter=20)
        assert error_rate(five.mask, scenes.masks[i], scenes.rects[i]) > 2
        truth = scenes.masks[i]
        assert not (~five.foreground & truth).any()  # nothing of the shape is lost: only background kept
        np.testing.assert_array_equal(five.mask, twenty.mask)


def test_kept_background_has_colours_not_seen_outside_the_rectangle():
    """Exercise 6's answer: the wrongly kept pixels' colours are far from every colour outside the rectangle."""
    from vklib.grabcut.experiment import synthetic_set

    scenes = synthetic_set(12, seed=5)
    for i in (3, 9):
        image, (x, y, w, h), truth = scenes.images[i], scenes.rects[i], scenes.masks[i]
        fg = grabcut(image, rect=scenes.rects[i], n_iter=5).foreground
        outside = np.ones(truth.shape, bool)
        outside[y:y + h, x:x + w] = False
        z = 255.0 * image
        seen = z[outside][::7]

        def nearest(colours):
            return np.median(np.sqrt(((colours[:, None] - seen[None]) ** 2).sum(-1)).min(axis=1))

        kept, right = fg & ~truth, ~fg & ~truth & ~outside
        assert nearest(z[kept][::3]) > 3 * nearest(z[right][::3])


def test_one_gaussian_loses_the_shape_on_two_colour_stripes():
    from vklib.grabcut.experiment import error_rates, found_fractions, foregrounds, two_colour_scenes

    scenes = two_colour_scenes(4, seed=5)
    one = foregrounds(scenes, n_components=1)
    found = found_fractions(scenes, one)
    assert (found < 0.1).sum() >= 3  # lost in most scenes (the chapter's first seed: scenes 0, 2, 3 of 0-3)
    assert error_rates(scenes, n_components=2).mean() < error_rates(scenes, foreground=one).mean()
    with pytest.raises(TypeError, match="not both"):
        error_rates(scenes, foreground=one, gamma=5.0)
    with pytest.raises(ValueError, match="shape"):
        found_fractions(scenes, one[:2])


def test_two_colour_captions_describe_the_grey_shape_as_drawn():
    from vklib.data import COLORS
    from vklib.grabcut.experiment import two_colour_scenes

    scenes = two_colour_scenes(6, seed=5)
    for caption in scenes.captions:
        assert " grey " in caption and caption.endswith("two-colour stripes")
        assert not any(f" {colour} " in caption for colour in COLORS), caption


def test_numbers_in_the_chapter_prose_are_printed_above_them():
    """Every decimal number in the text after the first output is printed by an earlier code cell."""
    import re

    parameters = {"0.01", "0.03", "0.05", "0.08", "0.1", "0.3", "0.7", "0.9", "0.4", "1.3"}
    printed = ""
    for cell in _chapter_cells():
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                printed += out.get("text", "") + out.get("data", {}).get("text/plain", "") + "\n"
        elif printed:
            text = re.sub(r"\$[^$]*\$", " ", cell.source)  # numbers inside equations are definitions
            for number in re.findall(r"(?<![\w.])\d+\.\d+(?![\w.])", text):
                assert number in parameters or number in printed, f"{number!r} in the text is printed by no cell above it"


def _output_of(snippet):
    cell = [c for c in _chapter_cells() if c.cell_type == "code" and snippet in c.source][0]
    return "".join(o.get("text", "") for o in cell.get("outputs", []))


def _markdown_with(snippet):
    return [c.source for c in _chapter_cells() if c.cell_type == "markdown" and snippet in c.source][0]


def test_two_colour_prose_quotes_the_printed_counts():
    import re

    printed = _output_of("two_fg = {k:")
    rows = {int(k): (int(failed), int(lost), int(missed)) for k, failed, lost, missed in re.findall(
        r"K = (\d): .*?\((\s*\d+)\), lost\s+(\d+); wrong pixels:\s+\d+ background kept,\s+(\d+) of the shape", printed)}
    assert set(rows) == {1, 2, 5}
    text = " ".join(_markdown_with("two-colour scenes (GrabCut keeps").split())
    assert f"shape is lost in {rows[1][1]} of the 24" in text
    assert f"{rows[1][0]} of the 24 fail" in text
    assert rows[2][1] == rows[5][1] == 0 and "no shape is lost" in text
    assert rows[2][2] == rows[5][2] == 0 and "(0 pixels of the shape missed)" in text


def test_k_and_gamma_prose_quotes_the_printed_tables():
    import re

    gamma_table = _output_of("GAMMAS = (")
    means = {(float(g), kind): m for g, *cols in re.findall(r"^\s*(\d+)\s+(\S+) ± \S+ \(\s*\d+\)\s+(\S+) ±", gamma_table, re.M)
             for kind, m in zip(("clean", "noisy"), cols)}
    text = " ".join(_markdown_with("On the scenes as drawn, the error falls").split())
    for g, kind, phrase in [(0.0, "clean", "from {} % without"), (50.0, "clean", "to {} % at the"),
                            (500.0, "clean", "to {} %, at"), (50.0, "noisy", "$\\gamma = 50$ gives {} %"),
                            (5000.0, "noisy", "$\\gamma = 5000$ gives {} %"), (0.0, "noisy", "at all ({} %)")]:
        assert phrase.format(means[g, kind]) in text, (g, kind, phrase)
    k_table = _output_of("K_VALUES = (")
    k_means = dict(re.findall(r"K = (\d): \s*(\S+) ±", k_table))
    text = " ".join(_markdown_with("More components do not help here").split())
    assert f"{k_means['1']} % against {k_means['5']} %" in text


def test_fit_gmm_rejects_nan_bad_labels_and_bad_eps():
    z = np.random.default_rng(0).uniform(0, 255, (12, 3))
    labels = np.arange(12) % 3
    with pytest.raises(ValueError, match="NaN"):
        fit_gmm(np.where(z > 250, np.nan, np.full_like(z, np.nan)), labels, 3)
    with pytest.raises(ValueError, match="last axis of size 3"):
        fit_gmm(z[:, :2], labels, 3)
    with pytest.raises(ValueError, match="one entry per colour"):
        fit_gmm(z, labels[:5], 3)
    with pytest.raises(ValueError, match="0 .. k-1"):
        fit_gmm(z, labels, 2)
    with pytest.raises(TypeError, match="integer"):
        fit_gmm(z, labels.astype(float), 3)
    with pytest.raises(ValueError, match="eps"):
        fit_gmm(z, labels, 3, eps=-1.0)
    with pytest.raises(TypeError, match="numpy array"):
        fit_gmm(None, labels, 3)
    exact = fit_gmm(z.round().astype(np.uint8), labels, 3)  # integer colours are converted, not rescaled
    np.testing.assert_allclose(exact.means, fit_gmm(z.round(), labels, 3).means)


def test_experiment_helpers_reject_what_is_not_a_scene_set():
    from vklib.grabcut.experiment import benchmark, error_rates, found_fractions, foregrounds, summarise

    for fn in (foregrounds, error_rates, benchmark):
        with pytest.raises(TypeError, match="SceneSet"):
            fn([np.zeros((8, 8, 3))])
    with pytest.raises(TypeError, match="SceneSet"):
        found_fractions(None, np.zeros((1, 8, 8), bool))
    with pytest.raises(ValueError, match="seeds >= 2"):
        summarise(np.zeros(5))


@pytest.mark.parametrize("wrong, phrase", [
    (6.2991, "That is the flow with gamma = 2"),
    (0.0, "Only the boundary became free"),
    (40.94, "severs one t-link per pixel"),
    (38.51, "more expensive label"),
])
def test_flow_prediction_names_the_misconception(wrong, phrase):
    from vklib.grabcut import questions

    source = _cell_defining('questions.check("flow without smoothness", flow_prediction)')
    cell = [c for c in _chapter_cells() if c.source == source][0]
    assert {"check", "interpret"} <= set(cell.metadata["tags"])
    answer = _exec_cell(_cell_defining("flow_prediction = "))["flow_prediction"]
    assert questions.check("flow without smoothness", answer).passed
    result = questions.check("flow without smoothness", wrong)
    assert not result.passed and phrase in repr(result)


def test_flow_question_uses_the_chapters_six_pixel_graph():
    from vklib.grabcut import plot as gcplot
    from vklib.grabcut import questions

    ns = _exec_cell(_cell_defining("tiny = np.array("), gcplot=gcplot)
    cost_fg, cost_bg, weights = questions.six_pixel_costs()
    np.testing.assert_array_equal(ns["cost_fg"], cost_fg)
    np.testing.assert_array_equal(ns["cost_bg"], cost_bg)
    np.testing.assert_array_equal(ns["tiny_w"], weights)
    no_links = edmonds_karp(dense_capacities(cost_fg, cost_bg, 0 * weights), 6, 7)[0]
    np.testing.assert_allclose(no_links, np.minimum(cost_fg, cost_bg).sum())
    np.testing.assert_allclose(questions.flow_without_smoothness(), no_links)


def test_beta_and_fit_exercises_every_case_can_fail():
    from vklib.exercises import check

    beta_cases = _exec_cell(_cell_defining("beta_cases = ").replace("check(my_beta", "(lambda *a, **k: None)(my_beta"),
                            my_beta=compute_beta)["beta_cases"]
    for case in beta_cases:
        assert not check(lambda z: 0.0, compute_beta, [case]).passed
        assert not check(lambda z: 2 * compute_beta(z), compute_beta, [case]).passed  # forgot the 1/2
    fit_source = _cell_defining("fit_cases = ")
    ns = _exec_cell(fit_source.replace("check(my_fit", "(lambda *a, **k: None)(my_fit"), my_fit=None)
    for case in ns["fit_cases"]:
        def zeros(z, labels, k, eps):
            return np.zeros(k), np.zeros((k, 3)), np.zeros((k, 3, 3))

        def no_eps(z, labels, k, eps):
            return ns["reference_fit"](z, labels, k, 0.0)

        assert not check(zeros, ns["reference_fit"], [case]).passed
        assert not check(no_eps, ns["reference_fit"], [case]).passed
