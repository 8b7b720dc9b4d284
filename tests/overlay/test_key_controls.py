"""The overlay's key controls: choke and garbage matte do what the docs say, key
presets round-trip through YAML (comments kept), the screen colour is estimated at the
start (or every frame), the shadow pass, the ``overlay key`` command and its errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.ndimage import maximum_filter, minimum_filter

from previzkit.composite import KeyParams, estimate_screen_color
from previzkit.composite.garbage import GarbageMatte, garbage_mask, parse_polygon, polygon_mask
from previzkit.composite.key_preset import (
    KeyPreset,
    load_key_preset,
    parse_color,
    save_key_preset,
)
from previzkit.composite.keyer import Keyer, as_preset
from previzkit.core.errors import InputError
from tests.helpers.photo_plate import photo_plate, scores

# The person's head and shoulders: a garbage polygon around them (normalised 0..1).
AROUND = ((0.2, 0.0), (0.8, 0.0), (0.95, 1.0), (0.02, 1.0))


def _keyer(**kw):
    garbage = kw.pop("garbage", None)
    shadow = kw.pop("shadow_pass", 0.0)
    return Keyer(KeyPreset(KeyParams(**kw), garbage, shadow_pass=shadow), backend="numpy")


def test_default_key_estimates_the_screen_and_scores_like_the_hand_set_one():
    p = photo_plate()
    k = _keyer()
    m = k.matte(p.plate)
    assert k.params is not None and k.params.key_color == estimate_screen_color(p.plate)
    s = scores(m, p)
    assert s["sad"] < 3.0 and s["shadow_leak"] < 0.02, s


@pytest.mark.parametrize("n", [1, 3, 6])
def test_choke_n_erodes_the_solid_region_by_n_px_and_negative_grows(n):
    p = photo_plate()
    plain = _keyer().matte(p.plate)
    choked = _keyer(choke=n).matte(p.plate)
    grown = _keyer(choke=-n).matte(p.plate)
    size = 2 * n + 1  # a square window: n px in every direction, edges repeated
    np.testing.assert_array_equal(choked, minimum_filter(plain, size, mode="nearest"))
    np.testing.assert_array_equal(grown, maximum_filter(plain, size, mode="nearest"))
    solid = plain == 255
    assert (choked == 255).sum() < solid.sum() < (grown == 255).sum()
    # a pixel stays solid exactly when its whole (2n+1)^2 neighbourhood was solid
    want = minimum_filter(solid.astype(np.uint8), size, mode="nearest").astype(bool)
    np.testing.assert_array_equal(choked == 255, want)


@pytest.mark.parametrize(("choke", "blur"), [(0, 0), (-4, 0), (2, 3)])
def test_outside_the_garbage_matte_alpha_is_zero(choke, blur):
    p = photo_plate()
    h, w = p.plate.shape[:2]
    g = GarbageMatte(polygon=AROUND)
    m = _keyer(garbage=g, choke=choke, blur=blur).matte(p.plate)
    inside = garbage_mask(g, w, h) == 255
    assert 0.3 < inside.mean() < 0.9
    assert m[~inside].max() == 0
    if (choke, blur) == (0, 0):  # inside, the key is untouched
        plain = _keyer().matte(p.plate)
        np.testing.assert_array_equal(m[inside], plain[inside])
        assert plain[~inside].max() == 255  # the body reaches outside the polygon


def test_garbage_polygon_in_pixels_equals_normalised_and_a_mask_image(tmp_path):
    from previzkit.media.image import write_image

    w, h = 64, 48
    norm = garbage_mask(GarbageMatte(polygon=AROUND), w, h)
    px = garbage_mask(
        GarbageMatte(polygon=tuple((x * w, y * h) for x, y in AROUND), units="pixels"), w, h
    )
    np.testing.assert_array_equal(norm, px)
    # pixel centres: a 2x2-pixel square at (10, 20)..(12, 22) covers exactly 4 pixels
    sq = polygon_mask([(10, 20), (12, 20), (12, 22), (10, 22)], w, h)
    assert sq.sum() == 4 * 255 and sq[20:22, 10:12].min() == 255
    write_image(tmp_path / "g.png", norm)
    np.testing.assert_array_equal(garbage_mask(GarbageMatte(image=tmp_path / "g.png"), w, h), norm)
    assert garbage_mask(GarbageMatte(image=tmp_path / "g.png"), 2 * w, 2 * h).shape == (
        2 * h,
        2 * w,
    )
    assert parse_polygon("0,0 1,0;1,1") == ((0, 0), (1, 0), (1, 1))


def test_estimated_once_at_the_start_or_every_frame():
    p = photo_plate()
    blue_lit = np.ascontiguousarray(p.plate[..., [0, 2, 1]])  # the screen turned blue
    first = Keyer(as_preset(None, "green"))
    first.params_for(p.plate)
    assert first.params_for(np.full_like(p.plate, (200, 40, 40))) == first.params_for(p.plate)
    every = Keyer(KeyPreset(KeyParams(), estimate="every"))
    a = every.params_for(p.plate).color
    b = every.params_for(np.ascontiguousarray(p.plate * np.uint8(1) // 2 + 10)).color
    assert a != b
    # no screen in view yet: the nominal colour for now, estimated on a later frame
    late = Keyer(as_preset(KeyParams(screen="blue"), "green"))
    assert late.params_for(np.zeros((32, 32, 3), np.uint8)).color == KeyParams(screen="blue").color
    assert late.params_for(blue_lit).color == estimate_screen_color(blue_lit, "blue")


def test_shadow_pass_carries_the_screens_shadow_and_not_the_matte():
    p = photo_plate()
    plain_layer, plain_m = _keyer().key(p.plate)
    layer, m = _keyer(shadow_pass=1.0).key(p.plate)
    np.testing.assert_array_equal(m, plain_m)
    np.testing.assert_array_equal(layer[..., :3], plain_layer[..., :3])  # black: rgb as is
    assert plain_layer[..., 3][p.shadow].mean() < 3
    assert layer[..., 3][p.shadow].mean() > 80  # the shadow is ~45-60 % dark
    lit = (p.alpha == 0) & ~p.shadow & (p.screen[..., 1] > 160)  # the bright screen
    assert layer[..., 3][lit].mean() < 10


def test_preset_round_trip_keeps_comments(tmp_path):
    path = tmp_path / "key.yaml"
    preset = KeyPreset(
        KeyParams(screen="blue", key_color=(20, 60, 190), tolerance=0.2, choke=2, spill=0.5),
        GarbageMatte(polygon=((0, 0), (100, 0), (100, 80)), units="pixels"),
        estimate="every",
        shadow_pass=0.4,
    )
    save_key_preset(preset, path)
    assert load_key_preset(path) == preset
    text = path.read_text()
    path.write_text("# stage 4, blue screen\n" + text.replace("choke: 2", "choke: 2  # hair"))
    changed = dataclasses.replace(preset, params=dataclasses.replace(preset.params, choke=3))
    save_key_preset(changed, path)
    again = path.read_text()
    assert "# stage 4, blue screen" in again and "choke: 3  # hair" in again
    assert load_key_preset(path) == changed
    # auto colour and a mask image relative to the preset's folder
    (tmp_path / "rig.png").write_bytes(b"")
    path.write_text("key:\n  key_color: auto\n  garbage: {image: rig.png}\n")
    got = load_key_preset(path)
    assert got.params.key_color is None and got.garbage == GarbageMatte(image=tmp_path / "rig.png")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("key:\n  tolerence: 0.2\n", "unknown key(s) ['tolerence']"),
        ("key:\n  key_color: '#12345'\n", "key_color: expected #rrggbb"),
        ("key:\n  screen_min: 2\n", "screen_min: must be in 0.1..1"),
        ("key:\n  garbage: {polygon: [[0, 0], [1, 1]]}\n", "needs >= 3 points"),
        ("key:\n  shadow_pass: 3\n", "shadow_pass: must be in 0..1"),
        ("key:\n  garbage: {image: rig.png}\n", "garbage image"),
        ("key: [1, 2\n", "not readable YAML"),
    ],
)
def test_bad_presets_name_the_file_and_the_problem(tmp_path, text, words):
    path = tmp_path / "key.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as e:
        load_key_preset(path)
    assert str(path) in str(e.value) and words in str(e.value), str(e.value)


def test_colours_parse():
    assert parse_color("#26a848") == (38, 168, 72)
    assert parse_color("38, 168, 72") == (38, 168, 72)
    assert parse_color([38, 168, 72]) == (38, 168, 72)
    assert parse_color("auto") is None and parse_color(None) is None
    for bad in ("#zz0000", "1,2", "300,0,0", "green"):
        with pytest.raises(InputError, match="key_color"):
            parse_color(bad)


@pytest.mark.media
def test_overlay_key_command_writes_a_preset_and_errors_are_one_line(tmp_path, capsys):
    from previzkit.cli import main
    from previzkit.media.image import write_image

    frames = tmp_path / "plate"
    frames.mkdir()
    write_image(frames / "0001.png", photo_plate().plate)
    out = tmp_path / "key.yaml"

    def cli(*args):
        code = main(["overlay", "key", "--plate", str(frames), "-o", str(out), *map(str, args)])
        return code, capsys.readouterr()

    code, got = cli("--choke", "1", "--garbage", "0,0 1,0 1,1 0,1")
    assert code == 0, got.err
    preset = load_key_preset(out)
    assert preset.params.key_color == estimate_screen_color(photo_plate().plate)
    assert preset.params.choke == 1 and preset.garbage is not None
    assert "green screen #" in got.out
    for args, words in (
        (("--key-color", "#12"), "--key-color: expected #rrggbb"),
        (("--tolerance", "-1"), "tolerance: must be >= 0"),
        (("--garbage", "0,0 1,1"), "needs >= 3 points"),
        (("--garbage", "rig.png"), "--garbage rig.png: no such mask image"),
        (("--key-preset", tmp_path / "none.yaml"), "none.yaml does not exist"),
    ):
        code, got = cli(*args)
        err = got.err.strip()
        assert code == 2 and err.startswith("error:"), err
        assert len(err.splitlines()) == 1 and words in err, err
    assert main(["overlay", "--matte", "none", "--choke", "2", "set.yaml"]) == 2
    assert "not --matte none" in capsys.readouterr().err


@pytest.mark.gl
def test_the_overlay_keys_with_a_preset(gl, tmp_path):
    """Through the overlay: the estimated colour, the garbage matte and the shadow pass
    over the set's (virtual) backdrop."""
    from previzkit.overlay.compositor import FixedCamera, Overlay, OverlayOptions
    from tests.helpers import flat_stage, write_set

    set_file = write_set(
        tmp_path,
        flat_stage("key stage")
        + "cameras:\n  CAM: {lens: {focal_mm: 35}, position: [0, 1.2, 5], target: [0, 1, 0]}\n",
    )
    from previzkit.model.setfile import load_set

    cam = load_set(set_file).camera("CAM")
    p = photo_plate()
    h, w = p.plate.shape[:2]
    g = GarbageMatte(polygon=AROUND)
    preset = KeyPreset(KeyParams(), g, shadow_pass=1.0)
    opts = OverlayOptions(w, h, matte="green", key=preset, actor_depth_m=2.0)
    with Overlay(gl, set_file, FixedCamera(cam.camera_to_world(), cam.lens), opts) as ov:
        a = ov.process(p.plate)
    plain = dataclasses.replace(opts, key=None)
    with Overlay(gl, set_file, FixedCamera(cam.camera_to_world(), cam.lens), plain) as ov:
        b = ov.process(p.plate)
    inside = garbage_mask(g, w, h) == 255
    assert a.matte is not None and b.matte is not None
    assert a.matte[~inside].max() == 0 and b.matte[~inside].max() == 255
    assert scores(b.matte, p)["shadow_leak"] < 0.02  # the default: estimated colour
    # the screen's shadow darkens the virtual backdrop behind the actor's plane
    dark = p.shadow & inside
    assert dark.sum() > 1000
    assert a.image[dark].mean() < 0.8 * b.image[dark].mean()


@pytest.mark.gl
@pytest.mark.media
def test_overlay_run_takes_a_key_preset(tmp_path, capsys):
    """``previzkit overlay --key-preset``: a garbage matte over the left half of the
    frame; right of it the set's backdrop replaces the actor."""
    from previzkit.cli import main
    from previzkit.media.image import write_image
    from previzkit.media.video import VideoReader
    from tests.helpers import flat_stage, write_set

    p = photo_plate()
    frames = tmp_path / "plate"
    frames.mkdir()
    write_image(frames / "0001.png", p.plate)
    set_file = write_set(
        tmp_path,
        flat_stage("key stage")
        + "cameras:\n  CAM: {lens: {focal_mm: 35}, position: [0, 1.2, 5], target: [0, 1, 0]}\n",
    )
    key = tmp_path / "key.yaml"
    save_key_preset(
        KeyPreset(garbage=GarbageMatte(polygon=((0, 0), (0.5, 0), (0.5, 1), (0, 1)))), key
    )
    out = tmp_path / "o.mp4"
    args = ["--plate", frames, "--key-preset", key, "--choke", 1, "--actor-depth", 1]
    code = main(["overlay", *map(str, args), "--frames", "1", "-o", str(out), str(set_file)])
    assert code == 0, capsys.readouterr().err
    with VideoReader(out) as r:
        img = next(r.frames()).image.astype(np.float64)
    navy_left = (slice(480, 590), slice(60, 200))  # the uniform, inside the garbage matte
    navy_right = (slice(480, 590), slice(320, 460))  # the uniform, outside it
    plate = p.plate.astype(np.float64)
    assert np.abs(img[navy_left] - plate[navy_left]).mean() < 12  # H.264
    assert np.abs(img[navy_right] - plate[navy_right]).mean() > 40
