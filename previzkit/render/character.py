"""Characters on a set: a skinned mesh posed by the previzkit skeleton, drawn on the GPU.

:func:`character_from_def` builds a :class:`Character` from a set file's
``CharacterDef`` (the procedural mannequin or a skinned .glb/.gltf). A Character is a
:class:`~previzkit.render.drawable.Drawable`: linear-blend skinning runs in the vertex
shader with the joint matrices as a uniform array (``mat4 u_joints[K]``).

Frames: the character's *placement* (its mark: ``position`` on the floor, ``yaw_deg``
about +y, 0 faces +z) maps the skeleton's frame into the set. A
:class:`~previzkit.core.types.SkeletonPose`'s ``root`` is the hips' position in that
placement frame: ``skeleton.rest_pose()`` (hips at their rest height above the mark)
stands the character on its mark. For a pose whose root is already in set
coordinates, place the character at the origin with yaw 0.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, MissingFileError
from previzkit.core.geometry import translation
from previzkit.core.optional import require
from previzkit.core.types import SkeletonPose
from previzkit.model.kinematics import forward_kinematics_arrays, pose_arrays
from previzkit.model.skeleton import Skeleton, default_skeleton
from previzkit.render.drawable import FrameUniforms, gl_mat4
from previzkit.render.gl import uniform
from previzkit.render.lighting import look_defines, write_frame
from previzkit.render.shaders import _LIGHTING
from previzkit.render.skinning import SkinnedMesh, skin_matrices

if TYPE_CHECKING:
    import moderngl

_VERTEX = """
#version 330
#define MAX_JOINTS {max_joints}
#define RIGID {rigid}
#define TEXTURED {textured}
uniform mat4 u_proj;
uniform mat4 u_view;
uniform mat4 u_model;
uniform mat4 u_joints[MAX_JOINTS];
in vec3 in_position;
in vec3 in_normal;
in ivec4 in_joints;
in vec4 in_weights;
in vec2 in_uv;
out vec3 v_world;
out vec3 v_normal;
out vec2 v_uv;
void main() {{
#if RIGID
    mat4 skin = u_joints[in_joints.x];  // every vertex on one joint (the mannequin)
#else
    mat4 skin = in_weights.x * u_joints[in_joints.x] + in_weights.y * u_joints[in_joints.y]
              + in_weights.z * u_joints[in_joints.z] + in_weights.w * u_joints[in_joints.w];
#endif
    vec4 world = u_model * (skin * vec4(in_position, 1.0));
    v_world = world.xyz;
    v_normal = mat3(u_model) * mat3(skin) * in_normal;
#if TEXTURED
    v_uv = in_uv;
#else
    v_uv = vec2(0.0);
#endif
    gl_Position = u_proj * u_view * world;
}}
"""

MAX_LIGHTS = 4  # directional lights, as the set renderer's

_FRAGMENT = """
#version 330
#define TEXTURED {textured}
#define NUM_LIGHTS {num_lights}
{defines}uniform vec4 u_color;
#if TEXTURED
uniform bool u_textured;
uniform sampler2D u_texture;
#endif
in vec3 v_world;
in vec3 v_normal;
in vec2 v_uv;
out vec4 f_color;
"""

# lighting shared with the set's props and floor (two-sided Lambert, spots, shadows, IBL)
_FRAGMENT_MAIN = """
void main() {
    vec4 base = u_color;
#if TEXTURED
    if (u_textured) base *= texture(u_texture, v_uv);
#endif
    f_color = vec4(finish(shade(base.rgb, v_normal, v_world)), base.a);
}
"""


# Programs are shared by the characters of a context with the same joint count and
# variant (rigid skins, weight 1 on one joint, skip the blend; untextured skins skip
# the uvs; one per number of lights): one
# program switch fewer per character, the same uniforms re-set per draw. Reference counted.
_PROGRAMS: dict[tuple[int, ...], list] = {}


def _acquire_program(ctx: moderngl.Context, key: tuple, vertex_shader: str):
    """The shared program for ``key`` = (id(ctx), joints, rigid, textured, lights)."""
    entry = _PROGRAMS.get(key)
    if entry is None or entry[0].ctx is not ctx:
        defines = "".join(f"#define {name} {value}\n" for name, value in key[5])
        fragment = (
            _FRAGMENT.format(textured=key[3], num_lights=key[4], defines=defines)
            + _LIGHTING
            + _FRAGMENT_MAIN
        )
        entry = _PROGRAMS[key] = [
            ctx.program(vertex_shader=vertex_shader, fragment_shader=fragment),
            0,
        ]
    entry[1] += 1
    return entry[0]


def _release_program(key: tuple[int, ...]) -> None:
    entry = _PROGRAMS.get(key)
    if entry is not None:
        entry[1] -= 1
        if entry[1] <= 0:
            entry[0].release()
            del _PROGRAMS[key]


class Character:
    """A posed, skinned character: a Drawable with ``set_pose`` and ``joint_positions``.

    ``mesh`` is drawn in ``color`` (RGB 0..1) where its submeshes carry no colour of
    their own. GL objects are created on ``ctx`` here and freed by :meth:`release`.
    """

    def __init__(
        self,
        ctx: moderngl.Context,
        mesh: SkinnedMesh,
        skeleton: Skeleton,
        *,
        name: str = "character",
        placement: npt.ArrayLike | None = None,
        color: tuple[float, float, float] = (0.75, 0.72, 0.68),
    ) -> None:
        self.name = name
        self.mesh = mesh
        self.skeleton = skeleton
        self.color = tuple(float(c) for c in color)
        self.placement = np.eye(4) if placement is None else np.asarray(placement, np.float64)
        self.version = 0  # bumped on every set_pose / placement change via set_placement
        self._ctx = ctx
        k = max(mesh.num_skin_joints, 1)
        limit = int(ctx.info.get("GL_MAX_VERTEX_UNIFORM_COMPONENTS", 4096))
        if 16 * (k + 3) > limit:
            raise InputError(
                f"character {name!r}: its skin has {k} joints; this GL's vertex shaders take "
                f"at most {limit // 16 - 3} (GL_MAX_VERTEX_UNIFORM_COMPONENTS = {limit})"
            )
        rigid = int(bool(np.all(mesh.weights[:, 0] == 1.0)))
        textured = int(bool(mesh.textures) and mesh.uvs is not None)
        self._vertex_shader = _VERTEX.format(max_joints=k, rigid=rigid, textured=textured)
        self._prog_key = (id(ctx), k, rigid, textured)
        self._programs: dict[tuple, tuple[moderngl.Program, moderngl.VertexArray]] = {}
        self._feedback_prog: moderngl.Program | None = None
        self._depth_prog: moderngl.Program | None = None
        self._depth_vao: Any = None
        uvs = mesh.uvs if mesh.uvs is not None else np.zeros((len(mesh.positions), 2), np.float32)
        f32 = np.float32
        self._vbo = ctx.buffer(
            np.hstack(
                [
                    mesh.positions.astype(f32),
                    mesh.normals.astype(f32),
                    mesh.weights.astype(f32),
                    uvs.astype(f32),
                ]
            ).tobytes()
        )
        self._jbo = ctx.buffer(mesh.joints.astype(np.int32).tobytes())
        self._ibo = ctx.buffer(mesh.indices.astype(np.uint32).tobytes())
        self._textures = [self._texture(img) for img in mesh.textures]
        self._pose = skeleton.rest_pose()
        self._fk = forward_kinematics_arrays(skeleton, *pose_arrays(skeleton, self._pose))
        self._skin = skin_matrices(mesh, skeleton, self._fk)

    # --- GL objects ----------------------------------------------------------------

    def _program(
        self, num_lights: int, look: tuple = ()
    ) -> tuple[moderngl.Program, moderngl.VertexArray]:
        """The shared program for ``num_lights`` lights and the look's ``#define``s
        (sorted (name, value) pairs), and this character's vertex array on it."""
        key = (*self._prog_key, num_lights, look)
        if key not in self._programs:
            prog = _acquire_program(self._ctx, key, self._vertex_shader)
            self._programs[key] = (prog, self._make_vao(prog, index=True))
        return self._programs[key]

    def _make_vao(self, prog: moderngl.Program, index: bool) -> moderngl.VertexArray:
        names = ("in_position", "in_normal", "in_weights", "in_uv")
        fmt = []
        used = []
        for n, size in zip(names, (3, 3, 4, 2), strict=True):
            if n in prog:
                fmt.append(f"{size}f")
                used.append(n)
            else:
                fmt.append(f"{size * 4}x")
        content = [(self._vbo, " ".join(fmt), *used), (self._jbo, "4i", "in_joints")]
        if "in_joints" not in prog:
            content = content[:1]
        return self._ctx.vertex_array(prog, content, self._ibo if index else None)

    def _texture(self, img: np.ndarray) -> moderngl.Texture:
        img = np.ascontiguousarray(img, dtype=np.uint8)
        tex = self._ctx.texture((img.shape[1], img.shape[0]), img.shape[2], img.tobytes())
        tex.build_mipmaps()
        tex.repeat_x = tex.repeat_y = True
        return tex

    # --- pose ----------------------------------------------------------------------

    def set_pose(self, pose: SkeletonPose) -> None:
        """Pose the character (rotations relative to rest, root in the placement frame)."""
        root, quats = pose_arrays(self.skeleton, pose)
        self._pose = pose
        self._fk = forward_kinematics_arrays(self.skeleton, root, quats)
        self._skin = skin_matrices(self.mesh, self.skeleton, self._fk)
        self.version += 1

    def set_placement(self, position: Any = (0.0, 0.0, 0.0), yaw_deg: float = 0.0) -> None:
        """Move the character's mark: floor ``position`` (m) and ``yaw_deg`` about +y."""
        self.placement = translation(position, math.radians(yaw_deg))
        self.version += 1

    @property
    def pose(self) -> SkeletonPose:
        return self._pose

    def joint_matrices(self) -> npt.NDArray[np.float64]:
        """(J, 4, 4) joint-to-world (set frame) of the current pose."""
        return self.placement @ self._fk

    def joint_positions(self) -> npt.NDArray[np.float64]:
        """(J, 3) joint positions in the set frame (metres), in ``skeleton.names`` order."""
        return self.joint_matrices()[:, :3, 3]

    def skin_matrices(self) -> npt.NDArray[np.float64]:
        """(K, 4, 4) skinning matrices of the current pose (bind space -> placement frame)."""
        return self._skin

    # --- drawing -------------------------------------------------------------------

    def _upload(self, prog: moderngl.Program) -> None:
        k = self.mesh.num_skin_joints
        mats = np.ascontiguousarray(np.transpose(self._skin, (0, 2, 1)), dtype=np.float32)
        uniform(prog, "u_joints").write(mats.tobytes()[: k * 64])
        uniform(prog, "u_model").write(gl_mat4(self.placement))

    def draw(self, ctx: moderngl.Context, frame: FrameUniforms) -> None:
        """Draw into the bound framebuffer (depth test is the renderer's)."""
        # every directional light of a set frame (the renderer's SceneFrame.lights), else
        # the FrameUniforms key light; one program variant per light count
        lights = getattr(frame, "lights", None)
        if lights is None:
            lights = [(frame.light_direction, frame.light_color)]
        lights = list(lights)[:MAX_LIGHTS] or [(frame.light_direction, np.zeros(3))]
        prog, vao = self._program(len(lights), tuple(sorted(look_defines(frame).items())))
        self._upload(prog)
        write_frame(prog, frame)
        textured_program = "u_textured" in prog
        for sub in self.mesh.submeshes:
            color = sub.base_color or (*self.color, 1.0)
            uniform(prog, "u_color").value = tuple(float(c) for c in color)
            if textured_program:
                textured = 0 <= sub.texture < len(self._textures)
                uniform(prog, "u_textured").value = textured
                if textured:
                    self._textures[sub.texture].use(0)
                    uniform(prog, "u_texture").value = 0
            vao.render(vertices=sub.count, first=sub.first)

    def draw_depth(self, ctx: moderngl.Context, light_vp: np.ndarray) -> None:
        """Draw depth only, skinned as :meth:`draw`, through the light's view-projection
        (a shadow map's pass; the renderer binds the depth target)."""
        if self._depth_prog is None:
            self._depth_prog = self._ctx.program(
                vertex_shader=self._vertex_shader,
                fragment_shader="#version 330\nvoid main() {}\n",
            )
            self._depth_vao = self._make_vao(self._depth_prog, index=True)
        prog = self._depth_prog
        self._upload(prog)
        uniform(prog, "u_view").write(gl_mat4(np.eye(4)))
        uniform(prog, "u_proj").write(gl_mat4(light_vp))
        self._depth_vao.render()

    def gpu_vertices(self) -> npt.NDArray[np.float32]:
        """(N, 3) skinned vertex positions in the set frame, computed by the vertex shader.

        Reads the shader's output back through transform feedback (tests, exports).
        """
        moderngl = require("moderngl", "render", "rendering")

        if self._feedback_prog is None:
            self._feedback_prog = self._ctx.program(
                vertex_shader=self._vertex_shader, varyings=("v_world",)
            )
            self._feedback_vao = self._make_vao(self._feedback_prog, index=False)
        prog = self._feedback_prog
        self._upload(prog)
        for name in ("u_view", "u_proj"):
            if name in prog:
                uniform(prog, name).write(gl_mat4(np.eye(4)))
        n = len(self.mesh.positions)
        ctx = self._ctx
        out = ctx.buffer(reserve=n * 12)
        # a complete framebuffer must be bound for the draw, even with nothing rasterised
        previous = ctx.fbo or ctx.detect_framebuffer(0)
        pixel = ctx.renderbuffer((1, 1))
        target = ctx.framebuffer([pixel])
        try:
            target.use()
            self._feedback_vao.transform(out, mode=moderngl.POINTS, vertices=n)
            return np.frombuffer(out.read(), dtype=np.float32).reshape(n, 3).copy()
        finally:
            previous.use()
            target.release()
            pixel.release()
            out.release()

    def cpu_vertices(self) -> npt.NDArray[np.float64]:
        """(N, 3) skinned vertex positions in the set frame by the numpy LBS reference."""
        from previzkit.render.skinning import lbs

        m = self.mesh
        p = lbs(m.positions, m.joints, m.weights, self._skin)
        return p @ self.placement[:3, :3].T + self.placement[:3, 3]

    def release(self) -> None:
        """Free the GL objects (safe to call twice)."""
        for key, (_, vao) in self._programs.items():
            vao.release()
            _release_program(key)
        self._programs = {}
        objs: list[moderngl.Buffer | moderngl.Texture | moderngl.VertexArray | moderngl.Program]
        objs = [self._vbo, self._jbo, self._ibo, *self._textures]
        if self._feedback_prog is not None:
            objs += [self._feedback_vao, self._feedback_prog]
        if self._depth_prog is not None:
            objs += [self._depth_vao, self._depth_prog]
        for obj in objs:
            obj.release()
        self._textures = []
        self._feedback_prog = None
        self.release = lambda: None  # type: ignore[method-assign]


def load_character_mesh(
    model: str | Path, skeleton: Skeleton, *, what: str = "character model"
) -> SkinnedMesh:
    """The mesh of ``model``: "mannequin" or a skinned .glb/.gltf fitted to ``skeleton``."""
    if str(model) == "mannequin":
        from previzkit.render.mannequin import mannequin_mesh

        return mannequin_mesh(skeleton)
    path = Path(model)
    if path.suffix.lower() not in (".glb", ".gltf"):
        raise InputError(f"{what} {str(model)!r}: expected 'mannequin' or a .glb/.gltf file")
    if not path.is_file():
        raise MissingFileError(f"{what} file not found: {path}")
    from previzkit.render.character_gltf import load_skinned_gltf

    return load_skinned_gltf(path, skeleton)


def character_from_def(
    ctx: moderngl.Context, cdef: Any, skeleton: Skeleton | None = None
) -> Character:
    """A :class:`Character` from a set file's ``CharacterDef``.

    ``cdef`` needs ``name``, ``model`` ("mannequin" or a .glb/.gltf path), ``position``
    (floor, m), ``yaw_deg``, ``color`` (RGB 0..1) and ``height_m``. The skeleton
    defaults to :func:`default_skeleton` at ``height_m`` for the mannequin, and to one
    fitted to the file's joints for glTF characters.
    """
    name = str(getattr(cdef, "name", "character"))
    model = str(getattr(cdef, "model", "mannequin"))
    height = float(getattr(cdef, "height_m", 1.75))
    what = f"character {name!r} model"
    if skeleton is None:
        if model == "mannequin":
            skeleton = default_skeleton(height)
        else:
            from previzkit.render.character_gltf import skeleton_from_gltf

            path = Path(model)
            if not path.is_file():
                raise MissingFileError(f"{what} file not found: {path}")
            skeleton = skeleton_from_gltf(path, height_m=height)
    mesh = load_character_mesh(model, skeleton, what=what)
    return Character(
        ctx,
        mesh,
        skeleton,
        name=name,
        placement=translation(
            getattr(cdef, "position", (0.0, 0.0, 0.0)),
            math.radians(getattr(cdef, "yaw_deg", 0.0)),
        ),
        color=tuple(getattr(cdef, "color", (0.75, 0.72, 0.68))),
    )
