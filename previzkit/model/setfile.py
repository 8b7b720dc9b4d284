"""Set files: a YAML description of a previz set, read into validated dataclasses.

Pure: reads the YAML text and checks that referenced files exist, nothing else.
Every error is a :class:`~previzkit.core.errors.SetFileError` naming the file, the key
path (``props[2].mesh``, ``cameras.A_35mm.lens.focal_mm``) and what is wrong.

World frame: right-handed, y up, metres; the floor is y = 0. Relative paths in a set
file are relative to the set file's folder. Rotations are either ``{yaw, pitch, roll}``
in degrees (applied as R = Ry(yaw) Rx(pitch) Rz(roll); yaw about +y, pitch about +x,
roll about +z) or a quaternion ``[x, y, z, w]``. With zero rotation a camera looks
down -z, a character faces +z.

A minimal set::

    name: Sample
    stage: {width: 12, depth: 10, grid: 1.0}
    lights:
      - {type: directional, direction: [-0.4, -1, -0.3], intensity: 0.9}
      - {type: ambient, color: [0.3, 0.3, 0.33]}
    props:
      - {name: crate, mesh: ../props/crate.glb, position: [1, 0, -2], rotation: {yaw: 30}}
      - {name: back_wall, kit: wall, length: 10, height: 3, position: [0, 0, -4]}  # kit part
    marks:
      A: {position: [0, 0], color: [1, 0.8, 0.1]}
    cameras:
      A_35mm: {lens: {focal_mm: 35, sensor: super35}, position: [0, 1.6, 6], target: A}
    background: {image: ../textures/sky.png}
    characters:
      - {name: hero, model: mannequin, mark: A, yaw_deg: 180}
    bookmarks:   # places to jump back to in the headset (head position, facing)
      door: {position: [0, 1.7, 4], yaw_deg: 0}
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from previzkit.core.errors import InputError, SetFileError
from previzkit.core.geometry import euler_to_quat, look_at, pose_matrix
from previzkit.core.types import Mat4
from previzkit.core.yaml_numbers import with_yaml12_floats
from previzkit.model.camera import SENSORS_MM, Lens
from previzkit.model.conditions import CONDITIONS
from previzkit.model.environments import PRESETS
from previzkit.model.kitparts import KIT_PARTS, KitDef, KitParamError, check_kit

MESH_SUFFIXES = (".glb", ".gltf", ".obj", ".ply", ".stl", ".off")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")  # 8-bit, via Pillow
PANORAMA_SUFFIXES = (*IMAGE_SUFFIXES, ".exr", ".hdr")  # background.image: LDR or HDR
MARK_TARGET_HEIGHT_M = 1.2  # a camera targeting a mark looks at this height above it

RGB = tuple[float, float, float]
Vec3T = tuple[float, float, float]
QuatT = tuple[float, float, float, float]


# --- data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StageDef:
    """The stage floor: ``width`` (x) by ``depth`` (z) metres centred on the origin."""

    width: float = 12.0
    depth: float = 12.0
    grid: float = 1.0  # grid line spacing, metres; 0 hides the grid
    floor_color: RGB = (0.32, 0.33, 0.35)
    grid_color: RGB = (0.62, 0.64, 0.68)


@dataclass(frozen=True)
class PropDef:
    """A mesh placed in the set: ``mesh``, an existing glTF/GLB/OBJ/PLY file, or ``kit``,
    a part of the stand-in architecture kit built at size (:mod:`previzkit.model.kitparts`)."""

    name: str
    mesh: Path | None
    position: Vec3T = (0.0, 0.0, 0.0)
    rotation: QuatT = (0.0, 0.0, 0.0, 1.0)  # x, y, z, w
    scale: Vec3T = (1.0, 1.0, 1.0)
    color: RGB | None = None  # tint for meshes without a material colour
    kit: KitDef | None = None  # set instead of ``mesh``

    def model_matrix(self) -> Mat4:
        """Prop-to-world transform: translate @ rotate @ scale."""
        m = pose_matrix(self.position, self.rotation)
        m[:3, :3] = m[:3, :3] * np.asarray(self.scale)[None, :]
        return m


@dataclass(frozen=True)
class LightDef:
    """A light. ``kind`` is 'directional' (``direction`` is where the light travels),
    'spot' (at ``position``, m, pointing along ``direction``, ``cone_deg`` the half
    angle of its cone; ``intensity`` is the radiance at 1 m, falling off as 1/d^2) or
    'ambient'. ``shadow``: casts shadows (None: the first directional light and every
    spot do)."""

    kind: str
    color: RGB = (1.0, 1.0, 1.0)
    intensity: float = 1.0
    direction: Vec3T = (-0.4, -1.0, -0.3)
    position: Vec3T | None = None
    cone_deg: float = 30.0
    shadow: bool | None = None

    @property
    def radiance(self) -> np.ndarray:
        """Colour times intensity, (3,)."""
        return np.asarray(self.color) * self.intensity


@dataclass(frozen=True)
class CameraDef:
    """A virtual camera with a real lens. Aims at ``target`` or holds ``orientation``."""

    name: str
    lens: Lens
    position: Vec3T
    orientation: QuatT | None = None  # x, y, z, w; camera looks down its local -z
    target: Vec3T | None = None  # world point the camera looks at

    def camera_to_world(self) -> Mat4:
        """4x4 camera-to-world transform."""
        if self.target is not None:
            return look_at(self.position, self.target)
        return pose_matrix(self.position, self.orientation or (0.0, 0.0, 0.0, 1.0))


@dataclass(frozen=True)
class MarkDef:
    """An actor's mark: a named floor position (x, z) in metres, drawn as a decal."""

    name: str
    position: tuple[float, float]
    color: RGB = (1.0, 0.8, 0.1)
    radius: float = 0.3

    @property
    def world(self) -> Vec3T:
        """The mark's point on the floor, (x, 0, z)."""
        return (self.position[0], 0.0, self.position[1])


@dataclass(frozen=True)
class BackgroundDef:
    """An equirect panorama: a shipped ``environment`` preset (a real HDR panorama, see
    :mod:`previzkit.model.environments`), an ``image`` (a 2:1 .exr/.hdr HDRI or an LDR
    .png/.jpg photo, sRGB) or a GAN ``model`` + ``seed`` + ``size``.

    ``ground_model`` / ``ground_image`` optionally texture the floor (tileable).
    ``yaw_deg`` turns the panorama about +y. With no panorama the background is the
    solid ``color``.
    """

    image: Path | None = None
    model: Path | None = None
    seed: int = 0
    size: tuple[int, int] = (2048, 1024)  # width, height of a generated panorama
    ground_model: Path | None = None
    ground_image: Path | None = None
    ground_size: int = 512
    ground_tile_m: float = 4.0  # metres per ground texture repeat
    yaw_deg: float = 0.0
    color: RGB = (0.12, 0.13, 0.16)
    environment: str | None = None  # a shipped HDR environment preset's name (sky and light)
    condition: str | None = None  # an environment GAN model's condition (model.conditions)
    exposure_ev: float = 0.0  # exposure compensation of the rendered image, in stops


@dataclass(frozen=True)
class CharacterDef:
    """A character: the procedural 'mannequin' or a skinned .glb/.gltf, placed on the floor."""

    name: str
    model: str = "mannequin"
    mark: str | None = None
    position: Vec3T = (0.0, 0.0, 0.0)  # on the floor; the mark's position when ``mark`` is set
    yaw_deg: float = 0.0  # about +y; 0 faces +z
    color: RGB = (0.75, 0.72, 0.68)
    height_m: float = 1.75


@dataclass(frozen=True)
class BookmarkDef:
    """A place in the set to come back to in the headset: the head's ``position``
    (x, y, z) in metres and ``yaw_deg`` about +y (0 looks down -z)."""

    name: str
    position: Vec3T
    yaw_deg: float = 0.0


@dataclass(frozen=True)
class SetDef:
    """A whole set, validated. ``path`` is the file it came from (None for dicts)."""

    name: str = "set"
    path: Path | None = None
    stage: StageDef = field(default_factory=StageDef)
    props: list[PropDef] = field(default_factory=list)
    lights: list[LightDef] = field(default_factory=list)
    cameras: dict[str, CameraDef] = field(default_factory=dict)
    marks: dict[str, MarkDef] = field(default_factory=dict)
    background: BackgroundDef = field(default_factory=BackgroundDef)
    characters: list[CharacterDef] = field(default_factory=list)
    default_camera: str | None = None
    bookmarks: dict[str, BookmarkDef] = field(default_factory=dict)

    def camera(self, name: str) -> CameraDef:
        """The camera called ``name``; the error lists the set's cameras."""
        try:
            return self.cameras[name]
        except KeyError:
            where = f"{self.path}: " if self.path else ""
            known = ", ".join(sorted(self.cameras)) or "none"
            raise InputError(
                f"{where}no camera named {name!r} in set {self.name!r} (cameras: {known})"
            ) from None

    @property
    def directional_lights(self) -> list[LightDef]:
        return [light for light in self.lights if light.kind == "directional"]

    @property
    def spot_lights(self) -> list[LightDef]:
        return [light for light in self.lights if light.kind == "spot"]

    @property
    def ambient(self) -> np.ndarray:
        """Summed ambient radiance (3,)."""
        total = np.zeros(3)
        for light in self.lights:
            if light.kind == "ambient":
                total += light.radiance
        return total


DEFAULT_LIGHTS = [
    LightDef("directional", (1.0, 0.97, 0.92), 0.85, (-0.4, -1.0, -0.3)),
    LightDef("ambient", (0.32, 0.33, 0.36), 1.0),
]


# --- reading -------------------------------------------------------------------------


def load_set(path: str | Path) -> SetDef:
    """Read and validate a set file (YAML). Raises SetFileError naming file and key."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise SetFileError(path, "", "set file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SetFileError(path, "", f"cannot read: {exc}") from None
    try:
        data = yaml.load(text, Loader=_unique_key_loader())  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SetFileError(path, "", f"not valid YAML{where}: {problem}") from None
    return parse_set(data, path=path)


def _unique_key_loader() -> type[Any]:
    """A SafeLoader that refuses duplicate mapping keys (YAML would keep the last) and
    reads YAML 1.2 exponent floats (``1e2``)."""
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML is untyped
        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    hash(key)
                except TypeError:  # a list or map as a key (found by fuzzing)
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"a key must be a plain value, not a {type(key).__name__}",
                        key_node.start_mark,
                    ) from None
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
            mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
            return mapping

    return with_yaml12_floats(UniqueKeyLoader)


def parse_set(
    data: Any, path: str | Path | None = None, base_dir: str | Path | None = None
) -> SetDef:
    """Validate a set already parsed from YAML (a dict). Paths resolve against ``base_dir``
    (default: the set file's folder, else the working directory)."""
    path = None if path is None else Path(path)
    if base_dir is None:
        base_dir = path.parent if path is not None else Path.cwd()
    return _Reader(path, Path(base_dir)).read(data)


_TOP_KEYS = (
    "name",
    "stage",
    "props",
    "lights",
    "cameras",
    "marks",
    "background",
    "characters",
    "default_camera",
    "bookmarks",
)


class _Reader:
    """Walks the YAML tree keeping the key path for error messages."""

    def __init__(self, path: Path | None, base_dir: Path) -> None:
        self.path = path
        self.base = base_dir

    # -- helpers
    def fail(self, key: str, why: str) -> SetFileError:
        return SetFileError(self.path, key, why)

    def mapping(self, value: Any, key: str, allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a mapping, got {_typename(value)}")
        for k in value:
            if not isinstance(k, str) or k not in allowed:
                hint = difflib.get_close_matches(str(k), allowed, n=1)
                also = f"; did you mean {hint[0]!r}?" if hint else ""
                raise self.fail(
                    _join(key, str(k)),
                    f"unknown key {k!r} (allowed: {', '.join(allowed)}){also}",
                )
        return value

    def require(self, m: dict[str, Any], name: str, key: str) -> Any:
        if name not in m or m[name] is None:
            raise self.fail(_join(key, name), "required key is missing")
        return m[name]

    def number(self, value: Any, key: str, positive: bool = False, nonneg: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"expected a number, got {_typename(value)} {value!r}")
        v = float(value)
        if not math.isfinite(v):
            raise self.fail(key, f"expected a finite number, got {value!r}")
        if positive and v <= 0:
            raise self.fail(key, f"must be > 0, got {value!r}")
        if nonneg and v < 0:
            raise self.fail(key, f"must be >= 0, got {value!r}")
        return v

    def integer(self, value: Any, key: str, positive: bool = False) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"expected an integer, got {_typename(value)} {value!r}")
        if positive and value <= 0:
            raise self.fail(key, f"must be > 0, got {value!r}")
        return int(value)

    def vec(self, value: Any, key: str, n: int) -> tuple[float, ...]:
        if not isinstance(value, list | tuple) or len(value) != n:
            got = f"{len(value)} items" if isinstance(value, list | tuple) else _typename(value)
            raise self.fail(key, f"expected a list of {n} numbers, got {got}")
        return tuple(self.number(v, f"{key}[{i}]") for i, v in enumerate(value))

    def vec3(self, value: Any, key: str) -> Vec3T:
        x, y, z = self.vec(value, key, 3)
        return (x, y, z)

    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(key, f"expected a non-empty string, got {_typename(value)} {value!r}")
        return value

    def color(self, value: Any, key: str) -> RGB:
        if isinstance(value, str):
            s = value.lstrip("#")
            if len(s) != 6 or any(c not in "0123456789abcdefABCDEF" for c in s):
                raise self.fail(key, f"expected [r, g, b] in 0..1 or '#rrggbb', got {value!r}")
            return tuple(int(s[i : i + 2], 16) / 255.0 for i in (0, 2, 4))  # type: ignore[return-value]
        rgb = self.vec(value, key, 3)
        for i, c in enumerate(rgb):
            if not 0.0 <= c <= 1.0:
                raise self.fail(f"{key}[{i}]", f"colour components are 0..1, got {c}")
        return rgb  # type: ignore[return-value]

    def file(self, value: Any, key: str, suffixes: tuple[str, ...], what: str) -> Path:
        p = Path(self.string(value, key)).expanduser()
        full = p if p.is_absolute() else (self.base / p)
        if full.suffix.lower() not in suffixes:
            raise self.fail(
                key,
                f"{what} {str(p)!r} has suffix {full.suffix!r}; expected one of {', '.join(suffixes)}",
            )
        if not full.is_file():
            raise self.fail(key, f"{what} file not found: {full}")
        return full.resolve()

    def rotation(self, value: Any, key: str) -> QuatT:
        if isinstance(value, dict):
            m = self.mapping(value, key, ("yaw", "pitch", "roll"))
            yaw, pitch, roll = (
                self.number(m.get(k, 0.0), _join(key, k)) for k in ("yaw", "pitch", "roll")
            )
            return euler_to_quat(yaw, pitch, roll)
        if isinstance(value, list | tuple) and len(value) == 4:
            q = np.asarray(self.vec(value, key, 4))
            n = float(np.linalg.norm(q))
            if n < 1e-9:
                raise self.fail(key, "quaternion [x, y, z, w] has zero length")
            return tuple(float(c) for c in q / n)  # type: ignore[return-value]
        raise self.fail(
            key,
            f"expected {{yaw, pitch, roll}} in degrees or a quaternion [x, y, z, w], got {_typename(value)}",
        )

    def named_list(self, value: Any, key: str) -> list[dict[str, Any]]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(key, f"expected a list, got {_typename(value)}")
        return value

    def named_map(self, value: Any, key: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(
                key, f"expected a mapping of name -> definition, got {_typename(value)}"
            )
        return value

    # -- sections
    def read(self, data: Any) -> SetDef:
        if data is None:
            raise self.fail("", "set file is empty")
        top = self.mapping(data, "", _TOP_KEYS)
        name = self.string(top.get("name", self.path.stem if self.path else "set"), "name")
        stage = self.stage(top.get("stage"), "stage")
        marks = self.marks(top.get("marks"), "marks")
        cameras = self.cameras(top.get("cameras"), "cameras", marks)
        default_camera = top.get("default_camera")
        if default_camera is not None:
            default_camera = self.string(default_camera, "default_camera")
            if default_camera not in cameras:
                known = ", ".join(sorted(cameras)) or "none defined"
                raise self.fail(
                    "default_camera", f"unknown camera {default_camera!r} (cameras: {known})"
                )
        return SetDef(
            name=name,
            path=self.path,
            stage=stage,
            props=self.props(top.get("props"), "props"),
            lights=self.lights(top.get("lights"), "lights"),
            cameras=cameras,
            marks=marks,
            background=self.background(top.get("background"), "background"),
            characters=self.characters(top.get("characters"), "characters", marks),
            default_camera=default_camera,
            bookmarks=self.bookmarks(top.get("bookmarks"), "bookmarks"),
        )

    def stage(self, value: Any, key: str) -> StageDef:
        if value is None:
            return StageDef()
        m = self.mapping(value, key, ("width", "depth", "grid", "floor_color", "grid_color"))
        d = StageDef()
        return StageDef(
            width=self.number(m.get("width", d.width), _join(key, "width"), positive=True),
            depth=self.number(m.get("depth", d.depth), _join(key, "depth"), positive=True),
            grid=self.number(m.get("grid", d.grid), _join(key, "grid"), nonneg=True),
            floor_color=self.color(m.get("floor_color", d.floor_color), _join(key, "floor_color")),
            grid_color=self.color(m.get("grid_color", d.grid_color), _join(key, "grid_color")),
        )

    def props(self, value: Any, key: str) -> list[PropDef]:
        out: list[PropDef] = []
        seen: set[str] = set()
        for i, item in enumerate(self.named_list(value, key)):
            k = f"{key}[{i}]"
            if isinstance(item, dict) and "kit" in item:
                placement = {n: item[n] for n in _PROP_KEYS if n in item and n != "mesh"}
                if "mesh" in item:
                    raise self.fail(k, "give either 'mesh' (a file) or 'kit' (a part), not both")
                kit = self.kit(item, k)
                m = self.mapping(placement, k, _PROP_KEYS)
            else:
                kit = None
                m = self.mapping(item, k, _PROP_KEYS)
            name = self.string(m.get("name", f"prop{i}"), _join(k, "name"))
            if name in seen:
                raise self.fail(_join(k, "name"), f"duplicate prop name {name!r}")
            seen.add(name)
            if kit is None and "mesh" not in m:
                raise self.fail(
                    _join(k, "mesh"),
                    f"required key is missing (or give 'kit': one of {', '.join(KIT_PARTS)})",
                )
            mesh = (
                None
                if kit is not None
                else self.file(m["mesh"], _join(k, "mesh"), MESH_SUFFIXES, "mesh")
            )
            scale_v = m.get("scale", 1.0)
            if isinstance(scale_v, int | float) and not isinstance(scale_v, bool):
                s = self.number(scale_v, _join(k, "scale"), positive=True)
                scale = (s, s, s)
            else:
                scale = self.vec3(scale_v, _join(k, "scale"))
                for j, s in enumerate(scale):
                    if s <= 0:
                        raise self.fail(f"{_join(k, 'scale')}[{j}]", f"must be > 0, got {s}")
            out.append(
                PropDef(
                    name=name,
                    mesh=mesh,
                    position=self.vec3(m.get("position", [0, 0, 0]), _join(k, "position")),
                    rotation=self.rotation(m.get("rotation", [0, 0, 0, 1]), _join(k, "rotation")),
                    scale=scale,
                    color=None
                    if m.get("color") is None
                    else self.color(m["color"], _join(k, "color")),
                    kit=kit,
                )
            )
        return out

    def kit(self, item: dict[str, Any], key: str) -> KitDef:
        """A prop's kit part: ``kit`` names it, the prop's other keys (but the
        placement's) are its parameters."""
        part = item["kit"]
        params = {n: v for n, v in item.items() if n not in _PROP_KEYS and n != "kit"}
        try:
            return check_kit(part, params)
        except KitParamError as exc:
            why = exc.why
            if why.startswith("unknown parameter"):
                why += f"; a prop's own keys: {', '.join(k for k in _PROP_KEYS if k != 'mesh')}"
            raise self.fail(_join(key, exc.key or "kit"), why) from None

    def lights(self, value: Any, key: str) -> list[LightDef]:
        if value is None:
            return list(DEFAULT_LIGHTS)
        out: list[LightDef] = []
        fields = ("type", "color", "intensity", "direction", "position", "target", "cone_deg")
        for i, item in enumerate(self.named_list(value, key)):
            k = f"{key}[{i}]"
            m = self.mapping(item, k, (*fields, "shadow"))
            kind = self.string(self.require(m, "type", k), _join(k, "type"))
            if kind not in ("directional", "spot", "ambient"):
                raise self.fail(
                    _join(k, "type"),
                    f"unknown light type {kind!r} (types: directional, spot, ambient)",
                )
            color = self.color(m.get("color", [1, 1, 1]), _join(k, "color"))
            intensity = self.number(m.get("intensity", 1.0), _join(k, "intensity"), nonneg=True)
            if kind != "spot":
                for name in ("position", "target", "cone_deg"):
                    if name in m:
                        raise self.fail(_join(k, name), f"only a spot light has a {name}")
            if kind == "ambient":
                for name in ("direction", "shadow"):
                    if name in m:
                        raise self.fail(_join(k, name), f"an ambient light has no {name}")
                out.append(LightDef(kind, color, intensity))
                continue
            shadow = m.get("shadow")
            if shadow is not None and not isinstance(shadow, bool):
                raise self.fail(_join(k, "shadow"), f"expected true or false, got {shadow!r}")
            position = None
            cone = 30.0
            if kind == "spot":
                position = self.vec3(self.require(m, "position", k), _join(k, "position"))
                if "direction" in m and "target" in m:
                    raise self.fail(k, "give a spot light a direction or a target, not both")
                if "target" in m:
                    target = self.vec3(m["target"], _join(k, "target"))
                    d = np.subtract(target, position)
                    if float(np.linalg.norm(d)) < 1e-9:
                        raise self.fail(_join(k, "target"), "target is at the light's position")
                    m = {**m, "direction": list(d)}
                cone = self.number(m.get("cone_deg", 30.0), _join(k, "cone_deg"), positive=True)
                if cone >= 90.0:
                    raise self.fail(_join(k, "cone_deg"), f"must be below 90 degrees, got {cone}")
            default_dir = [-0.4, -1, -0.3] if kind == "directional" else [0, -1, 0]
            d = np.asarray(self.vec(m.get("direction", default_dir), _join(k, "direction"), 3))
            n = float(np.linalg.norm(d))
            if n < 1e-9:
                raise self.fail(_join(k, "direction"), "direction has zero length")
            direction = tuple(float(c) for c in d / n)
            out.append(LightDef(kind, color, intensity, direction, position, cone, shadow))  # type: ignore[arg-type]
        if len([light for light in out if light.kind != "ambient"]) > MAX_DIRECTIONAL_LIGHTS:
            raise self.fail(
                key, f"at most {MAX_DIRECTIONAL_LIGHTS} directional and spot lights are supported"
            )
        return out

    def lens(self, value: Any, key: str) -> Lens:
        m = self.mapping(value, key, ("focal_mm", "sensor", "sensor_mm", "focus_m"))
        focal = self.number(self.require(m, "focal_mm", key), _join(key, "focal_mm"), positive=True)
        if "sensor" in m and "sensor_mm" in m:
            raise self.fail(key, "give either 'sensor' (a name) or 'sensor_mm' ([w, h]), not both")
        if "sensor_mm" in m:
            sw, sh = self.vec(m["sensor_mm"], _join(key, "sensor_mm"), 2)
            if sw <= 0 or sh <= 0:
                raise self.fail(_join(key, "sensor_mm"), f"sensor size must be > 0, got {[sw, sh]}")
        else:
            sensor = self.string(m.get("sensor", "super35"), _join(key, "sensor"))
            if sensor not in SENSORS_MM:
                raise self.fail(
                    _join(key, "sensor"),
                    f"unknown sensor {sensor!r} (known: {', '.join(SENSORS_MM)}; or give sensor_mm: [w, h])",
                )
            sw, sh = SENSORS_MM[sensor]
        focus = self.number(m.get("focus_m", 3.0), _join(key, "focus_m"), positive=True)
        return Lens(focal_mm=focal, sensor_width_mm=sw, sensor_height_mm=sh, focus_m=focus)

    def cameras(self, value: Any, key: str, marks: dict[str, MarkDef]) -> dict[str, CameraDef]:
        out: dict[str, CameraDef] = {}
        for name, item in self.named_map(value, key).items():
            k = _join(key, str(name))
            name = self.string(name, k)
            m = self.mapping(item, k, ("lens", "position", "target", "orientation"))
            lens = self.lens(self.require(m, "lens", k), _join(k, "lens"))
            position = self.vec(self.require(m, "position", k), _join(k, "position"), 3)
            if "target" in m and "orientation" in m:
                raise self.fail(k, "give either 'target' or 'orientation', not both")
            target = orientation = None
            if "target" in m:
                target = self.target(m["target"], _join(k, "target"), marks)
                if np.allclose(target, position):
                    raise self.fail(_join(k, "target"), "target is the camera's own position")
            else:
                orientation = self.rotation(
                    m.get("orientation", [0, 0, 0, 1]), _join(k, "orientation")
                )
            out[name] = CameraDef(name, lens, position, orientation, target)  # type: ignore[arg-type]
        return out

    def target(self, value: Any, key: str, marks: dict[str, MarkDef]) -> Vec3T:
        if isinstance(value, str):
            if value not in marks:
                known = ", ".join(sorted(marks)) or "none defined"
                raise self.fail(key, f"unknown mark {value!r} (marks: {known})")
            x, z = marks[value].position
            return (x, MARK_TARGET_HEIGHT_M, z)
        return self.vec(value, key, 3)  # type: ignore[return-value]

    def marks(self, value: Any, key: str) -> dict[str, MarkDef]:
        out: dict[str, MarkDef] = {}
        for name, item in self.named_map(value, key).items():
            k = _join(key, str(name))
            name = self.string(name, k)
            if isinstance(item, list):  # shorthand: A: [x, z]
                item = {"position": item}
            m = self.mapping(item, k, ("position", "color", "radius"))
            pos = self.vec(self.require(m, "position", k), _join(k, "position"), 2)
            out[name] = MarkDef(
                name,
                pos,  # type: ignore[arg-type]
                self.color(m.get("color", MarkDef.color), _join(k, "color")),
                self.number(m.get("radius", MarkDef.radius), _join(k, "radius"), positive=True),
            )
        return out

    def bookmarks(self, value: Any, key: str) -> dict[str, BookmarkDef]:
        out: dict[str, BookmarkDef] = {}
        for name, item in self.named_map(value, key).items():
            k = _join(key, str(name))
            name = self.string(name, k)
            m = self.mapping(item, k, ("position", "yaw_deg"))
            out[name] = BookmarkDef(
                name,
                self.vec3(self.require(m, "position", k), _join(k, "position")),
                self.number(m.get("yaw_deg", 0.0), _join(k, "yaw_deg")),
            )
        return out

    def background(self, value: Any, key: str) -> BackgroundDef:
        if value is None:
            return BackgroundDef()
        allowed = (
            "image",
            "model",
            "seed",
            "size",
            "ground_model",
            "ground_image",
            "ground_size",
            "ground_tile_m",
            "yaw_deg",
            "color",
            "environment",
            "exposure_ev",
            "condition",
        )
        m = self.mapping(value, key, allowed)
        if "environment" in m and ("image" in m or "model" in m):
            raise self.fail(
                key, "give one of 'environment' (a preset), 'image' or 'model', not several"
            )
        if "image" in m and "model" in m:
            raise self.fail(
                key, "give either 'image' (a panorama file) or 'model' (a GAN), not both"
            )
        if "ground_image" in m and "ground_model" in m:
            raise self.fail(key, "give either 'ground_image' or 'ground_model', not both")
        condition = None
        if "condition" in m:
            if "model" not in m:
                raise self.fail(_join(key, "condition"), "only applies with 'model' (a GAN)")
            cv = m["condition"]
            if not isinstance(cv, str) or cv.strip().lower() not in CONDITIONS:
                raise self.fail(
                    _join(key, "condition"), f"{cv!r} is not one of {', '.join(CONDITIONS)}"
                )
            condition = cv.strip().lower()
        d = BackgroundDef()
        size = d.size
        if "size" in m:
            sv = m["size"]
            if not isinstance(sv, list | tuple) or len(sv) != 2:
                raise self.fail(_join(key, "size"), f"expected [width, height], got {sv!r}")
            w, h = (
                self.integer(v, f"{_join(key, 'size')}[{i}]", positive=True)
                for i, v in enumerate(sv)
            )
            size = (w, h)
        models = (".pt", ".pth", ".ckpt")
        return BackgroundDef(
            image=self.file(m["image"], _join(key, "image"), PANORAMA_SUFFIXES, "panorama image")
            if "image" in m
            else None,
            model=self.file(m["model"], _join(key, "model"), models, "GAN model")
            if "model" in m
            else None,
            seed=self.integer(m.get("seed", 0), _join(key, "seed")),
            size=size,
            ground_model=self.file(
                m["ground_model"], _join(key, "ground_model"), models, "ground model"
            )
            if "ground_model" in m
            else None,
            ground_image=self.file(
                m["ground_image"], _join(key, "ground_image"), IMAGE_SUFFIXES, "ground image"
            )
            if "ground_image" in m
            else None,
            ground_size=self.integer(
                m.get("ground_size", d.ground_size), _join(key, "ground_size"), positive=True
            ),
            ground_tile_m=self.number(
                m.get("ground_tile_m", d.ground_tile_m), _join(key, "ground_tile_m"), positive=True
            ),
            yaw_deg=self.number(m.get("yaw_deg", 0.0), _join(key, "yaw_deg")),
            color=self.color(m.get("color", d.color), _join(key, "color")),
            environment=self.environment_name(m.get("environment"), _join(key, "environment")),
            exposure_ev=self.number(m.get("exposure_ev", 0.0), _join(key, "exposure_ev")),
            condition=condition,
        )

    def environment_name(self, value: Any, key: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected an environment preset's name, got {value!r}")
        name = value.strip()
        if name not in PRESETS:
            close = difflib.get_close_matches(name, PRESETS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise self.fail(
                key,
                f"unknown environment preset {name!r}{hint}; presets: {', '.join(PRESETS)}"
                " (a panorama file of your own goes in background.image)",
            )
        return name

    def characters(self, value: Any, key: str, marks: dict[str, MarkDef]) -> list[CharacterDef]:
        out: list[CharacterDef] = []
        seen: set[str] = set()
        for i, item in enumerate(self.named_list(value, key)):
            k = f"{key}[{i}]"
            m = self.mapping(
                item, k, ("name", "model", "mark", "position", "yaw_deg", "color", "height_m")
            )
            name = self.string(m.get("name", f"character{i}"), _join(k, "name"))
            if name in seen:
                raise self.fail(_join(k, "name"), f"duplicate character name {name!r}")
            seen.add(name)
            model = self.string(m.get("model", "mannequin"), _join(k, "model"))
            if model != "mannequin":
                model = str(
                    self.file(model, _join(k, "model"), (".glb", ".gltf"), "character model")
                )
            if "mark" in m and "position" in m:
                raise self.fail(k, "give either 'mark' or 'position', not both")
            mark = None
            position: tuple[float, ...] = (0.0, 0.0, 0.0)
            if "mark" in m:
                mark = self.string(m["mark"], _join(k, "mark"))
                if mark not in marks:
                    known = ", ".join(sorted(marks)) or "none defined"
                    raise self.fail(_join(k, "mark"), f"unknown mark {mark!r} (marks: {known})")
                position = marks[mark].world
            elif "position" in m:
                position = self.vec(m["position"], _join(k, "position"), 3)
            out.append(
                CharacterDef(
                    name=name,
                    model=model,
                    mark=mark,
                    position=position,  # type: ignore[arg-type]
                    yaw_deg=self.number(m.get("yaw_deg", 0.0), _join(k, "yaw_deg")),
                    color=self.color(m.get("color", CharacterDef.color), _join(k, "color")),
                    height_m=self.number(
                        m.get("height_m", 1.75), _join(k, "height_m"), positive=True
                    ),
                )
            )
        return out


MAX_DIRECTIONAL_LIGHTS = 4
_PROP_KEYS = ("name", "mesh", "position", "rotation", "scale", "color")


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def _typename(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        type(None): "nothing (null)",
    }.get(type(value), type(value).__name__)


__all__: list[str] = [
    "BackgroundDef",
    "BookmarkDef",
    "CameraDef",
    "CharacterDef",
    "LightDef",
    "MarkDef",
    "PropDef",
    "SetDef",
    "StageDef",
    "load_set",
    "parse_set",
]
