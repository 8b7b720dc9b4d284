"""Media references of a cut: file URLs in, paths out, relative where the cut travels.

In memory a clip's ``target_url`` is an absolute ``file://`` URL, percent-encoded as
RFC 8089 / :meth:`pathlib.Path.as_uri` write it (``file:///d/quick%20d%C3%A9mo/...``).
Every reader decodes it through :func:`url_to_path` (``%20`` is a space again), which
also takes plain paths and URLs relative to a base folder.

A cut written as ``.otio`` holds its media relative to the file's folder
(:func:`relativize`: ``project/takes/1/1-A/001/1_1-A_T001.mp4``, percent-encoded),
when the media lies under that folder or at most :data:`MAX_UP` folders above it;
farther media keeps its absolute URL (a cut exported elsewhere, then moved alone, still
finds it). Reading a cut resolves relative URLs against the cut file's folder
(:func:`absolutize`), so a project folder moved whole, its cut inside, still renders.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from urllib.request import url2pathname

MAX_UP = 2  # folders above the cut's folder that relative media may climb (../../)


def path_to_url(path: str | Path) -> str:
    """Absolute, percent-encoded ``file://`` URL of ``path`` (made absolute first).

    >>> path_to_url("/d/quick démo/a b.mp4")
    'file:///d/quick%20d%C3%A9mo/a%20b.mp4'
    """
    return Path(os.path.abspath(path)).as_uri()


def is_relative_url(url: str) -> bool:
    """True for a URL without scheme that is not an absolute path (``media/a.mp4``)."""
    return bool(url) and not urlsplit(url).scheme and not url.startswith("/")


def url_to_path(url: str, base: str | Path | None = None) -> Path | None:
    """The file a media URL names, percent-encoding decoded; None for an empty URL or
    another scheme (``http:``). ``file:`` URLs (``file:///a%20b.mp4``,
    ``file://localhost/...``), plain paths and relative URLs (against ``base``, else the
    current folder) are understood. A plain path that exists as written is kept as is
    (a file name may hold a ``%``).

    >>> str(url_to_path("file:///d/quick%20d%C3%A9mo/a.mp4"))
    '/d/quick démo/a.mp4'
    >>> str(url_to_path("takes/1%20A/a.mp4", "/d/cut"))
    '/d/cut/takes/1 A/a.mp4'
    """
    if not url or "\x00" in url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a broken IPv6 host: not a file URL
        return None
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            return Path(f"//{parts.netloc}{url2pathname(parts.path)}")  # UNC share
        return Path(url2pathname(parts.path))
    if parts.scheme:
        return None
    root = Path(base) if base is not None else Path.cwd()
    raw = Path(url) if url.startswith("/") else root / url
    try:
        if raw.exists():
            return raw
    except OSError:  # a name too long for the filesystem: decode it all the same
        pass
    decoded = unquote(url)
    return Path(decoded) if decoded.startswith("/") else root / decoded


def relative_url(path: str | Path, base: str | Path, max_up: int = MAX_UP) -> str | None:
    """``path`` as a percent-encoded URL relative to folder ``base`` (``/`` separators),
    or None when it would climb more than ``max_up`` folders above ``base``.

    >>> relative_url("/d/quick démo/project/a.mp4", "/d/quick démo")
    'project/a.mp4'
    >>> relative_url("/d/takes/a b.mp4", "/d/cuts")
    '../takes/a%20b.mp4'
    """
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(base))
    parts = Path(rel).parts
    if sum(1 for p in parts if p == "..") > max_up:
        return None
    return quote(Path(rel).as_posix(), safe="/")


def references(timeline: Any) -> Iterator[tuple[Any, Any]]:
    """(clip, media reference) for every clip's references that have a ``target_url``."""
    for clip in timeline.find_clips():
        for ref in clip.media_references().values():
            if hasattr(ref, "target_url"):
                yield clip, ref


def clip_media(clip: Any, base: str | Path | None = None) -> Path | None:
    """The path of ``clip``'s active media (None without a file reference)."""
    ref = clip.media_reference
    return url_to_path(getattr(ref, "target_url", "") or "", base)


def absolutize(timeline: Any, base: str | Path) -> int:
    """Rewrite, in place, relative and plain-path ``target_url``s of ``timeline`` as
    absolute file URLs resolved against folder ``base``; returns how many changed."""
    changed = 0
    for _, ref in references(timeline):
        url = ref.target_url or ""
        path = url_to_path(url, base)
        if path is None or url.lower().startswith("file:"):
            continue
        ref.target_url = path_to_url(path)
        changed += 1
    return changed


def relativize(timeline: Any, base: str | Path, max_up: int = MAX_UP) -> Any:
    """A copy of ``timeline`` whose file media URLs are relative to folder ``base``
    where :func:`relative_url` allows it (others stay absolute)."""
    import copy

    out = copy.deepcopy(timeline)
    for _, ref in references(out):
        path = url_to_path(ref.target_url or "", base)
        if path is None:
            continue
        rel = relative_url(path, base, max_up)
        ref.target_url = rel if rel is not None else path_to_url(path)
    return out
