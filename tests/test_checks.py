import numpy as np
import pytest
import torch

from vklib.checks import RangeWarning, check_array, check_image, check_in, check_positive, check_range, is_tensor
from vklib.images import as_float_image, to_numpy, to_tensor


def test_is_tensor_without_importing_torch_names():
    assert is_tensor(torch.zeros(1))
    assert not is_tensor(np.zeros(1))
    assert not is_tensor([0.0])


@pytest.mark.parametrize("x", [np.zeros((2, 3)), torch.zeros(2, 3)])
def test_check_array_accepts_and_returns_the_same_object(x):
    assert check_array(x, "x", ndim=2, last_dim=3) is x


@pytest.mark.parametrize("make", [np.array, torch.tensor])
def test_check_array_rejects_bad_input_with_clear_messages(make):
    with pytest.raises(TypeError, match="x must be a numpy array or torch tensor, got list"):
        check_array([1.0], "x")
    with pytest.raises(TypeError, match="x must have a floating dtype"):
        check_array(make([1, 2]), "x")
    with pytest.raises(ValueError, match="x must have 2 dimensions"):
        check_array(make([1.0, 2.0]), "x", ndim=2)
    with pytest.raises(ValueError, match="last axis of size 3"):
        check_array(make([[1.0, 2.0]]), "x", last_dim=3)
    with pytest.raises(ValueError, match=r"shape \(\*, 2\)"):
        check_array(make([[1.0, 2.0, 3.0]]), "x", shape=(None, 2))
    with pytest.raises(ValueError, match="must be finite"):
        check_array(make([1.0, float("nan")]), "x")
    with pytest.raises(ValueError, match="must be finite"):
        check_array(make([1.0, float("inf")]), "x")
    with pytest.raises(ValueError, match="must not be empty"):
        check_array(make(np.zeros((0, 3))), "x")


def test_check_array_options_relax_rules():
    check_array(np.array([np.nan]), "x", finite=False)
    check_array(np.zeros((0, 3)), "x", nonempty=False)
    check_array(np.array([1, 2]), "x", dtype="numeric")
    check_array(np.array([True]), "x", dtype="bool")


def test_check_image_layouts():
    check_image(np.zeros((4, 5, 3), np.float32))
    check_image(np.zeros((4, 5), np.float32), channels=None)
    check_image(np.zeros((2, 4, 5, 3), np.float32), batch=True)
    check_image(torch.zeros(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"\(H, W, C\) with C = 3"):
        check_image(np.zeros((4, 5, 4), np.float32))
    with pytest.raises(ValueError, match=r"\(H, W, C\) with C = 3"):
        check_image(np.zeros((4, 5), np.float32))
    with pytest.raises(ValueError, match=r"\(B, C, H, W\) with C = 3"):
        check_image(torch.zeros(1, 4, 4, 5))
    with pytest.raises(ValueError, match="4 dimensions"):
        check_image(torch.zeros(3, 4, 5))
    with pytest.raises(ValueError, match="must not be empty"):
        check_image(np.zeros((0, 5, 3), np.float32), warn_range=False)
    with pytest.raises(TypeError, match="floating dtype"):
        check_image(np.zeros((4, 5, 3), np.uint8))


def test_out_of_range_warns_and_keeps_values():
    x = np.array([[[1.2, 0.5, -0.1]]])
    with pytest.warns(RangeWarning, match=r"outside the expected \[0, 1\]"):
        check_image(x)
    assert x.max() == 1.2  # nothing clipped
    with np.testing.assert_no_warnings():
        check_range(np.array([1.0 + 1e-9]), "x")


def test_check_in_and_positive():
    assert check_in("a", "mode", ["a", "b"]) == "a"
    with pytest.raises(ValueError, match="mode must be one of 'a', 'b'; got 'c'"):
        check_in("c", "mode", ["a", "b"])
    assert check_positive(2, "k", integer=True) == 2
    with pytest.raises(ValueError, match="> 0"):
        check_positive(0, "k")
    with pytest.raises(ValueError, match=">= 0"):
        check_positive(-1, "k", strict=False)
    with pytest.raises(TypeError, match="integer"):
        check_positive(2.5, "k", integer=True)
    with pytest.raises(TypeError, match="number"):
        check_positive("2", "k")
    with pytest.raises(ValueError):
        check_positive(float("nan"), "k")


def test_as_float_image():
    u8 = np.array([[0, 51, 255]], np.uint8)
    np.testing.assert_allclose(as_float_image(u8), [[0.0, 0.2, 1.0]], rtol=1e-7)
    u16 = np.array([0, 65535], np.uint16)
    np.testing.assert_array_equal(as_float_image(u16, dtype=np.float64), [0.0, 1.0])
    assert as_float_image(np.array([True, False])).tolist() == [1.0, 0.0]
    f = np.array([0.25, 2.0], np.float64)
    out = as_float_image(f)
    assert out.dtype == np.float32 and out[1] == 2.0  # floats are not rescaled or clipped
    with pytest.raises(TypeError, match="uint8, uint16, bool or float"):
        as_float_image(np.array([1], np.int32))
    with pytest.raises(TypeError, match="numpy array"):
        as_float_image([0.5])
    with pytest.raises(ValueError, match="finite"):
        as_float_image(np.array([np.nan]))
    with pytest.raises(TypeError, match="float dtype"):
        as_float_image(u8, dtype=np.int64)


def test_layout_round_trips():
    rng = np.random.default_rng(0)
    for shape in [(5, 7), (5, 7, 3), (2, 5, 7, 3)]:
        x = rng.random(shape).astype(np.float32)
        t = to_tensor(x)
        assert t.ndim == 4 and t.dtype == torch.float32
        np.testing.assert_array_equal(to_numpy(t), x)
    t64 = to_tensor(rng.random((5, 7, 3)), dtype=torch.float64)
    assert t64.dtype == torch.float64 and t64.shape == (1, 3, 5, 7)
    with pytest.raises(ValueError, match=r"\(H, W\), \(H, W, C\) or \(N, H, W, C\)"):
        to_tensor(np.zeros((1, 2, 3, 4, 5), np.float32))
    with pytest.raises(TypeError, match="torch tensor"):
        to_numpy(np.zeros((1, 3, 2, 2)))


def test_to_tensor_keeps_values_exactly_for_uint8():
    x = np.arange(256, dtype=np.uint8).reshape(16, 16)
    np.testing.assert_array_equal(to_numpy(to_tensor(x)), as_float_image(x))


def test_meta_tensors_are_rejected_with_a_message():
    torch = pytest.importorskip("torch")
    from vklib.checks import check_array

    with pytest.raises(TypeError, match="meta tensor"):
        check_array(torch.empty(2, 3, device="meta"), "x")
