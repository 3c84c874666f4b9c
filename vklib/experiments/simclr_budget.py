"""The small-budget section of chapter 5's SimCLR ablation: does the composition still win?

Small budget (section ``"small_budget"`` of the results): the recipe and colour only
(:data:`SMALL_BUDGET_ROWS`), and the random encoder of that width, with the settings of
:data:`SMALL_BUDGET`: the encoder's width halved (8 channels instead of 16 in the cpu profile:
19,624 instead of 77,392 parameters, a quarter), a quarter of the epochs (10 instead of 40: 640
steps instead of 2,560) and crops of 20-100 % of the area instead of 50-100 % (the paper:
8-100 %), once per seed, with the same probes. ``--small-budget-only`` runs only this section
and merges it into the existing ``ablation.json``, leaving every other section as it is; the
whole command runs it after the other rows and writes it with them.

Run (merged into ``data/simclr/ablation.json``; about 4.5 min of wall time on a 2-core machine
with another job running, about 4 min of CPU time)::

    python -m vklib.experiments.simclr_ablation --small-budget-only

The main command of :mod:`vklib.experiments.simclr_ablation` runs these runs too, after its
other rows; this module holds the settings, the runs and the section's layout.
"""

from __future__ import annotations

from .simclr_ablation import (PROFILES, RECIPE, ROWS, SCORE_KEYS, SEEDS, _per_row, _seed_lists, build_model,
                              load_data, pretrain_and_score)

__all__ = ["SMALL_BUDGET", "SMALL_BUDGET_ROWS", "small_budget_settings", "small_budget_recipe",
           "encoder_parameters", "run_small_budget", "small_budget_tasks", "collect_small_budget"]

#: The small budget (section ``"small_budget"`` of the results): the profile's settings with
#: the encoder's width halved (about a quarter of its parameters), a quarter of the epochs, and
#: crops of 20-100 % of the area instead of the recipe's 50-100 %.
SMALL_BUDGET = {"width_factor": 0.5, "epochs_factor": 0.25, "crop_scale": (0.2, 1.0)}

#: The rows run at the small budget (the random encoder of that width comes with the recipe's runs).
SMALL_BUDGET_ROWS = ("crop + colour (recipe)", "colour only")


def small_budget_settings(profile="cpu"):
    """The settings of ``profile`` at :data:`SMALL_BUDGET`: width and epochs scaled down (at least 1)."""
    p = PROFILES[profile]
    return {**p, "width": max(1, round(p["width"] * SMALL_BUDGET["width_factor"])),
            "epochs": max(1, round(p["epochs"] * SMALL_BUDGET["epochs_factor"]))}


def small_budget_recipe():
    """:data:`RECIPE` with the crops of :data:`SMALL_BUDGET`."""
    return {**RECIPE, "crop_scale": SMALL_BUDGET["crop_scale"]}


def encoder_parameters(width):
    """The number of parameters of ``SmallResNet(width)``, the encoder f."""
    from vklib.simclr import SmallResNet

    return sum(p.numel() for p in SmallResNet(width).parameters())


def run_small_budget(name, seed, profile="cpu", *, data=None, device="cpu", progress=False):
    """Pre-train row ``name`` of :data:`SMALL_BUDGET_ROWS` at the small budget; returns ``(results, model)``.

    ``results`` maps ``name`` to its scores, and for the recipe also ``"random encoder"`` (the
    untrained network of the small width, the recipe's initial weights) to its scores.
    """
    from vklib.simclr import simclr_scores

    if name not in SMALL_BUDGET_ROWS:
        raise ValueError(f"the small budget runs the rows {SMALL_BUDGET_ROWS}, got {name!r}")
    p = small_budget_settings(profile)
    pretrain, probe, test = data or load_data(profile)
    cfg = {**small_budget_recipe(), **ROWS[name][1]}
    model = build_model(profile, seed, device, width=p["width"])
    results = {}
    if name == "crop + colour (recipe)":
        results["random encoder"] = simclr_scores(model, probe, test)
    results[name] = pretrain_and_score(model, cfg, p, (pretrain, probe, test), seed=seed, device=device,
                                       progress=progress)
    return results, model


def small_budget_tasks(profile, device, *, seeds=SEEDS):
    """The runs of the small budget: :data:`SMALL_BUDGET_ROWS` once per seed."""
    return [("small", name, s, profile, device) for name in SMALL_BUDGET_ROWS for s in seeds]


def collect_small_budget(done, profile, seeds):
    """The ``"small_budget"`` section of the results file from the finished runs of kind ``"small"``."""
    import torch

    p = small_budget_settings(profile)
    full = PROFILES[profile]
    per_row = _per_row(done, "small")
    rows = []
    for name in ("random encoder", *SMALL_BUDGET_ROWS):
        if name not in per_row:
            continue
        got = per_row[name]
        row = {"name": name, "seeds": sorted(got), "representation": "h = f(x)"}
        row["changes"] = ({} if name == "random encoder" else ROWS[name][1])
        row.update(_seed_lists(got, SCORE_KEYS + ["final_loss", "first_loss", "seconds"]))
        rows.append(row)
    steps = p["epochs"] * (full["n_pretrain"] // p["batch_size"])
    full_steps = full["epochs"] * (full["n_pretrain"] // full["batch_size"])
    return {"command": "python -m vklib.experiments.simclr_ablation --small-budget-only"
                       + ("" if profile == "cpu" else f" --profile {profile}"),
            "profile": profile, "settings": p, "recipe": small_budget_recipe(), "seeds": list(seeds),
            "changes": [f"encoder width {p['width']} instead of {full['width']} ({encoder_parameters(p['width']):,} "
                        f"instead of {encoder_parameters(full['width']):,} parameters)",
                        f"{p['epochs']} epochs ({steps:,} steps) instead of {full['epochs']} ({full_steps:,})",
                        "crops of {:.0f}-{:.0f} % of the area instead of {:.0f}-{:.0f} %".format(
                            *(100 * v for v in SMALL_BUDGET["crop_scale"]), *(100 * v for v in RECIPE["crop_scale"]))],
            "torch": torch.__version__, "rows": rows}
