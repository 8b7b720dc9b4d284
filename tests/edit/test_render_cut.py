"""``render_cut``: frame count, burn-ins, slate cards, audio in sync with picture."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import InputError, MissingFileError
from previzkit.edit.render import RenderOptions, burn_in, render_cut
from previzkit.edit.timeline import cut_events, load_cut

pytestmark = pytest.mark.media
av = pytest.importorskip("av")


def _decode(path):
    with av.open(str(path)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
        rate = c.streams.video[0].average_rate
    return frames, rate


def test_frames_slates_and_burn_ins(rendered, cut_file):
    events = cut_events(load_cut(cut_file))
    frames, rate = _decode(rendered)
    assert float(rate) == pytest.approx(24)
    assert len(frames) == sum(e.duration for e in events)
    slate = frames[events[0].duration // 2]
    assert slate.shape == (180, 320, 3)
    # a slate card: dark background with light text in the middle
    assert np.median(slate) < 50 and slate[60:120].max() > 200
    clip = next(e for e in events if e.slate is None)
    img = frames[clip.record_in + 5]
    # burn-in boxes are black with white text at the top-left and bottom corners
    for region in (img[2:18, 2:90], img[-18:-2, 2:90], img[-18:-2, -90:-2]):
        assert (region.max(axis=2) < 40).mean() > 0.3 and region.max() > 200


def test_burn_in_draws_on_a_copy():
    img = np.full((90, 160, 3), 128, np.uint8)
    out = burn_in(img, "Sc 1", "SRC 00:00:00:00", "REC 01:00:00:00")
    assert (img == 128).all() and (out != 128).any()


def test_audio_stays_in_sync(tmp_path):
    """Flashes with clicks in the takes land on the same record frame as their click."""
    import opentimelineio as otio

    from previzkit.edit.synthetic import write_take_video

    fps = 24
    a = write_take_video(tmp_path / "a.mp4", 48, fps, flashes=(10,), seed=1)
    b = write_take_video(tmp_path / "b.mp4", 48, fps, flashes=(30,), seed=2)
    tl = otio.schema.Timeline(name="sync")
    tl.metadata["previzkit"] = {"rate": "24"}
    v = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    tl.tracks.append(v)
    v.append(
        otio.schema.Gap(
            source_range=otio.opentime.TimeRange(duration=otio.opentime.RationalTime(12, fps))
        )
    )
    for path, first, n in ((a, 4, 20), (b, 20, 20)):  # b starts mid-take
        ref = otio.schema.ExternalReference(
            target_url=path.as_uri(),
            available_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, fps), otio.opentime.RationalTime(48, fps)
            ),
        )
        v.append(
            otio.schema.Clip(
                name=path.stem,
                media_reference=ref,
                source_range=otio.opentime.TimeRange(
                    otio.opentime.RationalTime(first, fps), otio.opentime.RationalTime(n, fps)
                ),
            )
        )
    out = render_cut(tl, tmp_path / "sync.mp4", RenderOptions(160, 96, burn_ins=False))
    frames, _ = _decode(out)
    bright = [i for i, f in enumerate(frames) if f.mean() > 240]
    # flash at take frame 10 -> record 12 + (10 - 4) = 18; take b frame 30 -> 32 + 10 = 42
    assert bright == [18, 42]
    with av.open(str(out)) as c:
        sr = c.streams.audio[0].sample_rate
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(audio=0)])
    env = np.abs(samples)
    per = sr / fps
    loud = [
        int(np.argmax(env[int(k * per) : int((k + 1) * per)] > 0.4) > 0 or env[int(k * per)] > 0.4)
        for k in range(len(frames))
    ]
    click_frames = [k for k, x in enumerate(loud) if x]
    for flash in bright:  # each click within one frame of its flash (AAC priming)
        assert any(abs(k - flash) <= 1 for k in click_frames), (bright, click_frames)


def test_bad_inputs(tmp_path, cut_file):
    with pytest.raises(MissingFileError, match="no such file"):
        render_cut(tmp_path / "none.otio", tmp_path / "o.mp4")
    with pytest.raises(InputError, match="render size 321x180"):
        RenderOptions(321, 180)
    import opentimelineio as otio

    tl = load_cut(cut_file)
    clip = next(iter(tl.video_tracks()[0].find_clips()))
    clip.media_reference = otio.schema.ExternalReference(target_url=str(tmp_path / "gone.mp4"))
    with pytest.raises(MissingFileError, match=r"clip media .*gone\.mp4"):
        render_cut(tl, tmp_path / "o.mp4")
