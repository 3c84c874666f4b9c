"""A progress bar for training loops that redraws a bounded number of times.

In a notebook every redraw of a tqdm bar is a message on the kernel's output channel. That channel
buffers about a thousand messages while nobody reads them; past that, messages are dropped, the
last ones of a cell included. Jupyter readers do not notice, but a tool that waits for the end of a
cell's output (nbval, which checks the book's notebooks) does, and fails. A redraw every 0.1 s,
tqdm's default, reaches that limit after a couple of minutes, and on a slower machine sooner. So
:func:`progress_bar` redraws at most about ``redraws`` times however long the loop runs.
"""

from __future__ import annotations

__all__ = ["progress_bar"]


def progress_bar(iterable=None, *, total: int | None = None, enabled: bool = True, redraws: int = 100, **options):
    """A tqdm bar (notebook or terminal) over ``iterable`` that redraws about ``redraws`` times at most.

    Parameters
    ----------
    iterable : iterable, optional
        What to loop over; its length is the bar's total when ``total`` is not given.
    total : int, optional, keyword-only
        The number of steps, for a bar updated by hand with ``bar.update(1)``.
    enabled : bool, keyword-only
        ``False`` returns a disabled bar (or ``iterable`` itself): no output at all.
    redraws : int, keyword-only
        At most about this many redraws: the bar redraws every ``ceil(total / redraws)`` steps,
        no more often than once a second, and never on a timer. Postfixes set with ``refresh=False`` appear at the next redraw.
    **options
        Passed to ``tqdm`` (``desc``, ``unit``, ...); they override the settings above.

    Returns
    -------
    tqdm.tqdm or iterable
        The bar, or ``iterable`` unchanged when ``enabled`` is false and an iterable was given.

    Examples
    --------
    >>> bar = progress_bar(range(1000), enabled=False)
    >>> sum(bar)
    499500
    """
    if not isinstance(redraws, int) or isinstance(redraws, bool) or redraws < 1:
        raise ValueError(f"redraws must be a positive int, got {redraws!r}")
    if not enabled and iterable is not None:
        return iterable
    from tqdm.auto import tqdm

    if total is None and iterable is not None and hasattr(iterable, "__len__"):
        total = len(iterable)
    every = max(1, -(-(total or 0) // redraws))
    # maxinterval: tqdm's timer thread would otherwise reset miniters to 1 after a slow stretch
    settings = {"miniters": every, "mininterval": 1.0, "maxinterval": float("inf"), **options}
    return tqdm(iterable, total=total, disable=not enabled, **settings)
