"""Adobe/IRIDAS ``.cube`` LUT files: parse, write, and the tables backends use.

Layout (as DaVinci Resolve, Nuke, Adobe and OCIO write it): optional ``TITLE "..."``,
``LUT_1D_SIZE n`` and/or ``LUT_3D_SIZE n``, optional ``DOMAIN_MIN``/``DOMAIN_MAX``
(or Resolve's ``LUT_1D_INPUT_RANGE``/``LUT_3D_INPUT_RANGE lo hi``), ``#`` comments and
blank lines anywhere, then the data rows ``R G B``: the 1D table first when both are
present, and in the 3D table red changes fastest, then green, then blue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from previzkit.core.errors import LutError, MissingFileError


@dataclass(frozen=True, eq=False)
class Lut:
    """A colour LUT: an optional 1D shaper (M, 3) then an optional 3D cube (N, N, N, 3)
    indexed ``[r, g, b]``; each with its input domain (3,) lo/hi. float32 tables."""

    cube: np.ndarray | None = None
    shaper: np.ndarray | None = None
    domain_min: np.ndarray = field(default_factory=lambda: np.zeros(3, np.float32))
    domain_max: np.ndarray = field(default_factory=lambda: np.ones(3, np.float32))
    shaper_min: np.ndarray = field(default_factory=lambda: np.zeros(3, np.float32))
    shaper_max: np.ndarray = field(default_factory=lambda: np.ones(3, np.float32))
    title: str = ""

    def __post_init__(self) -> None:
        if self.cube is None and self.shaper is None:
            raise LutError("LUT: has neither a 1D nor a 3D table")
        if self.cube is not None:
            c = self.cube
            if c.ndim != 4 or c.shape[3] != 3 or not (c.shape[0] == c.shape[1] == c.shape[2]):
                raise LutError(f"LUT cube: expected shape (N, N, N, 3), got {c.shape}")
            if c.shape[0] < 2:
                raise LutError(f"LUT cube: size must be >= 2, got {c.shape[0]}")
            object.__setattr__(self, "cube", np.ascontiguousarray(c, np.float32))
        if self.shaper is not None:
            s = self.shaper
            if s.ndim != 2 or s.shape[1] != 3 or s.shape[0] < 2:
                raise LutError(f"LUT shaper: expected shape (M >= 2, 3), got {s.shape}")
            object.__setattr__(self, "shaper", np.ascontiguousarray(s, np.float32))
        for name in ("domain_min", "domain_max", "shaper_min", "shaper_max"):
            object.__setattr__(self, name, np.asarray(getattr(self, name), np.float32).reshape(3))
        for lo_name, hi_name in (("domain_min", "domain_max"), ("shaper_min", "shaper_max")):
            if np.any(getattr(self, hi_name) <= getattr(self, lo_name)):
                raise LutError(f"LUT: {hi_name} must be greater than {lo_name}")

    @staticmethod
    def identity(size: int = 33) -> Lut:
        """The identity cube of ``size``^3 points."""
        g = np.linspace(0.0, 1.0, size, dtype=np.float32)
        r, gg, b = np.meshgrid(g, g, g, indexing="ij")
        return Lut(cube=np.stack([r, gg, b], axis=-1))

    @cached_property
    def uint8_taps(self) -> tuple[np.ndarray, np.ndarray]:
        """For uint8 input, the 3D lattice cell ``i0`` (int32 (256, 3)) and fraction
        ``f`` (float32 (256, 3)) of every code value after the shaper. Cached."""
        x = np.repeat((np.arange(256, dtype=np.float64) / 255.0)[:, None], 3, axis=1)
        x = self.apply_shaper(x)
        return lattice_coords(x, self)

    def apply_shaper(self, x: np.ndarray) -> np.ndarray:
        """The 1D stage of ``x`` (..., 3) (unchanged without one), float64."""
        if self.shaper is None:
            return np.asarray(x, np.float64)
        m = self.shaper.shape[0]
        lo, hi = self.shaper_min.astype(np.float64), self.shaper_max.astype(np.float64)
        p = np.clip((np.asarray(x, np.float64) - lo) / (hi - lo), 0.0, 1.0) * (m - 1)
        i0 = np.minimum(np.floor(p).astype(np.int64), m - 2)
        f = p - i0
        out = np.empty(np.shape(p), np.float64)
        for c in range(3):
            col = self.shaper[:, c].astype(np.float64)
            out[..., c] = col[i0[..., c]] * (1 - f[..., c]) + col[i0[..., c] + 1] * f[..., c]
        return out


def lattice_coords(x: np.ndarray, lut: Lut) -> tuple[np.ndarray, np.ndarray]:
    """Cell index (int32, 0..N-2) and fraction (float32) of ``x`` (..., 3) in the cube."""
    if lut.cube is None:
        raise LutError("LUT: has no 3D table")
    n = lut.cube.shape[0]
    lo, hi = lut.domain_min.astype(np.float64), lut.domain_max.astype(np.float64)
    p = np.clip((np.asarray(x, np.float64) - lo) / (hi - lo), 0.0, 1.0) * (n - 1)
    i0 = np.minimum(np.floor(p), n - 2).astype(np.int32)
    return i0, (p - i0).astype(np.float32)


def parse_cube(text: str, source: str = "<cube>") -> Lut:
    """Parse ``.cube`` text; a malformed file raises :class:`LutError` naming ``source``
    and the line number."""
    title = ""
    size1 = size3 = None
    dmin = dmax = None
    r1 = r3 = None
    rows: list[tuple[float, float, float]] = []
    row_lines: list[int] = []
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue

        def fail(why: str, no: int = no) -> LutError:
            return LutError(f"{source}:{no}: {why}")

        head = line.split()[0]
        if head[0].isalpha():
            if rows:
                raise fail(f"keyword {head} after the table data started")
            key = head.upper()
            args = line[len(head) :].strip()
            if key == "TITLE":
                title = args.strip('"')
            elif key in ("LUT_3D_SIZE", "LUT_1D_SIZE"):
                try:
                    n = int(args)
                except ValueError:
                    raise fail(f"{key} needs an integer, got {args!r}") from None
                lim = (2, 256) if key == "LUT_3D_SIZE" else (2, 65536)
                if not lim[0] <= n <= lim[1]:
                    raise fail(f"{key} {n} is outside {lim[0]}..{lim[1]}")
                if key == "LUT_3D_SIZE":
                    size3 = n
                else:
                    size1 = n
            elif key in ("DOMAIN_MIN", "DOMAIN_MAX"):
                v = _floats(args, 3, key, fail)
                if key == "DOMAIN_MIN":
                    dmin = v
                else:
                    dmax = v
            elif key in ("LUT_1D_INPUT_RANGE", "LUT_3D_INPUT_RANGE"):
                lo, hi = _floats(args, 2, key, fail)
                if key == "LUT_1D_INPUT_RANGE":
                    r1 = ((lo,) * 3, (hi,) * 3)
                else:
                    r3 = ((lo,) * 3, (hi,) * 3)
            else:
                raise fail(f"unknown keyword {head}")
            continue
        rows.append(tuple(_floats(line, 3, "table row", fail)))  # type: ignore[arg-type]
        row_lines.append(no)
    if size1 is None and size3 is None:
        raise LutError(f"{source}: no LUT_3D_SIZE or LUT_1D_SIZE line")
    want = (size1 or 0) + (size3 or 0) ** 3
    if len(rows) != want:
        where = row_lines[want] if len(rows) > want else (row_lines[-1] if row_lines else 0)
        raise LutError(
            f"{source}:{where}: expected {want} table rows "
            f"(LUT_1D_SIZE {size1 or 0}, LUT_3D_SIZE {size3 or 0}), found {len(rows)}"
        )
    data = np.asarray(rows, np.float32) if rows else np.zeros((0, 3), np.float32)
    shaper = data[:size1] if size1 else None
    cube = None
    if size3:
        n = size3
        # File order: r fastest, then g, then b -> [b, g, r] -> transpose to [r, g, b].
        cube = data[size1 or 0 :].reshape(n, n, n, 3).transpose(2, 1, 0, 3)
    unit = ((0.0,) * 3, (1.0,) * 3)
    explicit = (dmin or unit[0], dmax or unit[1]) if (dmin or dmax) else None
    kwargs: dict = {"title": title}
    d_lo: tuple[float, ...]
    d_hi: tuple[float, ...]
    if shaper is not None:
        s_lo, s_hi = r1 or explicit or unit
        kwargs.update(shaper_min=s_lo, shaper_max=s_hi)
        d_lo, d_hi = r3 or unit
    else:
        d_lo, d_hi = r3 or explicit or unit
    try:
        lo_hi = np.asarray(d_lo, np.float32), np.asarray(d_hi, np.float32)
        return Lut(cube=cube, shaper=shaper, domain_min=lo_hi[0], domain_max=lo_hi[1], **kwargs)
    except LutError as exc:
        raise LutError(f"{source}: {exc}") from None


def _floats(args: str, n: int, what: str, fail) -> tuple[float, ...]:
    parts = args.split()
    if len(parts) != n:
        raise fail(f"{what} needs {n} numbers, got {len(parts)}: {args!r}")
    try:
        vals = tuple(float(p) for p in parts)
    except ValueError:
        raise fail(f"{what}: not a number in {args!r}") from None
    if not all(np.isfinite(vals)):
        raise fail(f"{what}: non-finite value in {args!r}")
    return vals


def load_cube(path: str | Path) -> Lut:
    """Read a ``.cube`` file (see :func:`parse_cube`)."""
    p = Path(path)
    if not p.is_file():
        raise MissingFileError(f"{p}: LUT file not found")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LutError(f"{p}: not a text .cube file ({exc.reason} at byte {exc.start})") from None
    return parse_cube(text, str(p))


def format_cube(lut: Lut) -> str:
    """``.cube`` text of ``lut`` (3D, with its domain; a shaper is written first)."""
    lines = []
    if lut.title:
        lines.append(f'TITLE "{lut.title}"')
    if lut.shaper is not None:
        lines.append(f"LUT_1D_SIZE {lut.shaper.shape[0]}")
        lo, hi = lut.shaper_min, lut.shaper_max
        if lut.cube is None:
            lines.append("DOMAIN_MIN " + " ".join(f"{v:.6f}" for v in lo))
            lines.append("DOMAIN_MAX " + " ".join(f"{v:.6f}" for v in hi))
        elif lo.min() == lo.max() and hi.min() == hi.max():
            lines.append(f"LUT_1D_INPUT_RANGE {lo[0]:.6f} {hi[0]:.6f}")
        else:
            raise LutError("LUT: a per-channel shaper range with a cube cannot be written as .cube")
    if lut.cube is not None:
        lines.append(f"LUT_3D_SIZE {lut.cube.shape[0]}")
        if lut.shaper is not None:
            lines.append(f"LUT_3D_INPUT_RANGE {lut.domain_min[0]:.6f} {lut.domain_max[0]:.6f}")
        else:
            lines.append("DOMAIN_MIN " + " ".join(f"{v:.6f}" for v in lut.domain_min))
            lines.append("DOMAIN_MAX " + " ".join(f"{v:.6f}" for v in lut.domain_max))
    body = []
    if lut.shaper is not None:
        body += [f"{r:.6f} {g:.6f} {b:.6f}" for r, g, b in lut.shaper]
    if lut.cube is not None:
        flat = lut.cube.transpose(2, 1, 0, 3).reshape(-1, 3)
        body += [f"{r:.6f} {g:.6f} {b:.6f}" for r, g, b in flat]
    return "\n".join(lines) + "\n\n" + "\n".join(body) + "\n"
