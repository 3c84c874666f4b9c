"""Tests of vklib.clip: the loss against open_clip and a loop reference, the distributed
gather with two gloo processes, zero-shot classifiers against open_clip's, retrieval
recall against a loop, the tiny open_clip model offline, and the pretrained switch."""

from __future__ import annotations

import math
import os
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from vklib import clip as vc

open_clip = pytest.importorskip("open_clip")


def _features(n=8, d=16, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    i = F.normalize(torch.randn(n, d, generator=g, dtype=dtype), dim=1)
    t = F.normalize(torch.randn(n, d, generator=g, dtype=dtype), dim=1)
    return i, t


# ----------------------------------------------------------------------------- loss


@pytest.mark.parametrize("n,d,scale", [(2, 4, 1.0), (8, 16, 14.285714), (33, 64, 100.0)])
def test_loss_equals_open_clip(n, d, scale):
    i, t = _features(n, d, seed=n, dtype=torch.float32)
    ours = vc.clip_loss(i, t, torch.tensor(scale))
    theirs = open_clip.loss.ClipLoss()(i, t, torch.tensor(scale))
    torch.testing.assert_close(ours, theirs, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_loss_equals_loop_reference(seed):
    i, t = _features(6, 5, seed=seed)
    scale = 1.0 + 20.0 * seed
    got = float(vc.clip_loss(i, t, scale))
    assert abs(got - vc.clip_loss_reference(i, t, scale)) < 1e-6


def test_loop_reference_differs_when_pairs_shuffled():
    # the reference can fail: swapping two texts changes the positives
    i, t = _features(5, 4, seed=3)
    t2 = t[[1, 0, 2, 3, 4]]
    assert abs(vc.clip_loss_reference(i, t, 10.0) - vc.clip_loss_reference(i, t2, 10.0)) > 1e-3


@pytest.mark.parametrize("n", [1, 2, 7, 64])
def test_all_equal_features_give_log_n(n):
    f = F.normalize(torch.ones(n, 8, dtype=torch.float64), dim=1)
    assert abs(float(vc.clip_loss(f, f, 37.0)) - math.log(n)) < 1e-12


def test_perfect_alignment_approaches_zero():
    f = torch.eye(4, dtype=torch.float64)
    assert float(vc.clip_loss(f, f, 100.0)) < 1e-12


def test_module_equals_function_and_normalize_option():
    i, t = _features(8, 16, seed=4)
    torch.testing.assert_close(vc.ClipLoss()(i, t, 5.0), vc.clip_loss(i, t, 5.0))
    torch.testing.assert_close(vc.ClipLoss(normalize=True)(3 * i, 0.5 * t, 5.0), vc.clip_loss(i, t, 5.0))


def test_loss_keeps_dtype_and_gradcheck():
    i, t = _features(4, 6, seed=5)
    i.requires_grad_(True)
    t.requires_grad_(True)
    scale = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    assert vc.clip_loss(i, t, scale).dtype == torch.float64
    assert torch.autograd.gradcheck(lambda a, b, s: vc.clip_loss(a, b, s), (i, t, scale))
    assert vc.clip_loss(i.float(), t.float(), 3.0).dtype == torch.float32


def test_loss_bad_input():
    i, t = _features(4, 8)
    with pytest.raises(ValueError, match="same number of pairs"):
        vc.clip_loss(i, t[:3], 1.0)
    with pytest.raises(ValueError, match="same embedding width"):
        vc.clip_loss(i, t[:, :5], 1.0)
    bad = i.clone()
    bad[1, 2] = float("nan")
    with pytest.raises(ValueError, match="finite"):
        vc.clip_loss(bad, t, 1.0)
    with pytest.raises(ValueError, match="empty"):
        vc.clip_loss(i[:0], t[:0], 1.0)
    with pytest.raises(ValueError, match="2 dimensions"):
        vc.clip_loss(i[0], t[0], 1.0)
    with pytest.raises(TypeError, match="torch tensors"):
        vc.clip_loss(i.numpy(), t.numpy(), 1.0)
    with pytest.raises(TypeError, match="floating"):
        vc.clip_loss(i.long(), t.long(), 1.0)
    with pytest.raises(ValueError, match="exp\\(t\\) > 0"):
        vc.clip_loss(i, t, -2.0)
    with pytest.raises(ValueError, match="scalar"):
        vc.clip_loss(i, t, torch.ones(2))


# ----------------------------------------------------------------------- distributed


def _worker(rank, world, init_file, out_dir):
    import torch.distributed as dist

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        i, t = _features(8, 6, seed=11)
        n = i.shape[0] // world
        mine_i = i[rank * n:(rank + 1) * n].clone().requires_grad_(True)
        mine_t = t[rank * n:(rank + 1) * n].clone().requires_grad_(True)
        loss = vc.clip_loss(mine_i, mine_t, 7.0)
        loss.backward()
        torch.save({"loss": loss.detach(), "gi": mine_i.grad, "gt": mine_t.grad}, os.path.join(out_dir, f"{rank}.pt"))
    finally:
        dist.destroy_process_group()


def test_two_process_gloo_loss_and_gradients_equal_single_process(tmp_path):
    import torch.multiprocessing as mp

    mp.spawn(_worker, args=(2, str(tmp_path / "init"), str(tmp_path)), nprocs=2, join=True)
    i, t = _features(8, 6, seed=11)
    i.requires_grad_(True)
    t.requires_grad_(True)
    loss = vc.clip_loss(i, t, 7.0)
    loss.backward()
    for rank in range(2):
        got = torch.load(tmp_path / f"{rank}.pt", weights_only=True)
        torch.testing.assert_close(got["loss"], loss.detach(), rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(got["gi"], i.grad[rank * 4:(rank + 1) * 4], rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(got["gt"], t.grad[rank * 4:(rank + 1) * 4], rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------------ zero-shot


@pytest.fixture(scope="module")
def tiny():
    model = vc.create_tiny_clip(seed=0).eval()
    return model, vc.get_tokenizer()


def test_format_prompts_and_bad_input():
    assert vc.format_prompts(["cat", "dog"], ["a {}", "the {}."]) == ["a cat", "the cat.", "a dog", "the dog."]
    with pytest.raises(ValueError, match="classnames must hold at least one"):
        vc.format_prompts([], ["a {}"])
    with pytest.raises(ValueError, match="templates must hold at least one"):
        vc.format_prompts(["cat"], [])
    with pytest.raises(ValueError, match="exactly one '\\{\\}'"):
        vc.format_prompts(["cat"], ["a photo"])
    with pytest.raises(TypeError, match="the string"):
        vc.format_prompts("cat", ["a {}"])
    with pytest.raises(TypeError, match="must hold strings"):
        vc.format_prompts(["cat", 3], ["a {}"])


def test_zero_shot_classifier_equals_open_clip(tiny):
    from open_clip.zero_shot_classifier import build_zero_shot_classifier as oc_build

    model, tok = tiny
    names = ["red circle", "blue star", "green square"]
    templates = ["a {}", "a small {}", "a large {} on a plain background"]
    ours = vc.build_zero_shot_classifier(model, tok, names, templates, batch_size=4)
    theirs = oc_build(model, tok, names, templates, num_classes_per_batch=2)
    assert ours.shape == (3, 64)
    torch.testing.assert_close(ours, theirs.T, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(ours.norm(dim=1), torch.ones(3), rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="at least one"):
        vc.build_zero_shot_classifier(model, tok, [], templates)
    with pytest.raises(ValueError, match="exactly one"):
        vc.build_zero_shot_classifier(model, tok, names, ["no placeholder"])


def test_ensemble_text_embeddings_single_template_is_normalisation():
    e = torch.randn(5, 1, 8, dtype=torch.float64)
    torch.testing.assert_close(vc.ensemble_text_embeddings(e), F.normalize(e[:, 0], dim=1))
    e = torch.randn(3, 4, 8, dtype=torch.float64)
    loop = torch.stack([sum(e[c, k] / e[c, k].norm() for k in range(4)) for c in range(3)])
    torch.testing.assert_close(vc.ensemble_text_embeddings(e), loop / loop.norm(dim=1, keepdim=True))
    with pytest.raises(ValueError, match="3 dimensions"):
        vc.ensemble_text_embeddings(torch.randn(3, 8))


def test_zero_shot_predict_and_logits():
    w = torch.eye(3)
    x = F.normalize(torch.tensor([[0.1, 2.0, 0.0], [0.0, 0.1, -1.0], [5.0, 1.0, 1.0]]), dim=1)
    assert vc.zero_shot_predict(x, w).tolist() == [1, 1, 0]
    torch.testing.assert_close(vc.zero_shot_logits(x, w, 10.0), 10.0 * x)
    with pytest.raises(ValueError, match="width"):
        vc.zero_shot_predict(x, torch.eye(4))
    with pytest.raises(ValueError, match="finite"):
        vc.zero_shot_predict(torch.full((1, 3), float("nan")), w)


def _recall_loop(sim, k):
    sim = np.asarray(sim, np.float64)
    hits = 0
    for q in range(sim.shape[0]):
        above = sum(1 for j in range(sim.shape[1]) if j != q and sim[q, j] >= sim[q, q])
        hits += above < k
    return hits / sim.shape[0]


@pytest.mark.parametrize("seed", [0, 1])
def test_recall_at_k_equals_loop(seed):
    rng = np.random.default_rng(seed)
    sim = rng.normal(size=(20, 20))
    sim[np.arange(20), np.arange(20)] += rng.normal(1.0, 1.0, 20)
    for k in (1, 3, 5, 20):
        assert vc.recall_at_k(torch.as_tensor(sim), k) == pytest.approx(_recall_loop(sim, k))


def test_recall_known_values_and_bad_input():
    assert vc.recall_at_k(torch.eye(5), 1) == 1.0
    assert vc.recall_at_k(torch.ones(5, 5), 1) == 0.0  # ties count against the query
    assert vc.recall_at_k(torch.ones(5, 5), 5) == 1.0
    f = torch.eye(4)
    # texts 0 and 1 are closer to the other image than to their own (rank 1); 2 and 3 match (rank 0)
    t = F.normalize(f[[1, 0, 2, 3]] + 0.5 * f, dim=1)
    r = vc.retrieval_recall(f, t, ks=(1, 2))
    assert r == {"image_to_text@1": 0.5, "text_to_image@1": 0.5, "image_to_text@2": 1.0, "text_to_image@2": 1.0}
    with pytest.raises(ValueError, match="square"):
        vc.recall_at_k(torch.ones(3, 4), 1)
    with pytest.raises(ValueError, match="at most"):
        vc.recall_at_k(torch.ones(3, 3), 4)
    # exact ties count against the query: a swapped pair of one-hot texts ties with two zero scores
    r = vc.retrieval_recall(f, f[[1, 0, 2, 3]], ks=(2,))
    assert r == {"image_to_text@2": 0.5, "text_to_image@2": 0.5}
    with pytest.raises(ValueError, match="same shape"):
        vc.retrieval_recall(torch.ones(3, 4), torch.ones(2, 4))


# ------------------------------------------------------------------- the tiny model


def test_tiny_model_is_a_registered_open_clip_model(tiny):
    model, _ = tiny
    assert vc.TINY_NAME in open_clip.list_models()
    assert isinstance(model, open_clip.CLIP)
    assert type(model.visual).__name__ == "ModifiedResNet"
    assert model.visual.image_size == 32
    assert model.context_length == 32  # the captions and prompts need at most 13 tokens
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == 4_563_161 and model.token_embedding.weight.numel() == 49408 * 64
    assert sum(p.numel() for p in model.visual.parameters()) == 1_327_832
    # the same seed gives the same weights; another seed does not; the global RNG is left alone
    state = torch.random.get_rng_state()
    again = vc.create_tiny_clip(seed=0)
    other = vc.create_tiny_clip(seed=1)
    assert torch.equal(torch.random.get_rng_state(), state)
    torch.testing.assert_close(again.visual.attnpool.c_proj.weight, model.visual.attnpool.c_proj.weight)
    assert not torch.equal(other.visual.attnpool.c_proj.weight, model.visual.attnpool.c_proj.weight)
    g = torch.Generator().manual_seed(5)
    a = vc.create_tiny_clip(seed=g)
    b = vc.create_tiny_clip(seed=torch.Generator().manual_seed(5))
    torch.testing.assert_close(a.visual.conv1.weight, b.visual.conv1.weight)
    with pytest.raises(TypeError, match="seed must be"):
        vc.create_tiny_clip(seed=1.5)
    with pytest.raises(TypeError, match="seed must be"):
        vc.create_tiny_clip(seed=None)


def test_register_does_not_touch_private_tables_and_checks_configs():
    import copy

    cfg = copy.deepcopy(vc.TINY_CONFIG)
    cfg["text_cfg"]["layers"] = 1
    assert vc.register_tiny_clip("vklib-test-variant", cfg) == "vklib-test-variant"
    assert "vklib-test-variant" in open_clip.list_models()
    assert open_clip.get_model_config("vklib-test-variant")["text_cfg"]["layers"] == 1
    with pytest.raises(TypeError, match="dict"):
        vc.register_tiny_clip("x", [1, 2])
    with pytest.raises(ValueError, match="missing"):
        vc.register_tiny_clip("x", {"embed_dim": 8})
    with pytest.raises(ValueError, match="other than"):
        vc.register_tiny_clip("another-name")


def test_tiny_config_file_equals_the_package_constant():
    import json

    from vklib.resources import data_path

    assert json.loads(data_path("clip", "vklib-tiny.json").read_text()) == vc.TINY_CONFIG


def test_tokenizer_unchanged_and_model_works_offline(monkeypatch, tiny):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    tok = vc.get_tokenizer()
    tokens = tok(["a small red circle on a striped background", "a dog"])
    assert tokens.shape == (2, 32) and tokens.dtype == torch.long
    assert tokens[1, :4].tolist() == [49406, 320, 1929, 49407]  # <start> a dog <end>
    assert int(tokens[1, 4:].abs().sum()) == 0  # zero padding
    full = open_clip.tokenize(["a small red circle on a striped background", "a dog"])
    assert full.shape == (2, 77)  # CLIP's context; the tiny model's tokenizer only pads less
    torch.testing.assert_close(tokens, full[:, :32])
    assert int(full[:, 32:].abs().sum()) == 0
    # the vocabulary the chapter describes: 256 bytes, the same with </w>, 48,894 merges, 2 specials
    bpe = open_clip.tokenizer._tokenizer
    assert len(bpe.encoder) == 49408 == 2 * 256 + 48894 + 2
    assert len(bpe.bpe_ranks) == 48894
    assert bpe.encoder["<start_of_text>"] == 49406 and bpe.encoder["<end_of_text>"] == 49407
    model, _ = tiny
    scenes = vc.make_caption_scenes(3, seed=0)
    with torch.no_grad():
        out = model(vc.scenes_to_tensor(scenes.images, model), tok(scenes.captions))
    assert out["image_features"].shape == (3, 64) and out["text_features"].shape == (3, 64)
    torch.testing.assert_close(out["image_features"].norm(dim=1), torch.ones(3))
    assert float(out["logit_scale"]) == pytest.approx(1 / 0.07, rel=1e-5)
    f = vc.tower_features(model, vc.scenes_to_tensor(scenes.images, model), batch_size=2)
    assert f.shape == (3, 512)
    with pytest.raises(TypeError, match="ModifiedResNet"):
        vc.tower_features(type("ViTLike", (), {"visual": torch.nn.Identity()})(), torch.zeros(1, 3, 32, 32))
    with pytest.raises((TypeError, ValueError)):
        vc.tower_features(model, torch.zeros(3, 32, 32))


def test_longest_prompt_fits_the_context():
    from vklib.data import COLORS, SHAPES

    tok = vc.get_tokenizer()
    texts = [t["template"].format(f"{c} {s}") for t in vc.caption_templates() for c in COLORS for s in SHAPES]
    assert int((tok(texts) != 0).sum(1).max()) == 13


def test_caption_templates_and_phrasings():
    from vklib.data import BACKGROUNDS

    info = vc.caption_templates()
    assert len(info) == 3 + len(vc.PHRASINGS) * len(vc.CAPTION_SIZES) * len(BACKGROUNDS) == 78
    assert [t["group"] for t in info[:3]] == ["short"] * 3
    assert info[3]["template"] == "a small {} on a plain background"
    assert len({t["template"] for t in info}) == 78
    # a caption template filled with a class name is a caption the scene generator writes
    s = vc.make_caption_scenes(20, seed=3, phrasings=None)
    for i in range(20):
        a = s.attributes(i)
        t = vc.caption_templates(phrasings=[a["phrasing"]], sizes=[a["size"]], backgrounds=[a["background"]],
                                 short=False)[0]["template"]
        assert t.format(f"{a['color']} {a['shape']}") == a["caption"]
    assert vc.phrase("thing first", thing="red star", size="small", background="plain") == \
        "red star, small, on a plain background"
    with pytest.raises(ValueError, match="size must be one of"):
        vc.caption_templates(sizes=["huge"])
    with pytest.raises(ValueError, match="at least one"):
        vc.caption_templates(backgrounds=[])
    with pytest.raises(TypeError, match="the string"):
        vc.caption_templates(phrasings="photo")
    with pytest.raises(ValueError, match="phrasing must be one of"):
        vc.phrase("poem", thing="a", size="small", background="plain")


def test_caption_scenes():
    from vklib.data import COLORS, SHAPES

    s = vc.make_caption_scenes(60, seed=1, exclude=[("red", "star")], phrasings=None)
    assert s.images.shape == (60, 32, 32, 3) and s.images.dtype == np.float32
    assert 0.0 <= s.images.min() and s.images.max() <= 1.0
    assert not np.any((s.colors == list(COLORS).index("red")) & (s.labels == SHAPES.index("star")))
    np.testing.assert_array_equal(s.pairs, s.colors * 6 + s.labels)
    assert len(set(s.phrasings.tolist())) > 1
    # large shapes: at least 18 % of the side as circumradius, so the masks are big
    assert s.masks.sum(axis=(1, 2)).min() > 0.03 * 32 * 32
    # scene i depends only on (seed, i)
    np.testing.assert_array_equal(vc.make_caption_scenes(5, seed=1, exclude=[("red", "star")],
                                                         phrasings=None).images, s.images[:5])
    assert len(s[2:5]) == 3
    # holding out all but one colour per shape leaves exactly the held-out pairs
    keep = {("red", "star")}
    only = vc.make_caption_scenes(10, seed=0, shapes=["star"], exclude=[(c, "star") for c in COLORS if c != "red"])
    assert set(zip([list(COLORS)[c] for c in only.colors], [SHAPES[k] for k in only.labels])) == keep
    with pytest.raises(ValueError, match="noise"):
        vc.make_caption_scenes(2, noise=0.5)
    with pytest.raises(TypeError):
        vc.make_caption_scenes(2.0)
    with pytest.raises(ValueError, match="max_distractors"):
        vc.make_caption_scenes(2, max_distractors=-1)
    with pytest.raises(ValueError, match="no colour"):
        vc.make_caption_scenes(2, shapes=["star"], exclude=[(c, "star") for c in COLORS])


def test_scenes_to_tensor():
    img = vc.make_caption_scenes(2, seed=0).images
    x = vc.scenes_to_tensor(img)
    assert x.shape == (2, 3, 32, 32)
    np.testing.assert_array_equal(x.permute(0, 2, 3, 1).numpy(), img)
    assert x.is_contiguous(memory_format=torch.channels_last)  # the layout the chapter's training used
    x = vc.scenes_to_tensor(img, mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))
    np.testing.assert_allclose(x[0, 1].numpy(), (img[0, :, :, 1] - 0.5) / 0.25, rtol=1e-6)
    assert torch.equal(vc.scenes_to_tensor(img.astype(np.float64)), vc.scenes_to_tensor(img))
    model = vc.create_tiny_clip(seed=0)
    with pytest.raises(ValueError, match="32 x 32"):
        vc.scenes_to_tensor(vc.make_caption_scenes(1, size=48).images, model)
    with pytest.raises(TypeError, match="NumPy"):
        vc.scenes_to_tensor(torch.zeros(1, 32, 32, 3))
    with pytest.raises(ValueError, match="C = 3"):
        vc.scenes_to_tensor(np.zeros((1, 32, 32), np.float32))


def test_training_lowers_the_loss():
    torch.set_num_threads(min(2, torch.get_num_threads()))
    model = vc.create_tiny_clip(seed=0)
    scenes = vc.make_caption_scenes(32, seed=0)
    tokens = vc.get_tokenizer()(scenes.captions)
    images = vc.scenes_to_tensor(scenes.images, model)
    # 32 pairs seen 20 times each: the model must at least memorise them
    history = vc.train_clip(model, tokens, images, epochs=20, batch_size=16, lr=2e-3, warmup=5, progress=False)
    assert len(history.loss) == 40
    assert np.mean(history.loss[:2]) > 0.9 * np.log(16)  # starts at chance
    assert np.mean(history.loss[-4:]) < 0.5 * np.log(16)
    assert max(history.logit_scale) <= 100.0 + 1e-4
    assert not model.training
    with pytest.raises(ValueError, match="same number of pairs"):
        vc.train_clip(model, tokens[:10], images, progress=False)
    with pytest.raises(ValueError, match="batch_size must be at most"):
        vc.train_clip(model, tokens, images, batch_size=33, progress=False)


def test_logit_scale_is_clipped_at_the_maximum():
    model = vc.create_tiny_clip(seed=0)
    scenes = vc.make_caption_scenes(16, seed=0)
    tokens = vc.get_tokenizer()(scenes.captions)
    with torch.no_grad():
        model.logit_scale.fill_(math.log(99.9))
    history = vc.train_clip(model, tokens, vc.scenes_to_tensor(scenes.images, model), epochs=3, batch_size=8,
                            lr=0.5, warmup=1, max_logit_scale=100.0, progress=False)
    assert max(history.logit_scale) <= 100.0 + 1e-4


# ---------------------------------------------------------------------------- metrics


def test_attribute_accuracies_hand_computed():
    # pred/true as 6 * colour + shape: (0,0)/(0,0) right; (1,1)/(0,1) shape only;
    # (2,1)/(2,1) right; (0,2)/(1,2) shape only -> colour 2/4, shape 4/4, pair 2/4
    out = vc.attribute_accuracies([0, 7, 13, 2], [0, 1, 13, 8], n_shapes=6)
    assert out == {"colour_acc": 0.5, "shape_acc": 1.0, "shape_acc_given_colour": 1.0, "pair_acc": 0.5}
    # colour right but shape wrong in one of two
    out = vc.attribute_accuracies(torch.tensor([6, 7]), torch.tensor([6, 8]))
    assert out == {"colour_acc": 1.0, "shape_acc": 0.5, "shape_acc_given_colour": 0.5, "pair_acc": 0.5}
    # no colour right: shape given colour is undefined
    out = vc.attribute_accuracies([0], [6])
    assert out["colour_acc"] == 0.0 and out["shape_acc"] == 1.0 and math.isnan(out["shape_acc_given_colour"])
    # a constant prediction is right only on its own class
    out = vc.attribute_accuracies([0, 0, 0], [0, 1, 6])
    assert out["pair_acc"] == pytest.approx(1 / 3) and out["shape_acc"] == pytest.approx(2 / 3)


def test_shape_confusion_hand_computed():
    c = vc.shape_confusion([0, 1, 1, 8], [0, 0, 1, 2], n_shapes=6)
    expected = np.zeros((6, 6), np.int64)
    expected[0, 0] = expected[0, 1] = expected[1, 1] = expected[2, 2] = 1
    np.testing.assert_array_equal(c, expected)
    assert c.sum() == 4


def test_metrics_bad_input():
    with pytest.raises(TypeError, match="integer"):
        vc.attribute_accuracies([0.5, 1.0], [0, 1])
    with pytest.raises(ValueError, match="same length"):
        vc.attribute_accuracies([0, 1], [0])
    with pytest.raises(ValueError, match="at least one"):
        vc.attribute_accuracies([], [])
    with pytest.raises(ValueError, match=">= 0"):
        vc.attribute_accuracies([-1], [0])
    with pytest.raises(ValueError, match="1-D"):
        vc.attribute_accuracies([[0]], [[0]])
    with pytest.raises((TypeError, ValueError)):
        vc.attribute_accuracies([0], [0], n_shapes=0)
    with pytest.raises((TypeError, ValueError)):
        vc.attribute_accuracies(None, [0])
    with pytest.raises(ValueError, match="same length"):
        vc.shape_confusion([0, 1], [0])


def test_linear_probe_separable_and_bad_input():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 20)
    x = np.eye(3)[y] * 5 + rng.normal(scale=0.1, size=(60, 3))
    out = vc.linear_probe(x, y, x, y, shots=(1, 4, "all"), seed=0)
    assert set(out) == {"1", "4", "all"} and out["all"] == 1.0 and out["4"] == 1.0
    # random features and labels: near chance (1/3), far from perfect
    noise = rng.normal(size=(600, 8))
    yy = rng.integers(0, 3, 600)
    assert vc.linear_probe(noise[:300], yy[:300], noise[300:], yy[300:], shots=("all",))["all"] < 0.5
    with pytest.raises(ValueError, match="at least 30"):
        vc.linear_probe(x, y, x, y, shots=(30,))
    with pytest.raises(ValueError, match="same length"):
        vc.linear_probe(x[:10], y, x, y)


# ------------------------------------------------------------------ pretrained switch


def test_pretrained_fails_fast_and_clearly_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    t0 = time.perf_counter()
    with pytest.raises(ConnectionError, match="ViT-B-32.*offline.*USE_PRETRAINED = False"):
        vc.load_pretrained_clip()
    assert time.perf_counter() - t0 < 2.0


def test_pretrained_openai_weights_get_quick_gelu(monkeypatch):
    """OpenAI's ViT-B-32 was trained with QuickGELU: the loader must ask open_clip for it (no download here)."""
    import open_clip

    import vklib.clip.pretrained as cp

    calls = []
    monkeypatch.setattr(cp, "require_online", lambda *a, **k: None)
    monkeypatch.setattr(open_clip, "create_model_and_transforms",
                        lambda arch, **kw: calls.append((arch, kw)) or (torch.nn.Identity(), None, None))
    monkeypatch.setattr(open_clip, "get_tokenizer", lambda arch: "tokenizer")
    cp.load_pretrained_clip()
    cp.load_pretrained_clip("ViT-B-32", "laion2b_s34b_b79k")
    assert calls[0] == ("ViT-B-32", {"pretrained": "openai", "device": "cpu", "weights_only": True,
                                     "force_quick_gelu": True})
    assert calls[1][1]["force_quick_gelu"] is False   # LAION's weights were trained with exact GELU


# ------------------------------------------------------------- the chapter's prose vs the JSON


def _results():
    import json

    from vklib.resources import data_path

    return json.loads(data_path("clip", "results.json").read_text())


def _chapter_markdown() -> str:
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).resolve().parents[1] / "chapters" / "06_clip.ipynb").read_text())
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def _ms(values) -> str:
    v = np.asarray(values, dtype=float)
    return f"{v.mean():.3f} ± {v.std(ddof=1):.3f}"


def test_results_json_layout():
    r = _results()
    assert len(r["seeds"]) >= 3
    for key in ("colour_acc", "shape_acc", "shape_acc_given_colour", "pair_acc"):
        assert len(r["heldout"][key]) == len(r["seeds"])
        assert all(0.0 <= v <= 1.0 for v in r["heldout"][key])
    assert 0.0 <= r["supervised_shape_ceiling"] <= 1.0
    assert set(r["probe"]["pair_probe"]) == {str(k) for k in r["probe"]["shots"]}
    assert np.asarray(r["shape_confusion"][str(r["seeds"][0])]).shape == (6, 6)
    assert np.asarray(r["ensemble"]["single"]["heldout_pair_acc"]).shape == (len(r["seeds"]), 78)
    # the confusion matrices count every held-out scene once
    n = r["settings"]["n_heldout"]
    assert all(np.sum(r["shape_confusion"][str(s)]) == n for s in r["seeds"])


def test_chapter_prose_quotes_the_committed_results():
    r = _results()
    text = _chapter_markdown()
    # composition: every attribute accuracy on held-out pairs, mean ± sd over seeds
    for key in ("colour_acc", "shape_acc", "shape_acc_given_colour", "pair_acc"):
        assert _ms(r["heldout"][key]) in text, key
    assert f"{r['supervised_shape_ceiling']:.3f}" in text
    # ensembling: the caption ensemble and the mean single caption-shaped template
    ens = r["ensemble"]
    assert _ms(ens["caption_ensemble"]["heldout_pair_acc"]) in text
    single = np.asarray(ens["single"]["heldout_pair_acc"])
    caption = [k for k, t in enumerate(ens["templates"]) if t["group"] == "caption"]
    assert _ms(single[:, caption].mean(axis=1)) in text
    # probe vs zero-shot
    assert _ms(r["probe"]["zero_shot_seen"]) in text
    for k in (r["probe"]["shots"][0], r["probe"]["shots"][-1]):
        assert _ms(r["probe"]["pair_probe"][str(k)]) in text
    # the final logit scales of the committed runs
    for s in r["seeds"]:
        assert f"{r['training'][str(s)]['logit_scale_final']:.1f}" in text
    # facts fixed in the text
    assert "Figure 7" not in text and "(its Figure 6)" in text and "(its Figure 4)" in text
    assert "49,408" in text and "48,894" in text
    assert "NBVAL_IGNORE_OUTPUT" not in text


def test_colour_only_question_names_each_misconception():
    from vklib.clip.questions import check_colour_only_pair_accuracy

    assert check_colour_only_pair_accuracy(1 / 6).passed
    wrong = check_colour_only_pair_accuracy(1 / 42)
    assert not wrong.passed and "guesses colour AND shape" in wrong.message
    assert "chance level of the colour alone" in check_colour_only_pair_accuracy(1 / 7).message
    assert "does not tell the shape" in check_colour_only_pair_accuracy(1.0).message
    assert not check_colour_only_pair_accuracy(0.0).passed
    assert not check_colour_only_pair_accuracy(0.5).passed


def test_phrasing_classifier_check_fails_on_wrong_answers():
    """Exercise 3's check of one phrasing's classifier: the right answer passes, wrong ones fail."""
    from vklib.data import COLORS, SHAPES
    from vklib.exercises import check

    model = vc.create_tiny_clip(seed=0).eval()
    tokenizer = vc.get_tokenizer(vc.TINY_NAME)
    names = [f"{c} {s}" for c in COLORS for s in SHAPES]

    def build(templates):
        return vc.build_zero_shot_classifier(model, tokenizer, names, templates).cpu()

    def reference(phrasing):
        return build([t["template"] for t in vc.caption_templates(phrasings=[phrasing], short=False)])

    cases = ["photo", "thing first"]
    right = check(reference, reference, cases, name="right", rtol=1e-4, atol=1e-5)
    assert right.passed
    every_template = build([t["template"] for t in vc.caption_templates(short=False)])
    wrong = {"zeros": lambda p: torch.zeros_like(every_template),
             "all 75 templates": lambda p: every_template,
             "short templates": lambda p: build(list(vc.SHORT_TEMPLATES)),
             "another phrasing": lambda p: reference("plain"),
             "one size only": lambda p: build([t["template"] for t in vc.caption_templates(
                 phrasings=[p], sizes=["small"], short=False)])}
    for label, answer in wrong.items():
        assert not check(answer, reference, cases, name=label, rtol=1e-4, atol=1e-5).passed, label


def test_chapter_marks_the_supervised_runs_as_single_runs():
    """The supervised print says, for each recorded run, that it is one run and which seed."""
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).resolve().parents[1] / "chapters" / "06_clip.ipynb").read_text())
    printed = "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                      for o in c.get("outputs", []))
    for key, run in _results()["supervised"].items():
        assert (f"{run['steps']} steps: shape accuracy {run['shape_acc']['seen_test']:.3f} on seen pairs"
                in printed), key
        assert f"(one run, seed {key.split('/')[0]})" in printed, key
