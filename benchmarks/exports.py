"""Editorial export benchmark: a long cut written in every format.

A cut of ``--clips`` clips (picture and sound tracks, half as many media files, four
markers per clip) spread over ``--hours`` at 23.976 is built in memory (no media:
frame sizes fall back to the cut's); each format is written once and its wall time
and file size printed.

    python3 benchmarks/exports.py [--clips 1200] [--hours 2] [--formats otio,edl,...]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from previzkit.edit.exporters import export
from previzkit.edit.markers import clip_markers, to_otio
from previzkit.model import timecode as tc


def long_cut(clips: int, hours: float) -> Any:
    """A 23.976 cut of ``clips`` clips over ``hours`` (record start 01:00:00:00)."""
    import opentimelineio as otio

    r = tc.rate("23.976")
    fps = float(r.fps)
    rt = otio.opentime.RationalTime
    tl = otio.schema.Timeline(name="long cut")
    tl.metadata["previzkit"] = {"rate": "23.976"}
    tl.global_start_time = rt(tc.timecode_to_frames("01:00:00:00", r), fps)
    video = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    audio = otio.schema.Track(kind=otio.schema.TrackKind.Audio)
    tl.tracks.extend([video, audio])
    files = max(1, clips // 2)
    length = round(hours * 3600 * fps / clips)
    for i in range(clips):
        f = i % files
        scene, shot, take = f // 20 + 1, "ABCDEFGHIJ"[f % 10], f % 20 // 10 + 1
        start = f * 2000
        avail = otio.opentime.TimeRange(rt(start, fps), rt(2 * length, fps))
        used = otio.opentime.TimeRange(rt(start + (i // files) * length, fps), rt(length, fps))
        for track in (video, audio):
            clip = otio.schema.Clip(
                name=f"Sc{scene} Sh{shot} Tk{take}",
                media_reference=otio.schema.ExternalReference(
                    target_url=f"file:///media/{scene}_{shot}_T{take:03d}.mp4",
                    available_range=avail,
                ),
                source_range=used,
            )
            clip.metadata["previzkit"] = {
                "scene": str(scene),
                "shot": f"{scene}-{shot}",
                "take": take,
            }
            if track is video:
                marks = clip_markers(
                    used.start_time.value,
                    str(scene),
                    take == 1,
                    "a note",
                    [i],
                    ["text"],
                    ["why"],
                    1.0,
                    2,
                )
                clip.markers.extend(to_otio(m, fps) for m in marks)
            track.append(clip)
    return tl


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=1200)
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--formats", default="otio,edl,xml,fcpxml,aaf")
    args = ap.parse_args()
    tl = long_cut(args.clips, args.hours)
    print(f"{args.clips} clips, {tl.duration().to_timecode()} at 23.976")
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in args.formats.split(","):
            t = time.perf_counter()
            path = export(tl, Path(tmp) / f"long.{suffix}")
            dt = time.perf_counter() - t
            print(f"{suffix:7s} {dt:7.2f} s {path.stat().st_size / 1e6:7.2f} MB")


if __name__ == "__main__":
    main()
