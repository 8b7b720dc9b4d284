"""The shipped environment presets: every one loads as finite, non-negative 2:1 radiance
whose brightness matches its metadata; night is darker than day; a set names a preset
(or its own HDRI) and an unknown one names the set file's key."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import InputError, SetFileError
from previzkit.core.resources import asset_path
from previzkit.media.hdr_image import write_radiance
from previzkit.model.environments import PRESETS
from previzkit.model.setfile import load_set
from previzkit.render.backgrounds import sky_panorama
from previzkit.render.environments import environment_radiance, luminance, preset_table

pytest.importorskip("OpenEXR")

NAMES = [
    "apartment",
    "bridge",
    "city",
    "dawn",
    "esplanade",
    "forest",
    "hall",
    "lab",
    "lobby",
    "night",
    "park",
    "sky",
    "studio",
    "sunrise",
    "sunset",
    "venice",
    "warehouse",
    "workshop",
]


def _weighted_mean(lum: np.ndarray) -> float:
    """Mean over the sphere: rows weighted by their solid angle (sin of the polar angle)."""
    h = lum.shape[0]
    w = np.sin((np.arange(h) + 0.5) / h * np.pi)[:, None]
    return float((lum * w).sum() / (w.sum() * lum.shape[1]))


def test_the_presets_are_the_shipped_panoramas():
    assert list(PRESETS) == NAMES
    shipped = sorted(p.stem for p in asset_path("environments").glob("*.exr"))
    assert shipped == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_preset_loads_as_radiance_matching_its_metadata(name):
    img = environment_radiance(name)
    assert img.dtype == np.float32 and img.shape[1] == 2 * img.shape[0] == 512
    assert np.isfinite(img).all() and img.min() >= 0.0
    lum = luminance(img)
    preset = PRESETS[name]
    assert _weighted_mean(lum) == pytest.approx(preset.mean, rel=0.01)
    assert float(lum.max()) == pytest.approx(preset.peak, rel=0.01)
    assert preset.kind in ("exterior", "interior") and preset.time in (
        "night",
        "dawn",
        "dusk",
        "day",
    )


def test_night_is_darker_than_every_daylight_preset():
    night = PRESETS["night"].mean
    day = [p for p in PRESETS.values() if p.time == "day"]
    assert day and all(night * 3 < p.mean for p in day)
    assert [p.name for p in PRESETS.values() if p.time == "night"] == ["night"]


def test_exteriors_have_a_sky_brighter_than_their_ground():
    """Outdoors the upper hemisphere is the sky: several times the ground's radiance.
    Indoors, ceilings and walls light the floor: the two halves are closer."""

    def ratio(name: str) -> float:
        lum = luminance(environment_radiance(name))
        h = lum.shape[0] // 2
        return _weighted_mean(lum[:h]) / _weighted_mean(lum[h:])

    ext = {p.name: ratio(p.name) for p in PRESETS.values() if p.kind == "exterior"}
    inside = {p.name: ratio(p.name) for p in PRESETS.values() if p.kind == "interior"}
    assert all(r > 3 for r in ext.values()), ext
    assert np.median(list(inside.values())) < np.median(list(ext.values()))


def test_unknown_preset_lists_the_names():
    with pytest.raises(
        InputError,
        match=r"unknown environment preset 'nite' \(did you mean 'night'\?\); presets: apartment, bridge",
    ):
        environment_radiance("nite")
    assert "night      exterior  night" in preset_table()


def test_set_names_a_preset(write_set):
    s = load_set(write_set({"background": {"environment": "night", "exposure_ev": -1}}))
    assert s.background.environment == "night" and s.background.exposure_ev == -1
    pano = sky_panorama(s)
    assert pano is not None and np.array_equal(pano, environment_radiance("night"))


def test_unknown_preset_in_a_set_names_the_key(write_set):
    path = write_set({"background": {"environment": "sunsett"}})
    with pytest.raises(SetFileError) as err:
        load_set(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: background.environment: unknown environment preset 'sunsett'")
    assert "did you mean 'sunset'" in msg and "warehouse, workshop" in msg
    with pytest.raises(SetFileError, match=r"background: give one of 'environment'"):
        load_set(write_set({"background": {"environment": "night", "image": "x.exr"}}))


@pytest.mark.parametrize("suffix", [".exr", ".hdr"])
def test_set_image_takes_a_user_hdri(write_set, tmp_path, suffix):
    if suffix == ".hdr":
        pytest.importorskip("cv2")
    sky = environment_radiance("sunset")
    write_radiance(tmp_path / f"mine{suffix}", sky)
    s = load_set(write_set({"background": {"image": f"mine{suffix}"}}))
    pano = sky_panorama(s)
    assert pano is not None and pano.dtype == np.float32 and pano.shape == sky.shape
    assert pano.max() > 100  # the sun kept its HDR value
    assert _weighted_mean(luminance(pano)) == pytest.approx(PRESETS["sunset"].mean, rel=0.02)


def test_set_image_must_be_an_equirect(write_set, tmp_path):
    write_radiance(tmp_path / "strip.exr", environment_radiance("city")[:, :300])
    s = load_set(write_set({"background": {"image": "strip.exr"}}))
    with pytest.raises(
        InputError, match=r"background\.image: .*strip\.exr: an equirect panorama .* got 300x256"
    ):
        sky_panorama(s)


def test_shipped_sets_use_fitting_presets():
    """The sample script's scenes: EXT. ROOFTOP - NIGHT, INT. WAREHOUSE - NIGHT, and the
    booth (CONTINUOUS): a night exterior and two interiors taken down for night."""
    sets = {
        n: load_set(asset_path("sets", f"{n}.yaml")).background
        for n in ("rooftop", "warehouse", "warehouse_projection_booth", "sample")
    }
    assert PRESETS[str(sets["rooftop"].environment)].time == "night"
    assert PRESETS[str(sets["rooftop"].environment)].kind == "exterior"
    for name in ("warehouse", "warehouse_projection_booth"):
        assert PRESETS[str(sets[name].environment)].kind == "interior"
        assert sets[name].exposure_ev < 0
    assert PRESETS[str(sets["sample"].environment)].kind == "exterior"


def test_park_and_sunrise_suns_are_mended_to_white():
    from previzkit.media.hdr_image import read_radiance
    from previzkit.render.environments import repair_lost_channels

    for name in NAMES:
        signed = read_radiance(PRESETS[name].path, clamp=False)
        raw = np.maximum(signed, 0)
        img = environment_radiance(name)
        lost = (signed.max(axis=2) > 20) & ((np.abs(signed) < 0.01).sum(axis=2) >= 2)
        if name in ("park", "sunrise"):
            assert lost.sum() >= 9  # the shipped file: a pure-blue sun block
            y, x = np.unravel_index(np.argmax(img.max(axis=2)), img.shape[:2])
            assert img[y, x].min() == img[y, x].max() > 1000  # a white sun
            assert (img[lost].min(axis=1) == img[lost].max(axis=1)).all()  # grey, not blue
            ys = np.nonzero(lost.any(axis=1))[0]
            rows = np.r_[0 : ys.min(), ys.max() + 1 : img.shape[0]]
            assert np.array_equal(img[rows], raw[rows])  # nothing outside the sun's box
        else:
            assert not lost.any() and np.array_equal(img, raw), name
    assert np.array_equal(repair_lost_channels(signed), signed)


def test_environment_lights_point_at_the_sun():
    from previzkit.render.environments import environment_lights
    from previzkit.render.skybox import direction_to_equirect_uv

    for name, yaw in (("park", 0.0), ("park", 90.0), ("sunset", 30.0), ("sunrise", 0.0)):
        img = environment_radiance(name)
        key, ambient = environment_lights(img, yaw)
        assert key.kind == "directional" and ambient.kind == "ambient"
        ((u, v),) = direction_to_equirect_uv(-np.asarray(key.direction), yaw)
        y, x = np.unravel_index(np.argmax(luminance(img)), img.shape[:2])
        # within 8° of the brightest pixel (0.7° a pixel; the glow pulls the key up a little)
        du = (u * img.shape[1] - (x + 0.5) + img.shape[1] / 2) % img.shape[1] - img.shape[1] / 2
        assert np.hypot(du, v * img.shape[0] - (y + 0.5)) * 180 / img.shape[0] < 8, name
        assert -np.asarray(key.direction)[1] > 0  # the sun is above the horizon
    sunset_key = environment_lights(environment_radiance("sunset"))[0]
    assert sunset_key.color[0] > 2 * sunset_key.color[2]  # an evening sun is warm
    park_key = environment_lights(environment_radiance("park"))[0]
    assert min(park_key.color) > 0.9  # the mended sun is white, not blue


def test_environment_lights_follow_brightness_and_exposure():
    from previzkit.render.environments import environment_lights

    def total(name: str, ev: float = 0.0) -> float:
        key, amb = environment_lights(environment_radiance(name), exposure_ev=ev)
        return key.intensity * max(key.color) + amb.intensity * max(amb.color)

    assert total("night") * 4 < min(total(n) for n in ("park", "city", "forest", "sky"))
    assert total("city", -2.0) == pytest.approx(total("city") / 4, rel=1e-6)
