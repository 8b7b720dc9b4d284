"""Bundle a cut and its media into one ``.otioz`` (OpenTimelineIO's otioz adapter).

The bundle is a zip: ``content.otio`` with every clip pointing at ``media/<basename>``,
and the media files themselves (stored uncompressed). OTIO's adapter needs every media
file to exist and to have its own basename; take media are named after their take
(:func:`previzkit.takes.store.media_name`), and a cut that breaks either rule is refused
here with the clips named (OTIO's own errors name only a path). The file is written
under a temporary name in the output's folder and renamed when complete.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from previzkit.core.errors import ExportError, MissingFileError
from previzkit.core.optional import require
from previzkit.edit.media_refs import references, url_to_path


def bundle_media(timeline: Any) -> dict[Path, list[str]]:
    """The media files ``timeline`` references (path -> names of its clips); refuses
    missing files and files sharing a basename, naming the clips."""
    files: dict[Path, list[str]] = {}
    for clip, ref in references(timeline):
        path = url_to_path(ref.target_url or "")
        if path is None:
            raise ExportError(
                f"clip {clip.name!r}: media {ref.target_url!r} is not a local file; an "
                ".otioz bundles local files only"
            )
        files.setdefault(path, []).append(clip.name)
    gone = [f"{names[0]!r} ({p})" for p, names in files.items() if not p.is_file()]
    if gone:
        raise MissingFileError(
            f"bundle: media of {len(gone)} clip(s) missing: {', '.join(gone[:5])}"
            f"{' ...' if len(gone) > 5 else ''}; run `previzkit cut relink CUT --search FOLDER`"
        )
    by_name: dict[str, list[Path]] = {}
    for p in files:
        by_name.setdefault(p.name, []).append(p)
    clash = {n: ps for n, ps in by_name.items() if len(ps) > 1}
    if clash:
        name, paths = next(iter(clash.items()))
        raise ExportError(
            f"bundle: {len(clash)} media basename(s) used by several files, e.g. {name!r}: "
            f"{', '.join(map(str, paths[:3]))}; an .otioz needs one file per basename"
        )
    return files


def bundle_cut(cut: str | Path | Any, output: str | Path) -> Path:
    """Write ``cut`` (a cut file any OTIO adapter reads, or a Timeline) with its media
    into the ``.otioz`` ``output`` (replaced when it exists)."""
    otio = require("opentimelineio", "edit", "bundling the cut")
    from previzkit.edit.timeline import load_cut

    out = Path(output)
    if out.suffix.lower() != ".otioz":
        raise ExportError(f"bundle {out}: the output must end in .otioz")
    timeline = load_cut(cut) if isinstance(cut, str | Path) else cut
    bundle_media(timeline)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.tmp.otioz")
    tmp.unlink(missing_ok=True)
    try:
        otio.adapters.write_to_file(timeline, str(tmp), adapter_name="otioz")
        os.replace(tmp, out)
    except otio.exceptions.OTIOError as exc:
        raise ExportError(f"bundle {out}: OTIO's otioz adapter failed: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return out
