"""Props: meshes from files or kit parts, shaded with normals, material colours and
textures."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from previzkit.core.errors import InputError
from previzkit.render.drawable import FrameUniforms
from previzkit.render.gl import max_anisotropy, program, set_uniform, vertex_array
from previzkit.render.lighting import look_defines, write_frame
from previzkit.render.mesh import MeshPart, load_mesh

if TYPE_CHECKING:
    import moderngl

    from previzkit.model.setfile import PropDef


class _GPUPart:
    def __init__(self, ctx: moderngl.Context, part: MeshPart, num_lights: int) -> None:
        self.ctx = ctx
        self.defines: dict[str, int | bool] = {
            "NUM_LIGHTS": num_lights,
            "TEXTURED": part.texture is not None and part.uvs is not None,
            "VERTEX_COLOR": part.colors is not None,
        }
        self.buffers = [
            ctx.buffer(np.ascontiguousarray(part.positions, np.float32)),
            ctx.buffer(np.ascontiguousarray(part.normals, np.float32)),
        ]
        content = [(self.buffers[0], "3f", "in_position"), (self.buffers[1], "3f", "in_normal")]
        if part.uvs is not None:
            self.buffers.append(ctx.buffer(np.ascontiguousarray(part.uvs, np.float32)))
            content.append((self.buffers[-1], "2f", "in_uv"))
        if part.colors is not None:
            self.buffers.append(ctx.buffer(np.ascontiguousarray(part.colors, np.float32)))
            content.append((self.buffers[-1], "4f", "in_color"))
        self.content = content
        self.index = ctx.buffer(np.ascontiguousarray(part.indices, np.uint32))
        # one (program, vertex array) per look variant, the plain one made now
        self.variants: dict[tuple, tuple[moderngl.Program, moderngl.VertexArray]] = {}
        self.prog, self.vao = self.variant({})
        self.texture = None
        if part.texture is not None:
            h, w = part.texture.shape[:2]
            # uvs have v up (OpenGL, as trimesh gives them): the image's bottom row is t = 0
            rows = np.ascontiguousarray(part.texture[::-1])
            self.texture = ctx.texture((w, h), 4, rows.tobytes())
            self.texture.build_mipmaps()
            self.texture.anisotropy = max_anisotropy(ctx)
        self.depth_vao: moderngl.VertexArray | None = None  # made on the first shadow pass
        self.color = part.base_color
        self.use_vertex_color = part.colors is not None
        self.triangles = part.triangle_count

    def variant(self, look: dict[str, int]) -> tuple[moderngl.Program, moderngl.VertexArray]:
        """The program and vertex array for the look's ``#define``s."""
        key = tuple(sorted(look.items()))
        if key not in self.variants:
            prog = program(self.ctx, "lit", {**self.defines, **look})
            self.variants[key] = (
                prog,
                vertex_array(self.ctx, prog, self.content, index_buffer=self.index),
            )
        return self.variants[key]

    def release(self) -> None:
        for _, vao in self.variants.values():
            vao.release()
        self.variants = {}
        if self.depth_vao is not None:
            self.depth_vao.release()
        for b in self.buffers:
            b.release()
        self.index.release()
        if self.texture is not None:
            self.texture.release()


class MeshDrawable:
    """A mesh (list of parts) with a model matrix; ``color`` tints untextured parts."""

    def __init__(
        self,
        ctx: moderngl.Context,
        parts: list[MeshPart],
        model: np.ndarray | None = None,
        color: tuple[float, float, float] | None = None,
        name: str = "mesh",
        num_lights: int = 1,
    ) -> None:
        self.name = name
        self.model = np.eye(4) if model is None else np.asarray(model, dtype=np.float64)
        self.tint = color
        self.visible = True
        self._parts = [_GPUPart(ctx, p, num_lights) for p in parts]
        pts = [p.positions for p in parts if len(p.positions)]
        stacked = np.concatenate(pts) if pts else np.zeros((1, 3))
        # the mesh's own axis-aligned box (lo, hi), metres, before the model matrix
        self.bounds = (
            stacked.min(axis=0).astype(np.float64),
            stacked.max(axis=0).astype(np.float64),
        )

    @classmethod
    def from_file(cls, ctx: moderngl.Context, path: str | Path, **kwargs) -> MeshDrawable:
        return cls(ctx, load_mesh(path), **kwargs)

    @property
    def triangle_count(self) -> int:
        return sum(p.triangles for p in self._parts)

    def draw(self, ctx: moderngl.Context, frame: FrameUniforms) -> None:
        if not self.visible:
            return
        normal_matrix = np.linalg.inv(self.model[:3, :3]).T
        written = set()
        look = look_defines(frame)
        for part in self._parts:
            prog, vao = part.variant(look)
            if id(prog) not in written:  # parts share programs: write frame values once each
                written.add(id(prog))
                write_frame(prog, frame)
                set_uniform(prog, "u_model", self.model)
                set_uniform(prog, "u_normal_matrix", normal_matrix)
            color = part.color
            if self.tint is not None and part.texture is None and not part.use_vertex_color:
                color = (*self.tint, color[3])
            set_uniform(prog, "u_color", tuple(float(c) for c in color))
            if part.texture is not None:
                part.texture.use(0)
                set_uniform(prog, "u_texture", 0)
            vao.render()

    def draw_depth(self, ctx: moderngl.Context, light_vp: np.ndarray) -> None:
        """Depth only through the light's view-projection (a shadow map's pass)."""
        if not self.visible:
            return
        prog = program(ctx, "depth")
        set_uniform(prog, "u_model", self.model)
        set_uniform(prog, "u_light_vp", light_vp)
        for part in self._parts:
            if part.depth_vao is None:
                part.depth_vao = vertex_array(
                    ctx, prog, [(part.buffers[0], "3f", "in_position")], index_buffer=part.index
                )
            part.depth_vao.render()

    def world_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """The mesh's axis-aligned box in the set (lo, hi), metres."""
        lo, hi = self.bounds
        corners = np.array(
            [[x, y, z, 1.0] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])]
        )
        w = corners @ self.model.T
        return w[:, :3].min(axis=0), w[:, :3].max(axis=0)

    def release(self) -> None:
        for p in self._parts:
            p.release()
        self._parts = []


def prop_parts(prop: PropDef) -> list[MeshPart]:
    """The mesh parts of a set's prop: its file's, or its kit part built at size (in
    the prop's colour)."""
    if prop.kit is not None:
        from previzkit.render.kit import build_parts

        return build_parts(prop.kit, prop.color)
    if prop.mesh is None:
        raise InputError(f"prop {prop.name!r} has neither a mesh file nor a kit part")
    return load_mesh(prop.mesh)


def prop_drawable(ctx: moderngl.Context, prop: PropDef, num_lights: int = 1) -> MeshDrawable:
    """A set's prop ready to draw at its placement. A kit part carries its colours in
    its parts (a door's leaf darker than the wall), so it gets no tint."""
    return MeshDrawable(
        ctx,
        prop_parts(prop),
        model=prop.model_matrix(),
        color=None if prop.kit is not None else prop.color,
        name=prop.name,
        num_lights=num_lights,
    )
