"""A take plays back in the blocking session: time loops, pauses and scrubs; the
camera in hand is the take's camera at the frame shown."""

from __future__ import annotations

import pytest

from previzkit.block.player import TakePlayer, parse_take_id
from previzkit.core.errors import InputError
from previzkit.model.camera import Lens
from previzkit.model.camera_track import CameraSample, CameraTrack


def _player() -> TakePlayer:
    samples = [
        CameraSample.from_lens(i, i / 24, (0.1 * i, 1.5, 3.0), (0, 0, 0, 1), Lens(50.0))
        for i in range(48)
    ]
    return TakePlayer(CameraTrack.from_samples(samples), None, 24.0, "1/1-A/1")


def test_plays_loops_pauses_and_scrubs():
    p = _player()
    assert p.duration_s == pytest.approx(2.0)
    p.advance(0.5)
    assert p.frame == 12
    assert p.camera_sample().position == pytest.approx((1.2, 1.5, 3.0))
    p.advance(1.75)  # past the end: loops
    assert p.frame == 6
    assert p.toggle() is False
    p.advance(1.0)
    assert p.frame == 6  # paused
    p.scrub(-5.0)
    assert p.frame == 0
    p.scrub(+5.0)
    assert p.frame == 47  # clamped to the last frame
    assert p.people() == []


@pytest.mark.parametrize("text", ["1/1-A", "1//2", "1/1-A/x", ""])
def test_take_ids_are_checked(text):
    with pytest.raises(InputError, match="SCENE/SHOT/TAKE"):
        parse_take_id(text)
    assert parse_take_id("12A/12A-C/3") == ("12A", "12A-C", 3)


def test_lens_stick_scrubs_while_a_take_plays():
    from previzkit.xr.events import ControllerInput, InteractionMapper, LensChanged, Scrub

    m = InteractionMapper(lens=Lens(50.0))
    m.playing = True
    assert m.update(ControllerInput(time=0.0, lens_stick=1.0)) == [Scrub(1)]
    m.update(ControllerInput(time=0.1))
    assert m.update(ControllerInput(time=0.2, lens_stick=-1.0)) == [Scrub(-1)]
    m.playing = False
    m.update(ControllerInput(time=0.3))
    assert m.update(ControllerInput(time=0.4, lens_stick=1.0)) == [LensChanged(Lens(85.0))]
