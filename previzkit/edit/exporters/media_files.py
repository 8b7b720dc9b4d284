"""The media files a cut uses, as the exporters describe them: path, frame size, audio.

The cut's clips point at their files by URL (``file:///...``, percent-encoded; or a
path relative to the cut). :func:`media_path` decodes one; :func:`media_files` reads
each distinct file's frame size and whether it has sound (PyAV, once per file), and
falls back to the cut's ``metadata["previzkit"]["width"/"height"]`` (else 1920x1080,
picture and sound) for a file that is not there, so an export never needs the media.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from previzkit.core.errors import PrevizError
from previzkit.edit.media_refs import url_to_path


@dataclass(frozen=True)
class MediaFile:
    """One media file: its ``url`` (as the cut has it), decoded ``path``, frame size
    (pixels), ``has_video``/``has_audio`` and whether it was read (``probed``)."""

    url: str
    path: Path
    width: int
    height: int
    has_video: bool = True
    has_audio: bool = True
    probed: bool = False

    @property
    def name(self) -> str:
        """The file name (``1_1A_T001.mp4``)."""
        return self.path.name


def media_url(clip: Any) -> str | None:
    """A clip's media URL, None for a clip without an external reference."""
    ref = clip.media_reference
    url = getattr(ref, "target_url", None)
    return str(url) if url else None


def media_path(url: str) -> Path:
    """The file path of a ``file:`` URL or plain path, percent-encoding decoded
    (:func:`previzkit.edit.media_refs.url_to_path`; an unreadable URL as written)."""
    return url_to_path(url) or Path(url)


def file_url(url: str) -> str:
    """An absolute ``file:///`` URL for ``url`` (percent-encoded, as NLEs want it)."""
    path = media_path(url)
    return path.absolute().as_uri() if path.is_absolute() else path.as_posix()


def media_files(timeline: Any) -> dict[str, MediaFile]:
    """Every distinct media file of ``timeline`` by URL, in order of first use."""
    meta = timeline.metadata.get("previzkit", {})
    size = (int(meta.get("width", 1920)), int(meta.get("height", 1080)))
    out: dict[str, MediaFile] = {}
    for clip in timeline.find_clips():
        url = media_url(clip)
        if url is None or url in out:
            continue
        out[url] = _describe(url, size)
    return out


def _describe(url: str, size: tuple[int, int]) -> MediaFile:
    path = media_path(url)
    if path.is_file():
        try:
            from previzkit.media.video import probe_video

            info = probe_video(path)
            return MediaFile(url, path, info.width, info.height, True, info.has_audio, True)
        except (PrevizError, OSError, ImportError):
            pass  # sound only, or unreadable: describe it from the cut
    audio_only = path.suffix.lower() in (".wav", ".aif", ".aiff", ".flac", ".m4a", ".mp3")
    return MediaFile(url, path, *size, has_video=not audio_only, has_audio=True)
