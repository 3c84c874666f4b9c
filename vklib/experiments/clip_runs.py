"""Chapter 6's committed experiment: the tiny CLIP on held-out colour-shape pairs, over seeds.

Run ``python -m vklib.experiments.clip_runs`` (writes ``data/clip/results.json``). Measured
duration of the committed run: 7 min 40 s wall on a busy 2-core machine (load average 8-13
from other work), 173 s user + 6 s system CPU time, with two worker processes of one thread
each; about 40 s of CPU time per CLIP seed.

For each seed the tiny CLIP (:func:`vklib.clip.create_tiny_clip`) is trained from scratch on
captioned scenes (:func:`vklib.clip.scenes.make_caption_scenes`, captions in five phrasings)
from which six colour-shape pairs are held out, one per shape and colour (:data:`HELD_OUT`).
Then, with the 42 colour-shape names as classes:

* ``heldout``: zero-shot on scenes of the held-out pairs with the ensemble of the 75
  caption-shaped templates: colour, shape, shape given the right colour, and pair accuracy
  (chance 1/7, 1/6, 1/6, 1/42), and the shape confusion matrix;
* ``ensemble``: every template alone (pair accuracy on the held-out and on the seen test
  scenes), grouped by what the template mentions, against the ensemble;
* ``probe``: logistic-regression probes on the image tower's features *before* its
  projection (:func:`vklib.clip.metrics.tower_features`) with k labelled scenes per seen
  pair, against zero-shot on the same 36 classes, as in the paper's Figure 6 (zero-shot
  against few-shot linear probes);
* ``supervised``: the same image tower trained with shape labels (cross-entropy, a linear
  head on its 64-d output) on the same scenes, one run per seed of ``--supervised-seeds``
  (default: seed 0 only) and per entry of ``supervised_epochs``: 4 epochs (184 steps, the
  CLIP run's length) and 12 epochs (552 steps); keys ``"seed/epochs"``.
  ``supervised_shape_ceiling`` is its shape accuracy on the seen-pair test scenes after the
  longest run (12 epochs, 552 steps, three times the CLIP run's steps), averaged over the
  supervised seeds; ``supervised_same_steps`` the same after 4 epochs (184 steps).

All randomness is seeded (scenes by their seeds, weights by ``create_tiny_clip(seed=...)``,
batch order by ``train_clip(seed=...)``); reruns on the same machine give the same numbers,
another CPU may differ in the last bits of the float sums.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch

#: Measured duration of the committed run (the JSON's "seconds" holds the wall time).
DURATION = "7 min 40 s wall on a busy 2-core machine; 173 s user + 6 s system CPU"

#: Colour-shape pairs never shown in training: each colour and each shape at most once.
HELD_OUT = (("red", "star"), ("orange", "circle"), ("yellow", "cross"),
            ("green", "square"), ("blue", "triangle"), ("purple", "diamond"))

#: The full run's settings (``--quick`` divides the scenes by 4 and uses one epoch less).
SETTINGS = {"n_train": 6000, "epochs": 4, "batch_size": 128, "lr": 2e-3, "warmup": 20, "n_heldout": 600,
            "n_seen_test": 900, "shots": [1, 4, 16, 64], "shape_shots": [64, 400], "supervised_epochs": [4, 12],
            "train_seed_offset": 100, "heldout_seed": 500, "seen_test_seed": 501}


def classnames() -> list[str]:
    """The 42 class names ``"{colour} {shape}"``, index ``6 * colour + shape``."""
    from vklib.data import COLORS, SHAPES

    return [f"{c} {s}" for c in COLORS for s in SHAPES]


def seen_pairs() -> list[tuple[str, str]]:
    """The 36 colour-shape pairs that occur in training."""
    from vklib.data import COLORS, SHAPES

    return [(c, s) for c in COLORS for s in SHAPES if (c, s) not in HELD_OUT]


def make_data(settings: dict, seed: int):
    """Training scenes (held-out pairs excluded) and the two test sets."""
    from vklib.clip.scenes import make_caption_scenes

    train = make_caption_scenes(settings["n_train"], seed=settings["train_seed_offset"] + seed, exclude=HELD_OUT,
                                phrasings=None)
    held = make_caption_scenes(settings["n_heldout"], seed=settings["heldout_seed"], exclude=seen_pairs())
    seen = make_caption_scenes(settings["n_seen_test"], seed=settings["seen_test_seed"], exclude=HELD_OUT)
    return train, held, seen


def template_embeddings(model, tokenizer, templates: list[str]) -> torch.Tensor:
    """``(42, K, D)`` normalised text embeddings of every class name in every template."""
    from vklib import clip as vc

    names = classnames()
    emb = vc.encode_texts(model, tokenizer, vc.format_prompts(names, templates)).cpu()
    return emb.reshape(len(names), len(templates), -1)


def evaluate_zero_shot(model, tokenizer, held, seen) -> dict:
    """Held-out attribute accuracies, the shape confusion, and single templates vs ensembles."""
    from vklib import clip as vc
    from vklib.clip.captions import caption_templates
    from vklib.clip.metrics import attribute_accuracies, shape_confusion

    info = caption_templates()
    emb = template_embeddings(model, tokenizer, [t["template"] for t in info])
    caption_idx = [k for k, t in enumerate(info) if t["group"] == "caption"]
    I_held = vc.encode_images(model, vc.scenes_to_tensor(held.images, model)).cpu()
    I_seen = vc.encode_images(model, vc.scenes_to_tensor(seen.images, model)).cpu()
    y_held, y_seen = torch.as_tensor(held.pairs), torch.as_tensor(seen.pairs)

    def pair_acc(W, I, y):
        return float((vc.zero_shot_predict(I, W) == y).float().mean())

    W_ens = vc.ensemble_text_embeddings(emb[:, caption_idx])
    pred = vc.zero_shot_predict(I_held, W_ens)
    out = {"heldout": attribute_accuracies(pred, y_held), "confusion": shape_confusion(pred, y_held).tolist()}
    out["seen_pair_acc"] = pair_acc(W_ens, I_seen, y_seen)
    singles = [{"template": t["template"], "group": t["group"], "phrasing": t["phrasing"], "size": t["size"],
                "background": t["background"],
                "heldout_pair_acc": pair_acc(emb[:, k], I_held, y_held),
                "seen_pair_acc": pair_acc(emb[:, k], I_seen, y_seen)} for k, t in enumerate(info)]
    by_phrasing = {}
    for p in dict.fromkeys(t["phrasing"] for t in info if t["phrasing"]):
        idx = [k for k, t in enumerate(info) if t["phrasing"] == p]
        by_phrasing[p] = {"heldout_pair_acc": pair_acc(vc.ensemble_text_embeddings(emb[:, idx]), I_held, y_held),
                          "seen_pair_acc": pair_acc(vc.ensemble_text_embeddings(emb[:, idx]), I_seen, y_seen)}
    out["ensemble"] = {
        "caption_ensemble": {"heldout_pair_acc": out["heldout"]["pair_acc"], "seen_pair_acc": out["seen_pair_acc"]},
        "all_ensemble": {"heldout_pair_acc": pair_acc(vc.ensemble_text_embeddings(emb), I_held, y_held),
                         "seen_pair_acc": pair_acc(vc.ensemble_text_embeddings(emb), I_seen, y_seen)},
        "phrasing_ensembles": by_phrasing, "single": singles}
    return out


def evaluate_probe(model, train, seen, settings: dict, seed: int) -> dict:
    """Probes on pre-projection features (k per seen pair) vs zero-shot among the 36 seen pairs."""
    from vklib import clip as vc
    from vklib.clip.captions import caption_templates
    from vklib.clip.metrics import linear_probe, tower_features

    tokenizer = vc.get_tokenizer(vc.TINY_NAME)
    info = [t["template"] for t in caption_templates() if t["group"] == "caption"]
    seen_ids = torch.as_tensor(sorted(set(train.pairs.tolist())))
    W = vc.ensemble_text_embeddings(template_embeddings(model, tokenizer, info))[seen_ids]
    x_seen = vc.scenes_to_tensor(seen.images, model)
    zs = float((seen_ids[vc.zero_shot_predict(vc.encode_images(model, x_seen).cpu(), W)]
                == torch.as_tensor(seen.pairs)).float().mean())
    f_train = tower_features(model, vc.scenes_to_tensor(train.images, model))
    f_seen = tower_features(model, x_seen)
    probe = linear_probe(f_train, train.pairs, f_seen, seen.pairs, shots=settings["shots"], seed=seed)
    shape_probe = linear_probe(f_train, train.labels, f_seen, seen.labels, shots=settings["shape_shots"], seed=seed)
    return {"zero_shot_seen": zs, "pair_probe": probe, "shape_probe": shape_probe, "features": int(f_train.shape[1])}


def run_clip_seed(seed: int, settings: dict) -> dict:
    """Train one tiny CLIP and evaluate it; a dict of everything the JSON keeps for this seed."""
    from vklib import clip as vc

    torch.set_num_threads(1)
    start, cpu = time.perf_counter(), time.process_time()
    train, held, seen = make_data(settings, seed)
    model = vc.create_tiny_clip(seed=seed)
    tokenizer = vc.get_tokenizer(vc.TINY_NAME)
    history = vc.train_clip(model, tokenizer(train.captions), vc.scenes_to_tensor(train.images, model),
                            epochs=settings["epochs"], batch_size=settings["batch_size"], lr=settings["lr"],
                            warmup=settings["warmup"], seed=seed, progress=False)
    train_s = time.perf_counter() - start
    out = evaluate_zero_shot(model, tokenizer, held, seen)
    out["probe"] = evaluate_probe(model, train, seen, settings, seed)
    out["training"] = {"steps": len(history.loss), "loss_first": history.loss[0],
                       "loss_last10": float(np.mean(history.loss[-10:])), "chance_loss": math.log(settings["batch_size"]),
                       "logit_scale_every10": history.logit_scale[::10], "logit_scale_final": history.logit_scale[-1],
                       "train_seconds": train_s}
    out["seconds"], out["cpu_seconds"] = time.perf_counter() - start, time.process_time() - cpu
    return out


def run_supervised(seed: int, settings: dict, epochs: int) -> dict:
    """The CLIP image tower trained with shape labels for ``epochs``: its shape accuracy on the two test sets."""
    from vklib import clip as vc

    torch.set_num_threads(1)
    start, cpu = time.perf_counter(), time.process_time()
    train, held, seen = make_data(settings, seed)
    model = vc.create_tiny_clip(seed=seed)
    tower = model.visual
    net = torch.nn.Sequential(tower, torch.nn.Linear(vc.TINY_CONFIG["embed_dim"], 6))
    with torch.random.fork_rng(devices=[]):
        torch.random.manual_seed(seed)
        net[1].reset_parameters()
    x, y = vc.scenes_to_tensor(train.images, model), torch.as_tensor(train.labels)
    B, steps_per_epoch = settings["batch_size"], len(train) // settings["batch_size"]
    total = epochs * steps_per_epoch
    opt = torch.optim.AdamW(net.parameters(), lr=settings["lr"], weight_decay=0.1)
    warmup = settings["warmup"]
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: (s + 1) / warmup if s < warmup else
                                              0.5 * (1 + math.cos(math.pi * (s - warmup) / max(1, total - warmup))))
    g = torch.Generator().manual_seed(seed)
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(train), generator=g)
        for b in range(steps_per_epoch):
            idx = order[b * B:(b + 1) * B]
            loss = torch.nn.functional.cross_entropy(net(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    net.eval()
    acc = {}
    with torch.inference_mode():
        for name, s in (("seen_test", seen), ("heldout_test", held)):
            pred = torch.cat([net(xb).argmax(1) for xb in vc.scenes_to_tensor(s.images, model).split(512)])
            acc[name] = float((pred == torch.as_tensor(s.labels)).float().mean())
    return {"shape_acc": acc, "epochs": epochs, "steps": total, "seconds": time.perf_counter() - start,
            "cpu_seconds": time.process_time() - cpu}


def _task(job):
    kind, seed, settings, epochs = job
    if kind == "clip":
        return kind, seed, run_clip_seed(seed, settings)
    return kind, f"{seed}/{epochs}", run_supervised(seed, settings, epochs)


def summarise(seeds, clip_runs: dict, supervised: dict, settings: dict) -> dict:
    """The JSON layout of ``data/clip/results.json``."""
    keys = ("colour_acc", "shape_acc", "shape_acc_given_colour", "pair_acc")
    heldout = {k: [clip_runs[s]["heldout"][k] for s in seeds] for k in keys}
    ens = {"templates": [{k: v for k, v in t.items() if not k.endswith("_acc")}
                         for t in clip_runs[seeds[0]]["ensemble"]["single"]]}
    for name in ("caption_ensemble", "all_ensemble"):
        ens[name] = {split: [clip_runs[s]["ensemble"][name][split] for s in seeds]
                     for split in ("heldout_pair_acc", "seen_pair_acc")}
    ens["single"] = {split: [[t[split] for t in clip_runs[s]["ensemble"]["single"]] for s in seeds]
                     for split in ("heldout_pair_acc", "seen_pair_acc")}
    phr = clip_runs[seeds[0]]["ensemble"]["phrasing_ensembles"]
    ens["phrasing_ensembles"] = {p: {split: [clip_runs[s]["ensemble"]["phrasing_ensembles"][p][split] for s in seeds]
                                     for split in ("heldout_pair_acc", "seen_pair_acc")} for p in phr}
    probe = {"shots": settings["shots"], "features": clip_runs[seeds[0]]["probe"]["features"],
             "pair_probe": {str(k): [clip_runs[s]["probe"]["pair_probe"][str(k)] for s in seeds]
                            for k in settings["shots"]},
             "zero_shot_seen": [clip_runs[s]["probe"]["zero_shot_seen"] for s in seeds],
             "shape_probe": {k: [clip_runs[s]["probe"]["shape_probe"][k] for s in seeds]
                             for k in clip_runs[seeds[0]]["probe"]["shape_probe"]}}
    longest = max(r["epochs"] for r in supervised.values())
    ceiling = [r["shape_acc"]["seen_test"] for r in supervised.values() if r["epochs"] == longest]
    same = [r["shape_acc"]["seen_test"] for r in supervised.values() if r["epochs"] == settings["epochs"]]
    return {
        "seeds": list(seeds), "settings": settings, "held_out_pairs": [list(p) for p in HELD_OUT],
        "classes": classnames(), "chance": {"colour": 1 / 7, "shape": 1 / 6, "pair": 1 / 42},
        "heldout": heldout, "seen_pair_acc": [clip_runs[s]["seen_pair_acc"] for s in seeds],
        "shape_confusion": {str(s): clip_runs[s]["confusion"] for s in seeds},
        "supervised_shape_ceiling": float(np.mean(ceiling)),
        "supervised_same_steps": float(np.mean(same)) if same else None,
        "supervised": {k: supervised[k] for k in sorted(supervised)},
        "ensemble": ens, "probe": probe,
        "training": {str(s): clip_runs[s]["training"] for s in seeds},
        "worker_seconds": {f"clip {s}": clip_runs[s]["seconds"] for s in seeds}
        | {f"supervised {s}": supervised[s]["seconds"] for s in supervised},
        "worker_cpu_seconds": {f"clip {s}": clip_runs[s]["cpu_seconds"] for s in seeds}
        | {f"supervised {s}": supervised[s]["cpu_seconds"] for s in supervised},
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--supervised-seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="a quarter of the scenes, to try the pipeline")
    parser.add_argument("--out", default=None, help="default: data/clip/results.json of the checkout")
    args = parser.parse_args(argv)
    settings = dict(SETTINGS)
    if args.quick:
        settings.update(n_train=settings["n_train"] // 4, n_heldout=300, n_seen_test=600, epochs=settings["epochs"] - 1,
                        shots=[1, 4, 16, 32], shape_shots=[64, 200], supervised_epochs=[settings["epochs"] - 1])
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    start = time.perf_counter()
    jobs = [("clip", s, settings, None) for s in args.seeds]
    jobs += [("supervised", s, settings, e) for s in args.supervised_seeds for e in settings["supervised_epochs"]]
    clip_runs, supervised = {}, {}
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for kind, seed, result in pool.map(_task, jobs):
            (clip_runs if kind == "clip" else supervised)[seed] = result
            print(f"{kind} seed {seed}: {result['seconds']:.0f} s wall, {result['cpu_seconds']:.0f} s CPU", flush=True)
    out = summarise(args.seeds, clip_runs, supervised, settings)
    out["seconds"] = time.perf_counter() - start
    path = Path(args.out) if args.out else Path(__file__).resolve().parents[2] / "data" / "clip" / "results.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    h = out["heldout"]
    print(f"held-out shape acc {np.mean(h['shape_acc']):.3f} +- {np.std(h['shape_acc'], ddof=1):.3f}, pair acc "
          f"{np.mean(h['pair_acc']):.3f}; supervised ceiling {out['supervised_shape_ceiling']:.3f}; "
          f"{out['seconds']:.0f} s in all -> {path}")
    return out


if __name__ == "__main__":
    main()
