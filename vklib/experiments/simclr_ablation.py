"""The SimCLR ablation of chapter 5: the paper's lessons at small scale, with seeds.

Run (seeded; the rows and the label efficiency took 16 to 41 min of wall time on a 2-core machine
shared with other jobs, 24 to 40 min of CPU time in its two worker processes of one thread each;
the small-budget section alone took 4.5 min of wall time on the same machine with another job
running, about 4 min of CPU time; torch 2, Linux x86-64)::

    python -m vklib.experiments.simclr_ablation              # everything -> data/simclr/ablation.json
    python -m vklib.experiments.simclr_ablation --small-budget-only   # only the small budget, merged in
    python -m vklib.experiments.simclr_ablation --only "crop only" --seeds 0 --out /tmp/x
    python -m vklib.experiments.simclr_ablation --profile gpu --out /tmp/gpu   # larger runs

Data: the object-centred scenes of :func:`vklib.data.make_centred_scenes` at 24 x 24
pixels (one shape near the middle, continuous random shape and background hues, a per-image
tint): ``n_pretrain`` unlabelled scenes (seed 1), ``n_probe`` labelled scenes to fit the
probes (seed 2), ``n_test`` held-out scenes (seed 3).

Every SimCLR row pre-trains the same small ResNet (``SmallResNet(width)``) with NT-Xent,
changing one setting of :data:`RECIPE`, once per seed in :data:`SEEDS` (the seed sets the
initial weights, the data order and the augmentations). The frozen encoder is measured by
five probes (:func:`vklib.simclr.evaluate.probe_scores`): shape linear probe, shape k-NN,
linear probes of the shape's hue and of the background's hue, and a k-NN vote on the
background's hue; and, after the head, by the k-NN vote on the background's hue in
``z = g(h)``, where NT-Xent compares the views (the colour shortcut, measured where the loss
sees it). The recipe's models are also measured after the head (``z = g(h)``) and before
training (the random encoder).

Label efficiency: with 5, 20 and 100 labelled scenes per class (drawn per seed), a linear
probe on the frozen features of the recipe and of the colour-only row (:data:`EFFICIENCY_ROWS`)
against the same architecture trained from scratch with cross-entropy on the same labelled
scenes, all scored on the held-out scenes.

Adaptations to the small scale: :data:`ADAPTATIONS` (the paper's values in brackets there).

Small budget (section ``"small_budget"`` of the results): the recipe and colour only again
at a quarter of the parameters and of the steps, with wider crops; see
:mod:`vklib.experiments.simclr_budget`.

Each run uses one torch thread, and at most ``--jobs`` (default 2) runs go in parallel, so
the numbers do not depend on ``--jobs``. The device is :func:`vklib.device.default_device`
(``VKLIB_DEVICE`` is honoured); on CUDA the runs go one after another.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import math
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

PROFILES = {
    "cpu": {"size": 24, "width": 16, "n_pretrain": 4096, "n_probe": 1200, "n_test": 1200, "epochs": 40,
            "batch_size": 64, "scratch_steps": 300},
    "gpu": {"size": 32, "width": 32, "n_pretrain": 32768, "n_probe": 3000, "n_test": 3000, "epochs": 30,
            "batch_size": 256, "scratch_steps": 1000},
    # a few seconds: checks that the pipeline runs end to end (tests), its numbers mean nothing
    "smoke": {"size": 16, "width": 4, "n_pretrain": 128, "n_probe": 900, "n_test": 120, "epochs": 1,
              "batch_size": 64, "scratch_steps": 2},
}

#: The recipe: crop (50-100 % of the area) + flip and colour distortion of strength 1, temperature 0.2
#: (no blur, as for CIFAR).
RECIPE = {"crop": True, "crop_scale": (0.5, 1.0), "color": True, "strength": 1.0, "blur": False, "temperature": 0.2}

#: Row name -> (the paper's finding it tests, changes from RECIPE).
ROWS = {
    "crop + colour (recipe)": ("the recipe: crop and colour distortion of strength 1", {}),
    "crop only": ("composition: crop alone is weak (after paper fig. 5, applied to both views here)", {"color": False}),
    "colour only": ("composition: colour alone is weak (after paper fig. 5; here both views, no crops)", {"crop": False}),
    "crop + colour, s = 0.5": ("stronger colour distortion helps (paper tab. 1)", {"strength": 0.5}),
    "recipe, tau = 1": ("a low temperature helps (paper tab. 5)", {"temperature": 1.0}),
}

SEEDS = (0, 1, 2)
LABELS_PER_CLASS = (5, 20, 100)

#: The SimCLR rows whose frozen features enter the label-efficiency comparison (row -> method name).
EFFICIENCY_ROWS = {"crop + colour (recipe)": "SimCLR (recipe) + linear probe",
                   "colour only": "SimCLR (colour only) + linear probe"}
SCRATCH = "from scratch (same architecture)"

ADAPTATIONS = [
    "24 x 24 object-centred synthetic scenes and a ResNet of about 77,000 parameters (paper: 224 pixels, ResNet-50)",
    "crop area fraction U(0.5, 1) (paper: U(0.08, 1); at 24 pixels an 8 % crop is 7 pixels wide, and small "
    "crops often cut away most of the shape)",
    "no Gaussian blur (the paper also drops it for CIFAR-10)",
    "Adam, batch 64, 2,560 steps (paper: LARS, batch 256-8192, 100-1000 epochs)",
]


@functools.lru_cache(maxsize=2)
def load_data(profile="cpu"):
    """``(pretrain, probe, test)`` centred scenes of ``profile``: seeds 1, 2 and 3."""
    from vklib.data import make_centred_scenes

    p = PROFILES[profile]
    return tuple(make_centred_scenes(p[key], size=p["size"], seed=seed)
                 for key, seed in (("n_pretrain", 1), ("n_probe", 2), ("n_test", 3)))


def augment_options(cfg):
    """The keyword options of :func:`vklib.simclr.simclr_augment` for a row's settings."""
    return {"crop": cfg["crop"], "crop_scale": tuple(cfg["crop_scale"]), "color": cfg["color"],
            "strength": cfg["strength"], "blur": cfg["blur"]}


def build_model(profile, seed, device, *, width=None):
    """The SimCLR network of ``profile`` (or of ``width``) with the initial weights of ``seed`` (its own generator state)."""
    import torch

    from vklib.simclr import SimCLR, SmallResNet

    torch.manual_seed(seed)
    return SimCLR(SmallResNet(PROFILES[profile]["width"] if width is None else width)).to(device)


def pretrain_and_score(model, cfg, settings, data, *, seed, device, progress=False):
    """Pre-train ``model`` with row configuration ``cfg`` and profile ``settings``; its scores.

    Returns :func:`vklib.simclr.simclr_scores` of the trained model on ``data = (pretrain, probe,
    test)``, with the first and last epoch's mean loss and the training time in seconds.
    """
    from vklib.simclr import simclr_scores, train_simclr

    pretrain, probe, test = data
    t0 = time.perf_counter()
    history = train_simclr(model, pretrain.images, epochs=settings["epochs"], batch_size=settings["batch_size"],
                           temperature=cfg["temperature"], seed=seed, device=device, progress=progress,
                           augment=augment_options(cfg))
    seconds = time.perf_counter() - t0
    return {**simclr_scores(model, probe, test), "final_loss": history["epoch_loss"][-1],
            "first_loss": history["epoch_loss"][0], "seconds": seconds}


def run_simclr(name, seed, profile="cpu", *, data=None, device="cpu", progress=False):
    """Pre-train row ``name`` with ``seed``; returns ``(results, model)``.

    ``results`` maps a row name to its scores for this seed: ``name`` itself, for the recipe
    also ``"recipe, z = g(h)"`` and ``"random encoder"``, and for the rows of
    :data:`EFFICIENCY_ROWS` the few-label probes (labels per class -> test accuracy).
    """
    from vklib.simclr import extract_features, few_labels, linear_probe, probe_scores, simclr_scores

    p = PROFILES[profile]
    pretrain, probe, test = data or load_data(profile)
    cfg = {**RECIPE, **ROWS[name][1]}
    model = build_model(profile, seed, device)
    results = {}
    recipe = name == "crop + colour (recipe)"
    if recipe:
        results["random encoder"] = simclr_scores(model, probe, test)
    results[name] = pretrain_and_score(model, cfg, p, (pretrain, probe, test), seed=seed, device=device,
                                       progress=progress)
    if recipe:
        results["recipe, z = g(h)"] = probe_scores(model.encoder, probe, test, head=model.head)
    if name in EFFICIENCY_ROWS:
        a, b = extract_features(model.encoder, probe.images), extract_features(model.encoder, test.images)
        results[EFFICIENCY_ROWS[name]] = {
            k: linear_probe(a[idx], probe.labels[idx], b, test.labels)
            for k in LABELS_PER_CLASS for idx in [few_labels(probe.labels, k, seed=seed)]}
    return results, model


def run_scratch(per_class, seed, profile="cpu", *, data=None, device="cpu", progress=False):
    """Test accuracy of the same architecture trained from scratch on ``per_class`` labels per class."""
    import torch

    from vklib.simclr import SmallResNet, extract_features, few_labels, train_supervised

    p = PROFILES[profile]
    _, probe, test = data or load_data(profile)
    idx = few_labels(probe.labels, per_class, seed=seed)
    torch.manual_seed(seed)
    encoder = SmallResNet(p["width"]).to(device)
    batch = min(64, len(idx))
    steps_per_epoch = len(idx) // batch
    classifier, _ = train_supervised(encoder, probe.images[idx], probe.labels[idx], num_classes=6,
                                     epochs=math.ceil(p["scratch_steps"] / steps_per_epoch), batch_size=batch,
                                     seed=seed, device=device, progress=progress)
    with torch.no_grad():
        logits = classifier(extract_features(encoder, test.images).to(device)).cpu()
    return float((logits.argmax(1).numpy() == test.labels).mean())


def _task(args):
    """One run in a worker: ``("simclr", row, seed, profile, device)``, ``("small", row, seed, profile, device)``
    (the small budget) or ``("scratch", k, seed, profile, device)``."""
    import torch

    kind, what, seed, profile, device = args
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    if kind == "simclr":
        out = run_simclr(what, seed, profile, device=device)[0]
    elif kind == "small":
        from .simclr_budget import run_small_budget

        out = run_small_budget(what, seed, profile, device=device)[0]
    else:
        out = run_scratch(what, seed, profile, device=device)
    return args, out, time.perf_counter() - t0


def tasks(profile, device, *, only=None, seeds=SEEDS, scratch=True, small_budget=True):
    """The runs, the recipe and the two composition rows first (the claims need them), the small budget last."""
    names = only or list(ROWS)
    out = [("simclr", name, s, profile, device) for name in names for s in seeds]
    if scratch and not only:
        out += [("scratch", k, s, profile, device) for k in LABELS_PER_CLASS for s in seeds]
    if small_budget and not only:
        from .simclr_budget import small_budget_tasks

        out += small_budget_tasks(profile, device, seeds=seeds)
    return out


def _per_row(done, kind):
    """``{row: {seed: scores}}`` from the finished runs of ``kind``."""
    per_row = {}
    for (k, what, seed), out in sorted(done.items(), key=lambda kv: repr(kv[0])):
        if k == kind:
            for row, scores in out.items():
                per_row.setdefault(row, {})[seed] = scores
    return per_row


def _seed_lists(got, keys):
    """``{key: [value per seed]}`` (rounded to 6 digits) for the keys the runs have."""
    s_ = sorted(got)
    return {key: [round(got[s][key], 6) for s in s_] for key in keys if key in got[s_[0]]}


#: The probes of every row (:func:`vklib.simclr.evaluate.simclr_scores`).
SCORE_KEYS = ["shape_probe", "knn", "colour_probe", "background_probe", "background_knn", "background_knn_z"]


def collect(done, profile, seeds):
    """The results file's dictionary from the finished runs (``{(kind, what, seed): result}``)."""
    import torch

    keys = SCORE_KEYS
    per_row = _per_row(done, "simclr")  # row -> seed -> scores
    scratch = {}
    for (kind, what, seed), out in sorted(done.items(), key=lambda kv: repr(kv[0])):
        if kind == "scratch":
            scratch.setdefault(what, {})[seed] = out
    order = ["random encoder", *ROWS, "recipe, z = g(h)"]
    rows = []
    for name in order:
        if name not in per_row:
            continue
        got = per_row[name]
        s_ = sorted(got)
        row = {"name": name, "seeds": s_}
        if name in ROWS:
            row.update(finding=ROWS[name][0], changes=ROWS[name][1], representation="h = f(x)")
        elif name == "random encoder":
            row.update(finding="reference: the recipe's initial weights, untrained", representation="h = f(x)")
        else:
            row.update(finding="h is better than z = g(h) (paper fig. 8)", representation="z = g(h)")
        for key in keys + ["final_loss", "first_loss", "seconds"]:
            if key in got[s_[0]]:
                row[key] = [round(got[s][key], 6) for s in s_]
        rows.append(row)
    efficiency = []
    for k in LABELS_PER_CLASS:
        for method in EFFICIENCY_ROWS.values():
            if method in per_row:
                got = per_row[method]
                efficiency.append({"labels_per_class": k, "method": method, "seeds": sorted(got),
                                   "accuracy": [round(got[s][k], 6) for s in sorted(got)]})
        if k in scratch:
            efficiency.append({"labels_per_class": k, "method": SCRATCH, "seeds": sorted(scratch[k]),
                               "accuracy": [round(scratch[k][s], 6) for s in sorted(scratch[k])]})
    return {"command": "python -m vklib.experiments.simclr_ablation"
                       + ("" if profile == "cpu" else f" --profile {profile}"),
            "profile": profile, "settings": PROFILES[profile], "recipe": RECIPE, "seeds": list(seeds),
            "labels_per_class": list(LABELS_PER_CLASS), "adaptations": ADAPTATIONS,
            "task": {"shape_probe": "shape class, 6 classes, chance 1/6", "knn": "shape class, 20-NN",
                     "colour_probe": "hue class of the shape, 6 classes", "background_probe":
                     "hue class of the background, 6 classes", "background_knn": "hue class of the background, "
                     "20-NN", "background_knn_z": "hue class of the background, 20-NN in z = g(h), whatever the "
                     "row's representation"},
            "torch": torch.__version__, "rows": rows, "label_efficiency": efficiency}


def main(argv=None) -> int:
    from vklib.device import default_device

    parser = argparse.ArgumentParser(description="SimCLR ablation at small scale (chapter 5)")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="cpu")
    parser.add_argument("--only", action="append", choices=list(ROWS), help="run only these rows (repeatable)")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--out", default="data/simclr", help="output folder for ablation.json")
    parser.add_argument("--jobs", type=int, default=2, help="runs in parallel on CPU, one torch thread each")
    parser.add_argument("--small-budget-only", action="store_true",
                        help="run only the small-budget section and merge it into the existing OUT/ablation.json")
    args = parser.parse_args(argv)
    from .simclr_budget import collect_small_budget, small_budget_tasks  # imports this module: not at the top

    if args.jobs < 1:
        parser.error(f"--jobs must be >= 1, got {args.jobs}")
    if args.small_budget_only and args.only:
        parser.error("--small-budget-only runs its own rows; it cannot be combined with --only")
    if args.small_budget_only and len(set(args.seeds)) < 2:
        parser.error("the small budget's claims need at least two seeds")
    device = default_device()
    out = Path(args.out)
    path = out / "ablation.json"
    if args.small_budget_only:  # merge: the other sections are kept as they are
        from vklib.simclr.results import load_ablation

        if not path.exists():
            parser.error(f"--small-budget-only merges into {path}, which does not exist: run the whole ablation first")
        existing = load_ablation(path)
        if existing.get("profile") != args.profile:
            parser.error(f"{path} holds the {existing.get('profile')!r} profile, not {args.profile!r}")
        todo = small_budget_tasks(args.profile, str(device), seeds=args.seeds)
    else:
        existing = None
        todo = tasks(args.profile, str(device), only=args.only, seeds=args.seeds)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    done = {}
    task_seconds = 0.0
    with contextlib.ExitStack() as stack:  # the worker processes end with main, even on an error
        if args.jobs > 1 and device.type == "cpu":
            pool = stack.enter_context(ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")))
            results = pool.map(_task, todo)
        else:
            results = map(_task, todo)
        for (kind, what, seed, *_), result, seconds in results:
            done[(kind, what, seed)] = result
            shown = (result[what] if kind in ("simclr", "small") else {"accuracy": result})
            print(f"{kind:7s} {str(what):24s} seed {seed}: "
                  + "  ".join(f"{k} {v:.3f}" for k, v in shown.items()) + f"  ({seconds:.0f} s)", flush=True)
            if kind == "small":
                task_seconds += seconds
            wall = round(time.perf_counter() - start, 1)
            if existing is not None:
                table = existing
            else:
                table = collect(done, args.profile, args.seeds)
                table.update(device=str(device), seconds=wall)
            if any(k[0] == "small" for k in done):
                section = collect_small_budget(done, args.profile, args.seeds)
                section.update(device=str(device), task_seconds=round(task_seconds, 1),
                               **({"seconds": wall} if existing is not None else {}))
                table["small_budget"] = section
            path.write_text(json.dumps(table, indent=1) + "\n")  # rewritten after every run
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
