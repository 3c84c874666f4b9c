import hashlib
import subprocess
import sys

import numpy as np
import pytest

from vklib.data import (BACKGROUNDS, COLORS, PHOTOS, SHAPES, SIZES, Scenes, bounding_boxes, load_photo,
                        make_scenes)


@pytest.mark.parametrize("name", PHOTOS)
def test_every_listed_photo_loads_offline_as_float(name):
    photo = load_photo(name)
    assert photo.dtype == np.float32 and photo.ndim in (2, 3)
    assert 0.0 <= photo.min() and photo.max() <= 1.0
    grey = load_photo(name, as_gray=True)
    assert grey.ndim == 2 and grey.shape == photo.shape[:2]


def test_load_photo_rejects_unknown_names():
    with pytest.raises(ValueError, match="name must be one of 'astronaut'"):
        load_photo("lena")


def test_scene_arrays_have_the_documented_layout():
    s = make_scenes(50, seed=3, size=(48, 80))
    assert isinstance(s, Scenes) and len(s) == 50
    assert s.images.shape == (50, 48, 80, 3) and s.images.dtype == np.float32
    assert s.masks.shape == (50, 48, 80) and s.masks.dtype == bool
    assert 0.0 <= s.images.min() and s.images.max() <= 1.0
    for arr, n in [(s.labels, len(SHAPES)), (s.colors, len(COLORS)), (s.sizes, len(SIZES)),
                   (s.positions, 9), (s.backgrounds, len(BACKGROUNDS))]:
        assert arr.dtype == np.int64 and arr.min() >= 0 and arr.max() < n
    assert len(s.captions) == 50 and all(c.startswith("a ") for c in s.captions)


def test_masks_cover_exactly_the_shape_pixels():
    """Pixels inside the mask carry the named colour (within the noise); no pixel outside does."""
    s = make_scenes(300, seed=5, noise=0.0)
    table = np.array(list(COLORS.values()), dtype=np.float32)
    for i in range(len(s)):
        colour = table[s.colors[i]]
        at_colour = np.all(s.images[i] == colour, axis=-1)
        np.testing.assert_array_equal(at_colour, s.masks[i], err_msg=f"scene {i}: {s.captions[i]}")
        assert s.masks[i].sum() > 20


def test_shape_is_fully_inside_the_image_and_its_grid_cell():
    s = make_scenes(300, seed=6, size=90)
    for i in range(len(s)):
        m = s.masks[i]
        assert not (m[0].any() or m[-1].any() or m[:, 0].any() or m[:, -1].any())
        cx, cy = s.centers[i]
        row, col = divmod(int(s.positions[i]), 3)
        assert col * 30 <= cx <= (col + 1) * 30 and row * 30 <= cy <= (row + 1) * 30


def test_captions_name_the_attributes():
    s = make_scenes(40, seed=7)
    for i in range(len(s)):
        a = s.attributes(i)
        assert s.captions[i] == f"a {a['size']} {a['color']} {a['shape']} {a['position']} on a {a['background']} background"


def test_scene_i_depends_only_on_seed_and_i():
    big = make_scenes(40, seed=11)
    small = make_scenes(10, seed=11)
    np.testing.assert_array_equal(big.images[:10], small.images)
    np.testing.assert_array_equal(big.masks[:10], small.masks)
    assert big.captions[:10] == small.captions
    other = make_scenes(10, seed=12)
    assert not np.array_equal(other.images, small.images)


_DIGEST = ("import hashlib, vklib.data as d; s = d.make_scenes(300, seed=42, size=(40, 56)); "
           "print(hashlib.sha256(s.images.tobytes() + s.masks.tobytes() + '|'.join(s.captions).encode()).hexdigest())")


def test_same_seed_gives_identical_bytes_in_two_processes():
    digests = {subprocess.run([sys.executable, "-c", _DIGEST], capture_output=True, text=True, check=True).stdout
               for _ in range(2)}
    here = make_scenes(300, seed=42, size=(40, 56))
    local = hashlib.sha256(here.images.tobytes() + here.masks.tobytes() + "|".join(here.captions).encode()).hexdigest()
    assert digests == {local + "\n"}


def test_restrictions_and_exclusions():
    s = make_scenes(400, seed=1, shapes=["star", "cross"], colors=["red", "blue"], backgrounds=["plain"],
                    exclude=[("red", "star")])
    assert set(SHAPES[k] for k in s.labels) == {"star", "cross"}
    assert set(s.backgrounds.tolist()) == {BACKGROUNDS.index("plain")}
    names = list(COLORS)
    pairs = {(names[c], SHAPES[k]) for c, k in zip(s.colors, s.labels)}
    assert ("red", "star") not in pairs and ("blue", "star") in pairs and ("red", "cross") in pairs


def test_every_class_and_background_occurs():
    s = make_scenes(600, seed=0)
    assert set(s.labels.tolist()) == set(range(len(SHAPES)))
    assert set(s.backgrounds.tolist()) == set(range(len(BACKGROUNDS)))
    assert set(s.sizes.tolist()) == {0, 1, 2}


def test_subsets_and_boxes():
    s = make_scenes(20, seed=2)
    sub = s[[3, 5]]
    assert len(sub) == 2 and sub.captions == [s.captions[3], s.captions[5]]
    np.testing.assert_array_equal(s[4].images[0], s.images[4])
    for i in range(len(s)):
        x0, y0, x1, y1 = s.boxes[i]
        m = s.masks[i]
        assert m[y0:y1, x0:x1].sum() == m.sum()
        assert m[y0].any() and m[y1 - 1].any() and m[:, x0].any() and m[:, x1 - 1].any()
    np.testing.assert_array_equal(bounding_boxes(s.masks[0]), s.boxes[0])


def test_every_scene_batch_is_indexed_alike():
    from vklib.clip import make_caption_scenes
    from vklib.data import make_centred_scenes

    for s in (make_scenes(6, seed=1), make_centred_scenes(6, seed=1), make_caption_scenes(6, seed=1)):
        keep = np.array([True, False, True, False, False, True])
        for index in (keep, [0, 2, 5], slice(0, 6, 2), np.int64(5)):
            sub = s[index]
            assert type(sub) is type(s) and len(sub) == len(np.arange(6)[index].reshape(-1))
            picked = np.arange(6)[index].reshape(-1)
            np.testing.assert_array_equal(sub.images, s.images[picked])
            np.testing.assert_array_equal(sub.labels, s.labels[picked])


def test_zero_scenes_is_allowed():
    s = make_scenes(0)
    assert s.images.shape == (0, 64, 64, 3) and s.captions == []


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(n=-1), ValueError, "n must be >= 0"),
    (dict(n=2.5), TypeError, "n must be an integer"),
    (dict(n=1, size=8), ValueError, "at least 16 pixels"),
    (dict(n=1, size=(64,)), TypeError, "size must be an int or a"),
    (dict(n=1, seed=-3), ValueError, "seed must be a non-negative integer"),
    (dict(n=1, shapes=["hexagon"]), ValueError, "shape must be one of"),
    (dict(n=1, shapes="circle"), TypeError, "must be a list of names"),
    (dict(n=1, colors=[]), ValueError, "at least one"),
    (dict(n=1, noise=0.2), ValueError, r"noise must lie in \[0, 0.05\]"),
    (dict(n=1, exclude=[("red",)]), TypeError, r"\(colour, shape\) tuples"),
    (dict(n=1, colors=["red"], shapes=["circle"], exclude=[("red", "circle")]), ValueError, "no colour for the shape"),
    (dict(n=1, max_distractors=-1), ValueError, "max_distractors"),
])
def test_bad_arguments_raise_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_scenes(**kwargs)


def test_bounding_boxes_rejects_empty_masks():
    with pytest.raises(ValueError, match="at least one True pixel"):
        bounding_boxes(np.zeros((3, 3), bool))
    with pytest.raises(TypeError, match="bool dtype"):
        bounding_boxes(np.zeros((3, 3)))


# --------------------------------------------------------------------------------------
# Object-centred scenes (chapter 5)
# --------------------------------------------------------------------------------------

from vklib.data import HUES, CentredScenes, make_centred_scenes  # noqa: E402
from vklib.data.centred import hue_class  # noqa: E402


def test_centred_scenes_have_the_documented_layout():
    s = make_centred_scenes(60, seed=3, size=(32, 40))
    assert isinstance(s, CentredScenes) and len(s) == 60
    assert s.images.shape == (60, 32, 40, 3) and s.images.dtype == np.float32
    assert s.masks.shape == (60, 32, 40) and s.masks.dtype == bool
    assert 0.0 <= s.images.min() and s.images.max() <= 1.0
    for arr, n in [(s.labels, len(SHAPES)), (s.colors, len(HUES)), (s.background_colors, len(HUES)),
                   (s.backgrounds, len(BACKGROUNDS))]:
        assert arr.dtype == np.int64 and arr.min() >= 0 and arr.max() < n
    assert s.tints.shape == (60, 3) and (s.tints > 0.75 - 1e-12).all() and (s.tints <= 1).all()
    sub = s[[2, 7]]
    assert len(sub) == 2 and np.array_equal(sub.images[1], s.images[7])


def test_centred_scenes_are_deterministic_per_scene():
    big = make_centred_scenes(40, seed=11)
    small = make_centred_scenes(10, seed=11)
    np.testing.assert_array_equal(big.images[:10], small.images)
    np.testing.assert_array_equal(big.masks[:10], small.masks)
    np.testing.assert_array_equal(big.colors[:10], small.colors)
    again = make_centred_scenes(40, seed=11)
    assert again.images.tobytes() == big.images.tobytes()
    assert not np.array_equal(make_centred_scenes(10, seed=12).images, small.images)


def test_centred_masks_are_the_shape_near_the_middle():
    """The mask is exactly where the tinted shape colour is painted; the shape is large and central."""
    s = make_centred_scenes(200, seed=5, noise=0.0)
    from vklib.color import hsv_to_srgb

    colours = (hsv_to_srgb(s.shape_hsv) * s.tints).astype(np.float32)
    for i in range(len(s)):
        at_colour = np.all(s.images[i] == colours[i], axis=-1)
        np.testing.assert_array_equal(at_colour, s.masks[i], err_msg=f"scene {i}")
        m = s.masks[i]
        assert not (m[0].any() or m[-1].any() or m[:, 0].any() or m[:, -1].any())
        ys, xs = np.nonzero(m)
        assert abs(xs.mean() + 0.5 - 16) < 3 and abs(ys.mean() + 0.5 - 16) < 3
        extent = max(xs.max() - xs.min(), ys.max() - ys.min()) + 1
        assert 0.25 * 32 <= extent <= 0.62 * 32, extent


def test_centred_colours_are_continuous_and_balanced():
    s = make_centred_scenes(1200, seed=0)
    for arr in (s.labels, s.colors, s.background_colors):
        counts = np.bincount(arr, minlength=6)
        assert counts.min() > 140, counts
    assert len(np.unique(np.round(s.shape_hsv[:, 0], 3))) > 1000   # continuous hues, not a palette
    np.testing.assert_array_equal(hue_class(np.array([0.0, 29.9, 30.0, 89.9, 330.0, 359.9])), [0, 0, 1, 1, 0, 0])
    # The shape is brighter than the background in every scene.
    assert (s.shape_hsv[:, 2] > s.background_hsv[:, 2]).all()


def test_centred_restrictions():
    s = make_centred_scenes(100, seed=1, shapes=["star", "cross"], backgrounds=["plain"])
    assert set(SHAPES[k] for k in s.labels) == {"star", "cross"}
    assert set(s.backgrounds.tolist()) == {BACKGROUNDS.index("plain")}
    assert make_centred_scenes(0).images.shape == (0, 32, 32, 3)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(n=-1), ValueError, "n must be >= 0"),
    (dict(n=None), TypeError, "n must be an integer"),
    (dict(n=1, size=8), ValueError, "at least 16 pixels"),
    (dict(n=1, size="32"), TypeError, "size must be an int"),
    (dict(n=1, seed=-1), ValueError, "seed must be a non-negative integer"),
    (dict(n=1, shapes=["hexagon"]), ValueError, "shape must be one of"),
    (dict(n=1, radius=(0.3, 0.2)), ValueError, "radius must satisfy"),
    (dict(n=1, radius=0.2), TypeError, "radius must be a"),
    (dict(n=1, jitter=0.5), ValueError, "jitter must lie in"),
    (dict(n=1, tint="strong"), TypeError, "tint must be a number"),
    (dict(n=1, noise=float("nan")), ValueError, "noise must lie in"),
])
def test_centred_bad_arguments_raise_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_centred_scenes(**kwargs)
