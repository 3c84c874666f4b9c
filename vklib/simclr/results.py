"""Reading the committed ablation (``data/simclr/ablation.json``): summaries, claims, the plot.

The chapter prints every number from here, so that its text and the committed results
cannot drift apart: :func:`summary` gives each row's mean ± standard deviation over seeds,
:func:`claims` the paper's findings as paired differences with their standard errors and
a verdict (:func:`vklib.simclr.stats.verdict`), and :func:`plot_label_efficiency` the
label-efficiency figure. :func:`small_budget` reads the section run at a smaller budget
(``"small_budget"``), whose claims are :data:`SMALL_BUDGET_CLAIMS`.
"""

from __future__ import annotations

import json

import numpy as np

from vklib.simclr.stats import mean_sd, paired_difference, verdict

__all__ = ["load_ablation", "row", "summary", "claims", "efficiency", "plot_label_efficiency", "fmt",
           "format_table", "format_claims", "format_efficiency", "band", "small_budget", "METRICS", "NAMES",
           "SHAPE_METRICS", "COLOUR_METRICS", "CLAIMS", "SMALL_BUDGET_CLAIMS"]

METRICS = ("shape_probe", "knn", "colour_probe", "background_probe", "background_knn", "background_knn_z")

#: What the table calls each metric.
NAMES = {"shape_probe": "shape: probe", "knn": "shape: 20-NN", "colour_probe": "shape hue", "background_probe":
         "bg hue: probe", "background_knn": "bg hue: 20-NN h", "background_knn_z": "bg hue: 20-NN z"}

#: The two tables of :func:`format_table`: what the rows learned, and what colour they keep.
SHAPE_METRICS = ("shape_probe", "knn")
COLOUR_METRICS = ("colour_probe", "background_probe", "background_knn", "background_knn_z")

RECIPE = "crop + colour (recipe)"

#: (claim, row A, row B, metric): the paper's direction is "A > B".
CLAIMS = (
    ("SimCLR learns the shape without labels (recipe > random encoder)", RECIPE, "random encoder", "shape_probe"),
    ("composition: crop + colour beats crop alone", RECIPE, "crop only", "shape_probe"),
    ("composition: crop + colour beats colour alone", RECIPE, "colour only", "shape_probe"),
    ("stronger colour distortion helps (s = 1 > s = 0.5)", RECIPE, "crop + colour, s = 0.5", "shape_probe"),
    ("a low temperature helps (tau = 0.2 > tau = 1)", RECIPE, "recipe, tau = 1", "shape_probe"),
    ("the representation before the head is better (h > z)", RECIPE, "recipe, z = g(h)", "shape_probe"),
    ("without colour distortion the background's hue is easier to read (crop only > recipe)", "crop only", RECIPE,
     "background_probe"),
    ("without colour distortion the views' similarity groups scenes by background hue (crop only > recipe)",
     "crop only", RECIPE, "background_knn_z"),
    ("h holds a little more colour than z (shape-hue probe)", RECIPE, "recipe, z = g(h)", "colour_probe"),
    ("the head makes neighbourhoods less about colour (h > z on the background 20-NN)", RECIPE, "recipe, z = g(h)",
     "background_knn"),
    ("without crops, with colour distortion, the background's hue is much harder to read "
     "(crop only > colour only, background probe)", "crop only", "colour only", "background_probe"),
)

#: The claims tested on the small-budget section (:func:`small_budget`), same layout as :data:`CLAIMS`.
SMALL_BUDGET_CLAIMS = (
    ("at the small budget the recipe learns the shape (recipe > random encoder)", RECIPE, "random encoder",
     "shape_probe"),
    ("at the small budget colour only learns the shape (colour only > random encoder)", "colour only",
     "random encoder", "shape_probe"),
    ("at the small budget crop + colour beats colour alone", RECIPE, "colour only", "shape_probe"),
    ("at the small budget the recipe's z groups scenes by background hue (recipe > random encoder, background "
     "20-NN in z)", RECIPE, "random encoder", "background_knn_z"),
)


def load_ablation(path=None) -> dict:
    """The committed results (``vklib.resources.data_path("simclr", "ablation.json")``) or those at ``path``."""
    if path is None:
        from vklib.resources import data_path

        path = data_path("simclr", "ablation.json")
    with open(path) as f:
        table = json.load(f)
    if not isinstance(table, dict) or "rows" not in table or "label_efficiency" not in table:
        raise ValueError(f"{path} is not an ablation file: it needs 'rows' and 'label_efficiency'")
    return table


def small_budget(table) -> dict:
    """The section run at the small budget (``table["small_budget"]``): its settings, its rows, its command.

    It has the layout of the whole table's rows (``"rows"``), so :func:`summary`, :func:`claims`
    (with ``which=SMALL_BUDGET_CLAIMS``) and :func:`format_table` read it as they read the table.
    """
    if "small_budget" not in table:
        raise KeyError("no 'small_budget' section: run python -m vklib.experiments.simclr_ablation --small-budget-only")
    return table["small_budget"]


def row(table, name) -> dict:
    """The row called ``name``."""
    for r in table["rows"]:
        if r["name"] == name:
            return r
    raise KeyError(f"no row {name!r}; rows: {[r['name'] for r in table['rows']]}")


def fmt(mean, sd, *, digits=3, sign=False) -> str:
    """``"0.612 ± 0.021"`` (``sign``: with an explicit + for positive means; a mean that rounds to zero is 0)."""
    mean = round(mean, digits) + 0.0  # no "-0.0"
    return f"{mean:+.{digits}f} ± {sd:.{digits}f}" if sign else f"{mean:.{digits}f} ± {sd:.{digits}f}"


def band(values, *, k=3.0, floor=0.05) -> tuple:
    """``(low, high)`` = mean ∓ max(k sd, floor) of per-seed values: where a new seed should land.

    With three seeds the sample standard deviation is itself uncertain, hence the generous
    ``k = 3`` and the ``floor`` (an accuracy on 1,200 test scenes has a binomial standard
    error of about 1.4 points, and a run with another number of threads sums in another
    order and ends a few points away from the committed seed).
    """
    m, sd = mean_sd(values)
    half = max(k * sd, floor)
    return m - half, m + half


def summary(table) -> list:
    """One dict per row: its name, number of seeds and ``(mean, sd)`` of every metric it has."""
    out = []
    for r in table["rows"]:
        entry = {"name": r["name"], "n_seeds": len(r["seeds"])}
        for m in METRICS:
            if m in r:
                entry[m] = mean_sd(r[m])
        out.append(entry)
    return out


def claims(table, which=CLAIMS) -> list:
    """The findings ``which`` (default :data:`CLAIMS`) tested on ``table``: paired difference A - B over common
    seeds, its se, the verdict."""
    out = []
    for text, a, b, metric in which:
        ra, rb = row(table, a), row(table, b)
        common = [s for s in ra["seeds"] if s in rb["seeds"]]
        va = [ra[metric][ra["seeds"].index(s)] for s in common]
        vb = [rb[metric][rb["seeds"].index(s)] for s in common]
        d, se = paired_difference(va, vb)
        out.append({"claim": text, "a": a, "b": b, "metric": metric, "seeds": common,
                    "difference": d, "se": se, "verdict": verdict(d, se)})
    return out


def efficiency(table) -> list:
    """Label efficiency: per labels-per-class and SimCLR method, both methods' ``(mean, sd)`` and the paired difference.

    The from-scratch entries (method starting with ``"from scratch"``) are the reference;
    every other method at the same number of labels is compared with it seed by seed
    (SimCLR - scratch, positive when the self-supervised features win).
    """
    by = {}
    for e in table["label_efficiency"]:
        by.setdefault(e["labels_per_class"], {})[e["method"]] = e
    out = []
    for k in sorted(by):
        scratch = next((e for m, e in by[k].items() if m.startswith("from scratch")), None)
        for method, simclr in by[k].items():
            if simclr is scratch:
                continue
            entry = {"labels_per_class": k, "method": method, "simclr": mean_sd(simclr["accuracy"])}
            if scratch:
                entry["scratch"] = mean_sd(scratch["accuracy"])
                common = [s for s in simclr["seeds"] if s in scratch["seeds"]]
                d, se = paired_difference([simclr["accuracy"][simclr["seeds"].index(s)] for s in common],
                                          [scratch["accuracy"][scratch["seeds"].index(s)] for s in common])
                entry.update(difference=d, se=se, verdict=verdict(d, se))
            out.append(entry)
    return out


def _in_z(r) -> bool:
    """Whether row ``r`` is probed after the head, in ``z = g(h)``."""
    return r.get("representation", "h = f(x)").startswith("z")


def format_table(table, *, metrics=SHAPE_METRICS, loss=True) -> str:
    """The ablation table as text: one line per row, mean ± sd over seeds of ``metrics`` (and of the final loss).

    The default is what each row learned (the shape); ``COLOUR_METRICS`` gives what colour each keeps.
    A row without a metric (the references have no loss; only the SimCLR rows have
    ``background_knn_z``) leaves its cell empty. The background-hue 20-NN columns say their space
    (h or z): a row probed in ``z = g(h)`` shows its 20-NN vote in the z column. A row probed
    in z is named in a note under the table, since all its numbers come from z.
    """
    lines = [f"{'row':26s}{'seeds':>6s}" + "".join(f"{NAMES[m]:>17s}" for m in metrics)
             + (f"{'final loss':>15s}" if loss else "")]
    in_z = []
    for entry, r in zip(summary(table), table["rows"]):
        entry = dict(entry)
        if _in_z(r) and "background_knn" in entry:  # its 20-NN vote is in z: shown in the z column
            entry["background_knn_z"] = entry.pop("background_knn")
        if _in_z(r):
            in_z.append(r["name"])
        cells = "".join(f"{fmt(*entry[m]):>17s}" if m in entry else " " * 17 for m in metrics)
        tail = f"{fmt(*mean_sd(r['final_loss']), digits=2):>15s}" if loss and "final_loss" in r else ""
        lines.append(f"{entry['name']:26s}{entry['n_seeds']:6d}{cells}{tail}".rstrip())
    if in_z:
        names = ", ".join(f"'{name}'" for name in in_z)
        lines.append(f"note: numbers in h = f(x), except the row{'s' if len(in_z) > 1 else ''} {names} "
                     "(probed in z = g(h))")
        if "background_knn_z" in metrics:
            lines.append("      and the column 'bg hue: 20-NN z' (in z = g(h) for every row)")
    return "\n".join(lines)


def format_claims(table, which=CLAIMS) -> str:
    """One line per claim of ``which``: the paired difference A - B in points ± its standard error, and the verdict."""
    lines = []
    for c in claims(table, which):
        diff = fmt(100 * c["difference"], 100 * c["se"], digits=1, sign=True)
        lines.append(f"{c['claim']}\n    {c['metric']}: {c['a']} - {c['b']} = {diff} points "
                     f"over {len(c['seeds'])} seeds -> {c['verdict']}")
    return "\n".join(lines)


#: How a label-efficiency verdict reads (the paired difference is SimCLR + probe minus scratch).
EFFICIENCY_VERDICTS = {"reproduced": "SimCLR ahead", "not reproduced": "scratch ahead", "within noise": "within noise"}


def format_efficiency(table) -> str:
    """Label efficiency as text: both methods' mean ± sd and the paired difference per labels-per-class."""
    lines = [f"{'labels/class':>12s}  {'features':36s}{'SimCLR + probe':>16s}{'from scratch':>16s}"
             f"{'difference (points)':>22s}"]
    for e in efficiency(table):
        diff = fmt(100 * e["difference"], 100 * e["se"], digits=1, sign=True)
        lines.append(f"{e['labels_per_class']:12d}  {e['method']:36s}{fmt(*e['simclr']):>16s}{fmt(*e['scratch']):>16s}"
                     f"{diff:>22s}  {EFFICIENCY_VERDICTS[e['verdict']]}")
    return "\n".join(lines)


def plot_label_efficiency(table, ax=None):
    """Test accuracy against labels per class (log axis), mean ± sd over seeds, seeds as dots."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.4))
    methods = {}
    for e in table["label_efficiency"]:
        methods.setdefault(e["method"], []).append(e)
    for (method, entries), offset in zip(methods.items(), (0.95, 1.0, 1.05, 1.1)):
        entries = sorted(entries, key=lambda e: e["labels_per_class"])
        k = np.array([e["labels_per_class"] for e in entries], float)
        stats = np.array([mean_sd(e["accuracy"]) for e in entries])
        line = ax.errorbar(k * offset, stats[:, 0], yerr=stats[:, 1], marker="o", capsize=3, label=method)
        for e in entries:
            ax.scatter(np.full(len(e["accuracy"]), e["labels_per_class"] * offset), e["accuracy"], s=8,
                       color=line[0].get_color(), alpha=0.5)
    ax.axhline(1 / 6, color="grey", ls="--", lw=0.8, label="chance (1/6)")
    ax.set_xscale("log")
    ks = sorted({e["labels_per_class"] for e in table["label_efficiency"]})
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.set_xlabel("labelled scenes per class")
    ax.set_ylabel("held-out shape accuracy")
    ax.set_title("Label efficiency (mean ± sd over seeds; dots: seeds)")
    ax.legend(fontsize=7, loc="upper left")
    return ax
