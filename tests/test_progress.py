"""vklib.progress: a training loop's bar redraws a bounded number of times, however long the loop."""

import io

import pytest

from vklib.progress import progress_bar


def _redraws(steps, **kwargs):
    out = io.StringIO()
    for _ in progress_bar(range(steps), file=out, mininterval=0, **kwargs):
        pass
    return out.getvalue().count("\r")


def test_redraws_are_bounded_by_the_option_not_by_the_number_of_steps():
    # mininterval=0: only the step count limits redraws (plain tqdm would redraw on every step here)
    assert _redraws(100_000, redraws=50) <= 50 + 3
    assert _redraws(20_000, redraws=50, miniters=1) > 10_000  # the same bar without the bound


def test_a_short_loop_still_draws_every_step():
    assert _redraws(20, redraws=100) >= 20


def test_a_bar_updated_by_hand_uses_total():
    out = io.StringIO()
    with progress_bar(total=10_000, redraws=10, file=out, mininterval=0) as bar:
        for _ in range(10_000):
            bar.update(1)
            bar.set_postfix(loss=0.5, refresh=False)
    assert out.getvalue().count("\r") <= 10 + 3
    assert "loss=0.5" in out.getvalue()


def test_disabled_returns_the_iterable_or_a_silent_bar():
    items = [1, 2, 3]
    assert progress_bar(items, enabled=False) is items
    out = io.StringIO()
    with progress_bar(total=5, enabled=False, file=out) as bar:
        bar.update(5)
    assert out.getvalue() == ""


@pytest.mark.parametrize("redraws", [0, -3, 2.5, True, "10"])
def test_redraws_must_be_a_positive_int(redraws):
    with pytest.raises(ValueError, match="redraws must be a positive int"):
        progress_bar(range(3), redraws=redraws)
