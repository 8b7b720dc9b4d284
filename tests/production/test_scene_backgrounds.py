"""The scene sets of the sample script keep the right background: the NIGHT rooftop
gets the planned GAN sky (the shipped environment model, night condition), the two warehouse interiors
keep their own room (an interior environment preset), not a sky."""

from __future__ import annotations

from previzkit.core.resources import asset_path
from previzkit.model.environments import PRESETS
from previzkit.model.setfile import load_set
from previzkit.production.coverage import scene_set
from previzkit.script import plan_shots, read_script
from previzkit.script.locations import assets_exists


def test_night_exterior_swaps_in_the_gan_sky_interiors_keep_their_room():
    script = read_script(asset_path("scripts", "sample.fountain"))
    assets = asset_path("sets", "sample.yaml").parent.parent
    scenes = {p.number: p for p in plan_shots(script, exists=assets_exists()).scenes}
    assert {"1", "2", "3"} <= set(scenes)
    for number in ("1", "2", "3"):
        sp = scenes[number]
        base = load_set(assets / sp.set_file)
        bg = scene_set(base, sp, assets, sky_size=(64, 32)).background
        preset = PRESETS.get(base.background.environment or "")
        assert preset is not None, sp.set_file  # every shipped set names a preset
        if preset.kind == "interior":
            assert bg.model is None and bg.environment == base.background.environment
        else:  # EXT. ROOFTOP - NIGHT: the planned night sky when its checkpoint is there
            assert sp.sky_model is not None
            assert bg.model is not None and bg.model.name == "environment.pt"
            assert bg.condition == "night"  # the heading's condition
            assert bg.environment is None and bg.image is None
