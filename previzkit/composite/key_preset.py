"""Key presets: a keyer's settings saved as YAML (``key.yaml``), read and written with
ruamel.yaml's round-trip mode, so an operator's comments and layout survive a re-save.

```yaml
key:
  screen: green
  key_color: [38, 168, 72]   # sRGB 0..255, or "#26a848"; auto/omitted: estimated from the plate
  estimate: start            # start: once on the first frame; every: every frame
  tolerance: 0.1             # see previzkit.composite.KeyParams
  softness: 0.2
  screen_min: 0.5            # the darkest screen (x the key's chroma) still keyed out
  screen_max: 1.5
  clip_black: 0.0
  clip_white: 1.0
  spill: 1.0                 # despill strength 0..1
  choke: 0                   # px, negative grows
  blur: 0
  shadow_pass: 0.0           # 0..1: the screen's shadows kept over the virtual set
  garbage:                   # outside it: always background
    polygon: [[0.05, 0.0], [0.95, 0.0], [0.95, 1.0], [0.05, 1.0]]
    units: normalized        # or pixels
    # image: rig_mask.png    # instead of a polygon: a mask file (relative to this file)
```
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from previzkit.composite.garbage import GarbageMatte
from previzkit.composite.params import KeyParams
from previzkit.core.errors import InputError, MissingFileError

ESTIMATE = ("start", "every")
_PARAM_KEYS = tuple(
    f.name for f in dataclasses.fields(KeyParams) if f.name not in ("screen", "key_color")
)


@dataclass(frozen=True)
class KeyPreset:
    """A keyer's settings: ``params`` (its ``key_color`` None = estimate from the plate,
    once at the start or, with ``estimate="every"``, every frame), a ``garbage`` matte,
    and ``shadow_pass`` (0..1: how much of the screen's shadows, its darkening below
    the key colour's brightness, passes over what is behind the actor)."""

    params: KeyParams = field(default_factory=KeyParams)
    garbage: GarbageMatte | None = None
    estimate: str = "start"
    shadow_pass: float = 0.0

    def __post_init__(self) -> None:
        if self.estimate not in ESTIMATE:
            raise InputError(f"key estimate: expected one of {ESTIMATE}, got {self.estimate!r}")
        sp = float(self.shadow_pass)
        if not 0.0 <= sp <= 1.0:
            raise InputError(f"key shadow_pass: must be in 0..1, got {self.shadow_pass}")
        object.__setattr__(self, "shadow_pass", sp)


def parse_color(value: Any, name: str = "key_color") -> tuple[int, int, int] | None:
    """An sRGB colour 0..255 from ``"R,G,B"``, ``"#rrggbb"``, ``[R, G, B]``; ``None``,
    ``"auto"`` or ``""`` -> None (estimate it)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "auto")):
        return None
    if isinstance(value, str):
        v = value.strip()
        if v.startswith("#"):
            if len(v) != 7:
                raise InputError(f"{name}: expected #rrggbb, got {value!r}")
            try:
                return (int(v[1:3], 16), int(v[3:5], 16), int(v[5:7], 16))
            except ValueError:
                raise InputError(f"{name}: expected #rrggbb hex digits, got {value!r}") from None
        parts: Any = v.replace(" ", "").split(",")
    else:
        parts = value
    try:
        rgb = tuple(float(p) for p in parts)
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected R,G,B (0..255) or #rrggbb, got {value!r}") from None
    if len(rgb) != 3 or not all(0 <= c <= 255 for c in rgb):
        raise InputError(f"{name}: expected three numbers 0..255 or #rrggbb, got {value!r}")
    return (round(rgb[0]), round(rgb[1]), round(rgb[2]))


def format_color(rgb: tuple[int, int, int]) -> str:
    """``#rrggbb`` of an sRGB 0..255 colour."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _yaml() -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def preset_from_dict(data: Any, where: str = "key preset", base: Path | None = None) -> KeyPreset:
    """A :class:`KeyPreset` from the mapping under ``key:`` (or the mapping itself);
    a garbage mask image path is taken relative to ``base``."""
    if isinstance(data, dict) and "key" in data:
        data = data["key"]
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a 'key:' mapping")
    known = {"screen", "key_color", "estimate", "shadow_pass", "garbage", *_PARAM_KEYS}
    unknown = sorted(set(map(str, data)) - known)
    if unknown:
        raise InputError(f"{where}: unknown key(s) {unknown}; expected some of {sorted(known)}")
    try:
        params = KeyParams(
            screen=str(data.get("screen", "green")),
            key_color=parse_color(data.get("key_color"), f"{where}: key_color"),
            **{k: data[k] for k in _PARAM_KEYS if k in data},
        )
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where}: {exc}") from None
    garbage = None
    g = data.get("garbage")
    if g is not None:
        if not isinstance(g, dict):
            raise InputError(f"{where}: garbage: expected a mapping with polygon or image")
        extra = sorted(set(map(str, g)) - {"polygon", "units", "image"})
        if extra:
            raise InputError(f"{where}: garbage: unknown key(s) {extra}")
        image = g.get("image")
        if image is not None:
            image = Path(str(image))
            if base is not None and not image.is_absolute():
                image = base / image
            if not image.is_file():
                raise InputError(f"{where}: garbage image {image} does not exist")
        try:
            garbage = GarbageMatte(
                polygon=g.get("polygon"), units=str(g.get("units", "normalized")), image=image
            )
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
    try:
        return KeyPreset(
            params,
            garbage,
            str(data.get("estimate", "start")),
            float(data.get("shadow_pass", 0.0)),
        )
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where}: {exc}") from None


def load_key_preset(path: str | Path) -> KeyPreset:
    """Read a key preset file (see the module docstring)."""
    p = Path(path)
    if not p.is_file():
        raise MissingFileError(f"key preset {p} does not exist")
    try:
        data = _yaml().load(p.read_text(encoding="utf-8"))
    except Exception as exc:  # OSError, ruamel's YAMLError tree
        raise InputError(f"key preset {p}: not readable YAML ({exc})") from None
    return preset_from_dict(data, f"key preset {p}", p.parent)


def _update(doc: Any, preset: KeyPreset, base: Path) -> None:
    """Write ``preset``'s values into the round-trip mapping ``doc`` (in place)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def flow(values: list) -> CommentedSeq:
        s = CommentedSeq(values)
        s.fa.set_flow_style()
        return s

    p = preset.params
    doc["screen"] = p.screen
    doc["key_color"] = flow(list(p.key_color)) if p.key_color is not None else "auto"
    doc["estimate"] = preset.estimate
    for k in _PARAM_KEYS:
        doc[k] = getattr(p, k)
    doc["shadow_pass"] = preset.shadow_pass
    g = preset.garbage
    if g is None:
        doc.pop("garbage", None)
        return
    gm = doc.get("garbage")
    if not isinstance(gm, dict):
        gm = doc["garbage"] = CommentedMap()
    for k in ("polygon", "units", "image"):
        gm.pop(k, None)
    if g.polygon is not None:
        gm["polygon"] = flow([flow([x, y]) for x, y in g.polygon])
        gm["units"] = g.units
    else:
        assert g.image is not None  # a GarbageMatte has one of the two
        try:
            gm["image"] = str(g.image.resolve().relative_to(base.resolve()))
        except ValueError:
            gm["image"] = str(g.image.resolve())


def save_key_preset(preset: KeyPreset, path: str | Path) -> Path:
    """Write ``preset`` to ``path`` (atomically). An existing file is updated in place
    through ruamel.yaml's round trip: its comments and other keys stay."""
    from ruamel.yaml.comments import CommentedMap

    from previzkit.core.atomic import write_text_atomic

    p = Path(path)
    doc: Any = None
    if p.is_file():
        try:
            doc = _yaml().load(p.read_text(encoding="utf-8"))
        except Exception as exc:  # OSError, ruamel's YAMLError tree
            raise InputError(f"key preset {p}: cannot update, not readable YAML ({exc})") from None
    if not isinstance(doc, dict):
        doc = CommentedMap()
    if not isinstance(doc.get("key"), dict):
        doc["key"] = CommentedMap()
    _update(doc["key"], preset, p.parent)
    buf = io.StringIO()
    _yaml().dump(doc, buf)
    p.parent.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(p, buf.getvalue(), check=load_key_preset)
