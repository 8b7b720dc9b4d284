"""Lines of text drawn with PIL into a moderngl texture, re-uploaded only when they change.

For in-world labels and panels (the headset's wrist panel, a measurement's label).
The font is DejaVu Sans when installed, else PIL's built-in font.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import numpy as np

from previzkit.core.errors import InputError
from previzkit.core.optional import require

if TYPE_CHECKING:
    import moderngl

FONT_FILES = ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
TEXT_COLOR = (235, 240, 245, 255)
BACKGROUND = (20, 24, 30, 215)  # translucent dark panel


@functools.lru_cache(maxsize=8)
def font(size_px: int) -> Any:
    """A PIL font ``size_px`` pixels high: DejaVu Sans if present, else PIL's default."""
    image_font = require("PIL.ImageFont", "render", "text labels")
    for name in FONT_FILES:
        try:
            return image_font.truetype(name, size_px)
        except OSError:
            continue
    try:
        return image_font.load_default(size=size_px)
    except TypeError:  # Pillow < 10.1: one fixed size
        return image_font.load_default()


def text_image(lines: list[str], size: tuple[int, int], rows: int = 1) -> np.ndarray:
    """(H, W, 4) uint8 RGBA image of ``lines`` on a translucent panel, row 0 at the top,
    laid out for at least ``rows`` lines (so the text size stays put as lines come and go)."""
    w, h = size
    if w <= 0 or h <= 0:
        raise InputError(f"text image size must be positive, got {size}")
    image_mod = require("PIL.Image", "render", "text labels")
    draw_mod = require("PIL.ImageDraw", "render", "text labels")
    n = max(len(lines), rows, 1)
    line_px = max(8, int(h / n * 0.75))
    img = image_mod.new("RGBA", (w, h), BACKGROUND)
    draw = draw_mod.Draw(img)
    f = font(line_px)
    pitch = h / n
    for i, text in enumerate(lines):
        draw.text(
            (int(0.04 * w), int(i * pitch + (pitch - line_px) / 2)), text, font=f, fill=TEXT_COLOR
        )
    return np.asarray(img, dtype=np.uint8)


class TextTexture:
    """An RGBA texture showing ``lines``; :meth:`update` re-renders only on a change."""

    def __init__(
        self, ctx: moderngl.Context, size: tuple[int, int] = (512, 256), rows: int = 1
    ) -> None:
        self.size = (int(size[0]), int(size[1]))
        self.rows = rows
        self.texture = ctx.texture(self.size, 4)
        self.texture.filter = (ctx.LINEAR, ctx.LINEAR)
        self._lines: tuple[str, ...] | None = None
        self.uploads = 0  # how often the text changed (re-rendered and uploaded)

    def update(self, lines: list[str]) -> None:
        key = tuple(lines)
        if key == self._lines:
            return
        self._lines = key
        # GL textures start at the bottom row: flip
        self.texture.write(
            np.ascontiguousarray(text_image(list(key), self.size, self.rows)[::-1]).tobytes()
        )
        self.uploads += 1

    def release(self) -> None:
        self.texture.release()
