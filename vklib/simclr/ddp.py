"""Data-parallel SimCLR with ``torchrun``: the same loop, the loss gathers negatives across processes.

Launch on one machine with ``W`` processes (GPUs, or CPU processes with gloo)::

    torchrun --standalone --nproc_per_node=W -m vklib.simclr.ddp --epochs 20 --batch-size 512

or across machines with ``--nnodes``/``--rdzv-endpoint`` as usual for ``torchrun``. Every
process builds the same model (same seed), takes ``batch_size / W`` images of each global
batch, and :func:`~vklib.simclr.loss.nt_xent` gathers the projections of all processes
(:func:`vklib.distributed.gather_with_grad`), so the negatives are the whole global batch.
Batch normalisation stays per process (the paper's "global BN" would need
``torch.nn.SyncBatchNorm``, which needs CUDA). Rank 0 prints the linear-probe accuracy and
saves the encoder's weights.
"""

from __future__ import annotations

import argparse
import os


def main(argv=None) -> int:
    import torch
    import torch.distributed as dist

    from vklib.data import make_centred_scenes
    from vklib.simclr import SimCLR, SmallResNet, extract_features, knn_accuracy, linear_probe, train_simclr

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n-images", type=int, default=8192)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--width", type=int, default=16)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=512, help="global batch (images), split over processes")
    p.add_argument("--temperature", type=float, default=0.5)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="", help="where rank 0 saves the encoder's state dict (optional)")
    args = p.parse_args(argv)

    from vklib.device import default_device

    use_cuda = default_device().type == "cuda"   # honours VKLIB_DEVICE
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    if "RANK" in os.environ:
        dist.init_process_group("nccl" if use_cuda else "gloo")
    device = torch.device(f"cuda:{local_rank}" if use_cuda else "cpu")
    if use_cuda:
        torch.cuda.set_device(device)
    rank = dist.get_rank() if dist.is_initialized() else 0
    world = dist.get_world_size() if dist.is_initialized() else 1

    scenes = make_centred_scenes(args.n_images, size=args.size, seed=1)
    torch.manual_seed(args.seed)
    model = SimCLR(SmallResNet(args.width)).to(device)
    history = train_simclr(model, scenes.images, epochs=args.epochs, batch_size=args.batch_size,
                           temperature=args.temperature, lr=args.lr, seed=args.seed, device=device,
                           progress=rank == 0)
    if rank == 0:
        test = make_centred_scenes(2000, size=args.size, seed=2)
        train_x = extract_features(model.encoder, scenes.images[:4000])
        test_x = extract_features(model.encoder, test.images)
        probe = linear_probe(train_x, scenes.labels[:4000], test_x, test.labels)
        knn = knn_accuracy(train_x, scenes.labels[:4000], test_x, test.labels)
        print(f"processes {world}, final loss {history['epoch_loss'][-1]:.4f}, "
              f"linear probe {probe:.3f}, k-NN {knn:.3f} (shape class, 6 classes)")
        if args.out:
            torch.save(model.encoder.state_dict(), args.out)
    if dist.is_initialized():
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
