"""The SimCLR ablation of chapter 5: the paper's key findings at small scale.

Run (seeded, reproducible; 40 to 75 minutes of CPU time in all, 20 to 40 minutes with ``--jobs 2``)::

    python -m vklib.experiments.simclr_ablation --jobs 2   # all runs -> data/simclr/ablation.{json,csv}
    python -m vklib.experiments.simclr_ablation --only baseline --out /tmp/x   # one row
    python -m vklib.experiments.simclr_ablation --profile gpu                  # bigger runs
    python -m vklib.experiments.simclr_ablation --select --jobs 2  # how the baseline was chosen -> selection.json

Every run pre-trains the same small ResNet (``SmallResNet(32)``, seed 0) with NT-Xent on
the same unlabelled scenes, changing one thing from the baseline (colour distortion of
strength 0.25 with flip and blur, no crop; temperature 0.2, batch 128), then freezes the
encoder and measures the shape-class linear-probe and k-NN accuracy on held-out labelled scenes (:data:`TASK`). The baseline
is also probed *after* the projection head (``z = g(h)``), and two references are added:
the untrained (random) encoder and the same encoder trained with labels (supervised).
Data-parallel training of the same loop: ``torchrun ... -m vklib.simclr.ddp``.

Why the baseline has no crop: on 32-pixel scenes whose only object is a shape 6-17 pixels
wide, random resized crops often cut the shape or leave it out, and the views then share
little but the shape's hue; the encoder learns colour, not shape (the "crop + colour" row
is the paper's recipe, measured here). Each run takes one torch thread per process, so the
numbers do not depend on ``--jobs``.

How the baseline's colour strength was chosen: ``--select`` trains the :data:`CANDIDATES`
(the baseline with other strengths) and scores their linear probes on a *validation* split
(scenes of seed 4), never on the held-out test split that the table reports; the baseline
takes the strength with the best validation probe (``data/simclr/selection.json``).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

#: The evaluation task: classify the shape (6 classes) of scenes with one shape on a plain background.
TASK = {
    "labels": "shape class (circle, square, triangle, diamond, star, cross), 6 classes, chance 1/6",
    "scenes": {"backgrounds": ["plain"], "max_distractors": 0},
}

PROFILES = {
    # n_pretrain unlabelled scenes; n_probe labelled scenes for the probe; n_test held out
    "cpu": {"size": 32, "width": 32, "n_pretrain": 16384, "n_probe": 2000, "n_test": 1000, "epochs": 9},
    "gpu": {"size": 32, "width": 64, "n_pretrain": 65536, "n_probe": 4000, "n_test": 2000, "epochs": 30},
}

BASELINE = {"crop": False, "color": True, "strength": 0.25, "temperature": 0.2, "batch_size": 128}

#: Colour strengths compared on the validation split to choose BASELINE["strength"] (``--select``).
CANDIDATES = {f"s = {s:g}": {"strength": s} for s in (0.25, 0.5, 0.75, 1.0)}

#: name -> (finding of the paper it tests, changes from BASELINE)
RUNS = {
    "baseline": ("colour (s = 0.25) + flip + blur, no crop; tau = 0.2, batch 128", {}),
    "crop + colour": ("the paper's recipe: crop + colour is the best composition (paper fig. 5)", {"crop": True}),
    "crop only": ("composition matters: crop alone is weak (paper fig. 5)", {"crop": True, "color": False}),
    "colour s = 1": ("stronger colour distortion helps (paper tab. 1)", {"strength": 1.0}),
    "tau = 0.5": ("temperature matters (paper tab. 5)", {"temperature": 0.5}),
    "batch 512": ("bigger batches help at a fixed number of epochs (paper fig. 9)", {"batch_size": 512}),
}


@functools.lru_cache(maxsize=2)
def load_data(profile):
    """``(pretrain, probe, test)`` scenes of ``profile``: seeds 1, 2 and 3 of :func:`vklib.data.make_scenes`."""
    from vklib.data import make_scenes

    p = PROFILES[profile]
    pretrain = make_scenes(p["n_pretrain"], size=p["size"], seed=1, **TASK["scenes"])
    probe = make_scenes(p["n_probe"], size=p["size"], seed=2, **TASK["scenes"])
    test = make_scenes(p["n_test"], size=p["size"], seed=3, **TASK["scenes"])
    return pretrain, probe, test


def load_validation(profile):
    """The validation scenes (seed 4, as many as the test split) on which :data:`CANDIDATES` are compared."""
    from vklib.data import make_scenes

    p = PROFILES[profile]
    return make_scenes(p["n_test"], size=p["size"], seed=4, **TASK["scenes"])


def evaluate(encoder, probe, test, *, head=None):
    """Shape linear-probe and k-NN accuracy of ``encoder`` (then ``head`` if given), and the colour linear probe.

    The colour probe (7 classes, chance 1/7) shows which cue the representation keeps: a
    high colour accuracy with a low shape accuracy means the shape's colour is the shortcut.
    """
    import torch

    from vklib.simclr import extract_features, knn_accuracy, linear_probe

    net = encoder if head is None else torch.nn.Sequential(encoder, head)
    a = extract_features(net, probe.images)
    b = extract_features(net, test.images)
    return {"linear_probe": linear_probe(a, probe.labels, b, test.labels),
            "knn": knn_accuracy(a, probe.labels, b, test.labels, k=20),
            "colour_probe": linear_probe(a, probe.colors, b, test.colors)}


def run_simclr(name, profile="cpu", *, data=None, device=None, progress=False, changes=None):
    """Pre-train with the settings of ``RUNS[name]`` and evaluate; returns one row (dict) or two for the baseline.

    ``changes`` (with ``data`` whose third split is the validation split) trains a candidate
    of ``--select`` instead: the baseline with these settings changed.
    """
    import torch

    from vklib.simclr import SimCLR, SmallResNet, train_simclr

    p = PROFILES[profile]
    pretrain, probe, test = data or load_data(profile)
    candidate = changes is not None
    finding, changes = ("candidate baseline", changes) if candidate else RUNS[name]
    cfg = {**BASELINE, **changes}
    torch.manual_seed(0)
    model = SimCLR(SmallResNet(p["width"]))
    if device is not None:
        model = model.to(device)
    t0 = time.perf_counter()
    history = train_simclr(model, pretrain.images, epochs=p["epochs"], batch_size=cfg["batch_size"],
                           temperature=cfg["temperature"], seed=0, device=device, progress=progress,
                           augment={"crop": cfg["crop"], "color": cfg["color"], "strength": cfg["strength"]})
    seconds = time.perf_counter() - t0
    row = {"run": name, "finding": finding, **cfg, "representation": "h = f(x)",
           **evaluate(model.encoder, probe, test), "final_loss": history["epoch_loss"][-1],
           "steps": len(history["loss"]), "seconds": seconds}
    rows = [row]
    if name == "baseline" and not candidate:
        rows.append({**row, "run": "baseline, after head", "finding": "h before g is better than z (paper fig. 8)",
                     "representation": "z = g(h)", **evaluate(model.encoder, probe, test, head=model.head)})
    return rows, model, history


def run_references(profile="cpu", *, data=None, device=None, progress=False):
    """The random (untrained) encoder and the supervised encoder of the same size."""
    import torch

    from vklib.simclr import SmallResNet, train_supervised

    p = PROFILES[profile]
    pretrain, probe, test = data or load_data(profile)
    torch.manual_seed(0)
    encoder = SmallResNet(p["width"])
    if device is not None:
        encoder = encoder.to(device)
    rows = [{"run": "random encoder", "finding": "reference: no training", "representation": "h = f(x)",
             **evaluate(encoder, probe, test)}]
    t0 = time.perf_counter()
    # Supervised: the same encoder trained with the labels of the probe split (crop + flip), then probed.
    train_supervised(encoder, probe.images, probe.labels, num_classes=6, epochs=3 * p["epochs"], batch_size=128,
                     seed=0, device=device, progress=progress)
    rows.append({"run": "supervised encoder", "finding": "reference: trained with the probe split's labels",
                 "representation": "h = f(x)", **evaluate(encoder, probe, test),
                 "seconds": time.perf_counter() - t0})
    return rows


COLUMNS = ["run", "finding", "crop", "color", "strength", "temperature", "batch_size", "representation",
           "linear_probe", "knn", "colour_probe", "final_loss", "steps", "seconds"]


def _run_row(args):
    """One row in a worker process (one torch thread): ``(name, profile, select)`` -> list of rows."""
    import torch

    name, profile, select = args
    torch.set_num_threads(1)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    data = load_data(profile)
    if select:  # a candidate, scored on the validation split
        data = (data[0], data[1], load_validation(profile))
        return run_simclr(name, profile, data=data, device=device, changes=CANDIDATES[name])[0]
    return (run_references(profile, data=data, device=device) if name == "references"
            else run_simclr(name, profile, data=data, device=device)[0])


def main(argv=None) -> int:
    import torch

    parser = argparse.ArgumentParser(description="SimCLR ablation at small scale (chapter 5)")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="cpu")
    parser.add_argument("--only", action="append", choices=sorted(RUNS) + ["references"],
                        help="run only these rows (repeatable)")
    parser.add_argument("--out", default="data/simclr", help="output folder for ablation.json and ablation.csv")
    parser.add_argument("--select", action="store_true", help="compare the CANDIDATES on the validation split "
                        "(writes selection.json) instead of running the ablation")
    parser.add_argument("--jobs", type=int, default=1, help="rows run in parallel, one process and one torch "
                        "thread each (CPU only)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be >= 1, got {args.jobs}")
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if args.select and args.only:
        parser.error("--select runs every candidate; it takes no --only")
    names = list(CANDIDATES) if args.select else args.only or ["references", *RUNS]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tasks = [(name, args.profile, args.select) for name in names]
    with contextlib.ExitStack() as stack:  # the worker processes end with main, even on an error
        if args.jobs > 1 and device.type == "cpu":
            pool = stack.enter_context(ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")))
            results = pool.map(_run_row, tasks)
        else:
            results = map(_run_row, tasks)
        _collect(results, args, out, device)
    return 0


def _collect(results, args, out, device):
    """Print every row as it arrives and rewrite ablation.json / .csv (or selection.json) after each."""
    import torch

    rows = []
    for new in results:
        for row in new:
            print(f"{row['run']:<22} probe {row['linear_probe']:.3f}  k-NN {row['knn']:.3f}  "
                  f"colour {row['colour_probe']:.3f}", flush=True)
        rows += new
        result = {"command": "python -m vklib.experiments.simclr_ablation" + (" --select" if args.select else "")
                             + " --jobs 2" + ("" if args.profile == "cpu" else f" --profile {args.profile}"),
                  "profile": args.profile, "settings": PROFILES[args.profile], "task": TASK,
                  "baseline": BASELINE, "torch": torch.__version__, "device": device.type, "rows": rows}
        if args.select:
            best = max(rows, key=lambda r: r["linear_probe"])
            result.pop("baseline")  # a candidate is the baseline with its strength replaced
            result.update(evaluated_on="validation split: make_scenes seed 4 (the table's test split is seed 3)",
                          fixed={k: v for k, v in BASELINE.items() if k != "strength"},
                          candidates=CANDIDATES, best=best["run"])
            (out / "selection.json").write_text(json.dumps(result, indent=1) + "\n")
            continue
        (out / "ablation.json").write_text(json.dumps(result, indent=1) + "\n")  # rewritten after every run
        with open(out / "ablation.csv", "w", newline="") as f:
            writer = csv.DictWriter(f, COLUMNS, extrasaction="ignore")
            writer.writeheader()
            for r in rows:
                writer.writerow({k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()})
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
