"""Benchmark of vklib.clip beside open_clip.

1. The loss: ``vklib.clip.clip_loss`` vs ``open_clip.loss.ClipLoss`` on the same
   normalised features (forward + backward), for several batch sizes.
2. Zero-shot classifier construction (42 colour-shape classes x 15 templates) with
   ``vklib.clip.build_zero_shot_classifier`` vs open_clip's ``build_zero_shot_classifier``,
   and image-encoding throughput of the tiny CLIP.

On CPU, and on CUDA where present. Run: ``python benchmarks/bench_clip.py``.
Nothing here asserts speed; the numbers depend on the machine and its load.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median_time, report  # noqa: E402

import open_clip  # noqa: E402
from open_clip.zero_shot_classifier import build_zero_shot_classifier as oc_build  # noqa: E402

from vklib import clip as vc  # noqa: E402
from vklib.data import COLORS, SHAPES  # noqa: E402


def bench_loss(device) -> None:
    ref = open_clip.loss.ClipLoss()
    for n in (256, 1024, 4096):
        g = torch.Generator().manual_seed(0)
        i = F.normalize(torch.randn(n, 512, generator=g), dim=1).to(device).requires_grad_(True)
        t = F.normalize(torch.randn(n, 512, generator=g), dim=1).to(device).requires_grad_(True)
        s = torch.tensor(1 / 0.07, device=device)
        with torch.no_grad():
            diff = abs(float(vc.clip_loss(i, t, s)) - float(ref(i, t, s)))

        def ours():
            vc.clip_loss(i, t, s).backward()

        def theirs():
            ref(i, t, s).backward()

        rows = {"open_clip ClipLoss": median_time(theirs, device=device),
                "vklib clip_loss": median_time(ours, device=device)}
        report(f"CLIP loss forward+backward, N={n}, D=512, {device} (|difference| {diff:.1e})", rows,
               baseline="open_clip ClipLoss")


def bench_zero_shot(device) -> None:
    model = vc.create_tiny_clip(seed=0, device=device).eval()
    tok = vc.get_tokenizer()
    names = [f"{c} {s}" for c in COLORS for s in SHAPES]
    templates = [t["template"] for t in vc.caption_templates(phrasings=["plain"], short=False)]  # 3 sizes x 5 backgrounds
    rows = {"open_clip build_zero_shot_classifier": median_time(lambda: oc_build(model, tok, names, templates,
                                                                                   device=device), repeat=3, device=device),
            "vklib build_zero_shot_classifier": median_time(lambda: vc.build_zero_shot_classifier(
                model, tok, names, templates), repeat=3, device=device)}
    report(f"zero-shot classifier, {len(names)} classes x {len(templates)} templates, tiny CLIP, {device}", rows,
           baseline="open_clip build_zero_shot_classifier")
    images = vc.scenes_to_tensor(vc.make_caption_scenes(2048, seed=0).images, model).to(device)
    seconds = median_time(lambda: vc.encode_images(model, images, batch_size=512), repeat=3, device=device)
    print(f"  image encoding (tiny CLIP, 32 x 32): {images.shape[0] / seconds:,.0f} images/s on {device}")


if __name__ == "__main__":
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for dev in devices:
        bench_loss(dev)
        bench_zero_shot(dev)
