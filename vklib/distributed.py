"""Gathering embeddings across processes for contrastive losses (SimCLR, CLIP).

With data-parallel training (``torch.distributed``, e.g. launched by ``torchrun``)
each process holds a slice of the batch. Contrastive losses want every other sample
in the *global* batch as a negative, so each process gathers all slices. The gathered
copies carry no gradient (``all_gather`` is not differentiable), so the slice that
belongs to this process is put back in its place with its autograd history intact;
the losses of :mod:`vklib.simclr.loss` and :mod:`vklib.clip.loss` then compute the *whole*
global loss on every process (every row of the gathered batch, the same labels on every
process), so the gradient with respect to this process's slice includes the terms in which
its samples are negatives of the other processes' rows; DDP averages the parameter
gradients over the processes.
"""

from __future__ import annotations

__all__ = ["is_distributed", "gather_with_grad"]


def is_distributed() -> bool:
    """True when a ``torch.distributed`` process group is initialised with more than one process."""
    import torch.distributed as dist

    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def gather_with_grad(x):
    """Concatenate ``x`` (shape ``(n, ...)``, equal ``n`` on every process) from all processes.

    Returns
    -------
    all_x : torch.Tensor, shape ``(world_size * n, ...)``
        Rows ``rank * n : (rank + 1) * n`` are ``x`` itself (with gradient); the others are
        detached copies from the other processes.
    offset : int
        ``rank * n``, the index of this process's first row in ``all_x`` (for callers that
        compute only their own rows; the book's losses compute every row and do not use it).

    Without an initialised process group (or with one process) returns ``(x, 0)``. ``x`` must
    be a torch tensor with at least one dimension (``TypeError`` / ``ValueError`` otherwise);
    its values and dtype are passed on as they are (the losses check them).
    """
    import torch
    import torch.distributed as dist

    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor of shape (n, ...), got {type(x).__name__}")
    if x.ndim == 0:
        raise ValueError("x must have a batch axis, shape (n, ...), got a 0-d tensor")
    if not is_distributed():
        return x, 0
    world, rank = dist.get_world_size(), dist.get_rank()
    parts = [torch.empty_like(x) for _ in range(world)]
    dist.all_gather(parts, x.detach().contiguous())
    parts[rank] = x
    return torch.cat(parts, dim=0), rank * x.shape[0]
