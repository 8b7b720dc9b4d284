"""Sound for every take video: the take's video and plate MP4s get an AAC stream.

An editor's NLE brings a clip without an audio stream in as picture only. When a take
stops (and when :mod:`previzkit.takes.recovery` finishes a dead one),
:func:`add_take_audio` muxes the take's recorded sound (its audio file, kept as the
master) into its video and plate, or a silent track of the take's length when nothing
was recorded (:func:`previzkit.media.mux.mux_audio`: video copied, timecode and reel
kept, written to a temporary name and renamed).
"""

from __future__ import annotations

from pathlib import Path

from previzkit.core.errors import PrevizError

MUXED_KINDS = ("video", "plate")


def add_take_audio(folder: str | Path, files: dict[str, str]) -> list[str]:
    """Give the take's ``video`` and ``plate`` (``files``: kind -> name in ``folder``)
    an audio stream from ``files["audio"]`` (silence when it has none). Returns a note
    per file that could not be done; that file is kept as it was (picture only)."""
    from previzkit.media.mux import mux_audio

    folder = Path(folder)
    sound = folder / files["audio"] if "audio" in files else None
    notes = []
    for kind in MUXED_KINDS:
        if kind not in files:
            continue
        path = folder / files[kind]
        try:
            mux_audio(path, sound)
        except PrevizError as exc:
            notes.append(f"{files[kind]}: no audio stream added ({exc})")
    return notes
