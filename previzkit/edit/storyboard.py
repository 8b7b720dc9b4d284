"""Storyboard page: one card per shot of the cut, playing the previz MP4 from it.

``write_storyboard(cut, out_dir, video=...)`` writes ``index.html``, ``thumbs/NNN.jpg``
(the middle frame of each clip's source media) and, when no MP4 is given, renders
``previz.mp4`` next to them. A card shows the thumbnail, scene / shot / take, the
script lines the shot covers, record in/out timecode and length; clicking it seeks
the page's player to the shot's record time and plays. The page is static (no
server): open it from disk.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from previzkit.core.atomic import write_text_atomic
from previzkit.core.progress import ProgressFn
from previzkit.edit.render import RenderOptions, _fit, render_cut
from previzkit.edit.timeline import cut_events, load_cut
from previzkit.media.image import write_image
from previzkit.model import timecode as tc

THUMB_SIZE = (320, 180)

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} - storyboard</title>
<style>
body {{ font-family: sans-serif; background: #15151b; color: #eee; margin: 16px; }}
h1 {{ font-size: 20px; }}
#player {{ width: 640px; max-width: 100%; background: #000; display: block; margin-bottom: 16px; }}
#board {{ display: grid; grid-template-columns: repeat(auto-fill, 336px); gap: 12px; }}
.card {{ background: #23232d; padding: 8px; cursor: pointer; border: 2px solid transparent; }}
.card.playing {{ border-color: #f5c518; }}
.card img {{ width: 320px; height: 180px; display: block; }}
.slate {{ background: #2f2f3d; grid-column: 1 / -1; padding: 6px 8px; font-weight: bold; }}
.meta {{ font-size: 12px; color: #bbb; margin: 4px 0; }}
.lines {{ font-size: 13px; white-space: pre-wrap; }}
.lines .who {{ font-weight: bold; }}
.snap {{ background: #23232d; padding: 8px; }}
.snap img {{ width: 320px; display: block; }}
</style>
</head>
<body>
<h1>{title}</h1>
<video id="player" src="{video}" controls preload="auto"></video>
<div id="board">
{cards}
</div>
{snapshots}
<script>
const player = document.getElementById("player");
const shots = {shots_json};
function playShot(i) {{
  const s = shots[i];
  document.querySelectorAll(".card").forEach(c => c.classList.remove("playing"));
  document.getElementById("shot-" + i).classList.add("playing");
  player.currentTime = s.start;
  const p = player.play();
  if (p) p.catch(() => {{}});
}}
document.querySelectorAll(".card").forEach(c =>
  c.addEventListener("click", () => playShot(Number(c.dataset.index))));
player.addEventListener("timeupdate", () => {{
  const t = player.currentTime;
  shots.forEach((s, i) => {{
    if (t >= s.start && t < s.end)
      document.getElementById("shot-" + i).classList.add("current");
    else document.getElementById("shot-" + i).classList.remove("current");
  }});
}});
</script>
</body>
</html>
"""


def _thumbnail(path: str, frame: int) -> np.ndarray:
    from previzkit.edit.render import _frames

    img = next(_frames(path, frame, 1))
    return _fit(img, *THUMB_SIZE)


def write_storyboard(
    cut: str | Path | Any,
    out_dir: str | Path,
    video: str | Path | None = None,
    progress: ProgressFn | None = None,
    snapshots: str | Path | None = None,
) -> Path:
    """Write the storyboard page for ``cut`` into ``out_dir``; returns index.html.

    ``snapshots``: a folder of headset snapshots (``previzkit xr -p PROJECT`` writes
    ``PROJECT/snapshots/*.jpg`` with a ``.json`` of camera and lens each): shown below
    the cards, by shot."""
    from previzkit.edit.render import _available_start

    timeline = load_cut(cut) if isinstance(cut, str | Path) else cut
    out = Path(out_dir)
    (out / "thumbs").mkdir(parents=True, exist_ok=True)
    meta = timeline.metadata.get("previzkit", {})
    rate = tc.rate(meta.get("rate") or timeline.video_tracks()[0].duration().rate)
    fps = float(rate.fps)
    record_start = (
        round(timeline.global_start_time.to_frames(fps)) if timeline.global_start_time else 0
    )
    if video is None:
        video_path = render_cut(timeline, out / "previz.mp4", RenderOptions(), progress)
    else:
        video_path = Path(video)
    rel_video = os.path.relpath(video_path.resolve(), out.resolve())
    events = cut_events(timeline)
    cards: list[str] = []
    shots: list[dict[str, Any]] = []
    for e in events:
        if e.slate is not None:
            cards.append(
                f'<div class="slate">Scene {html.escape(str(e.slate.get("scene", "")))}: '
                f"{html.escape(str(e.slate.get('heading', '')))}</div>"
            )
            continue
        i = len(shots)
        first = e.source_in - _available_start(timeline, e)
        thumb = _thumbnail(e.media, first + e.duration // 2)
        name = f"thumbs/{i:03d}.jpg"
        write_image(out / name, thumb, quality=90)
        start, end = e.record_in / fps, (e.record_in + e.duration) / fps
        rec_in = tc.frames_to_timecode(record_start + e.record_in, rate)
        rec_out = tc.frames_to_timecode(record_start + e.record_in + e.duration, rate)
        info = e.info
        lines_html = _lines_html(info.get("text", []))
        label = (
            f"Sc {info.get('scene', '?')} · Sh {info.get('shot', '?')} · Tk {info.get('take', '?')}"
        )
        shots.append({"name": e.name, "start": start, "end": end, "rec_in": rec_in})
        cards.append(
            f'<div class="card" id="shot-{i}" data-index="{i}" data-start="{start:.3f}">'
            f'<img src="{name}" alt="{html.escape(e.name)}">'
            f'<div class="name">{html.escape(label)}</div>'
            f'<div class="meta">{rec_in} - {rec_out} · {end - start:.1f} s'
            f"{_estimate(info)}</div>"
            f'<div class="lines">{lines_html}</div></div>'
        )
        if progress is not None:
            progress(len(shots), None)
    page = _PAGE.format(
        title=html.escape(timeline.name or "previz"),
        video=html.escape(rel_video.replace(os.sep, "/")),
        cards="\n".join(cards),
        shots_json=json.dumps(shots),
        snapshots=_snapshots_html(Path(snapshots), out) if snapshots is not None else "",
    )
    index = out / "index.html"
    write_text_atomic(index, page)  # whole or not at all
    return index


def _snapshots_html(folder: Path, out: Path) -> str:
    """Cards of the headset snapshots in ``folder`` (copied into ``out/snapshots``)."""
    import shutil

    from previzkit.core.errors import InputError

    if not folder.is_dir():
        raise InputError(f"--snapshots {folder}: not a folder")
    cards = []
    for meta_file in sorted(folder.glob("*.json")):
        image = meta_file.with_suffix(".jpg")
        if not image.is_file():
            continue
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"snapshot {meta_file}: not readable JSON ({exc})") from None
        (out / "snapshots").mkdir(parents=True, exist_ok=True)
        shutil.copy(image, out / "snapshots" / image.name)
        caption = (
            f"Sh {meta.get('shot') or '-'} · {float(meta.get('focal_mm', 0)):.0f} mm · "
            f"{float(meta.get('aspect', 0)):.2f}:1 · camera {meta.get('camera') or '-'}"
        )
        cards.append(
            f'<div class="snap"><img src="snapshots/{html.escape(image.name)}" '
            f'alt="{html.escape(image.stem)}"><div class="meta">{html.escape(caption)}</div></div>'
        )
    if not cards:
        return ""
    return '<h2>Headset snapshots</h2>\n<div id="board">\n' + "\n".join(cards) + "\n</div>"


def _estimate(info: dict[str, Any]) -> str:
    est = info.get("estimate_s")
    return f" (script {float(est):.1f} s)" if est else ""


def _lines_html(text: list[str]) -> str:
    """Script lines: speaker names (all caps) in bold, one line each."""
    out = []
    for line in text:
        esc = html.escape(str(line))
        if str(line).isupper() and len(str(line)) < 40:
            out.append(f'<span class="who">{esc}</span>')
        else:
            out.append(esc)
    return "\n".join(out)
