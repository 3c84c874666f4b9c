"""Score-CAM: vklib vs pytorch-grad-cam's ScoreCAM on the same model, layer and inputs.

Run ``python benchmarks/bench_cam.py``. The model is the chapter's shipped SceneCNN (its
CAM layer ``features[-1]`` has 256 channels, so each image needs 256 masked forward
passes); both libraries get the same 64 x 64 scenes and the same target classes. vklib runs
at its default number of images per forward pass (``vklib.cam.auto_chunk_size``, 32 for
64 x 64 scenes; ``--chunk`` sets another), pytorch-grad-cam at its own default batch size (16),
at 64 and at vklib's, and the fastest of these is the baseline. Rows are timed in
alternation and each keeps its best of ``--repeat`` rounds. Prints the time per image and
the ratio on the CPU (and on CUDA when present), and checks that the maps match (correlation
and max |difference|, with vklib's masks upsampled as pytorch-grad-cam does,
align_corners=True).

``--resnet resnet18`` (the default; ``resnet50`` or ``none`` also work) adds rows for a
torchvision ResNet at ``--size`` pixels (224) explained at ``layer4`` (512 channels for
ResNet-18, 2,048 for ResNet-50): pytorch-grad-cam at its default batch size (16) and at vklib's
(``vklib.cam.auto_chunk_size``, 10 at 224 pixels), the faster of the two being the baseline;
vklib with its defaults, with ``fuse=False``, and with ``autocast_dtype=torch.bfloat16`` where
the CPU has bfloat16 instructions (or on CUDA). Random weights seeded by ``--seed`` (no download) and
batch norm given seeded, non-trivial running statistics: the convolution/batch-norm pairs
sit inside residual blocks, wired by attribute, which vklib folds after tracing the model
with ``torch.fx``. Each image costs one forward pass per channel, so ``--resnet-images``
is 1 by default; time a run with ``--repeat 1`` first on a slow machine. Under the ResNet rows
a compute line gives each row's arithmetic rate beside that of one large 3 x 3 convolution on
the same core, and so the most any float32 implementation of the same passes could gain.
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
    parser.add_argument("--chunk", type=int, default=None,
                        help="SceneCNN images per forward pass (default: vklib's auto_chunk_size)")
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
        if device == "cpu":
            ceiling(model, x, {n: min(t) / len(x) for n, t in times.items()}, baseline, channels)
        theirs_maps = maps[baseline]
        for name in runs:
            if name.startswith("vklib"):
                print(f"  {name} vs pytorch-grad-cam maps: min correlation {_min_corr(maps[name], theirs_maps):.6f}, "
                      f"max |difference| {np.abs(maps[name] - theirs_maps).max():.2e}")
        theirs.activations_and_grads.release()


def scene_cnn_rows(args) -> None:
    """vklib's and pytorch-grad-cam's Score-CAM on the chapter's SceneCNN.

    vklib runs at its default chunk size (``--chunk`` overrides it), pytorch-grad-cam at its
    default batch size, at 64 and at vklib's chunk size; the fastest pytorch-grad-cam row is
    the baseline. Rows are timed in alternation, each keeping its best round.
    """
    from pytorch_grad_cam import ScoreCAM as PGCScoreCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    from vklib.cam import auto_chunk_size

    scenes = make_scenes(args.images, seed=2)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        model = load_scene_cnn(device=device)
        layer = model.features[-1]
        x = torch.from_numpy(scenes.images.transpose(0, 3, 1, 2).copy()).to(device)
        chunk = args.chunk or auto_chunk_size(*x.shape[-2:])
        targets = [int(t) for t in scenes.labels]
        theirs = PGCScoreCAM(model=model, target_layers=[layer])
        pgc_targets = [ClassifierOutputTarget(t) for t in targets]

        def run_theirs(batch):
            theirs.batch_size = batch
            with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull):  # its tqdm bars
                return theirs(input_tensor=x, targets=pgc_targets)

        batches = sorted({PGC_DEFAULT_BATCH, 64, chunk})
        pgc_rows = {f"pytorch-grad-cam ScoreCAM, batch {b}" + (" (its default)" if b == PGC_DEFAULT_BATCH else ""): b
                    for b in batches}
        runs = {name: (lambda b=b: run_theirs(b)) for name, b in pgc_rows.items()}
        ours = ScoreCAM(model, layer, chunk_size=chunk, align_corners=True)
        ours_unfused = ScoreCAM(model, layer, chunk_size=chunk, align_corners=True, fuse=False)
        runs[f"vklib ScoreCAM, chunk {chunk}"] = lambda: ours(x, targets=targets)
        runs["vklib ScoreCAM, fuse=False"] = lambda: ours_unfused(x, targets=targets)
        maps = {name: fn() for name, fn in runs.items()}  # also the warm-ups
        maps = {name: m.cpu().numpy() if torch.is_tensor(m) else m for name, m in maps.items()}
        # Alternate the rows (one timing each per round) so that a change of load on a shared
        # machine hits all alike, and keep each one's best round.
        times = {name: [] for name in runs}
        cpu_times = {name: [] for name in runs}  # process CPU time: less sensitive to other jobs
        for _ in range(args.repeat):
            for name, fn in runs.items():
                c0 = time.process_time()
                times[name].append(median_time(fn, repeat=1, warmup=0, device=device))
                cpu_times[name].append(time.process_time() - c0)
        baseline = min(pgc_rows, key=lambda n: min(times[n]))
        report(f"Score-CAM, SceneCNN, {layer[0].out_channels} channels, {x.shape[-1]}x{x.shape[-2]} inputs, "
               f"{len(x)} images, on {device}", {n: min(t) / len(x) for n, t in times.items()},
               baseline=baseline, per=" per image")
        if device == "cpu":
            cpu_base = min(pgc_rows, key=lambda n: min(cpu_times[n]))
            report("  the same, process CPU time (best round)", {n: min(t) / len(x) for n, t in cpu_times.items()},
                   baseline=cpu_base, per=" per image")
        for name in runs:
            if name.startswith("vklib"):
                print(f"  {name} vs pytorch-grad-cam maps: min correlation {_min_corr(maps[name], maps[baseline]):.6f}, "
                      f"max |difference| {np.abs(maps[name] - maps[baseline]).max():.2e}")
        theirs.activations_and_grads.release()


def ceiling(model, x, seconds: dict, baseline: str, channels: int) -> None:
    """What float32 arithmetic allows: each row's rate beside one convolution's, on this CPU.

    Both libraries make the same ``channels + 1`` forward passes, so their times can differ only
    in how fast they run them; at the rate of one large 3 x 3 convolution (the CPU's practical
    float32 peak for this work) the passes take at least ``passes * FLOPs / rate``.
    """
    flops = 2 * forward_macs(model, x) * (channels + 1)
    peak = conv_gflops("cpu")
    print(f"  compute: {channels + 1} forward passes x {flops / (channels + 1) / 1e9:.2f} GFLOP = {flops / 1e9:.0f} GFLOP "
          f"per image; one 3x3 convolution (10x128x28x28, channels-last) runs at {peak:.0f} GFLOP/s here")
    for name, t in seconds.items():
        print(f"    {name}: {flops / t / 1e9:.0f} GFLOP/s")
    floor = flops / (peak * 1e9)
    print(f"  at that rate float32 needs >= {floor:.1f} s per image: at most {seconds[baseline] / floor:.2f}x "
          f"the baseline's time without fewer or cheaper (lower-precision) operations")


def forward_macs(model: torch.nn.Module, x: torch.Tensor) -> int:
    """Multiply-adds of the convolutions and linear layers in one forward pass of ``x[:1]``."""
    total = 0

    def count(module, inputs, output):
        nonlocal total
        if isinstance(module, torch.nn.Conv2d):
            total += output.numel() * (module.in_channels // module.groups) * module.kernel_size[0] * module.kernel_size[1]
        elif isinstance(module, torch.nn.Linear):
            total += output.numel() * module.in_features

    handles = [m.register_forward_hook(count) for m in model.modules()
               if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    try:
        with torch.no_grad():
            model(x[:1])
    finally:
        for h in handles:
            h.remove()
    return total


def conv_gflops(device: str, *, batch: int = 10, channels: int = 128, size: int = 28) -> float:
    """GFLOP/s of one 3 x 3 float32 convolution (ResNet-18's layer2 shape), channels-last, best of 5."""
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(batch, channels, size, size, generator=gen).to(device, memory_format=torch.channels_last)
    conv = torch.nn.Conv2d(channels, channels, 3, padding=1).to(device, memory_format=torch.channels_last).eval()
    with torch.inference_mode():
        seconds = min(median_time(lambda: conv(x), repeat=1, warmup=int(i == 0), device=device) for i in range(5))
    return 2 * batch * channels * channels * 9 * size * size / seconds / 1e9


if __name__ == "__main__":
    main()
