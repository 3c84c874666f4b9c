"""Score-CAM: vklib vs pytorch-grad-cam's ScoreCAM on the same model, layer and inputs.

Run ``python benchmarks/bench_cam.py``. The model is the chapter's shipped SceneCNN (its
CAM layer ``features[-1]`` has 256 channels, so each image needs 256 masked forward
passes); both libraries get the same 64 x 64 scenes, the same target classes and the same
number of images per forward pass (``--chunk``, 64 by default: vklib's default, and on the
machine we measured also pytorch-grad-cam's fastest of 16 (its own default), 64 and 128);
the libraries are timed in alternation and each keeps its best of ``--repeat`` rounds. A
last row times pytorch-grad-cam at its own default batch size, as most people run it.
Prints the time per image and the ratio on the CPU (and on CUDA when present), and checks
that the maps match (correlation and max |difference|, with vklib's masks upsampled as
pytorch-grad-cam does, align_corners=True).

``--resnet resnet18`` (the default; ``resnet50`` or ``none`` also work) adds rows for a
torchvision ResNet at ``--size`` pixels (224) explained at ``layer4`` (512 channels for
ResNet-18, 2,048 for ResNet-50): pytorch-grad-cam at its default batch size (16) and at vklib's
(``vklib.cam.auto_chunk_size``, 10 at 224 pixels), the faster of the two being the baseline;
vklib with its defaults, with ``fuse=False``, and with ``autocast_dtype=torch.bfloat16`` where
the CPU has bfloat16 instructions (or on CUDA). Random weights seeded by ``--seed`` (no download) and
batch norm given seeded, non-trivial running statistics: the convolution/batch-norm pairs
sit inside residual blocks, wired by attribute, which vklib folds after tracing the model
with ``torch.fx``. Each image costs one forward pass per channel, so ``--resnet-images``
is 1 by default; time a run with ``--repeat 1`` first on a slow machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median_time, report  # noqa: E402

from vklib.cam import ScoreCAM  # noqa: E402
from vklib.cam.model import load_scene_cnn  # noqa: E402
from vklib.data import make_scenes  # noqa: E402


#: ``pytorch_grad_cam.ScoreCAM``'s ``batch_size`` unless one sets it (grad-cam 1.5.7).
PGC_DEFAULT_BATCH = 16


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--chunk", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (1 by default: stable timings on a shared machine)")
    parser.add_argument("--resnet", choices=["resnet18", "resnet50", "none"], default="resnet18")
    parser.add_argument("--size", type=int, default=224, help="the ResNet's input size in pixels")
    parser.add_argument("--resnet-images", type=int, default=1)
    parser.add_argument("--resnet-repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-scene-cnn", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if not args.skip_scene_cnn:
        scene_cnn_rows(args)
    if args.resnet != "none":
        resnet_rows(args)


def seeded_resnet(name: str, seed: int) -> torch.nn.Module:
    """A torchvision ResNet with seeded random weights and non-trivial batch-norm statistics, in eval mode."""
    import torchvision

    torch.manual_seed(seed)
    model = getattr(torchvision.models, name)(weights=None)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                n = m.num_features
                m.running_mean.copy_(torch.rand(n, generator=gen) * 0.4 - 0.2)
                m.running_var.copy_(torch.rand(n, generator=gen) * 1.5 + 0.5)
                m.weight.copy_(torch.rand(n, generator=gen) + 0.5)
                m.bias.copy_(torch.rand(n, generator=gen) * 0.6 - 0.3)
    return model.eval()


def _min_corr(a, b) -> float:
    return min(float(np.corrcoef(m.ravel(), t.ravel())[0, 1]) for m, t in zip(a, b))


def has_bf16_instructions() -> bool:
    """Whether this CPU has bfloat16 arithmetic (AVX512-BF16 or AMX-BF16), read from /proc/cpuinfo (Linux)."""
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resnet_rows(args) -> None:
    """vklib's and pytorch-grad-cam's Score-CAM on a seeded torchvision ResNet at ``layer4``.

    pytorch-grad-cam runs at its default batch size and at vklib's, and the faster of the two is
    the baseline; vklib runs with its defaults (chunk size from the input size) and, where the
    device has bfloat16 arithmetic, with ``autocast_dtype=torch.bfloat16``.
    """
    from pytorch_grad_cam import ScoreCAM as PGCScoreCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    from vklib.cam import auto_chunk_size

    gen = torch.Generator().manual_seed(args.seed)
    x_cpu = torch.rand(args.resnet_images, 3, args.size, args.size, generator=gen)
    chunk = auto_chunk_size(args.size, args.size)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        model = seeded_resnet(args.resnet, args.seed).to(device)
        x = x_cpu.to(device)
        with torch.no_grad():
            targets = [int(t) for t in model(x).argmax(1)]
        pgc_targets = [ClassifierOutputTarget(t) for t in targets]
        theirs = PGCScoreCAM(model=model, target_layers=[model.layer4])

        def run_theirs(batch):
            theirs.batch_size = batch
            with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull):  # its tqdm bars
                return theirs(input_tensor=x, targets=pgc_targets)

        pgc_rows = {f"pytorch-grad-cam ScoreCAM, batch {PGC_DEFAULT_BATCH} (its default)": PGC_DEFAULT_BATCH}
        if chunk != PGC_DEFAULT_BATCH:
            pgc_rows[f"pytorch-grad-cam ScoreCAM, batch {chunk}"] = chunk
        runs = {name: (lambda b=b: run_theirs(b)) for name, b in pgc_rows.items()}
        ours = ScoreCAM(model, model.layer4, align_corners=True)
        runs[f"vklib ScoreCAM (chunk {chunk}, float32)"] = lambda: ours(x, targets=targets)
        ours_unfused = ScoreCAM(model, model.layer4, align_corners=True, fuse=False)
        runs["vklib ScoreCAM, fuse=False"] = lambda: ours_unfused(x, targets=targets)
        bf16 = device == "cuda" or has_bf16_instructions()
        if bf16:
            ours_bf16 = ScoreCAM(model, model.layer4, align_corners=True, autocast_dtype=torch.bfloat16)
            runs["vklib ScoreCAM, autocast bfloat16"] = lambda: ours_bf16(x, targets=targets)
        times = {name: [] for name in runs}
        cpu_times = {name: [] for name in runs}
        maps = {}
        for _ in range(args.resnet_repeat):  # alternate, keep each one's best round (the first is the warm-up too)
            for name, fn in runs.items():
                c0, t0 = time.process_time(), time.perf_counter()
                out = fn()
                if device == "cuda":
                    torch.cuda.synchronize()
                times[name].append(time.perf_counter() - t0)
                cpu_times[name].append(time.process_time() - c0)
                maps[name] = out.cpu().numpy() if torch.is_tensor(out) else out
        channels = ours.activations.shape[1]
        baseline = min(pgc_rows, key=lambda n: min(times[n]))
        title = (f"Score-CAM, torchvision {args.resnet} (random seeded weights) at layer4, {channels} channels, "
                 f"{args.size}x{args.size} inputs, {len(x)} image(s), on {device}")
        report(title, {n: min(t) / len(x) for n, t in times.items()}, baseline=baseline, unit="s", per=" per image")
        if device == "cpu":
            cpu_base = min(pgc_rows, key=lambda n: min(cpu_times[n]))
            report("  the same, process CPU time (best round)", {n: min(t) / len(x) for n, t in cpu_times.items()},
                   baseline=cpu_base, unit="s", per=" per image")
            if not bf16:
                print("  (no bfloat16 row: this CPU has no AVX512-BF16 or AMX-BF16 instructions)")
        theirs_maps = maps[baseline]
        for name in runs:
            if name.startswith("vklib"):
                print(f"  {name} vs pytorch-grad-cam maps: min correlation {_min_corr(maps[name], theirs_maps):.6f}, "
                      f"max |difference| {np.abs(maps[name] - theirs_maps).max():.2e}")
        theirs.activations_and_grads.release()


def scene_cnn_rows(args) -> None:
    """vklib's and pytorch-grad-cam's Score-CAM on the chapter's SceneCNN."""
    from pytorch_grad_cam import ScoreCAM as PGCScoreCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    scenes = make_scenes(args.images, seed=2)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        model = load_scene_cnn(device=device)
        layer = model.features[-1]
        x = torch.from_numpy(scenes.images.transpose(0, 3, 1, 2).copy()).to(device)
        targets = [int(t) for t in scenes.labels]
        ours = ScoreCAM(model, layer, chunk_size=args.chunk, align_corners=True)
        ours_unfused = ScoreCAM(model, layer, chunk_size=args.chunk, align_corners=True, fuse=False)
        theirs = PGCScoreCAM(model=model, target_layers=[layer])
        theirs.batch_size = args.chunk
        pgc_targets = [ClassifierOutputTarget(t) for t in targets]

        def run_ours():
            return ours(x, targets=targets)

        def run_ours_unfused():
            return ours_unfused(x, targets=targets)

        def run_theirs():
            with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull):  # its tqdm bars
                return theirs(input_tensor=x, targets=pgc_targets)

        def run_theirs_default():  # pytorch-grad-cam with its own default batch size
            theirs.batch_size = PGC_DEFAULT_BATCH
            try:
                return run_theirs()
            finally:
                theirs.batch_size = args.chunk

        a, b = run_ours().cpu().numpy(), run_theirs()  # also the warm-up
        corr = min(float(np.corrcoef(m.ravel(), t.ravel())[0, 1]) for m, t in zip(a, b))
        # Alternate the two (one timing each per round) so that a change of load on a shared
        # machine hits both alike, and keep each one's best round.
        runs = {"pytorch-grad-cam ScoreCAM": run_theirs, "vklib ScoreCAM": run_ours,
                "vklib ScoreCAM, fuse=False": run_ours_unfused,
                f"pytorch-grad-cam, its default batch {PGC_DEFAULT_BATCH}": run_theirs_default}
        run_ours_unfused(), run_theirs_default()  # their warm-ups
        times = {name: [] for name in runs}
        cpu_times = {name: [] for name in runs}  # process CPU time: less sensitive to other jobs
        for _ in range(args.repeat):
            for name, fn in runs.items():
                c0 = time.process_time()
                times[name].append(median_time(fn, repeat=1, warmup=0, device=device))
                cpu_times[name].append(time.process_time() - c0)
        rows = {name: min(t) / len(x) for name, t in times.items()}
        report(f"Score-CAM, {layer[0].out_channels} channels, {x.shape[-1]}x{x.shape[-2]} inputs, "
               f"chunk {args.chunk}, on {device}", rows, baseline="pytorch-grad-cam ScoreCAM", per=" per image")
        if device == "cpu":
            report("  the same, process CPU time (best round)", {n: min(t) / len(x) for n, t in cpu_times.items()},
                   baseline="pytorch-grad-cam ScoreCAM", per=" per image")
        print(f"  maps: min correlation {corr:.5f}, max |difference| {np.abs(a - b).max():.2e}")
        theirs.activations_and_grads.release()


if __name__ == "__main__":
    main()
