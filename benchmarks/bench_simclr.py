"""Benchmark of vklib.simclr: augmentation throughput and the training step.

1. SimCLR's full augmentation (crop + flip, colour distortion s = 1, grayscale, blur) of a
   batch of scenes: vklib's batched path (one call, per-image parameters drawn as tensors)
   against torchvision's transforms applied image by image in a Python loop (the usual
   ``Dataset.__getitem__`` path), on tensors, both on the CPU; and vklib on CUDA where present.
2. One SimCLR training step (two views, encoder + head forward/backward, Adam) of the
   book's small ResNet.

Run: ``python benchmarks/bench_simclr.py [--batch 256] [--size 32] [--threads 1]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import torch  # noqa: E402
from _timing import median_time, report  # noqa: E402

from vklib.data import make_scenes  # noqa: E402
from vklib.simclr import SimCLR, nt_xent, simclr_augment  # noqa: E402


def torchvision_pipeline(size: int, blur_kernel: int):
    from torchvision import transforms as T

    return T.Compose([
        T.RandomResizedCrop(size, scale=(0.08, 1.0), antialias=True),
        T.RandomHorizontalFlip(),
        T.RandomApply([T.ColorJitter(0.8, 0.8, 0.8, 0.2)], p=0.8),
        T.RandomGrayscale(p=0.2),
        T.RandomApply([T.GaussianBlur(blur_kernel, sigma=(0.1, 2.0))], p=0.5),
    ])


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--threads", type=int, default=0,
                   help="torch CPU threads (0: torch's default); 1 gives steadier numbers on a busy machine")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    b, size = args.batch, args.size
    images = torch.from_numpy(make_scenes(b, size=size, seed=0).images).permute(0, 3, 1, 2).contiguous()
    kernel = max(3, int(0.1 * size) // 2 * 2 + 1)

    g = torch.Generator().manual_seed(0)
    tv = torchvision_pipeline(size, kernel)
    torch.manual_seed(0)
    rows = {
        "torchvision, per image (CPU)": median_time(lambda: torch.stack([tv(im) for im in images]),
                                                    repeat=args.repeat),
        "vklib, batched (CPU)": median_time(lambda: simclr_augment(images, generator=g), repeat=args.repeat),
    }
    if torch.cuda.is_available():
        dev = torch.device("cuda")
        x, gc = images.to(dev), torch.Generator(device=dev).manual_seed(0)
        rows["vklib, batched (CUDA)"] = median_time(lambda: simclr_augment(x, generator=gc), repeat=args.repeat,
                                                    device=dev)
    report(f"SimCLR augmentation of {b} images of {size}x{size} (time per batch; images/s below)", rows,
           baseline="torchvision, per image (CPU)")
    for name, seconds in rows.items():
        print(f"  {name:<32} {b / seconds:12.0f} images/s")

    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    steps = {}
    for dev in devices:
        torch.manual_seed(0)
        model = SimCLR(width=16).to(dev)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x = images.to(dev)
        gen = torch.Generator(device=dev).manual_seed(0)

        def step():
            v1, v2 = simclr_augment(x, generator=gen), simclr_augment(x, generator=gen)
            loss = nt_xent(model(v1)[1], model(v2)[1], temperature=0.5)
            opt.zero_grad()
            loss.backward()
            opt.step()

        steps[f"training step ({dev.type})"] = median_time(step, repeat=args.repeat, device=dev)
    report(f"SimCLR training step, batch {b} ({2 * b} views), SmallResNet(16) + head", steps,
           baseline="training step (cpu)")


if __name__ == "__main__":
    main()
